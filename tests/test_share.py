"""`share create` (a local folder and a real ssh server with git-shell), and records shared as
they are made: a sync in the background of each changing command, bounded in time."""

from __future__ import annotations

import fcntl
import json
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Ledger
from sshserver import SSHServer, ssh_server  # noqa: F401,F811 — the fixture


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True).stdout


def _clone_command(printed: str, key: Path) -> list[str]:
    """The command `share create` printed for the stewards, with this steward's key."""
    (line,) = [x for x in printed.splitlines() if x.startswith("keyledger clone ")]
    return [key.as_posix() if word == "~/.ssh/id_ed25519" else word
            for word in shlex.split(line)[1:]]


def _clone(lg: Ledger, printed: str, who: str, where: Path) -> Ledger:
    args = _clone_command(printed, lg.keys[who])
    result = lg.run(*args[:2], str(where), *args[2:])
    assert result.code == 0, result.err
    return Ledger(where, lg.keys, lg.capfd)


def test_share_create_makes_the_guarded_shared_ledger_and_says_what_stewards_run(
        ledger: Ledger, tmp_path: Path) -> None:
    office = tmp_path / "office" / "ledger.git"
    created = ledger.ok("share", "create", str(office), as_="liu-sj")
    assert f"keyledger clone {office} --key ~/.ssh/id_ed25519" in created.out
    assert _git(office, "rev-parse", "main").strip() == ledger.head()
    for name in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        assert _git(office, "config", name).strip() == "true"
    assert "keyledger-server pre-receive" in (office / "hooks/pre-receive").read_text()
    assert ledger.git("rev-parse", "origin/main").strip() == ledger.head()
    zhou = _clone(ledger, created.out, "zhou-lx", tmp_path / "zhou")
    assert zhou.ok("whoami").out.startswith("zhou-lx\t")
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    zhou.ok("sync")
    assert _git(office, "rev-parse", "main").strip() == zhou.head()
    # The supervisor's own ledger is now a clone like the others: plain `git pull` works too.
    ledger.git("pull", "-q")
    assert ledger.head() == zhou.head()


def test_share_create_refuses_and_writes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    office = tmp_path / "office.git"
    result = ledger.refused("share", "create", str(office), as_="zhou-lx")
    assert "Only a supervisor may set up the shared ledger" in result.err
    assert not office.exists() and ledger.git("remote").strip() == ""
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    result = ledger.refused("share", "create", str(tmp_path / "full"), as_="liu-sj")
    assert "already exists and is not empty" in result.err
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    assert "a folder or an ssh:// address" in ledger.refused("share", "create",
                                                             "https://example.com/x.git").err
    ledger.ok("share", "create", str(office))
    again = ledger.refused("share", "create", str(tmp_path / "second.git"))
    assert f"already shared at {office}" in again.err and not (tmp_path / "second.git").exists()


def test_share_create_and_sync_over_ssh_with_git_shell(ledger: Ledger, tmp_path: Path,
                                                        ssh_server: SSHServer) -> None:
    url = ssh_server.url("ledger.git")
    created = ledger.ok("share", "create", url, as_="liu-sj")
    office = ssh_server.folder / "ledger.git"
    assert _git(office, "rev-parse", "main").strip() == ledger.head()
    zhou = _clone(ledger, created.out, "zhou-lx", tmp_path / "zhou")
    wang = _clone(ledger, created.out, "wang-dh", tmp_path / "wang")
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    assert zhou.ok("sync").code == 0
    assert "1 new commit(s)" in wang.ok("sync").err
    assert wang.head() == zhou.head() == _git(office, "rev-parse", "main").strip()
    # The guard runs on the server: a commit signed by nobody is refused over ssh.
    (wang.root / "keys/K-0012.yaml").write_text(
        (wang.root / "keys/K-0012.yaml").read_text(encoding="utf-8").replace("A-03", "A-09"),
        encoding="utf-8")
    wang.git("-c", "commit.gpgsign=false", "commit", "-qam", "by hand")
    pushed = subprocess.run(["git", "-C", str(wang.root), "push", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode != 0 and "keyledger: refused" in pushed.stderr
    assert "not signed" in pushed.stderr
    assert _git(office, "rev-parse", "main").strip() == zhou.head()
    # git-shell lets nothing else run on the server.
    shell = subprocess.run([*shlex.split(ssh_server.ssh_command), "-p", str(ssh_server.port),
                            f"{ssh_server.user}@127.0.0.1", "touch", str(tmp_path / "x")],
                           capture_output=True, text=True)
    assert shell.returncode != 0 and not (tmp_path / "x").exists()


def test_share_create_over_ssh_says_when_keyledger_is_missing_there(
        ledger: Ledger, ssh_server: SSHServer) -> None:
    (ssh_server.folder.parent / "home/git-shell-commands/keyledger-server").unlink()
    result = ledger.refused("share", "create", ssh_server.url("ledger.git"), as_="liu-sj")
    assert "keyledger must be installed there" in result.err
    assert ledger.git("remote").strip() == ""


# Records shared as they are made ----------------------------------------------------------

def settle(lg: Ledger, timeout: float = 60) -> dict[str, object]:
    """Wait for the background sync a command started: its attempt is recorded after the
    request, and no sync holds the clone's sync lock."""
    state = lg.root / ".git/keyledger"
    asked = json.loads((state / "share-requested").read_text())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            attempt = json.loads((state / "share-attempt.json").read_text())
        except (OSError, ValueError):
            attempt = {}
        if attempt.get("id", 0) > asked:
            with open(state / "sync.lock", "w") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass
                else:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    if json.loads((state / "share-requested").read_text()) == asked:
                        return attempt
                    asked = json.loads((state / "share-requested").read_text())
        time.sleep(0.05)
    raise AssertionError("the background sync did not finish")


@pytest.fixture
def office(ledger: Ledger, tmp_path: Path) -> Path:
    bare = tmp_path / "office.git"
    ledger.ok("share", "create", str(bare), as_="liu-sj")
    return bare


def _steward(ledger: Ledger, office: Path, who: str, where: Path) -> Ledger:
    assert ledger.run("clone", str(office), str(where), "--key", str(ledger.keys[who])).code == 0
    lg = Ledger(where, ledger.keys, ledger.capfd)
    assert "in the background" in lg.ok("share", "auto", "--on", "--timeout", "8").err
    return lg


def test_each_record_is_shared_as_it_is_made(ledger: Ledger, office: Path,
                                             tmp_path: Path) -> None:
    zhou = _steward(ledger, office, "zhou-lx", tmp_path / "zhou")
    done = zhou.ok("checkout", "K-0012", "--purpose", "plants")
    assert "K-0012 is out with" in done.err and "shared" not in done.err  # no wait, no noise
    assert settle(zhou)["kind"] == "shared"
    assert _git(office, "rev-parse", "main").strip() == zhou.head()
    assert "Everything is shared" in zhou.ok("status").err
    # A reading command starts nothing; the supervisor's clone shares a roster change too.
    ledger.ok("share", "auto", "--on")
    ledger.ok("sync")
    ledger.ok("steward", "edit", "sun-yp", "--phone", "13900000099")
    assert settle(ledger)["kind"] == "shared"
    assert _git(office, "rev-parse", "main").strip() == ledger.head()


def test_offline_it_says_so_once_and_the_next_record_catches_up(
        ledger: Ledger, office: Path, tmp_path: Path) -> None:
    zhou = _steward(ledger, office, "zhou-lx", tmp_path / "zhou")
    away = office.with_name("moved.git")
    office.rename(away)  # the office's server is out of reach
    zhou.ok("checkout", "K-0012", "--purpose", "plants")  # the record is made all the same
    assert settle(zhou)["kind"] == "offline"
    told = zhou.ok("status").err
    assert "Not shared yet: the shared ledger could not be reached." in told
    assert "1 record(s) not yet shared, the first since" in told
    assert "could not reach the shared ledger" in told
    zhou.ok("return", "K-0012")
    assert settle(zhou)["kind"] == "offline"
    again = zhou.ok("status").err
    assert "Not shared yet" not in again  # said once
    assert "2 record(s) not yet shared" in again
    away.rename(office)
    zhou.ok("checkout", "K-0012", "--purpose", "heating")
    assert settle(zhou)["kind"] == "shared"
    assert "Back online: your records are shared." in zhou.ok("status").err
    assert _git(office, "rev-parse", "main").strip() == zhou.head()
    assert _git(office, "rev-list", "--count", "main").strip() == \
        zhou.git("rev-list", "--count", "HEAD").strip()


def test_the_background_sync_gives_up_in_its_time_and_never_touches_the_record(
        ledger: Ledger, office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    zhou = _steward(ledger, office, "zhou-lx", tmp_path / "zhou")
    zhou.ok("share", "auto", "--timeout", "1")
    # A server that never answers: ssh that waits forever.
    zhou.git("remote", "set-url", "origin", "ssh://office.invalid/ledger.git")
    monkeypatch.setenv("GIT_SSH_COMMAND", "sleep 600 #")
    before = zhou.head()
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    attempt = settle(zhou, timeout=20)
    assert attempt["kind"] == "offline"
    assert zhou.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert zhou.git("status", "--porcelain") == ""
    stuck = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True)
    assert stuck.stdout.strip() == ""  # ssh (and git) were stopped, not left behind
