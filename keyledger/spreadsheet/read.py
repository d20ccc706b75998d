"""A register's file as a grid of cells: .xlsx, .xlsm, .xls and .ods through calamine (Rust, ~10x
faster than openpyxl, and it reads the formats offices still keep), .csv and .txt as UTF-8 (with
or without a byte-order mark) or GBK, the way Excel on a Chinese Windows saves them.

Nothing here knows what a register means: layout.py finds its header and rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from keyledger.errors import FatalError, os_error
from keyledger.i18n import _
from keyledger.spreadsheet import bounds

WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXTS = (".csv", ".txt")

# ((first row, first column), (last row, last column)), counted from 0, inclusive.
Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Grid:
    name: str                   # the file as the user named it, for messages
    sheet: str | None           # the worksheet read (None for a CSV)
    rows: list[list[Any]]       # every row from the sheet's first, "" or None for an empty cell
    merges: list[Merge] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)   # 0-based rows hidden in the sheet (.xlsx)
    passed: list[str] = field(default_factory=list)  # sheets before it without a header


def read_grid(path: Path, sheet: str | None = None,
              usable: Callable[[list[list[Any]]], bool] | None = None) -> Grid:
    """The grid of `sheet`; without one, of the first visible worksheet that is `usable` (has a
    header: a 填表说明 sheet before the register is passed over), else of the first."""
    suffix = path.suffix.lower()
    if suffix not in WORKBOOKS + TEXTS:
        raise FatalError(_("{file}: keyledger imports registers saved as .xlsx, .xls, .ods or "
                           ".csv.").format(file=path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FatalError(_("{file} does not exist.").format(file=path))
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}.").format(path=path, error=os_error(exc)))
    bounds.check_size(path, size)
    if suffix in TEXTS:
        if sheet is not None:
            raise FatalError(_("--sheet: {file} is a CSV file, which has one sheet.")
                             .format(file=path))
        return _read_csv(path)
    return _read_workbook(path, suffix, sheet, usable)


def _read_workbook(path: Path, suffix: str, wanted: str | None,
                   usable: Callable[[list[list[Any]]], bool] | None) -> Grid:
    import python_calamine as calamine

    if suffix != ".xls":  # .xls is a compound file, not a zip: its size was checked above
        bounds.check_zip(path)
    try:
        with calamine.CalamineWorkbook.from_path(str(path)) as book:
            visible = [m.name for m in book.sheets_metadata
                       if m.visible == calamine.SheetVisibleEnum.Visible
                       and m.typ == calamine.SheetTypeEnum.WorkSheet]
            if wanted is None:
                if not visible:
                    raise FatalError(_("{file} has no visible worksheet.").format(file=path))
                candidates = visible
            elif wanted in book.sheet_names:
                candidates = [wanted]
            else:
                raise FatalError(_("--sheet {sheet}: {file} has no such sheet; its sheets are: "
                                   "{sheets}.").format(sheet=wanted, file=path,
                                                       sheets="、".join(book.sheet_names)))
            passed: list[str] = []
            for name in candidates:
                sheet = book.get_sheet_by_name(name)
                end = sheet.end or (0, 0)
                bounds.check_shape(str(path), end[0] + 1, end[1] + 1)
                rows = sheet.to_python(skip_empty_area=False)
                if usable is None or len(candidates) == 1 or usable(rows):
                    break
                passed.append(name)
            else:  # no sheet has a header: the first is the one the refusal speaks of
                name, passed = candidates[0], []
                sheet = book.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges
    except calamine.PasswordError:
        raise FatalError(_("{file} is protected by a password; save a copy without one and "
                           "import that.").format(file=path))
    except calamine.CalamineError as exc:
        raise FatalError(_("{file} cannot be read as a workbook: {why}. Open it in Excel or WPS "
                           "and save it again.").format(file=path, why=exc))
    hidden = hidden_rows(path, name) if suffix in (".xlsx", ".xlsm") else set()
    if merges is None and suffix == ".ods":
        from keyledger.spreadsheet.ods import merged_ranges

        merges, hidden = merged_ranges(path, name)
    return Grid(str(path), name, rows, list(merges or []), hidden, passed)


def hidden_rows(path: Path, sheet: str) -> set[int]:
    """The rows (0-based) an .xlsx hides (`<row r="7" hidden="1">`), which calamine does not
    report: the workbook names the sheet's part, its XML says which rows are hidden."""
    import re
    import zipfile
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as book:
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            ident = next((s.get(rel) for s in workbook.iter(f"{main}sheet")
                          if s.get("name") == sheet), None)
            links = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in links if r.get("Id") == ident), None)
            if target is None:
                return set()
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            data = book.read(part)
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return set()  # calamine read it: a part it does without is no reason to refuse
    if b"hidden=" not in data or re.search(rb"\bhidden=[\"'](?:1|true)", data) is None:
        return set()  # most registers: nothing hidden, no row looked at (a find is 10x a search)
    hidden, index = set(), -1
    for tag in re.finditer(rb"<(?:\w+:)?row\b([^>]*)>", data):
        number = re.search(rb"\br=[\"'](\d+)", tag.group(1))
        index = int(number.group(1)) - 1 if number else index + 1
        if re.search(rb"\bhidden=[\"'](?:1|true)", tag.group(1)):
            hidden.add(index)
    return hidden


def decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16, tabs
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel on a Chinese Windows saves CSV as GBK
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise FatalError(_("{file} is neither UTF-8 nor GBK text; save it as CSV UTF-8.")
                             .format(file=name))


def _read_csv(path: Path) -> Grid:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}.").format(path=path, error=os_error(exc)))
    text = decode(data, str(path))
    # A title line above the header has neither: count over the first lines.
    first = "\n".join(text.split("\n", 5)[:5])
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    csv.field_size_limit(bounds.MAX_CELL_CHARS * 4)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > bounds.MAX_ROWS + 20 or len(row) > bounds.MAX_COLUMNS:
                bounds.check_shape(str(path), len(rows), len(row))
    except csv.Error as exc:
        raise FatalError(_("{file}:{row}: not CSV that keyledger can read: {why}.").format(
            file=path, row=reader.line_num, why=exc))
    return Grid(str(path), None, rows)
