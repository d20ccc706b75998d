"""Ids as people say them: a key's tag number in any case or width, a household by its
resident's name or address, a steward by name; what could be two is refused, naming each."""

from __future__ import annotations

import yaml

from conftest import Ledger


def _key(lg: Ledger, ident: str) -> dict:
    return yaml.safe_load((lg.root / "keys" / f"{ident}.yaml").read_text(encoding="utf-8"))


def test_a_key_in_any_case_or_width(ledger: Ledger) -> None:
    ledger.ok("checkout", "k-0012", "--purpose", "浇花", as_="zhou-lx")
    assert _key(ledger, "K-0012")["state"] == "out"
    assert "K-0012" in ledger.ok("key", "show", "ｋ－００１２").out
    ledger.ok("return", "K-0012")
    refused = ledger.refused("checkout", "K-0021", "--purpose", "浇花")
    assert "There is no key 'K-0021'" in refused.err and "K-0012" in refused.err


def test_a_household_by_its_residents_name_or_address(ledger: Ledger) -> None:
    shown = ledger.ok("household", "show", "王秀兰").out
    assert "8-1-401" in shown
    assert "8-1-401" in ledger.ok("household", "show", "8号楼1单元401").out
    ledger.ok("checkout", "--household", "王秀兰", "--purpose", "浇花", as_="zhou-lx")
    assert _key(ledger, "K-0012")["holder"] == "zhou-lx"
    ledger.ok("return", "K-0012")
    ledger.ok("visit", "add", "王秀兰", "--purpose", "电话问候", "--outcome", "接通", "--note", "一切正常")
    assert "K-0012" in ledger.ok("history", "王秀兰").out
    refused = ledger.refused("--lang", "zh", "household", "show", "王秀")
    assert "8-1-401 王秀兰（东升家园8号楼1单元401）" in refused.err, refused.err


def test_a_name_two_households_share_is_refused_naming_both(ledger: Ledger) -> None:
    ledger.ok("household", "add", "9-2-101", "--name", "王秀兰", "--address", "东升家园9号楼2单元101",
              "--pair", "zhou-lx,wang-dh", as_="liu-sj")
    refused = ledger.refused("--lang", "zh", "checkout", "--household", "王秀兰", "--purpose",
                             "浇花", as_="zhou-lx")
    assert "8-1-401 王秀兰（东升家园8号楼1单元401）" in refused.err, refused.err
    assert "9-2-101 王秀兰（东升家园9号楼2单元101）" in refused.err, refused.err
    none = ledger.refused("checkout", "--household", "9号楼2单元101", "--purpose", "浇花")
    assert "has no key in custody" in none.err, none.err
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--label", "单元门禁卡",
              "--kind", "门禁卡", as_="liu-sj")
    two = ledger.refused("checkout", "--household", "8-1-401", "--purpose", "浇花", as_="zhou-lx")
    assert "has 2 keys: K-0012" in two.err and "K-0013" in two.err, two.err
    both = ledger.refused("checkout", "K-0012", "--household", "8-1-401", "--purpose", "浇花")
    assert "one of them" in both.err


def test_stewards_by_name(ledger: Ledger) -> None:
    ledger.ok("household", "pair", "8-1-401", "--a", "王德厚", "--b", "周丽霞", as_="liu-sj")
    h = yaml.safe_load((ledger.root / "households" / "8-1-401.yaml").read_text(encoding="utf-8"))
    assert h["pair"] == {"a": "wang-dh", "b": "zhou-lx"}
    ledger.ok("checkout", "K-0012", "--purpose", "浇花", "--witness", "孙玉萍", as_="zhou-lx")
    assert _key(ledger, "K-0012")["witness"] == "sun-yp"
    ledger.ok("handover", "K-0012", "--to", "王德厚")
    assert _key(ledger, "K-0012")["holder"] == "wang-dh"
    ledger.ok("steward", "add", "zhou-lx2", "--name", "周丽霞", "--key",
              str(ledger.keys["outsider"]) + ".pub", as_="liu-sj")
    refused = ledger.refused("return", "K-0012", "--witness", "周丽霞", as_="wang-dh")
    assert "周丽霞 is the name of 2 stewards: zhou-lx, zhou-lx2" in refused.err, refused.err
    unknown = ledger.refused("steward", "show", "王得厚")
    assert "There is no steward '王得厚'" in unknown.err and "王德厚 (wang-dh)" in unknown.err
