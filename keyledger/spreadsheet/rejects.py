"""FILE-未导入.xlsx: the rows `--skip-bad` left out, in the register's own layout (its title and
填报 lines, its header, one or two rows, merged as they were) with a 未导入原因 column, so the
office fixes them there and imports just that file."""

from __future__ import annotations

import io
from pathlib import Path

from keyledger.spreadsheet.export import as_text
from keyledger.spreadsheet.layout import Table, cell

REASON = "未导入原因"


def rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}-未导入.xlsx")


def write_rejects(table: Table, reasons: dict[int, str]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = (table.sheet or "Sheet1")[:31]
    rows = table.grid.rows
    last = table.header_rows[-1]
    width = max(len(rows[i]) for i in [*range(last + 1), *(n - 1 for n in reasons)])
    for index in range(last + 1):
        sheet.append([cell(c) for c in rows[index]])
    reason_column = width + 1
    top = table.header_rows[0]
    sheet.cell(top + 1, reason_column, REASON).font = Font(bold=True)
    if len(table.header_rows) == 2:
        sheet.merge_cells(start_row=top + 1, start_column=reason_column, end_row=last + 1,
                          end_column=reason_column)
    for (first_row, left), (bottom, right) in table.grid.merges:
        if bottom <= last and (first_row, left) != (bottom, right):
            for r in range(first_row, bottom + 1):  # only the first cell of a merge keeps a value
                for c in range(left, right + 1):
                    if (r, c) != (first_row, left):
                        sheet.cell(r + 1, c + 1).value = None
            sheet.merge_cells(start_row=first_row + 1, start_column=left + 1,
                              end_row=bottom + 1, end_column=right + 1)
    for number in sorted(reasons):
        values = [cell(c) for c in rows[number - 1]]
        sheet.append(values + [None] * (width - len(values)) + [reasons[number]])
    for row in sheet.iter_rows():
        as_text(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
