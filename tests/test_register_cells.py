"""A register's cells as offices type them: phone numbers, dates and years of birth, contacts,
identity numbers and the ledger's words (unit tests of keyledger.spreadsheet.cells)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from keyledger.spreadsheet import cells
from keyledger.spreadsheet.cells import CellError

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("value,stored", [
    (13800000101, "13800000101"), (13800000101.0, "13800000101"), ("138 0000 0101", "13800000101"),
    ("138-0000-0101", "13800000101"), ("+86 138 0000 0101", "13800000101"),
    ("1.3800000101E+10", "13800000101"), ("010-62345678", "010-62345678"),
    ("(0431)88886666", "0431-88886666"), ("88886666", "88886666"),
    ("13800000101/010-62345678", "13800000101 / 010-62345678"),
    ("13800000101、13900000202", "13800000101 / 13900000202")])
def test_phone_numbers_as_registers_hold_them(value: object, stored: str) -> None:
    assert cells.phone(value) == stored


@pytest.mark.parametrize("value,why", [
    ("11111111111", "not a phone number in use in China"),
    ("1380013800", "a mobile number has 11 digits"),
    ("1.38E+10", "scientific notation and cut to 3 digits"),
    ("打电话问物业", "is not a phone number"), (13800000101.5, "is not a phone number")])
def test_phone_numbers_that_are_not(value: object, why: str) -> None:
    with pytest.raises(CellError, match=why):
        cells.phone(value)


@pytest.mark.parametrize("value,year", [
    ("1942年7月", 1942), ("1939.11", 1939), ("1948-05", 1948), ("1946/3/1", 1946),
    ("1946年", 1946), (1946, 1946), ("19460301", 1946), ("194603", 1946), ("一九四六年", 1946),
    (datetime(1946, 3, 1), 1946), (date(1946, 3, 1), 1946), (16862, 1946)])  # 16862: a serial
def test_years_of_birth(value: object, year: int) -> None:
    assert cells.born(value, TODAY) == year


@pytest.mark.parametrize("value,why", [("46年", "is not a year of birth"),
                                       ("1946.13", "is not a date that exists"),
                                       (2031, "not a year of birth between 1900 and 2026")])
def test_years_of_birth_that_are_not(value: object, why: str) -> None:
    with pytest.raises(CellError, match=why):
        cells.born(value, TODAY)


@pytest.mark.parametrize("value,day", [
    ("2026-11-25", date(2026, 11, 25)), ("2026/11/25", date(2026, 11, 25)),
    ("2026.11.5", date(2026, 11, 5)), ("2026年11月25日", date(2026, 11, 25)),
    (20261125, date(2026, 11, 25)), (46351, date(2026, 11, 25)),
    (datetime(2026, 11, 25, 0, 0), date(2026, 11, 25))])
def test_dates(value: object, day: date) -> None:
    assert cells.day(value) == day


def test_dates_that_are_not() -> None:
    with pytest.raises(CellError, match="has no day"):
        cells.day("2026年11月")
    with pytest.raises(CellError, match="not a date that exists"):
        cells.day("2026-02-30")


@pytest.mark.parametrize("value,person", [
    ("李晓梅", ("李晓梅", None, None)), ("李晓梅（女儿）", ("李晓梅", "女儿", None)),
    ("李晓梅(女儿) 13900000201", ("李晓梅", "女儿", "13900000201")),
    ("李晓梅 13900000201", ("李晓梅", None, "13900000201")),
    ("李晓梅 女儿", ("李晓梅", "女儿", None))])
def test_a_contact_as_written_in_one_cell(value: str, person: tuple) -> None:
    assert cells.person(value) == person


def test_an_age_and_an_identity_number_give_a_year() -> None:
    assert cells.age("80岁", TODAY) == 1946
    assert cells.id_number_year("110105194503070029", TODAY) == 1945
    with pytest.raises(CellError, match="check digit"):
        cells.id_number_year("110105194503070021", TODAY)


def test_the_ledgers_own_words() -> None:
    assert cells.words("季节性外出、独居, 高龄", "flags") == ["away-season", "lives-alone", "elderly"]
    assert cells.words("暖气检查/浇花 门窗", "care") == ["heating", "plants", "windows"]
    with pytest.raises(CellError, match="'贫困' is not a flag"):
        cells.words("贫困", "flags")


def test_an_export_quote_is_read_away() -> None:
    assert cells.text("'=1+1") == "=1+1" and cells.text("'李") == "'李"
