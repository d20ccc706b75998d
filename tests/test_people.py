"""People by name in everything a steward reads; the id only where two share a name; a phone
where the next step is to call someone."""

from __future__ import annotations

from conftest import Ledger
from keyledger.i18n import set_language


def test_a_refusal_whose_next_step_is_a_call_gives_the_phone(ledger: Ledger) -> None:
    ledger.ok("steward", "edit", "zhou-lx", "--phone", "13900000003", as_="liu-sj")
    ledger.ok("checkout", "K-0012", "--purpose", "浇花", as_="zhou-lx")
    try:
        refused = ledger.refused("--lang", "zh", "checkout", "K-0012", "--purpose", "浇花",
                                 as_="wang-dh")
    finally:
        set_language("en")
    assert "K-0012 在 周丽霞（13900000003）手里" in refused.err, refused.err
    assert "zhou-lx" not in refused.err
    english = ledger.refused("return", "K-0012", as_="wang-dh")
    assert "held by 周丽霞 (13900000003), not by you (王德厚)" in english.err, english.err
    outside = ledger.refused("checkout", "K-0012", "--purpose", "浇花", as_="sun-yp")
    assert "(周丽霞 (13900000003), 王德厚 (13900000001))" in outside.err or \
        "already out with 周丽霞 (13900000003)" in outside.err, outside.err


def test_lists_and_cards_name_people(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "浇花", "--witness", "sun-yp", as_="zhou-lx")
    ledger.ok("schedule", "add", "8-1-401", "--every", "每天", "--at", "10:00", "--purpose",
              "电话问候", "--steward", "B岗")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "电话问候", "--outcome", "接通", "--with",
              "王德厚")
    for args in (("status",), ("key", "list"), ("key", "show", "K-0012"),
                 ("household", "show", "8-1-401"), ("history", "K-0012"), ("due",),
                 ("schedule", "list", "8-1-401"), ("visit", "list")):
        out = ledger.ok("--lang", "zh", *args)
        text = out.out + out.err
        for ident in ("zhou-lx", "wang-dh", "sun-yp"):
            assert ident not in text, (args, text)
    set_language("en")
    shown = ledger.ok("household", "show", "8-1-401").out
    assert "A 周丽霞 (13900000001), B 王德厚 (13900000001)" in shown, shown
    assert "B: 王德厚" in ledger.ok("schedule", "list", "8-1-401").out


def test_two_stewards_of_one_name_are_told_apart_by_id(ledger: Ledger) -> None:
    ledger.ok("steward", "edit", "sun-yp", "--name", "周丽霞", as_="liu-sj")
    ledger.ok("checkout", "K-0012", "--purpose", "浇花", "--witness", "sun-yp", as_="zhou-lx")
    status = ledger.ok("status").out
    assert "周丽霞 (sun-yp), not confirmed" in status, status


def test_commit_subjects_are_in_the_ledgers_language(empty_ledger: Ledger, tmp_path) -> None:
    from conftest import STEWARDS
    from keyledger.cli import run

    lg = empty_ledger  # locale zh_CN, the default
    lg.ok("steward", "add", "zhou-lx", "--name", STEWARDS["zhou-lx"], "--key",
          str(lg.keys["zhou-lx"]) + ".pub", "--lang", "en")
    assert lg.git("log", "-1", "--format=%s").strip() == "刘淑娟 登记网格员 周丽霞（zhou-lx）"
    assert "Keyledger-Role: steward" in lg.git("log", "-1", "--format=%B")
    english = tmp_path / "english"
    assert run(["init", str(english), "--community", "Maple Court", "--supervisor", "liu-sj",
                "--name", "Liu", "--key", str(lg.keys["liu-sj"]), "--locale", "en_US"]) == 0
    assert Ledger(english, lg.keys, lg.capfd).git("log", "-1", "--format=%s").strip() == \
        "ledger of Maple Court begun, supervisor Liu"
