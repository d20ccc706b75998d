"""Keys with a passphrase: ssh-agent when the key is there; otherwise one prompt per command or
sync, in the interface's language; without either, one sentence and nothing moves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Ledger, keyledger_argv, terminal

SECRET = "门口的桂花树"


def _locked_copy(key: Path, folder: Path) -> Path:
    """The same key pair, its private half protected by a passphrase."""
    copy = folder / f"{key.name}-locked"
    shutil.copy(key, copy)
    shutil.copy(f"{key}.pub", f"{copy}.pub")
    os.chmod(copy, 0o600)
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", SECRET, "-f", str(copy)],
                   check=True)
    return copy


@pytest.fixture
def shared(ledger: Ledger, tmp_path: Path) -> dict[str, Ledger]:
    ledger.ok("share", "create", str(tmp_path / "office.git"), as_="liu-sj")
    assert ledger.run("clone", str(tmp_path / "office.git"), str(tmp_path / "zhou"), "--key",
                      str(ledger.keys["zhou-lx"])).code == 0
    return {"liu-sj": ledger, "zhou-lx": Ledger(tmp_path / "zhou", ledger.keys, ledger.capfd)}


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real ssh-agent of the test's own."""
    socket = tmp_path / "agent.sock"
    process = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # until it answers: 1 is "no identities", 2 no agent
        if subprocess.run(["ssh-add", "-l"], capture_output=True).returncode == 1:
            break
        time.sleep(0.02)
    try:
        yield socket
    finally:
        process.terminate()
        process.wait()


def _add_to_agent(key: Path, tmp_path: Path) -> None:
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f"#!/bin/sh\necho '{SECRET}'\n", encoding="utf-8")
    askpass.chmod(0o700)
    env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force",
               DISPLAY="none")
    subprocess.run(["ssh-add", "-q", str(key)], env=env, check=True, stdin=subprocess.DEVNULL,
                   start_new_session=True)


def _without_terminal(lg: Ledger, *args: str) -> subprocess.CompletedProcess[str]:
    """The keyledger script with no terminal at all (a new session, stdin closed), at the
    test's moment when it stands at one (conftest.keyledger_argv)."""
    return subprocess.run([*keyledger_argv(), "-C", str(lg.root), *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, start_new_session=True)


def _signed_by(lg: Ledger, n: int) -> list[str]:
    return lg.git("log", f"-{n}", "--format=%G? %GS").split("\n")[:n]


def test_a_key_in_ssh_agent_signs_without_a_prompt_or_a_terminal(
        shared: dict[str, Ledger], agent: Path, tmp_path: Path) -> None:
    zhou = shared["zhou-lx"]
    locked = _locked_copy(zhou.keys["zhou-lx"], tmp_path)
    zhou.ok("use-key", str(locked))
    _add_to_agent(locked, tmp_path)
    done = _without_terminal(zhou, "checkout", "K-0012", "--purpose", "plants")
    assert done.returncode == 0, done.stderr
    shared["liu-sj"].ok("household", "edit", "8-1-401", "--notes", "冬季注意暖气")
    shared["liu-sj"].ok("sync")
    synced = _without_terminal(zhou, "sync")  # replays and re-signs the checkout
    assert synced.returncode == 0, synced.stderr
    assert "replayed: 周丽霞 取出 K-0012" in synced.stderr
    assert _signed_by(zhou, 2) == ["G zhou-lx", "G liu-sj"]


def test_without_an_agent_one_prompt_per_sync_in_the_interfaces_language(
        shared: dict[str, Ledger], tmp_path: Path) -> None:
    zhou, liu = shared["zhou-lx"], shared["liu-sj"]
    zhou.ok("use-key", str(_locked_copy(zhou.keys["zhou-lx"], tmp_path)))
    answer = [("Passphrase of your SSH key", SECRET)]
    code, screen, _out = terminal(zhou, ["checkout", "K-0012", "--purpose", "plants"], answer)
    assert code == 0 and screen.count("Passphrase of your SSH key") == 1, screen
    code, screen, _out = terminal(zhou, ["return", "K-0012"], answer)
    assert code == 0, screen
    liu.ok("household", "edit", "8-1-401", "--notes", "冬季注意暖气")
    liu.ok("sync")
    code, screen, out = terminal(zhou, ["sync", "--lang", "zh"], [("SSH 密钥密码", SECRET)])
    assert code == 0, out
    assert screen.count("你的 SSH 密钥密码") == 1  # once for two commits signed again
    assert "Enter passphrase" not in screen and "passphrase" not in screen.lower()
    assert _signed_by(zhou, 3) == ["G zhou-lx", "G zhou-lx", "G liu-sj"]
    assert subprocess.run(["pgrep", "-f", "keyledger-agent-"], capture_output=True,
                          text=True).stdout == ""  # the private agent is gone with the sync


def test_a_signing_failure_stops_sync_in_one_sentence_moving_nothing(
        shared: dict[str, Ledger], tmp_path: Path) -> None:
    zhou, liu = shared["zhou-lx"], shared["liu-sj"]
    copy = tmp_path / "zhou-copy"
    shutil.copy(zhou.keys["zhou-lx"], copy)
    shutil.copy(f"{zhou.keys['zhou-lx']}.pub", f"{copy}.pub")
    zhou.ok("use-key", str(copy))
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    liu.ok("household", "edit", "8-1-401", "--notes", "冬季注意暖气")
    liu.ok("sync")
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", SECRET, "-f", str(copy)],
                   check=True)  # she set a passphrase since
    def seen() -> tuple[object, ...]:
        return zhou.snapshot(), zhou.git("rev-parse", "origin/main"), zhou.git("branch")

    before = seen()
    done = _without_terminal(zhou, "sync")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "has a passphrase and is not in ssh-agent, and there is no terminal to ask for it" \
        in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1
    assert "conflict" not in done.stderr.lower()
    assert seen() == before
    assert zhou.git("branch", "--list", "keyledger/*") == ""
    status = json.loads(zhou.ok("status", "--json").out)["sync"]
    assert status["unpushed"] == 1 and status["last_attempt"]["kind"] == "signing"


def test_a_key_unlocked_for_a_record_signs_its_background_sync_then_is_let_go(
        shared: dict[str, Ledger], tmp_path: Path) -> None:
    from test_share import settle

    zhou, liu = shared["zhou-lx"], shared["liu-sj"]
    zhou.ok("use-key", str(_locked_copy(zhou.keys["zhou-lx"], tmp_path)))
    zhou.ok("share", "auto", "--on")
    liu.ok("household", "edit", "8-1-401", "--notes", "冬季注意暖气")
    liu.ok("sync")  # the background sync will have to sign zhou's checkout again
    code, screen, out = terminal(zhou, ["checkout", "K-0012", "--purpose", "plants"],
                                 [("Passphrase of your SSH key", SECRET)])
    assert code == 0 and screen.count("Passphrase of your SSH key") == 1, out
    assert settle(zhou)["kind"] == "shared"
    assert zhou.git("rev-parse", "HEAD") == liu.git("ls-remote", "origin", "main").split()[0] + "\n"
    assert _signed_by(zhou, 2) == ["G zhou-lx", "G liu-sj"]
    assert subprocess.run(["pgrep", "-f", "keyledger-agent-"], capture_output=True,
                          text=True).stdout == ""
