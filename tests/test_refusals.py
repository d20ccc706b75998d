"""Every refused request exits 2 with one sentence, and leaves HEAD and the work tree unchanged."""

from __future__ import annotations

import pytest

from conftest import Ledger


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "a\x07b", ".hidden", "-rf", "a..b", "x" * 65,
                                 "a b"])
def test_ids_that_break_the_rule(ledger: Ledger, bad: str) -> None:
    for args in (["checkout", bad, "--purpose", "plants"], ["household", "show", bad],
                 ["history", bad], ["household", "add", bad, "--name", "x", "--address", "y"],
                 ["key", "add", "--household", "8-1-401", "--id", bad]):
        result = ledger.refused(*args, as_="zhou-lx")
        # A leading dash is taken for an option before the id rule sees it: still refused.
        assert "is not allowed" in result.err or (bad.startswith("-") and "Usage:" in result.err)


def test_unknown_ids_suggest_the_nearest(ledger: Ledger) -> None:
    assert "Did you mean: K-0012" in ledger.refused("checkout", "K-12", "--purpose", "plants").err
    assert "Did you mean: 8-1-401" in ledger.refused("household", "show", "8-1-410").err
    assert "There is no steward 'zhou'" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", "--witness", "zhou").err
    assert "There is no household '9-9-999'" in ledger.refused(
        "key", "add", "--household", "9-9-999", as_="liu-sj").err


def test_checking_out_a_key_that_is_out_says_who_has_it(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:02:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    result = ledger.refused("checkout", "K-0012", "--purpose", "heating", as_="wang-dh")
    assert "already out with 周丽霞 (13900000001) since 2026-11-25 14:02" in result.err


def test_returning_a_key_you_do_not_hold(ledger: Ledger) -> None:
    assert "not out" in ledger.refused("return", "K-0012", as_="zhou-lx").err
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert "held by 周丽霞 (13900000001), not by you (王德厚)" in ledger.refused(
        "return", "K-0012", as_="wang-dh").err


def test_no_signing_key_or_a_key_of_no_active_steward(ledger: Ledger) -> None:
    ledger.git("config", "--unset", "user.signingkey")
    assert "no SSH signing key configured" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants").err
    assert "belongs to no steward" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", as_="outsider").err
    path = ledger.root / "stewards/sun-yp.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("active: true", "active: false"),
                    encoding="utf-8")
    ledger.git("commit", "-qam", "sun-yp leaves")
    assert "no longer an active steward" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", as_="sun-yp").err


def test_a_key_file_broken_by_hand_is_reported_with_path_line_and_field(ledger: Ledger) -> None:
    path = ledger.root / "keys/K-0012.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("state: in", "state: inn"),
                    encoding="utf-8")
    result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert "keys/K-0012.yaml:7: state: expected one of: in, out, lost, handed-back, found 'inn'" \
        in result.err


def test_a_household_file_with_broken_yaml(ledger: Ledger) -> None:
    path = ledger.root / "households/8-1-401.yaml"
    text = path.read_text(encoding="utf-8").replace("kind: resident", "kind: [resident")
    path.write_text(text, encoding="utf-8")
    result = ledger.refused("household", "show", "8-1-401")
    assert "households/8-1-401.yaml:" in result.err and "not valid YAML" in result.err


def test_a_valid_hand_edit_that_was_never_committed_is_not_swept_into_a_commit(ledger: Ledger) -> None:
    path = ledger.root / "keys/K-0012.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("slot: A-03", "slot: A-09"),
                    encoding="utf-8")
    result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert "never committed" in result.err


def test_other_refusals(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    assert "not a purpose" in ledger.refused("checkout", "K-0012", "--purpose", "party").err
    assert "not after the checkout" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", "--expect-back", "0h").err
    assert "is not a duration, a time or a date and time" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", "--expect-back", "tomorrow-ish").err
    message = ledger.refused("checkout", "K-0012", "--purpose", "plants", "--expect-back",
                             "3x").err
    assert "'3x' is not a duration" in message
    assert "3h, 90m, 17:00 or 2026-11-25 17:00" in message
    assert "Only a supervisor" in ledger.refused(
        "steward", "add", "x-y", "--name", "X", "--key", str(ledger.keys["outsider"]) + ".pub").err
    assert "already registered to zhou-lx" in ledger.refused(
        "steward", "add", "x-y", "--name", "X", "--key", str(ledger.keys["zhou-lx"]) + ".pub",
        as_="liu-sj").err
    assert "already a key" in ledger.refused("key", "add", "--household", "8-1-401", "--id",
                                             "K-0012").err
    assert "slot A-03 already holds K-0012" in ledger.refused(
        "key", "add", "--household", "8-1-401", "--slot", "A-03").err
    assert "--flag: 'rich' is not a flag; choose one of: lives-alone" in ledger.refused(
        "household", "add", "1-1-101", "--name", "x", "--address", "y", "--flag", "rich").err
    assert "There is no steward 'nobody'" in ledger.refused(
        "household", "add", "1-1-101", "--name", "x", "--address", "y", "--pair", "nobody,wang-dh").err
    assert "already a household" in ledger.refused(
        "household", "add", "8-1-401", "--name", "x", "--address", "y").err


def test_no_ledger_found(tmp_path, capfd, monkeypatch) -> None:
    from keyledger.cli import run

    monkeypatch.chdir(tmp_path)
    assert run(["status"]) == 2
    assert "No ledger here" in capfd.readouterr().err
