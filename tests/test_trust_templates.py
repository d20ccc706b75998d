"""12.8(b) and 12.12: a ledger's templates and files are never read through a symbolic link, and
a template that loops or overflows ends in one sentence."""

from __future__ import annotations

import os

import pytest

from conftest import Ledger


def test_a_template_linked_to_a_private_key_is_not_followed(ledger: Ledger) -> None:
    secret = ledger.keys["zhou-lx"].read_text(encoding="utf-8")
    (ledger.root / "templates/en").mkdir(parents=True)
    os.symlink(ledger.keys["zhou-lx"], ledger.root / "templates/en/owner.md.j2")
    result = ledger.refused("report", "owner", "8-1-401", "--lang", "en")
    assert "templates/en/owner.md.j2 leads outside the ledger (a symbolic link)" in result.err
    assert "PRIVATE KEY" not in result.out + result.err and secret not in result.out
    # A linked folder on the way, and an include through a link, are refused as well.
    os.unlink(ledger.root / "templates/en/owner.md.j2")
    os.rmdir(ledger.root / "templates/en")
    os.symlink(ledger.keys["zhou-lx"].parent, ledger.root / "templates/en")
    assert "templates/en leads outside the ledger" in ledger.refused(
        "report", "owner", "8-1-401", "--lang", "en").err
    os.unlink(ledger.root / "templates/en")
    (ledger.root / "templates/en").mkdir()
    (ledger.root / "templates/en/owner.md.j2").write_text("{% include 'key.txt' %}",
                                                          encoding="utf-8")
    os.symlink(ledger.keys["zhou-lx"], ledger.root / "templates/en/key.txt")
    result = ledger.refused("report", "owner", "8-1-401", "--lang", "en")
    assert "key.txt leads outside the ledger" in result.err and "PRIVATE KEY" not in result.out
    # Nor one that stays inside the ledger (a key file, say).
    os.unlink(ledger.root / "templates/en/key.txt")
    os.unlink(ledger.root / "templates/en/owner.md.j2")
    os.symlink("../../keys/K-0012.yaml", ledger.root / "templates/en/owner.md.j2")
    assert "templates/en/owner.md.j2 is a symbolic link" in ledger.refused(
        "report", "owner", "8-1-401", "--lang", "en").err


def test_a_ledger_file_in_a_linked_folder_is_not_read(ledger: Ledger, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    os.rename(ledger.root / "keys", elsewhere)
    os.symlink(elsewhere, ledger.root / "keys")
    assert "keys leads outside the ledger" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", as_="zhou-lx").err


@pytest.mark.parametrize("body, why", [
    ("{% for i in range(10**9) %}x{% endfor %}", "a range or a number too big"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "more than 10 seconds"),
    ("{% for i in range(100000) %}{{ 'x' * 99999 }}{% endfor %}", "more than 4 MB of output"),
    ("{{ 2 ** 100000000 }}", "a power of"),
    ("{{ 'x' * 10**9 }}", "repeated"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "it calls itself without end"),
])
def test_a_template_that_runs_away_ends_in_one_sentence(ledger: Ledger, body: str,
                                                         why: str) -> None:
    (ledger.root / "templates/en").mkdir(parents=True)
    (ledger.root / "templates/en/owner.md.j2").write_text(body, encoding="utf-8")
    result = ledger.refused("report", "owner", "8-1-401", "--lang", "en")
    # Named: the ledger's template when it stopped inside it, else the one being rendered.
    assert "The report template " in result.err and "owner." in result.err
    assert "was stopped" in result.err and why in result.err
    assert len(result.err.strip().splitlines()) == 1
