"""Plans: schedule add, list, remove, and due."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli import completion
from keyledger.cli.common import (command, day, group, open_ledger, print_json, say, stdout,
                                  table)
from keyledger.cli.exchange import schedule_export
from keyledger.cli.custody import _due_time
from keyledger.i18n import _
from keyledger.vocab import VISIT_PURPOSES

app = group()


@command(app)
def add(
    household: str = typer.Argument(..., metavar="HOUSEHOLD", autocompletion=completion.households),
    every: str = typer.Option(..., "--every", metavar="day|mon..sun",
                              help=_("day, or weekdays like wed or mon,thu.")),
    at: str = typer.Option(..., "--at", metavar="HH:MM[-HH:MM]", help=_("Time or window.")),
    purpose: str = typer.Option(..., "--purpose", "-p",
                                autocompletion=completion.visit_purposes,
                                help=_("Why: {purposes}.").format(purposes=", ".join(VISIT_PURPOSES))),
    steward: str = typer.Option("a", "--steward", metavar="a|b|ID",
                                autocompletion=completion.assignees,
                                help=_("Who goes: the A or B steward, or a steward id.")),
    start: Optional[str] = typer.Option(None, "--from", metavar="DATE", help=_("Active from.")),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help=_("Active until.")),
    while_away: bool = typer.Option(False, "--while-away",
                                    help=_("Only while the household is away.")),
) -> None:
    """Add a recurring visit or call to a household's schedule."""
    from keyledger.schedules import add_entry

    record, sha = add_entry(open_ledger(), household, every, at, purpose, steward, start, until,
                            while_away)
    say(_("{id} now has {n} scheduled item(s). Commit {sha}.").format(
        id=household, n=len(record.schedule), sha=sha[:10]))


@command(app, "list")
def list_(household: str = typer.Argument(..., metavar="HOUSEHOLD",
                                          autocompletion=completion.households),
          json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """A household's schedule, numbered."""
    record = open_ledger().household(household)
    if json:
        print_json([e.to_dict() for e in record.schedule])
        return
    if not record.schedule:
        say(_("{household} has no schedule.").format(household=record.id))
    for n, e in enumerate(record.schedule, 1):
        d = e.to_dict()
        span = f" {d['from'] or '…'}→{d['until'] or '…'}" if d["from"] or d["until"] else ""
        stdout().print(f"{n}. {every_words(d['every'])} {d['at']} {_(e.purpose)} ({e.steward}){span}"
                       + (_(" while away") if e.while_away else ""), markup=False)


def every_words(every: str) -> str:
    """`day`, `wed` or `mon,thu` as a person says it (每天, 每周三, every Mon, Thu)."""
    if every == "day":
        return _("every day")
    from keyledger.cli.common import WEEKDAYS_ZH
    from keyledger.i18n import language
    from keyledger.vocab import WEEKDAYS

    names = [f"周{WEEKDAYS_ZH[WEEKDAYS.index(d)]}" if language() == "zh" else d.capitalize()
             for d in every.split(",")]
    return _("every {days}").format(days=_(", ").join(names))


@command(app)
def remove(household: str = typer.Argument(..., metavar="HOUSEHOLD",
                                           autocompletion=completion.households),
           number: int = typer.Argument(..., metavar="N")) -> None:
    """Remove entry N (see `schedule list`)."""
    from keyledger.schedules import remove_entry

    _record, sha = remove_entry(open_ledger(), household, number)
    say(_("Removed. Commit {sha}.").format(sha=sha[:10]))


def due(
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE", help=_("One day (today).")),
    week: Optional[str] = typer.Option(None, "--week", metavar="2026-W48", help=_("A whole week.")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
    ics: bool = typer.Option(False, "--ics", help=_("Write the items and the reservations of "
                                                    "those days as an iCalendar file.")),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE",
                                         help=_("With --ics: write to FILE.")),
    steward: Optional[str] = typer.Option(None, "--steward", metavar="ID",
                                          autocompletion=completion.stewards,
                                          help=_("Only this steward's items.")),
) -> None:
    """What is due: scheduled visits and calls and follow-ups, who goes, where the key is, and
    what was missed."""
    from keyledger.schedules import due as due_items
    from keyledger.schedules import week_days
    from keyledger.timeutil import now, parse_date, zone

    if date and week:
        raise typer.BadParameter(_("give --date or --week, not both"), param_hint="--week")
    ledger = open_ledger()
    days = week_days(week) if week else [parse_date(date) if date else
                                         now(zone(ledger.settings.timezone)).date()]
    if ics or output:
        from pathlib import Path

        from keyledger.cli.exchange import write_calendar

        if not ics:
            raise typer.BadParameter(_("-o writes the calendar: give --ics too"), param_hint="-o")
        write_calendar(ledger, days, steward, Path(output) if output else None)
        return
    if steward is not None:
        ledger.steward(steward)
    items = [i for i in due_items(ledger, days) if steward is None or i.steward == steward]
    if json:
        from keyledger.cli.due_view import due_json

        print_json([due_json(i) for i in items])
        return
    if not items:
        say(_("Nothing is due."))
        return
    from keyledger.cli.due_view import contacts_words, keys_words

    names = {s.id: s.name for s in ledger.stewards()}
    rows = []
    for i in items:
        what = _(i.kind) if i.kind in ("escalation", "request") else _(i.purpose)
        if i.kind == "escalation":
            what += " · " + contacts_words(i)
        rows.append([day(i.day), _due_time(i), f"{i.household} {i.household_name}", what,
                     names.get(i.steward or "", i.steward or "—"), _(i.status),
                     keys_words(i.keys, names)])
    table([_("day"), _("time"), _("household"), _("purpose"), _("steward"), _("status"),
           _("keys")], rows, alerts={n for n, i in enumerate(items)
                                     if i.status == "missed" or i.kind == "escalation"
                                     and i.status != "done"})


command(app, "export")(schedule_export)
