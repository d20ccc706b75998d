"""What `household import` says: the dry run's table (each change with the ledger's value beside
the sheet's), the columns and rows it left out and why, and its JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from keyledger.cli.common import say, table
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.spreadsheet.plan import Plan


# Past this many skipped rows of one kind, they are counted rather than named one by one.
SKIPPED_ONE_BY_ONE = 5


def _action(status: str) -> str:
    """An import's planned action in the interface's language (--json keeps the code)."""
    return {"add": _("add"), "change": _("change"), "conflict": _("conflict"),
            "same": _("same")}[status]


def _reason(reason: str) -> str:
    return {"total": _("a total"), "footer": _("a footer"),
            "header": _("the header again"),
            "hidden": _("hidden in the sheet; show the row and import again to bring it in")
            }[reason]


def say_plan(plan: "Plan", dry_run: bool) -> None:
    if plan.table.grid.passed:
        say(_("Reading the sheet {sheet}: {passed} before it has no header row.").format(
            sheet=plan.table.sheet, passed="、".join(plan.table.grid.passed)))
    if plan.ignored:
        say(_("Columns not imported: {columns} (read one with --map COLUMN=FIELD).").format(
            columns=", ".join(plan.ignored)))
    for column in plan.not_stored:
        say(_("{column}: identity card numbers are never stored in the ledger{how}.").format(
            column=column, how=_(" (only the year of birth is read from them)")
            if plan.birth_from_id else _(" (the ledger's policy registers.birth_year_from_id "
                                         "would read the year of birth from them)")))
    by_reason: dict[str, list[int]] = {}
    for skipped in plan.skipped:
        by_reason.setdefault(skipped.reason, []).append(skipped.row)
    for skipped in plan.skipped:
        rows = by_reason[skipped.reason]
        if len(rows) <= SKIPPED_ONE_BY_ONE:
            say(_("Row {row} skipped: {what} ({text}).").format(
                row=skipped.row, what=_reason(skipped.reason), text=skipped.text))
        elif skipped.row == rows[0]:  # a 小计 under each building: one line for them all
            say(_("{n} rows skipped: {what} (rows {rows}, …; --json lists them all).").format(
                n=len(rows), what=_reason(skipped.reason),
                rows=", ".join(map(str, rows[:SKIPPED_ONE_BY_ONE]))))
    if not dry_run:
        return
    rows, alerts = [], set()
    for item in plan.items:
        if item.status == "same":
            continue
        first = [str(item.row), _action(item.status), item.household.id, item.household.name]
        if not item.changes:
            rows.append(first + ["", "", ""])
        for change in item.changes:
            if change.conflict:
                alerts.add(len(rows))
            rows.append(first + [change.column, change.ledger or "", change.sheet])
    if rows:
        table([_("row"), _("action"), _("household"), _("name"), _("column"), _("ledger"),
               _("sheet")], rows, alerts)


def plan_json(plan: "Plan", dry_run: bool, sha: str | None,
              rejected_file: Path | None) -> dict[str, Any]:
    return {
        "file": plan.file, "sheet": plan.table.sheet, "dry_run": dry_run, "commit": sha,
        "ignored_columns": plan.ignored, "not_stored_columns": plan.not_stored,
        "skipped": [{"row": s.row, "reason": s.reason, "text": s.text} for s in plan.skipped],
        "households": [{"row": p.row, "rows": p.rows, "action": p.status, "id": p.household.id,
                        "name": p.household.name, "address": p.household.address,
                        "ledger_address": p.ledger_address, "fields": list(p.changed),
                        "changes": [{"field": c.field, "column": c.column, "ledger": c.ledger,
                                     "sheet": c.sheet, "conflict": c.conflict}
                                    for c in p.changes]}
                       for p in plan.items],
        "errors": [{"row": p.line, "column": p.field, "message": p.message}
                   for p in plan.problems],
        "rejected": [{"row": row, "reason": why} for row, why in sorted(plan.rejected.items())],
        "rejected_file": str(rejected_file) if rejected_file else None}
