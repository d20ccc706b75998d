"""A register read through the one vocabulary (keyledger/vocab.py): its headers and `--map` name
the import's fields by code, Chinese name or any header offices write, and its cells say flags,
care items and kinds in any of their words — the interface's own Chinese names included."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Ledger
from keyledger import vocab, yaml
from keyledger.errors import FatalError
from keyledger.spreadsheet import cells, columns
from keyledger.spreadsheet.cells import CellError


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T10:00:00+08:00")


def test_every_word_of_a_field_is_its_header_and_its_map_target() -> None:
    for row in vocab.IMPORT_FIELD.rows:
        for word in row.words():
            header = columns.normalize_header(word)
            assert columns.field_of(header) == row.code, word
            assert columns.known(header)
            assert columns.parse_map([f"某列={word}"]) == {"某列": row.code}
    assert columns.CANONICAL["room"] == "房号" and columns.FIELDS[0] == "id"
    assert columns.parse_map(["门牌=房号", "楼栋（幢）=楼号", "备用=-"]) == {
        "门牌": "room", "楼栋": "building", "备用": "-"}


def test_an_unknown_field_lists_the_fields_in_the_interfaces_language(chinese: object) -> None:
    with pytest.raises(FatalError) as refused:
        columns.parse_map(["店主=店老板"])
    assert "户号、小区、楼号、单元、房号、户名、姓名" in refused.value.message
    assert "contact_phone" not in refused.value.message


@pytest.mark.parametrize("cell,kind,codes", [
    ("季节性外出、独居", "flags", ["away-season", "lives-alone"]),
    ("南飞老人，低保户", "flags", ["away-season", "low-income"]),
    ("Lives-Alone; 高龄", "flags", ["lives-alone", "elderly"]),
    ("暖气检查/浇花", "care", ["heating", "plants"]),
    ("看暖气 燃气 门窗", "care", ["heating", "gas", "windows"]),
    ("照看宠物、冰箱", "care", ["pets", "fridge"]),
    ("商铺", "kind", ["merchant"]), ("居民户", "kind", ["resident"]),
])
def test_a_cell_says_its_words_as_people_do(cell: str, kind: str, codes: list[str]) -> None:
    assert cells.words(cell, kind) == codes


def test_every_name_of_a_flag_or_care_item_is_read_from_a_cell() -> None:
    for kind, which in (("flags", vocab.FLAG), ("care", vocab.CARE_ITEM)):
        for row in which.rows:
            for word in (row.code, row.zh, *row.also):
                assert row.code in cells.words(word, kind), word


def test_an_unknown_word_in_a_cell_lists_the_choices_as_a_register_writes_them() -> None:
    with pytest.raises(CellError) as refused:
        cells.words("独居、贫困", "flags")
    assert str(refused.value) == ("'贫困' is not a flag; choose one of: 独居、高龄、南飞、通勤、低保、"
                                  "残疾、宠物、商户、待换锁")


def test_a_register_in_the_offices_words_is_imported_as_codes(ledger: Ledger,
                                                               tmp_path: Path) -> None:
    sheet = tmp_path / "老人台账.csv"
    sheet.write_text(
        "编号,老人姓名,现住址,人员类别,服务内容,住户类型,老人手机,监护人,与老人关系,监护人电话,备用\n"
        "5-2-301,罗建华,春晖家园5号楼2单元301,季节性外出、独居老人,暖气检查、浇花、关窗,居民,"
        "13800000301,罗小梅,女儿,13900000302,x\n", encoding="utf-8")
    head = ledger.head()
    refused = ledger.refused("household", "import", str(sheet), "--map", "老人手机=手机号码x")
    assert "--map takes COLUMN=FIELD" in refused.err and ledger.head() == head
    ledger.ok("household", "import", str(sheet), "--map", "老人手机=本人电话", "--map", "备用=-")
    data = yaml.load((ledger.root / "households" / "5-2-301.yaml").read_text(encoding="utf-8"))
    assert data["name"] == "罗建华" and data["kind"] == "resident"
    assert data["flags"] == ["lives-alone", "away-season"]
    assert data["care"] == ["plants", "heating", "windows"]
    assert data["people"] == [{"name": "罗建华", "phone": "13800000301"}]
    assert data["contacts"] == [{"name": "罗小梅", "relation": "女儿", "phone": "13900000302"}]
