"""The elderly register's own columns read on import (seed 001: 年龄、居住状态、生日、兴趣爱好):
a 生日 with its year gives the year born and the birthday, a month and day takes the year from
the row's 年龄 or 出生年月, a lunar or yearless birthday is kept in the notes; 居住状态 through
the vocabulary; 兴趣爱好 as a list that only grows; conflicts on them side by side; `export
households` picks households as `household list` does."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import Ledger
from keyledger import yaml

TODAY = "2026-11-25T10:00:00+08:00"
HEADERS = ["户号", "地址", "姓名", "年龄", "出生年月", "生日", "居住状态", "兴趣爱好", "备注"]


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", TODAY)


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "空巢老人台账"
    sheet.append(["紫院社区空巢老人台账"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _file(ledger: Ledger, ident: str) -> dict:
    return yaml.load((ledger.root / "households" / f"{ident}.yaml").read_text(encoding="utf-8"))


ROWS: list[list[object]] = [
    ["1-1-101", "紫院1号楼101", "刘福生", 84, None, "1942-07-15", "独居老人", "京剧、养花", None],
    ["1-1-102", "紫院1号楼102", "侯桂英", None, None, datetime(1940, 12, 5), "空巢",
     "下棋，太极拳", None],
    # 86 on 11-25 with the birthday past: born 1940; 85 with 12-05 still to come: born 1940.
    ["1-1-201", "紫院1号楼201", "郭长顺", "86岁", None, "7月15日", "随子女", None, None],
    ["1-1-202", "紫院1号楼202", "郝玉兰", "８５", None, "12-05", "与老伴同住", None, None],
    # What Excel makes of a typed 7-15: this year's date; the age says the year born.
    ["1-1-301", "紫院1号楼301", "吴秀英", 80, None, datetime(2026, 7, 15), "独居", None, None],
    ["1-1-302", "紫院1号楼302", "邱德胜", None, "1938年3月", "农历八月十五", None, None,
     "听力较差"],
    ["1-1-401", "紫院1号楼401", "贺淑珍", None, None, "3月8日", None, None, None],
    ["1-1-402", "紫院1号楼402", "李国庆", None, "42.7", None, "独居", None, None],
]


def test_the_register_columns_are_read(empty_ledger: Ledger, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "空巢老人台账.xlsx", ROWS)
    plan = json.loads(empty_ledger.ok("household", "import", str(path), "--dry-run",
                                      "--json").out)
    assert plan["errors"] == [] and plan["ignored_columns"] == []
    empty_ledger.ok("household", "import", str(path))
    people = {ident: _file(empty_ledger, ident)["people"][0] for ident in
              ("1-1-101", "1-1-102", "1-1-201", "1-1-202", "1-1-301", "1-1-302", "1-1-401",
               "1-1-402")}
    assert people["1-1-101"] == {"name": "刘福生", "born": 1942, "birthday": "1942-07-15",
                                 "interests": ["京剧", "养花"]}
    assert people["1-1-102"] == {"name": "侯桂英", "born": 1940, "birthday": "1940-12-05",
                                 "interests": ["下棋", "太极拳"]}
    assert (people["1-1-201"]["born"], people["1-1-201"]["birthday"]) == (1940, "1940-07-15")
    assert (people["1-1-202"]["born"], people["1-1-202"]["birthday"]) == (1940, "1940-12-05")
    assert (people["1-1-301"]["born"], people["1-1-301"]["birthday"]) == (1946, "1946-07-15")
    assert people["1-1-302"] == {"name": "邱德胜", "born": 1938}
    assert people["1-1-401"] == {"name": "贺淑珍"}
    assert people["1-1-402"] == {"name": "李国庆", "born": 1942}
    # A birthday no calendar here converts, or without a year to put it in: kept as written.
    assert _file(empty_ledger, "1-1-302")["notes"] == "听力较差\n生日：农历八月十五"
    assert _file(empty_ledger, "1-1-401")["notes"] == "生日：3月8日"
    living = {ident: _file(empty_ledger, ident).get("living") for ident in
              ("1-1-101", "1-1-102", "1-1-201", "1-1-202", "1-1-302")}
    assert living == {"1-1-101": "alone", "1-1-102": "empty-nest", "1-1-201": "with-children",
                      "1-1-202": "empty-nest", "1-1-302": None}
    # The filters read what was imported.
    ids = [h["id"] for h in json.loads(empty_ledger.ok("household", "list", "--living", "独居",
                                                       "--aged", "--json").out)]
    assert ids == ["1-1-101", "1-1-301", "1-1-402"]
    again = json.loads(empty_ledger.ok("household", "import", str(path), "--dry-run",
                                       "--json").out)
    assert {h["action"] for h in again["households"]} == {"same"}


@pytest.mark.parametrize("row,column,words", [
    (["2-1-101", "紫院2号楼101", "王建国", None, None, None, "住养老院", None, None], "居住状态",
     "'住养老院' is not a living situation; choose one of: 独居"),
    (["2-1-101", "紫院2号楼101", "王建国", None, 1943, "1942-07-15", None, None, None], "生日",
     "生日 1942-07-15 and the year born 1943 say different years"),
    (["2-1-101", "紫院2号楼101", "王建国", None, None, "2月30日", None, None, None], "生日",
     "'2月30日' is not a date that exists"),
    (["2-1-101", "紫院2号楼101", "王建国", None, 1943, "2月29日", None, None, None], "生日",
     "1943 has no 29 February"),
])
def test_a_bad_register_cell_is_refused_naming_it(empty_ledger: Ledger, tmp_path: Path,
                                                 row: list[object], column: str,
                                                 words: str) -> None:
    path = _sheet(tmp_path / "台账.xlsx", [row])
    result = empty_ledger.refused("household", "import", str(path))
    assert f"台账.xlsx:3: {column}: {words}" in result.err, result.err


def test_conflicts_on_the_register_fields_are_shown_side_by_side(empty_ledger: Ledger,
                                                                 tmp_path: Path) -> None:
    empty_ledger.ok("household", "add", "1-1-101", "--name", "刘福生", "--address", "紫院1号楼101",
                    "--birthday", "1942-07-15", "--living", "独居", "--interest", "京剧")
    path = _sheet(tmp_path / "台账.xlsx", [
        ["1-1-101", "紫院1号楼101", "刘福生", None, None, "1942-07-16", "与子女同住", "京剧、象棋",
         None]])
    result = empty_ledger.refused("household", "import", str(path))
    assert "居住状态: the ledger has '独居', the sheet '与子女同住'" in result.err, result.err
    assert "生日: the ledger has '1942-07-15', the sheet '1942-07-16'" in result.err
    dry = empty_ledger.run("household", "import", str(path), "--dry-run", "--json")
    assert dry.code == 2
    (item,) = json.loads(dry.out)["households"]
    assert item["action"] == "conflict"
    assert [(c["column"], c["ledger"], c["sheet"], c["conflict"]) for c in item["changes"]] == [
        ("生日", "1942-07-15", "1942-07-16", True),
        ("兴趣爱好", "京剧", "京剧、象棋", False),
        ("居住状态", "独居", "与子女同住", True)]
    empty_ledger.ok("household", "import", str(path), "--update")
    data = _file(empty_ledger, "1-1-101")
    assert data["living"] == "with-children"
    assert (data["people"][0]["birthday"], data["people"][0]["interests"]) == \
        ("1942-07-16", ["京剧", "象棋"])


def test_a_birthday_of_another_year_than_the_ledger_is_a_conflict_not_a_broken_file(
        empty_ledger: Ledger, tmp_path: Path) -> None:
    empty_ledger.ok("household", "add", "1-1-101", "--name", "刘福生", "--address", "紫院1号楼101",
                    "--born", "1941")
    path = _sheet(tmp_path / "台账.xlsx", [
        ["1-1-101", "紫院1号楼101", "刘福生", None, None, "1942-07-15", None, None, None]])
    result = empty_ledger.refused("household", "import", str(path))
    assert "the ledger has '1941', the sheet '1942'" in result.err
    assert "生日: the ledger has None, the sheet '1942-07-15'" in result.err
    empty_ledger.ok("household", "import", str(path), "--update")
    person = _file(empty_ledger, "1-1-101")["people"][0]
    assert (person["born"], person["birthday"]) == (1942, "1942-07-15")


def test_export_households_picks_as_household_list_does(empty_ledger: Ledger,
                                                        tmp_path: Path) -> None:
    import python_calamine

    empty_ledger.ok("household", "import", str(_sheet(tmp_path / "台账.xlsx", ROWS)))
    out = tmp_path / "独居高龄.xlsx"
    empty_ledger.ok("export", "households", "-o", str(out), "--living", "独居", "--aged")
    with python_calamine.CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_index(0).to_python()
    headers = rows[0]
    picked = {r[headers.index("户号")]: r for r in rows[1:]}
    assert sorted(picked) == ["1-1-101", "1-1-301", "1-1-402"]
    first = picked["1-1-101"]
    assert (first[headers.index("生日")], first[headers.index("居住状态")],
            first[headers.index("兴趣爱好")], first[headers.index("高龄")]) == \
        (date(1942, 7, 15), "独居", "京剧、养花", "是")  # a date cell, as offices sort by it
    text = empty_ledger.ok("export", "households", "--format", "csv", "--flag", "独居").out
    assert text.lstrip("\ufeff").splitlines()[1:] == []  # nobody carries the flag 独居
    refused = empty_ledger.refused("export", "keys", "-o", str(tmp_path / "k.xlsx"), "--aged")
    assert "--flag, --living and --aged pick households" in refused.err
    refused = empty_ledger.refused("export", "households", "-o", str(tmp_path / "h.xlsx"),
                                   "--living", "住养老院")
    assert "--living: '住养老院' is not a living situation" in refused.err
    assert not (tmp_path / "h.xlsx").exists() and not (tmp_path / "k.xlsx").exists()
