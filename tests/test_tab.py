"""A TAB answered without Typer (keyledger.cli.tab): the same answer as the full application, in
every shell's format, for every kind of value it completes; what it cannot be sure of left to
Typer; its table of the command line held to the application."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger.cli import run as cli_run
from keyledger.cli import tab

ROOT = Path(__file__).resolve().parent.parent


def _env(shell: str, line: str) -> dict[str, str]:
    """The variables a shell's completion script sets for `line` (the word being completed is
    its last, or a new one when it ends with a space)."""
    words = line.split()
    if shell == "bash":
        cword = len(words) if line.endswith(" ") else len(words) - 1
        return {"COMP_WORDS": line, "COMP_CWORD": str(cword)}
    env = {"_TYPER_COMPLETE_ARGS": line}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    if shell == "powershell":
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = "" if line.endswith(" ") else words[-1]
    return env


def both(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, shell: str,
         line: str, **extra: str) -> tuple[tuple[str | None, int] | None, tuple[str, int]]:
    """The fast path's answer (None: left to Typer) and the full application's, in-process."""
    for name in ("COMP_WORDS", "COMP_CWORD", "_TYPER_COMPLETE_ARGS",
                 "_TYPER_COMPLETE_FISH_ACTION", "_TYPER_COMPLETE_WORD_TO_COMPLETE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"_KEYLEDGER_COMPLETE": f"complete_{shell}", **_env(shell, line),
                        **extra}.items():
        monkeypatch.setenv(name, value)
    fast = tab.answer(os.environ)
    ledger.capfd.readouterr()
    status = cli_run([])
    full = (ledger.capfd.readouterr().out, status)
    monkeypatch.delenv("_KEYLEDGER_COMPLETE")  # the next command is a command again
    return fast, full


def same(fast: tuple[str | None, int] | None, full: tuple[str, int]) -> bool:
    assert fast is not None, "left to Typer"
    text, status = fast
    return ("" if text is None else text + "\n", status) == full


ANSWERED = [
    "keyledger checkout K-",                               # a key, from the index
    "keyledger checkout ",
    "keyledger checkout K-0012 --witness ",                # a steward
    "keyledger checkout K-0012 --witness w",
    "keyledger checkout --purpose p",                      # the vocabulary
    "keyledger checkout K-0012 --purpose pl",
    "keyledger checkout --household 8-",                   # a household
    "keyledger history ",                                  # keys and households
    "keyledger household show 8-1",                        # a group's command
    "keyledger schedule add 8-1-401 --every w",
    "keyledger --lang ",                                   # keyledger's own option
    "keyledger --debug handover K-0012 --to z",            # past a flag
    "keyledger checkout K-0012 --note x --purpose ",       # past an option's value
    "keyledger checkout Q",                                # nothing begins so
]

LEFT = [
    "keyledger che",                           # command names
    "keyledger household ",
    "keyledger checkout --pu",                 # option names
    "keyledger checkout --purpose=pl",         # --opt=value
    "keyledger checkout -- K",                 # --
    "keyledger checkout K-0012 ",              # every argument given
    "keyledger checkout K-0012 --note ",       # no completion function
    "keyledger checkout K-0012 --bogus ",      # an option the command does not have
    "keyledger nosuch ",
]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_the_fast_answer_is_the_applications(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                            shell: str) -> None:
    monkeypatch.chdir(ledger.root)  # the ledger found upward, as without -C
    for line in ANSWERED:
        fast, full = both(ledger, monkeypatch, shell, line)
        assert same(fast, full), (line, fast, full)
    assert both(ledger, monkeypatch, "bash", "keyledger checkout K-")[1][0].split() == ["K-0012"]
    for line in LEFT:
        fast, full = both(ledger, monkeypatch, shell, line)
        assert fast is None, (line, fast)


def test_the_ledger_named_on_the_line_and_the_interface_language(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # not in a ledger: only -C names it
    root = str(ledger.root)
    for line in (f"keyledger -C {root} household show ", f"keyledger -C {root} checkout ",
                 f"keyledger -C '{root}' steward show s", "keyledger household show "):
        fast, full = both(ledger, monkeypatch, "bash", line)
        assert same(fast, full), (line, fast, full)
    assert both(ledger, monkeypatch, "bash", f"keyledger -C {root} checkout ")[1][0] == \
        "K-0012\n"
    assert both(ledger, monkeypatch, "bash", "keyledger checkout ")[1][0] == "\n"  # no ledger
    # The interface's language, from the environment as for any command: its words complete.
    fast, full = both(ledger, monkeypatch, "bash", "keyledger checkout --purpose 浇",
                      LANG="zh_CN.UTF-8")
    assert same(fast, full) and full[0] == "浇花\n"
    fast, full = both(ledger, monkeypatch, "bash", "keyledger checkout --purpose pl", LANG="C")
    assert same(fast, full) and full[0] == "plants\n"


def test_fish_asks_whether_there_are_values(ledger: Ledger,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ledger.root)
    for line, status in (("keyledger checkout K", 0), ("keyledger checkout Q", 1)):
        fast, full = both(ledger, monkeypatch, "fish", line,
                          _TYPER_COMPLETE_FISH_ACTION="is-args")
        assert same(fast, full) and full[1] == status


def test_a_new_commit_and_a_missing_index_answer_alike(ledger: Ledger,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ledger.root)
    index = ledger.root / ".git/keyledger/events.sqlite3"
    index.unlink(missing_ok=True)  # a fresh clone: the folder's listing answers
    fast, full = both(ledger, monkeypatch, "bash", "keyledger checkout K-")
    assert same(fast, full) and full[0] == "K-0012\n"
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04")
    fast, full = both(ledger, monkeypatch, "bash", "keyledger checkout K-")
    assert same(fast, full) and full[0] == "K-0012\nK-0013\n"


def test_the_installed_script_answers_fast_and_leaves_the_rest_to_typer(ledger: Ledger) -> None:
    script = str(Path(sys.executable).parent / "keyledger")

    def tab_of(line: str, shell: str = "bash") -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, _KEYLEDGER_COMPLETE=f"complete_{shell}",
                   KEYLEDGER_DIR=str(ledger.root), **_env(shell, line))
        return subprocess.run([script], env=env, capture_output=True, text=True)

    done = tab_of("keyledger checkout K-")
    assert (done.returncode, done.stdout, done.stderr) == (0, "K-0012\n", "")
    done = tab_of("keyledger checkout K-", "zsh")
    assert done.stdout == "_arguments '*: :((\"K-0012\"))'\n"
    assert tab_of("keyledger hou").stdout == "household\n"  # Typer's, as before
    # A completion script installed before keeps working: it calls the same variable.
    env = dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    shown = subprocess.run([script, "--show-completion", "bash"], env=env, capture_output=True,
                           text=True, check=True)
    assert "_KEYLEDGER_COMPLETE=complete_bash" in shown.stdout


def test_the_table_is_the_applications() -> None:
    spec = importlib.util.spec_from_file_location("completion_table",
                                                  ROOT / "tools" / "completion_table.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.TABLE.read_text(encoding="utf-8") == tool.text(), \
        "keyledger/cli/tab_table.py is stale: run `python tools/completion_table.py`"
    # Every completion function the application uses is one the fast path can call.
    from keyledger.cli import completion
    from keyledger.cli.tab_table import COMMANDS

    used = {kind for shape in COMMANDS.values()
            for kind in [*shape["options"].values(), *(a for a, _n in shape["arguments"])]
            if kind not in (None, "", "*")}
    assert "keys:ctx" in used and "purposes" in used
    assert all(callable(getattr(completion, k.split(":")[0], None)) for k in used)
