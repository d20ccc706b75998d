"""Registers and calendars in and out: household import, export, schedule export --ics, the
due --ics calendar, and the household's emergency card."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import typer

from keyledger.cli import completion, params, words
from keyledger.cli.common import open_ledger, print_json, say
from keyledger.cli.filters import aged_option, flag_option, living_option, picked
from keyledger.errors import FatalError, os_error
from keyledger.i18n import _

if TYPE_CHECKING:
    from datetime import date

    from keyledger.ledger import Ledger
    from keyledger.spreadsheet.plan import Plan


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
    file: Path = typer.Argument(..., metavar="FILE",
                                help=_("The register (台账): .xlsx, .xls, .ods or .csv (UTF-8 or "
                                       "GBK).")),
    map_: list[str] = typer.Option([], "--map", metavar="COLUMN=FIELD",
                                   autocompletion=completion.import_fields,
                                   help=_("Read COLUMN as FIELD (a field's code or Chinese name: "
                                          "门牌=房号), or skip it with COLUMN=- (repeatable).")),
    sheet: Optional[str] = typer.Option(None, "--sheet", metavar="SHEET",
                                        help=_("The worksheet to read (the first visible one "
                                               "otherwise).")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=_("Show what would be added or changed, the ledger's value "
                                        "beside the sheet's; write nothing.")),
    update: bool = typer.Option(False, "--update",
                                help=_("Take the sheet's values where they differ from the "
                                       "ledger's (conflicts); notes are added to, not replaced.")),
    skip_bad: bool = typer.Option(False, "--skip-bad",
                                  help=_("Import the good rows and write the bad ones, with the "
                                         "reason, to FILE-未导入.xlsx; exit status 1 when rows "
                                         "were left out.")),
    json: bool = typer.Option(False, "--json",
                              help=_("Print the planned additions and changes and the bad rows "
                                     "as JSON.")),
) -> None:
    """Import households from a register (台账) as one signed commit: all rows or none.

    Title and 填报 lines, two-row headers, merged cells, totals and footers are recognised; a
    value the ledger already has is never changed without --update. A bad row is named as
    FILE:ROW: COLUMN: why, and then nothing is imported unless --skip-bad is given.
    """
    from keyledger.cli.import_output import plan_json, say_plan
    from keyledger.spreadsheet.columns import parse_map
    from keyledger.spreadsheet.importer import import_households
    from keyledger.spreadsheet.rejects import rejects_path

    with _progress_bar(_("Reading the register")) as tick:
        plan, sha, rejects = import_households(
            open_ledger(), file, parse_map(map_), dry_run=dry_run, update=update, sheet=sheet,
            skip_bad=skip_bad, progress=tick,
            hand_back=lambda data: write_output(data, rejects_path(file)))
    rejected_file = rejects_path(file) if rejects is not None else None
    if json:
        print_json(plan_json(plan, dry_run, sha, rejected_file))
    else:
        say_plan(plan, dry_run)
    refusal = plan.refusal()
    if refusal is not None and not skip_bad:
        raise refusal
    _summary(plan, dry_run, sha, file, rejected_file)
    if plan.rejected:
        # --skip-bad left rows out: the good ones are in, yet a supervisor's script must know
        # that the register is not all in the ledger (1, as a check that found problems).
        raise typer.Exit(1)


def _summary(plan: "Plan", dry_run: bool, sha: str | None, file: Path,
             rejected_file: Path | None) -> None:
    writes = plan.writes()
    added = sum(1 for p in writes if p.status == "add")
    counts = {"added": added, "changed": len(writes) - added, "same": len(plan.of("same"))}
    if dry_run:
        say(_("Would add {added} and change {changed} households; {same} unchanged. Nothing was "
              "written (--dry-run).").format(**counts))
    elif sha is None and rejected_file is None and not plan.items:
        say(_("Nothing to import: {file} has no household rows under its header (is it the "
              "right sheet? --sheet NAME reads another).").format(file=file))
    elif sha is None and rejected_file is None:
        say(_("Nothing to import: the {n} households of {file} are in the ledger as they are.")
            .format(n=counts["same"], file=file))
    elif sha is not None:
        say(_("Imported {file}: {added} added, {changed} changed, {same} unchanged. Commit {sha}.")
            .format(file=file, sha=sha[:10], **counts))
    if rejected_file is not None:
        say(_("{n} row(s) not imported; they are in {path} with the reason for each: fix them "
              "there and import that file.").format(n=len(plan.rejected), path=rejected_file))


@contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal, shown once the work has taken a second."""
    import time

    started = time.monotonic()
    bar: list[Any] = []

    def tick(done: int, total: int) -> None:
        if not bar:
            if not sys.stderr.isatty() or time.monotonic() - started < 1:
                return
            from rich.progress import Progress

            from keyledger.cli.common import stderr

            progress = Progress(console=stderr(), transient=True)
            progress.start()
            bar.extend([progress, progress.add_task(title, total=total)])
        bar[0].update(bar[1], completed=done)

    try:
        yield tick
    finally:
        if bar:
            bar[0].stop()


def export(
    what: str = typer.Argument(..., metavar="households|keys|visits",
                               autocompletion=completion.exports, callback=words.one("export"),
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
    flag: list[str] = flag_option(),
    living: Optional[str] = living_option(_("Households: only those living so: {values}.")),
    aged: bool = aged_option(),
) -> None:
    """The street office's figures as a spreadsheet with Chinese headers: households, keys or
    visits; households picked as `household list` picks them."""
    from keyledger.spreadsheet.export import WHAT, export as make
    from keyledger.timeutil import parse_date

    if what not in WHAT:
        raise typer.BadParameter(_("households, keys or visits"), param_hint="WHAT")
    if fmt is None:
        fmt = "csv" if output is None or output.suffix.lower() == ".csv" else "xlsx"
    if fmt == "xlsx" and (output is None or str(output) == "-") and sys.stdout.isatty():
        raise typer.BadParameter(_("an .xlsx workbook goes to a file: give -o FILE"),
                                 param_hint="-o")
    from keyledger.timeutil import now, zone

    filtered = bool(flag or living or aged)
    if filtered and what != "households":
        raise typer.BadParameter(_("--flag, --living and --aged pick households; export "
                                   "households with them, not {what}").format(what=what),
                                 param_hint="--flag/--living/--aged")
    ledger = open_ledger()
    today = now(zone(ledger.settings.timezone)).date()
    wanted = picked(ledger, flag, living, aged)[1] if filtered else None
    data, rows = make(ledger, what, fmt, parse_date(start, today) if start else None,
                      parse_date(until, today) if until else None, wanted)
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
    steward: Optional[str] = typer.Option(None, "--steward", metavar="STEWARD",
                                          autocompletion=completion.stewards,
                                          callback=words.steward,
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
    today = now(zone(ledger.settings.timezone)).date()
    first = parse_date(start, today) if start else today
    last = parse_date(until, today) if until else first + timedelta(days=27)
    if last < first:
        raise typer.BadParameter(_("--until must not be before --from."), param_hint="--until")
    if (last - first).days > 400:
        raise typer.BadParameter(_("at most 400 days at a time"), param_hint="--until")
    write_calendar(ledger, [first + timedelta(days=n) for n in range((last - first).days + 1)],
                   steward, output)


def household_card(
    ctx: typer.Context,
    household: str = params.household(),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help=_("Write the card to FILE; standard output "
                                                 "otherwise.")),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="md|text|html",
                                      callback=words.one("report-format"),
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
