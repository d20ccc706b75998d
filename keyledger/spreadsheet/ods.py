"""Merged cells and hidden rows of an OpenDocument sheet, which calamine does not report: read
from the sheet's content.xml (already checked by bounds.check_zip: no document type
declaration)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

from keyledger.spreadsheet.read import Merge

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


def merged_ranges(path: Path, sheet: str) -> tuple[list[Merge], set[int]]:
    """The sheet's merged ranges, and its hidden rows (0-based; table:visibility collapse or
    filter)."""
    merges: list[Merge] = []
    hidden: set[int] = set()
    inside, row, column, depth = False, 0, 0, 0
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == f"{_TABLE}table":
                if event == "start":
                    depth += 1
                    inside = inside or (depth == 1 and element.get(f"{_TABLE}name") == sheet)
                else:
                    depth -= 1
                    if inside and depth == 0:
                        break
                continue
            if not inside or depth != 1:
                if event == "end":
                    element.clear()
                continue
            if tag == f"{_TABLE}table-row":
                if event == "start":
                    column = 0
                else:
                    repeated = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    if element.get(f"{_TABLE}visibility", "visible") != "visible" and \
                            repeated < 100_000:  # not the sheet's empty tail, hidden
                        hidden.update(range(row, row + repeated))
                    row += repeated
                    element.clear()
            elif tag in _CELLS and event == "start":
                rows = int(element.get(f"{_TABLE}number-rows-spanned", "1"))
                columns = int(element.get(f"{_TABLE}number-columns-spanned", "1"))
                if rows > 1 or columns > 1:
                    merges.append(((row, column), (row + rows - 1, column + columns - 1)))
                column += int(element.get(f"{_TABLE}number-columns-repeated", "1"))
    return merges, hidden
