"""Shared fixtures: real ssh-keygen keys, real git repositories, the CLI run in-process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import pytest

from keyledger.cli import run as cli_run

STEWARDS = {"liu-sj": "刘淑娟", "zhou-lx": "周丽霞", "wang-dh": "王德厚", "sun-yp": "孙玉萍",
            "outsider": "路人甲"}


@pytest.fixture(scope="session")
def _git_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own global git config: clones share their records only when a test says so
    (`share auto --on`), so that the tests of `sync` decide when each clone syncs."""
    path = tmp_path_factory.mktemp("gitconfig") / "config"
    path.write_text("[keyledger]\n\tautoshare = false\n")
    return path


@pytest.fixture
def chinese() -> Iterator[None]:
    """The interface in Chinese in this process (for calls of the core, not of the CLI)."""
    from keyledger.i18n import set_language

    set_language("zh")
    yield None
    set_language("en")


def _test_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' own clock: `monkeypatch.setenv("KEYLEDGER_TEST_NOW",
    "2026-11-25T14:00:00+08:00")` stands the commands run in this process at that moment. Only here: keyledger reads no
    variable for the time, so an installed command (a hook, the console script) keeps the real
    one."""
    from keyledger import timeutil

    def clock(tz: tzinfo) -> datetime:
        fixed = os.environ.get("KEYLEDGER_TEST_NOW")
        return datetime.fromisoformat(fixed).astimezone(tz) if fixed else datetime.now(tz)

    monkeypatch.setattr(timeutil, "clock", clock)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, _git_config: Path) -> None:
    # Tests must not see the developer's own git identity, ledger or language.
    for var in ("KEYLEDGER_DIR", "KEYLEDGER_TEST_NOW", "LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR",
                "SSH_AUTH_SOCK", "GIT_SSH_COMMAND"):
        monkeypatch.delenv(var, raising=False)
    _test_clock(monkeypatch)
    # The interface language is process state: a test that switched it (the CLI does, for
    # --lang or a Chinese ledger) must not leave the next test speaking Chinese.
    from keyledger.i18n import set_language

    set_language("en")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(_git_config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("COLUMNS", "200")
    # keyledger installed as a steward's shell finds it: the hooks run it from the PATH.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real ed25519 key pair per person, made by ssh-keygen."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for ident in STEWARDS:
        path = folder / ident
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ident, "-f",
                        str(path)], check=True)
        out[ident] = path
    return out


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Ledger:
    root: Path
    keys: dict[str, Path]
    capfd: pytest.CaptureFixture[str]

    def run(self, *args: str, as_: str | None = None, input: str | None = None) -> Result:
        """Run keyledger on this ledger, signing as `as_` when given."""
        if as_:
            self.use(as_)
        self.capfd.readouterr()
        code = cli_run(["-C", str(self.root), *args])
        captured = self.capfd.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str, as_: str | None = None) -> Result:
        result = self.run(*args, as_=as_)
        assert result.code == 0, result.err
        return result

    def use(self, steward: str) -> None:
        self.git("config", "user.signingkey", str(self.keys[steward]))

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], check=True,
                              capture_output=True, text=True).stdout

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def snapshot(self) -> tuple[str, str, str]:
        """HEAD, git status and a digest of every file in the work tree."""
        digest = hashlib.sha256()
        for path in sorted(self.root.rglob("*")):
            if ".git" in path.relative_to(self.root).parts or not path.is_file():
                continue
            digest.update(str(path.relative_to(self.root)).encode() + path.read_bytes())
        return self.head(), self.git("status", "--porcelain", "--untracked-files=all"), \
            digest.hexdigest()

    def refused(self, *args: str, as_: str | None = None) -> Result:
        """Run a request that must be refused: exit 2, one message, nothing written."""
        if as_:
            self.use(as_)
        before = self.snapshot()
        result = self.run(*args)
        assert result.code == 2, (result.code, result.out, result.err)
        assert "Traceback" not in result.err
        assert self.snapshot() == before
        return result


# When the fixtures' ledgers are made: before every moment a test stands at, and in the past
# of the machine's clock, so that each test's events come after them (verify finds a
# household's events out of order otherwise).
FOUNDED = "2026-11-01T08:00:00+08:00"


@contextmanager
def _founding(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clock at FOUNDED, then back to what the test set (an autouse fixture's moment)."""
    before = os.environ.get("KEYLEDGER_TEST_NOW")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", FOUNDED)
    try:
        yield
    finally:
        if before is None:
            monkeypatch.delenv("KEYLEDGER_TEST_NOW")
        else:
            monkeypatch.setenv("KEYLEDGER_TEST_NOW", before)


@pytest.fixture
def empty_ledger(tmp_path: Path, keys: dict[str, Path], capfd: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> Ledger:
    root = tmp_path / "ledger"
    with _founding(monkeypatch):
        code = cli_run(["init", str(root), "--community", "花卉社区", "--supervisor", "liu-sj",
                        "--name", STEWARDS["liu-sj"], "--key", str(keys["liu-sj"])])
    assert code == 0, capfd.readouterr().err
    return Ledger(root, keys, capfd)


@pytest.fixture
def ledger(empty_ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """A small ledger: a supervisor, an A/B pair, one more steward, a household and its key."""
    founding = _founding(monkeypatch)
    founding.__enter__()
    lg = empty_ledger
    for ident in ("zhou-lx", "wang-dh", "sun-yp"):
        lg.ok("steward", "add", ident, "--name", STEWARDS[ident], "--phone", "13900000001",
              "--key", str(lg.keys[ident]) + ".pub")
    lg.ok("household", "add", "8-1-401", "--name", "王秀兰", "--address", "东升家园8号楼1单元401",
          "--pair", "zhou-lx,wang-dh", "--flag", "elderly", "--flag", "away-season",
          "--care", "plants", "--care", "heating")
    lg.ok("household", "authorize", "8-1-401", "--from", "2026-01-01", "--until", "2030-12-31",
          "--purpose", "inspection,plants,pets,heating,contractor,repair,delivery,other")
    lg.ok("key", "add", "--household", "8-1-401", "--id", "K-0012", "--slot", "A-03",
          "--label", "入户门钥匙, 两把一串")
    founding.__exit__(None, None, None)
    return lg


def keyledger_argv() -> list[str]:
    """The installed keyledger script, for a test that runs it in a process of its own; at the
    test's moment when it stands at one (KEYLEDGER_TEST_NOW), through demo/at.py, which sets the
    clock inside its own process, as keyledger reads no variable for the time."""
    import sys

    moment = os.environ.get("KEYLEDGER_TEST_NOW")
    if moment:
        return [sys.executable, str(Path(__file__).parent.parent / "demo" / "at.py"), moment]
    return [str(Path(sys.executable).parent / "keyledger")]


def terminal(ledger: Ledger, args: list[str], answers: list[tuple[str, str]]) -> tuple[int, str, str]:
    """Run the keyledger script on a real pseudo-terminal, typing each answer when its prompt
    (a substring) appears, in order; stdout and stderr go to files, so what appears only on the
    terminal can be told apart. Returns (exit status, screen, stdout + stderr)."""
    import pty
    import select
    import sys
    import time

    command = keyledger_argv()
    out_path, err_path = ledger.root.parent / "pty.out", ledger.root.parent / "pty.err"
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root))
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.dup2(os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        os.execve(command[0], [*command, *args], env)
    screen, pending, typed = b"", list(answers), 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
        if pending and screen[typed:].count(pending[0][0].encode()):
            typed = len(screen)
            os.write(fd, pending.pop(0)[1].encode() + b"\n")
    if time.monotonic() >= deadline:  # stuck at a prompt nobody answers: not for ever
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return (os.waitstatus_to_exitcode(status), screen.decode(errors="replace"),
            out_path.read_text() + err_path.read_text())


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real headless Chromium with a fresh profile (tests/browser.py), shared by the session."""
    from browser import Browser, executable

    if executable() is None:
        pytest.skip("chromium is not installed (Debian's chromium package; `make test` installs "
                    "it with tools/system-deps.sh where it can)")
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def story_template(tmp_path_factory: pytest.TempPathFactory,
                   keys: dict[str, Path]) -> tuple[Path, dict[str, Path]]:
    """The seed stories' week (tests/story.py), built once and copied for each test."""
    import story

    folder = tmp_path_factory.mktemp("story")
    everyone = dict(keys)
    for path in sorted((story.SAMPLE / "stewards").glob("*.yaml")):
        if path.stem not in everyone:
            everyone[path.stem] = folder / path.stem
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.stem,
                            "-f", str(everyone[path.stem])], check=True)
    with pytest.MonkeyPatch.context() as mp:
        for var in ("KEYLEDGER_DIR", "KEYLEDGER_TEST_NOW", "LC_ALL", "LC_MESSAGES", "LANG"):
            mp.delenv(var, raising=False)
        mp.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        _test_clock(mp)  # the week's moments: built before any test's own fixtures
        story.build(folder / "ledger", everyone, cli_run, folder)
    return folder / "ledger", everyone


@pytest.fixture
def story(story_template: tuple[Path, dict[str, Path]], tmp_path: Path,
          capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """A copy of the seed stories' week, standing on its Saturday noon."""
    import shutil

    import story as seed

    root = tmp_path / "ledger"
    shutil.copytree(story_template[0], root, symlinks=True)
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", seed.NOON_SATURDAY)
    return Ledger(root, story_template[1], capfd)
