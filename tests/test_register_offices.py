"""Registers from offices the corpus's first layouts did not know (tests/register_corpus.py has
them as whole files): one reader of phone cells and one of addresses for every column they come
from, names spaced to line up, the same home written two ways, and what is refused — in one
sentence, exit 2, nothing written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import Ledger
from keyledger.spreadsheet.address import places
from keyledger.spreadsheet.cells import CellError, age, born, phone, plain_name


@pytest.mark.parametrize("cell,stored", [
    ("13800000101 / 13900000103", "13800000101 / 13900000103"),
    ("13800000101、0571-86543210", "13800000101 / 0571-86543210"),
    ("13800000101\n13900000201", "13800000101 / 13900000201"),
    ("13800000101 13900000201", "13800000101 / 13900000201"),
    ("138 0000 0101", "13800000101"),
    ("0571 87654321", "0571-87654321"),
    ("（0571）87654321", "0571-87654321"),
    ("0571—87654321", "0571-87654321"),
    ("手机：13800000101", "13800000101"),
    ("座机87654321", "87654321"),
    ("13800000101（本人）", "13800000101"),
    ("13800000101（本人）13900000201（女儿）", "13800000101 / 13900000201（女儿）"),
    ("13800000101 女儿13900000201", "13800000101 / 13900000201（女儿）"),
    ("女儿：13900000201", "13900000201（女儿）"),
    ("１３８００００01０1", "13800000101"),
    ("0571-87654321转8021", "0571-87654321转8021"),
    ("0571-87654321 分机 8021（办公室）", "0571-87654321转8021（办公室）"),
    (13800000101, "13800000101"),
    ("13800000101.0", "13800000101"),  # a number a program saved as text
])
def test_one_reader_of_phone_cells(cell: object, stored: str) -> None:
    assert phone(cell) == stored
    assert phone(stored) == stored  # what the ledger keeps reads back as itself (export → import)


@pytest.mark.parametrize("cell,why", [
    ("找女儿", "is not a phone number"),
    ("0571-8765432", "not a phone number in use in China"),
    ("1380000010113900000201", "a mobile number has 11 digits"),
])
def test_a_phone_cell_that_is_not_one_says_so(cell: str, why: str) -> None:
    with pytest.raises(CellError, match=why):
        phone(cell)


@pytest.mark.parametrize("cell,year", [
    (86, 1940), ("86岁", 1940), ("86周岁", 1940), ("８６", 1940), ("八十六岁", 1940), ("86.0", 1940)])
def test_ages_as_offices_write_them(cell: object, year: int) -> None:
    assert age(cell, date(2026, 11, 25)) == year


@pytest.mark.parametrize("cell,year", [
    ("1942年07月", 1942), ("42.7", 1942), ("42年7月", 1942), ("05.3", 2005),
    ("1942-7-15 0:00:00", 1942), ("１９４２年７月", 1942), ("一九四二年", 1942)])
def test_years_born_as_offices_write_them(cell: object, year: int) -> None:
    assert born(cell, date(2026, 11, 25)) == year


def test_a_number_is_no_year_born() -> None:
    with pytest.raises(CellError, match="is not a year of birth"):
        born(42, date(2026, 11, 25))


@pytest.mark.parametrize("address,place", [
    ("花园小区3栋2单元501室", ("花园小区", "3", "2", "501")),
    ("花园小区3号楼2单元501", ("花园小区", "3", "2", "501")),
    ("花园小区3-2-501", ("花园小区", "3", "2", "501")),
    ("花园小区3幢二单元5楼501（东户）", ("花园小区", "3", "2", "501")),
    ("花园小区3号楼2单元5层501室", ("花园小区", "3", "2", "501")),
    ("3-2-501", ("", "3", "2", "501")),
    ("3号楼-2-501", ("", "3", "2", "501")),
    ("8号楼1门401", ("", "8", "1", "401")),
    ("十三号楼一单元101", ("", "13", "1", "101")),
    ("阳光花园B座1单元201", ("阳光花园", "B", "1", "201")),
    ("3#楼2单元501", ("", "3", "2", "501")),
    ("３号楼２单元５０１", ("", "3", "2", "501")),
    ("万科紫院2期3号楼2单元501", ("万科紫院2期", "3", "2", "501")),
    ("建设路12号院3号楼2单元501", ("建设路12号院", "3", "2", "501")),
    ("3栋501", ("", "3", "", "501")),
    ("东四三条12号", None),
])
def test_one_reader_of_addresses(address: str, place: tuple[str, ...] | None) -> None:
    assert places(address) == place


@pytest.mark.parametrize("written,name", [
    ("王  芳", "王芳"), ("钱 玉 珍", "钱玉珍"), ("张 晓梅", "张晓梅"), ("欧阳 娜", "欧阳娜"),
    ("孙\u3000丽", "孙丽"), ("李晓梅 女儿", "李晓梅 女儿"), ("Mary Smith", "Mary Smith")])
def test_a_name_spaced_to_line_up_is_one_name(written: str, name: str) -> None:
    assert plain_name(" ".join(written.split())) == name


def _book(path: Path, rows: list[list[object]], before: list[list[object]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if before is not None:
        sheet.title = "说明"
        for row in before:
            sheet.append(row)
        sheet = book.create_sheet("台账")
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_the_same_home_written_another_way_is_the_same_household(ledger: Ledger,
                                                                  tmp_path: Path) -> None:
    ledger.ok("household", "add", "花园小区-3-2-501", "--name", "王秀兰", "--address",
              "花园小区3栋2单元501室", "--born", "1940")
    path = _book(tmp_path / "花名册.xlsx", [["住址", "户主姓名"], ["花园小区3-2-501", "王秀兰"],
                                          ["花园小区3号楼2单元502", "李德胜"],
                                          ["花园小区3幢二单元502室", "李德胜"]])
    plan = json.loads(ledger.ok("household", "import", str(path), "--dry-run", "--json").out)
    assert [(h["id"], h["action"], h["rows"], h["fields"]) for h in plan["households"]] == [
        ("花园小区-3-2-501", "same", [2], []), ("花园小区-3-2-502", "add", [3, 4], [])]


def test_a_room_cell_holding_the_whole_place_agrees_with_the_others(ledger: Ledger,
                                                                     tmp_path: Path) -> None:
    path = _book(tmp_path / "台账.xlsx", [["楼栋", "单元", "门牌号", "姓名"],
                                         ["3", "2", "3-2-501", "王秀兰"],
                                         ["3号楼", "2单元", "3号楼2单元502", "李德胜"],
                                         ["3#", "二单元", "601室", "赵国庆"]])
    plan = json.loads(ledger.ok("household", "import", str(path), "--dry-run", "--json").out)
    assert [(h["id"], h["address"]) for h in plan["households"]] == [
        ("3-2-501", "3号楼2单元501"), ("3-2-502", "3号楼2单元502"), ("3-2-601", "3号楼2单元601")]


def test_a_place_written_without_its_estate_takes_the_sheets_estate(ledger: Ledger,
                                                                    tmp_path: Path) -> None:
    ledger.ok("household", "add", "花园小区-3-2-602", "--name", "李德胜", "--address",
              "花园小区3栋2单元602室", "--born", "1944")
    path = _book(tmp_path / "花名册.xlsx", [["住址", "户主姓名"], ["花园小区3栋2单元501室", "王秀兰"],
                                          ["3-2-502", "赵国庆"], ["3号楼2单元602", "李德胜"]])
    plan = json.loads(ledger.ok("household", "import", str(path), "--dry-run", "--json").out)
    assert [(h["id"], h["action"], h["address"]) for h in plan["households"]] == [
        ("花园小区-3-2-501", "add", "花园小区3栋2单元501室"), ("花园小区-3-2-502", "add", "3-2-502"),
        ("花园小区-3-2-602", "same", "花园小区3栋2单元602室")]


@pytest.mark.parametrize("rows,before,words", [
    # The same household twice, saying two things: which is right is the office's to say.
    ([["户号", "地址", "姓名", "电话"], ["15-1-101", "15号楼1单元101", "王秀兰", "13800000101"],
      ["15-1-101", "15号楼1单元101", "王秀兰", "13800000109"]], None,
     "台账.xlsx:3: 户号: the same household as row 2 (15-1-101), which says otherwise: 电话: "
     "the ledger has '13800000101', the sheet '13800000109'"),
    ([["户号", "地址", "姓名", "电话"], ["15-1-101", "15号楼1单元101", "王秀兰", "找她女儿"]],
     None, "台账.xlsx:2: 电话: '找她女儿' is not a phone number"),
    ([["地址", "姓名"], ["东四三条12号", "王秀兰"]], None,
     "台账.xlsx:2: 地址: '东四三条12号' does not say a building and a room"),
    ([["请按表头填写"], ["户号写楼-单元-室"]], [["填表说明"]],
     "no header row found in its first 30 rows"),
    # Never an id of half-read words (3号楼东区-501): the cells are read as one address or not.
    ([["楼号", "房号", "姓名"], ["3号楼东区", "501", "王秀兰"]], None,
     "台账.xlsx:2: 楼号: '3号楼东区' does not say a building, unit or room"),
    # Every bad cell of the row at once, the id's first: the office fixes them in one go.
    ([["楼栋", "单元", "门牌号", "姓名", "居住状态"], ["3", "2", "4-2-601", "王秀兰", "住养老院"]],
     None, "台账.xlsx:2: 门牌号: '4-2-601' is in another building or unit than the row's 楼栋、单元 "
     "say; 居住状态: '住养老院' is not a living situation"),
    # Which estate a place without one is in, when the sheet's others name two, is the office's.
    ([["地址", "姓名"], ["花园小区3栋2单元501室", "王秀兰"], ["阳光花园1栋1单元101", "赵国庆"],
      ["3-2-502", "李德胜"]], None,
     "台账.xlsx:4: 地址: '3-2-502' names no estate, and the sheet's other addresses name 花园小区、"
     "阳光花园: write which"),
    ([["地址", "姓名", "是否独居"], ["3号楼2单元501", "王秀兰", "偶尔"]], None,
     "台账.xlsx:2: 是否独居: '偶尔': write 是 or 否"),
])
def test_what_cannot_be_read_is_refused_in_one_sentence(ledger: Ledger, tmp_path: Path,
                                                       rows: list[list[object]],
                                                       before: list[list[object]] | None,
                                                       words: str) -> None:
    path = _book(tmp_path / "台账.xlsx", rows, before)
    result = ledger.refused("household", "import", str(path))
    assert words in result.err, result.err
    assert "Traceback" not in result.err


def test_hidden_rows_are_skipped_and_named(ledger: Ledger, tmp_path: Path) -> None:
    path = _book(tmp_path / "台账.xlsx", [["户号", "地址", "姓名"],
                                         ["15-1-101", "15号楼1单元101", "王秀兰"],
                                         ["15-1-102", "15号楼1单元102", "李德胜"]])
    book = openpyxl.load_workbook(path)
    book.active.row_dimensions[3].hidden = True
    book.save(path)
    result = ledger.ok("household", "import", str(path))
    assert "Row 3 skipped: hidden in the sheet; show the row and import again to bring it in " \
        "(15-1-102 15号楼1单元102 李德胜)." in result.err
    assert (ledger.root / "households" / "15-1-101.yaml").exists()
    assert not (ledger.root / "households" / "15-1-102.yaml").exists()
