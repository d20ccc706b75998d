"""The elderly register's fields (seed 001: 年龄、居住状态、生日、兴趣爱好): living situation,
birthday and interests on the household, 高龄 from age at the ledger's threshold, usable in
`household list` filters, `household show` and the export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import Ledger


@pytest.fixture
def register(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "13-1-201", "--name", "孟淑芬", "--address", "江华府一期13号楼201",
              "--pair", "zhou-lx,wang-dh", "--born", "1940", "--birthday", "1940-12-05",
              "--interest", "京剧", "--interest", "养花", "--living", "独居",
              "--flag", "lives-alone", as_="liu-sj")
    ledger.ok("household", "add", "13-1-202", "--name", "郭建华", "--address", "江华府一期13号楼202",
              "--pair", "zhou-lx,wang-dh", "--born", "1952", "--living", "empty-nest")
    return ledger


def _ids(lg: Ledger, *args: str) -> list[str]:
    return [h["id"] for h in json.loads(lg.ok("household", "list", *args, "--json").out)]


def test_the_register_fields_are_kept_and_shown(register: Ledger) -> None:
    data = json.loads(register.ok("household", "show", "13-1-201", "--json").out)
    assert data["living"] == "alone"
    assert data["people"][0]["birthday"] == "1940-12-05"
    assert data["people"][0]["interests"] == ["京剧", "养花"]
    # 85 on 2026-11-20: the birthday in December is still to come.
    assert data["ages"] == [85] and data["aged"] is True
    shown = register.ok("household", "show", "13-1-201", "--lang", "zh").out
    assert "居住状态" in shown and "独居" in shown
    assert "85 岁 · 生日 12-05" in shown and "京剧、养花" in shown
    other = json.loads(register.ok("household", "show", "13-1-202", "--json").out)
    assert (other["living"], other["aged"]) == ("empty-nest", False)


def test_household_list_filters_on_the_register(register: Ledger) -> None:
    assert _ids(register, "--living", "alone") == ["13-1-201"]
    assert _ids(register, "--living", "空巢") == ["13-1-202"]
    assert _ids(register, "--aged") == ["13-1-201"]
    assert _ids(register, "--flag", "独居", "--aged") == ["13-1-201"]
    assert _ids(register, "--flag", "elderly") == ["8-1-401"]
    table = register.ok("household", "list", "--aged").out
    assert "13-1-201" in table and "13-1-202" not in table and "8-1-401" not in table
    # The threshold is the ledger's: from 90, nobody here is 高龄.
    register.ok("policy", "welfare", "--aged-from", "90", as_="liu-sj")
    assert _ids(register, "--aged") == []
    register.ok("policy", "welfare", "--aged-from", "74", as_="liu-sj")
    assert _ids(register, "--aged") == ["13-1-201", "13-1-202"]


def test_edit_changes_the_register_fields(register: Ledger) -> None:
    register.ok("household", "edit", "13-1-202", "--living", "与子女同住", "--birthday",
                "1952-03-08", "--interest", "下棋")
    data = json.loads(register.ok("household", "show", "13-1-202", "--json").out)
    assert data["living"] == "with-children"
    assert (data["people"][0]["birthday"], data["people"][0]["interests"]) == \
        ("1952-03-08", ["下棋"])
    assert _ids(register, "--living", "with-children") == ["13-1-202"]


def test_bad_register_values_are_refused_and_nothing_written(register: Ledger) -> None:
    for args, words in (
            (["household", "edit", "13-1-202", "--living", "一个人"], "--living"),
            (["household", "edit", "13-1-202", "--birthday", "十二月"], "十二月"),
            (["household", "edit", "13-1-202", "--birthday", "2027-01-01"], "still to come"),
            (["household", "add", "13-1-203", "--address", "13号楼203", "--birthday",
              "1950-01-01"], "--name"),
            (["household", "list", "--living", "独自"], "--living"),
            (["household", "list", "--flag", "高个子"], "--flag")):
        result = register.refused(*args)
        assert words in result.err, (args, result.err)


def test_the_export_has_the_register_columns(register: Ledger) -> None:
    text = register.ok("export", "households", "--format", "csv").out.lstrip("\ufeff")
    rows = {r["户号"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows["13-1-201"]["年龄"], rows["13-1-201"]["高龄"], rows["13-1-201"]["居住状态"],
            rows["13-1-201"]["出生年份"], rows["13-1-201"]["生日"],
            rows["13-1-201"]["兴趣爱好"]) == ("85", "是", "独居", "1940", "1940-12-05", "京剧、养花")
    assert (rows["13-1-202"]["出生年份"], rows["13-1-202"]["生日"], rows["13-1-202"]["高龄"],
            rows["13-1-202"]["居住状态"]) == ("1952", "", "", "空巢")
