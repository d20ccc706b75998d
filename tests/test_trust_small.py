"""12.12, the small ones: a read-only ledger answers, escape sequences are neutralised on a
terminal, a NUL in a form has its own message."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import Ledger

READING = [["status"], ["household", "list"], ["key", "list"], ["steward", "list"],
           ["household", "show", "8-1-401"], ["key", "show", "K-0012"], ["history", "K-0012"],
           ["due"], ["check"], ["verify"], ["whoami"], ["report", "owner", "8-1-401"],
           ["visit", "list"]]


@pytest.fixture
def read_only(ledger: Ledger, tmp_path: Path) -> Ledger:
    """The ledger, mounted read-only (a CD, a write-protected stick, a share without rights)."""
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    shutil.rmtree(ledger.root / ".git/keyledger")  # nothing derived kept yet, nowhere to keep it
    view = tmp_path / "read-only"
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(ledger.root), str(view)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only view here (needs root)")
    subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
    yield Ledger(view, ledger.keys, ledger.capfd)
    subprocess.run(["umount", str(view)], check=True)


def test_a_read_only_ledger_answers_reading_commands(read_only: Ledger) -> None:
    for command in READING:
        result = read_only.run(*command)
        assert result.code in (0, 1), (command, result.err)
        assert "Traceback" not in result.err and "read-only" not in result.err, (command, result.err)
    assert "K-0012" in read_only.run("status").out
    refused = read_only.run("return", "K-0012")
    assert refused.code == 2 and "Traceback" not in refused.err


def _on_a_terminal(ledger: Ledger, *args: str) -> str:
    """Everything keyledger writes when its output is a terminal (a real pseudo-terminal)."""
    import os
    import pty
    import sys

    script = str(Path(sys.executable).parent / "keyledger")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(script, [script, "-C", str(ledger.root), *args], dict(os.environ))
    screen = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    os.waitpid(pid, 0)
    return screen.decode("utf-8", "replace")


def test_escape_sequences_in_names_and_notes_are_neutralised_on_a_terminal(ledger: Ledger) -> None:
    """Typed text loses its control characters at input; a file edited by hand, or a commit
    made elsewhere, can still hold them: a terminal must not obey them."""
    evil = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202e"
    path = ledger.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "name: 王秀兰", "name: " + json.dumps("王秀兰" + evil)), encoding="utf-8")
    ledger.git("commit", "-qam", "hand edit\n\nKeyledger-Action: household-edit\n"
               "Keyledger-Note: x" + evil)
    ledger.ok("checkout", "K-0012", "--purpose", "plants", "--note", "浇水" + evil, as_="zhou-lx")
    for args in (["household", "show", "8-1-401"], ["household", "list"], ["status"],
                 ["history", "8-1-401"], ["check"], ["key", "show", "K-0012"]):
        screen = _on_a_terminal(ledger, *args)
        for sequence in ("\x1b]0;", "\x1b[2J", "\x1b]52", "\x07", "\u202e"):
            assert sequence not in screen, (args, screen)
    assert "王秀兰" in _on_a_terminal(ledger, "household", "show", "8-1-401")


def test_a_nul_in_a_form_has_its_own_message(ledger: Ledger, tmp_path: Path) -> None:
    form = tmp_path / "household.yaml"
    form.write_text('name: "王\\0秀兰"\naddress: 东升家园\n', encoding="utf-8")
    result = ledger.refused("household", "add", "8-1-402", "--from-file", str(form), as_="liu-sj")
    assert "the field name holds a NUL character" in result.err
    assert "could not sign" not in result.err
