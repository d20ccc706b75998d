"""The corpus of registers (register_corpus.py): each layout, written as a real .xlsx, .xls, .ods
or .csv, imports as its fictional people say, skipping the same rows; and what keyledger exports
imports again as "unchanged"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import register_corpus
from conftest import Ledger
from keyledger import yaml

CASES = register_corpus.cases()


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", f"{register_corpus.TODAY.isoformat()}T10:00:00+08:00")


def household_file(ledger: Ledger, ident: str) -> dict:
    return yaml.load((ledger.root / "households" / f"{ident}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("reg,fmt", CASES, ids=[f"{r.name}-{f}" for r, f in CASES])
def test_each_register_imports_as_its_people_say(empty_ledger: Ledger, tmp_path: Path,
                                                 reg: register_corpus.Register, fmt: str) -> None:
    path = reg.write(tmp_path, fmt)
    plan = json.loads(empty_ledger.ok("household", "import", str(path), *reg.args, "--dry-run",
                                      "--json").out)
    assert plan["errors"] == []
    assert sorted(h["id"] for h in plan["households"]) == sorted(reg.expected)
    assert {h["action"] for h in plan["households"]} == {"add"}
    assert [(s["row"], s["reason"]) for s in plan["skipped"]] == reg.skipped
    assert plan["ignored_columns"] == reg.ignored
    assert plan["not_stored_columns"] == reg.not_stored

    result = empty_ledger.ok("household", "import", str(path), *reg.args)
    assert f"{len(reg.expected)} added" in result.err
    for ident, expected in reg.expected.items():
        data = household_file(empty_ledger, ident)
        assert {k: data[k] for k in expected} == expected, ident
    if reg.not_stored:  # the identity card numbers are nowhere in the ledger
        numbers = [register_corpus.id_number(p, 18 + i)
                   for i, p in enumerate(register_corpus.people(18, 6))]
        text = "".join(p.read_text(encoding="utf-8")
                       for p in (empty_ledger.root / "households").iterdir())
        assert not any(n in text for n in numbers) and not any(n[:14] in text for n in numbers)
        assert not any(n in empty_ledger.git("log", "-p") for n in numbers)

    # Imported again, the same register changes nothing.
    again = json.loads(empty_ledger.ok("household", "import", str(path), *reg.args, "--dry-run",
                                       "--json").out)
    assert {h["action"] for h in again["households"]} == {"same"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_again_unchanged(empty_ledger: Ledger, tmp_path: Path,
                                           fmt: str) -> None:
    for reg in register_corpus.corpus():
        if "xlsx" in reg.formats:
            empty_ledger.ok("household", "import", str(reg.write(tmp_path, "xlsx")), *reg.args)
    out = tmp_path / f"export.{fmt}"
    empty_ledger.ok("export", "households", "-o", str(out))
    dry = json.loads(empty_ledger.ok("household", "import", str(out), "--dry-run",
                                     "--json").out)
    total = sum(len(r.expected) for r in register_corpus.corpus() if "xlsx" in r.formats)
    assert len(dry["households"]) == total and dry["errors"] == []
    assert {h["action"] for h in dry["households"]} == {"same"}, \
        [h for h in dry["households"] if h["action"] != "same"]
    assert dry["ignored_columns"] == []
