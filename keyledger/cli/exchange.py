"""Registers and calendars in and out: household import, export, schedule export --ics, the
due --ics calendar, and the household's emergency card."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from keyledger.cli import completion
from keyledger.cli.common import open_ledger, plain, print_json, say
from keyledger.errors import FatalError, os_error
from keyledger.i18n import _

if TYPE_CHECKING:
    from datetime import date

    from keyledger.ledger import Ledger


def write_output(data: bytes, output: Path | None) -> None:
    """To FILE through a temporary file and a rename, or to stdout without -o (or with -o -)."""
    if output is None or str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FatalError(_("Cannot write {path}: {error}.").format(path=output,
                                                                  error=os_error(exc)))


def household_import(
    file: Path = typer.Argument(..., metavar="FILE.xlsx|FILE.csv",
                                help=_("The register (台账): an Excel workbook (its first sheet) "
                                       "or a CSV file.")),
    map_: list[str] = typer.Option([], "--map", metavar="COLUMN=FIELD",
                                   autocompletion=completion.import_fields,
                                   help=_("Read COLUMN as FIELD, or skip it with COLUMN=- "
                                          "(repeatable).")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=_("Show what would be added or changed; write nothing.")),
    update: bool = typer.Option(False, "--update",
                                help=_("Also change households that the ledger places at another "
                                       "address than the sheet, taking the sheet's address.")),
    json: bool = typer.Option(False, "--json",
                              help=_("Print the planned additions and changes and the bad rows "
                                     "as JSON.")),
) -> None:
    """Import households from a register (台账) in Excel or CSV, as one signed commit.

    Chinese column headers are recognized (户号, or 小区, 楼号, 单元 and 房号; 姓名, 电话, 出生年份,
    健康状况, 紧急联系人, 关系, 紧急联系电话, 标签, 照看事项, 离开日期, 返回日期, 备注, 地址 …).
    A bad row is named as FILE:ROW: COLUMN: why, and then nothing is imported.
    """
    from keyledger.spreadsheet import import_households, parse_map

    plan, sha = import_households(open_ledger(), file, parse_map(map_), dry_run=dry_run,
                                  update=update)
    refusal = plan.refusal()
    if plan.ignored:
        say(_("Columns not imported: {columns} (read one with --map COLUMN=FIELD).").format(
            columns=", ".join(plan.ignored)))
    added, changed, same = plan.of("add"), plan.of("change"), plan.of("same")
    if json:
        print_json({"file": plan.file, "dry_run": dry_run, "commit": sha,
                    "ignored_columns": plan.ignored,
                    "households": [{"row": p.row, "action": p.status, "id": p.household.id,
                                    "name": p.household.name, "address": p.household.address,
                                    "ledger_address": p.ledger_address, "fields": list(p.changed)}
                                   for p in plan.items],
                    "errors": [{"row": p.line, "column": p.field, "message": p.message}
                               for p in plan.problems]})
    elif dry_run:
        # Data for scripts, like ids: ACTION, ID, NAME, ROW [, the household file's fields].
        for p in added + changed + plan.of("conflict"):
            plain("\t".join([_action(p.status), p.household.id, p.household.name, str(p.row),
                             *([",".join(map(_field, p.changed))] if p.changed else [])]))
    if refusal is not None:
        raise refusal
    if dry_run:
        say(_("Would add {added} and change {changed} households; {same} unchanged. Nothing was "
              "written (--dry-run).").format(added=len(added), changed=len(changed),
                                            same=len(same)))
    elif sha is None:
        say(_("Nothing to import: the {n} households of {file} are in the ledger as they are.")
            .format(n=len(same), file=file))
    else:
        say(_("Imported {file}: {added} added, {changed} changed, {same} unchanged. Commit {sha}.")
            .format(file=file, added=len(added), changed=len(changed), same=len(same),
                    sha=sha[:10]))


def _action(status: str) -> str:
    """An import's planned action in the interface's language (--json keeps the code)."""
    return {"add": _("add"), "change": _("change"), "conflict": _("conflict")}[status]


def _field(name: str) -> str:
    """A household file's field in the interface's language (--json keeps the name)."""
    return {"name": _("name"), "address": _("address"), "kind": _("kind"),
            "people": _("people"), "contacts": _("contacts"), "flags": _("flags"),
            "away": _("away"), "care": _("care"), "notes": _("notes")}.get(name, name)


def export(
    what: str = typer.Argument(..., metavar="households|keys|visits",
                               autocompletion=completion.exports,
                               help=_("What to export.")),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="xlsx|csv",
                                      autocompletion=completion.sheet_formats,
                                      help=_("xlsx or csv; from the name of FILE otherwise.")),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help=_("Write to FILE (a CSV goes to standard output "
                                                 "without it).")),
    start: Optional[str] = typer.Option(None, "--from", metavar="DATE",
                                        help=_("Visits: the first day (the first recorded).")),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                        help=_("Visits: the last day (the last recorded).")),
) -> None:
    """The street office's figures as a spreadsheet with Chinese headers: households, keys or
    visits."""
    from keyledger.spreadsheet import WHAT, export as make
    from keyledger.timeutil import parse_date

    if what not in WHAT:
        raise typer.BadParameter(_("households, keys or visits"), param_hint="WHAT")
    if fmt is None:
        fmt = "csv" if output is None or output.suffix.lower() == ".csv" else "xlsx"
    if fmt == "xlsx" and (output is None or str(output) == "-") and sys.stdout.isatty():
        raise typer.BadParameter(_("an .xlsx workbook goes to a file: give -o FILE"),
                                 param_hint="-o")
    data, rows = make(open_ledger(), what, fmt, parse_date(start) if start else None,
                      parse_date(until) if until else None)
    write_output(data, output)
    if output is not None and str(output) != "-":
        say(_("Wrote {n} rows to {path}.").format(n=rows, path=output))


def write_calendar(ledger: "Ledger", days: "list[date]", steward: str | None,
                   output: Path | None) -> None:
    from keyledger.ics import calendar

    if steward is not None:
        ledger.steward(steward)  # an unknown id is refused, with the ids meant
    data, events = calendar(ledger, days, steward)
    write_output(data, output)
    if output is not None and str(output) != "-":
        say(_("Wrote {n} events ({first} to {last}) to {path}.").format(
            n=events, first=days[0].isoformat(), last=days[-1].isoformat(), path=output))


def schedule_export(
    ics: bool = typer.Option(True, "--ics", help=_("As an iCalendar file (the only format).")),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help=_("Write to FILE; standard output otherwise.")),
    steward: Optional[str] = typer.Option(None, "--steward", metavar="ID",
                                          autocompletion=completion.stewards,
                                          help=_("Only this steward's visits, follow-ups and "
                                                 "reservations.")),
    start: Optional[str] = typer.Option(None, "--from", metavar="DATE",
                                        help=_("First day (today).")),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                        help=_("Last day (four weeks from the first).")),
) -> None:
    """The scheduled visits and calls, follow-ups and key reservations as a calendar for a
    phone to subscribe to."""
    from datetime import timedelta

    from keyledger.timeutil import now, parse_date, zone

    ledger = open_ledger()
    first = parse_date(start) if start else now(zone(ledger.settings.timezone)).date()
    last = parse_date(until) if until else first + timedelta(days=27)
    if last < first:
        raise typer.BadParameter(_("--until must not be before --from."), param_hint="--until")
    if (last - first).days > 400:
        raise typer.BadParameter(_("at most 400 days at a time"), param_hint="--until")
    write_calendar(ledger, [first + timedelta(days=n) for n in range((last - first).days + 1)],
                   steward, output)


def household_card(
    ctx: typer.Context,
    household: str = typer.Argument(..., metavar="HOUSEHOLD",
                                    autocompletion=completion.households),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help=_("Write the card to FILE; standard output "
                                                 "otherwise.")),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="md|text|html",
                                      autocompletion=completion.formats,
                                      help=_("Markdown, plain text for a chat, or a printable "
                                             "HTML page; from the name of FILE otherwise "
                                             "(Markdown).")),
    json: bool = typer.Option(False, "--json", help=_("Print the card's data as JSON.")),
) -> None:
    """A one-page emergency card: people and their health, emergency contacts, the A/B
    stewards and their phones, the address, the keys and where they are. In the ledger's
    language unless --lang is given."""
    from keyledger.card import gather, render, to_json
    from keyledger.render import format_for

    if json:
        print_json(to_json(gather(open_ledger(), household)))
        return
    fmt = format_for(fmt, output, "md")
    # --lang is the top-level option (given before or after the command): here it picks the
    # card's language, as it does a report's.
    text = render(open_ledger(), household, fmt, ctx.find_root().params.get("lang"))
    write_output(text.encode("utf-8"), output)
    if output is not None and str(output) != "-":
        say(_("Wrote the emergency card of {id} to {path}.").format(id=household, path=output))
