"""A register as offices lay it out, turned into columns and rows: title and 填报单位/填报日期
lines above the header skipped, a two-row header (住址 over 楼栋/单元/门牌) joined, merged cells
filled (a building merged down over its rooms), blank rows left out, and totals (合计, 小计,
共N人) and footers (填表人, 审核人, 日期) set aside as skipped rows, never read as households."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.spreadsheet.columns import (Column, identifies, is_group, known, normalize_header,
                                           resolve)
from keyledger.spreadsheet.read import Grid

# The header is looked for in the sheet's first rows (titles, 填报 lines above it).
HEADER_WITHIN = 30
_TOTAL = re.compile(r"(合\s*计|小\s*计|总\s*计|共\s*计?\s*[0-9０-９一二三四五六七八九十百千]+\s*(人|户|名|位|条)"
                    r"|总人数|总户数).*")
_FOOTER = re.compile(r"(填表人|填报人|制表人|审核人|审批人|统计人|负责人|单位负责人|经办人|联系人[:：]"
                     r"|填表日期|填报日期|制表日期|审核日期|日期[:：]|注[:：]|说明[:：]|备注[:：]"
                     r"|\(?盖章\)?|（盖章）).*", re.S)


@dataclass
class Skipped:
    row: int
    reason: str   # "total", "footer", "header" (a header repeated on a later page) or
                  # "hidden" (a row the office hid: often someone moved away or gone)
    text: str     # the row's first cell, as the sheet says it


@dataclass
class Table:
    name: str                        # the file, for messages
    sheet: str | None
    grid: Grid                       # as read: the rejects file copies its layout
    header_rows: list[int]           # 0-based: one or two
    columns: list[Column]
    rows: list[tuple[int, list[Any]]]   # (row as the spreadsheet numbers it, cells), merges filled
    skipped: list[Skipped] = field(default_factory=list)


# What offices write in a cell that has nothing to say.
_NOTHING = frozenset({"无", "暂无", "没有", "/", "／", "-", "－", "—", "——", "空", "N/A", "n/a", "NA"})


def cell(value: Any) -> Any:
    """A cell as read: text stripped (None when empty or a placeholder such as 无 or /), whole
    floats as int (calamine reads every number as a float)."""
    if isinstance(value, str):
        value = value.strip()
        return None if not value or value in _NOTHING else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fill_merges(grid: Grid) -> set[tuple[int, int]]:
    """Every cell of a merged range gets the value of its first cell; the cells so filled."""
    filled = set()
    height = len(grid.rows)
    for (top, left), (bottom, right) in grid.merges:
        if top >= height:
            continue
        row = grid.rows[top]
        if left >= len(row):
            continue
        value = row[left]
        for r in range(top, min(bottom, height - 1) + 1):
            cells = grid.rows[r]
            for c in range(left, min(right, len(cells) - 1) + 1):
                if (r, c) != (top, left):
                    cells[c] = value
                    filled.add((r, c))
    return filled


def _texts(cells: list[Any]) -> list[str]:
    return [normalize_header(c) if isinstance(c, str) else "" for c in cells]


def _find_header(rows: list[list[Any]], mapping: dict[str, str]) -> int | None:
    for index, cells in enumerate(rows[:HEADER_WITHIN]):
        names = _texts(cells)
        if sum(1 for n in set(names) if n and (known(n) or n in mapping)) >= 2:
            return index
    return None


def _is_subheader(top: list[str], below: list[str], mapping: dict[str, str]) -> bool:
    """The row under a header is its second row when most of its cells are header names, at
    least one under a group (住址, 紧急联系人) or under nothing (a group merged across)."""
    present = [(i, n) for i, n in enumerate(below) if n]
    if not present:
        return False
    names = sum(1 for _i, n in present if known(n) or n in mapping)

    def over(i: int) -> str:
        return top[i] if 0 <= i < len(top) else ""

    # Under a group: a group's name (住址), a cell merged across (联系方式 over three columns
    # reads the same in each), or nothing (a group saved to CSV leaves its other cells empty).
    grouped = any(not over(i) or over(i) != n and (is_group(over(i)) or
                                                   over(i) in (over(i - 1), over(i + 1)))
                  for i, n in present if known(n) or n in mapping)
    return names >= 1 and names * 5 >= len(present) * 3 and grouped


def _join(top: list[str], below: list[str] | None) -> list[tuple[str, str]]:
    """(group, name) of each column. A group cell left empty to its right (a CSV saved from a
    merged header) covers the columns up to the next group."""
    width = max(len(top), len(below or []))
    top = top + [""] * (width - len(top))
    if below is None:
        return [("", n) for n in top]
    below = below + [""] * (width - len(below))
    out = []
    group = ""
    for upper, lower in zip(top, below):
        if upper:
            group = upper if lower and upper != lower else ""
        if not lower:
            out.append(("", upper))
        elif not upper and group:
            out.append((group, lower))
        else:
            out.append(("" if upper == lower else upper, lower))
    return out


def _skip_reason(cells: list[Any]) -> tuple[str, str] | None:
    first = next((c for c in cells if c is not None), None)
    if not isinstance(first, str):
        texts = [c for c in cells if isinstance(c, str)]
        first_text = texts[0] if texts else None
        if first_text is not None and _TOTAL.fullmatch(_plain(first_text)):
            return "total", first_text
        return None
    text = _plain(first)
    if _TOTAL.fullmatch(text):
        return "total", first
    if _FOOTER.fullmatch(text):
        return "footer", first
    return None


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


_NAMING = ("id", "estate", "building", "unit", "room", "address", "name")


def cells_text(cells: list[Any], columns: list[Column]) -> str:
    """A hidden row as messages name it: where and who (3 2 602 钱玉珍), else its first cells."""
    named = [cells[c.index] for f in _NAMING for c in columns
             if c.field == f and c.slot == 0 and c.index < len(cells)]
    shown = [c for c in named if c is not None] or [c for c in cells if c is not None][:2]
    return " ".join(map(str, shown))


def has_header(rows: list[list[Any]], mapping: dict[str, str]) -> bool:
    return _find_header(rows, mapping) is not None


def lay_out(grid: Grid, mapping: dict[str, str]) -> Table:
    filled = _fill_merges(grid)
    rows = grid.rows
    header = _find_header(rows, mapping)
    if header is None:
        raise FatalError(_("{file}: no header row found in its first {n} rows (columns such as "
                           "姓名, 楼号, 单元, 房号, 电话); name the columns with --map COLUMN=FIELD.")
                         .format(file=grid.name, n=HEADER_WITHIN))
    top = _texts(rows[header])
    below = _texts(rows[header + 1]) if header + 1 < len(rows) else None
    two = below is not None and _is_subheader(top, below, mapping)
    columns = resolve(_join(top, below if two else None), mapping, grid.name)
    if not identifies(columns):
        raise FatalError(_("{file}: no column gives the household id: a 户号 column, 楼号 and "
                           "房号 (with 单元), or an address; name them with --map COLUMN=FIELD.")
                         .format(file=grid.name))
    header_rows = [header, header + 1] if two else [header]
    read = [c.index for c in columns if c.field is not None]
    header_texts = [_texts(rows[h]) for h in header_rows]
    table = Table(grid.name, grid.sheet, grid, header_rows, columns, [])
    for index in range(header_rows[-1] + 1, len(rows)):
        cells = [cell(c) for c in rows[index]]
        number = index + 1
        if all(c is None or i not in read or (index, i) in filled for i, c in enumerate(cells)):
            continue  # blank, or only a 序号 or merged cells: a row of the template left empty
        first = next(c for c in cells if c is not None)
        reason = ("hidden", cells_text(cells, columns)) if index in grid.hidden else \
            _skip_reason(cells)
        if reason is None and isinstance(first, str) and known(normalize_header(first)) and \
                _texts(rows[index]) in header_texts:
            reason = ("header", first)
        if reason is not None:
            table.skipped.append(Skipped(number, *reason))
            continue
        table.rows.append((number, cells))
    return table
