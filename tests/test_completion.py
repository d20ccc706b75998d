"""Shell completion: commands, ids from the ledger (stewards, households, keys), purposes and
other vocabularies; the callbacks, and real completions through `_KEYLEDGER_COMPLETE`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger.cli import completion
from keyledger.i18n import set_language
from keyledger.cli import run as cli_run


def complete(ledger: Ledger, line: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What bash completion offers for `line` (the word being completed is its last one, or a
    new one if it ends with a space), run in-process through Typer's own mechanism."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    monkeypatch.setenv("_KEYLEDGER_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(cword))
    ledger.capfd.readouterr()
    assert cli_run([]) == 0
    out = ledger.capfd.readouterr().out
    monkeypatch.delenv("_KEYLEDGER_COMPLETE")
    return out.split()


def test_callbacks_offer_the_ledgers_ids_and_the_vocabularies(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KEYLEDGER_DIR", str(ledger.root))
    assert completion.stewards(None, "") == ["liu-sj", "sun-yp", "wang-dh", "zhou-lx"]
    assert completion.stewards(None, "w") == ["wang-dh"]
    assert completion.households(None, "8-") == ["8-1-401"]
    assert completion.keys(None, "K") == ["K-0012"]
    assert completion.keys_and_households(None, "") == ["K-0012", "8-1-401"]
    assert completion.assignees(None, "") == ["a", "b", "liu-sj", "sun-yp", "wang-dh", "zhou-lx"]
    assert completion.pairs(None, "zhou-lx,") == ["zhou-lx,liu-sj", "zhou-lx,sun-yp",
                                                  "zhou-lx,wang-dh"]
    assert completion.purposes("p") == ["plants", "pets"]
    assert completion.purposes("inspection,h") == ["inspection,heating"]
    assert "call" in completion.visit_purposes("") and "call" not in completion.purposes("")
    assert completion.flags("l") == ["lives-alone", "low-income", "lock-change"]
    # In Chinese: the names, and what begins with what was typed (a synonym, a code).
    set_language("zh")
    try:
        assert completion.purposes("")[:3] == ["巡查", "浇花", "照看宠物"]
        assert completion.purposes("暖") == ["暖气检查"]
        assert completion.purposes("看") == ["看看", "看花", "看暖气"]  # synonyms
        assert completion.purposes("pl") == ["plants"]              # a code still completes
        assert completion.care("绿植、暖") == ["绿植、暖气"]
        assert {"周一到周五", "周末", "周一", "周三"} <= set(completion.weekdays("周"))
        assert completion.flags("独") == ["独居"]
    finally:
        set_language("en")
    assert completion.import_fields("电话=ph") == ["电话=phone"]
    assert completion.import_fields("电话") == []
    monkeypatch.setenv("KEYLEDGER_DIR", str(tmp_path))  # not a ledger: nothing, and no error
    assert completion.households(None, "") == []


def test_bash_completion_of_commands_ids_and_purposes(ledger: Ledger,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = str(ledger.root)
    assert complete(ledger, "keyledger hou", monkeypatch) == ["household"]
    assert complete(ledger, "keyledger household ca", monkeypatch) == ["card"]
    assert complete(ledger, f"keyledger -C {root} checkout ", monkeypatch) == ["K-0012"]
    assert complete(ledger, f"keyledger -C {root} checkout K-0012 --purpose p",
                    monkeypatch) == ["plants", "pets"]
    assert complete(ledger, f"keyledger -C {root} household show ", monkeypatch) == ["8-1-401"]
    assert complete(ledger, f"keyledger -C {root} handover K-0012 --to z",
                    monkeypatch) == ["zhou-lx"]
    assert complete(ledger, f"keyledger -C {root} history ", monkeypatch) == ["K-0012", "8-1-401"]
    assert complete(ledger, f"keyledger -C {root} export ", monkeypatch) == \
        ["households", "keys", "visits"]
    monkeypatch.chdir(ledger.root)  # without -C: the ledger found upward, as git finds one
    assert complete(ledger, "keyledger steward show s", monkeypatch) == ["sun-yp"]


def test_the_installed_script_completes_and_shows_its_script(ledger: Ledger) -> None:
    script = str(Path(sys.executable).parent / "keyledger")
    env = dict(os.environ, _KEYLEDGER_COMPLETE="complete_bash", KEYLEDGER_DIR=str(ledger.root),
               COMP_WORDS="keyledger schedule add 8", COMP_CWORD="3")
    done = subprocess.run([script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["8-1-401"]
    env = dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    shown = subprocess.run([script, "--show-completion", "bash"], env=env, capture_output=True,
                           text=True, check=True)
    assert "_KEYLEDGER_COMPLETE=complete_bash" in shown.stdout
    assert "complete -o default -F _keyledger_completion keyledger" in shown.stdout
