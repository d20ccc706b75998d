"""Plans: schedule add, list, remove, and due."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli import completion, params, words
from keyledger.cli.common import (command, day, group, open_ledger, people, print_json,
                                  say, stdout, table)
from keyledger.cli.exchange import schedule_export
from keyledger.cli.custody import _due_time
from keyledger.i18n import _
from keyledger import vocab

app = group()


@command(app)
def add(
    household: str = params.household(),
    every: str = typer.Option(..., "--every", metavar="DAYS",
                              autocompletion=completion.weekdays, callback=words.days,
                              help=_("Which days: every day, weekdays, or days like Wed or "
                                     "Mon,Thu.")),
    at: str = typer.Option(..., "--at", metavar="TIME",
                           help=_("A time or a window, e.g. 10:00 or 14:00-17:00.")),
    purpose: str = typer.Option(..., "--purpose", "-p",
                                autocompletion=completion.visit_purposes,
                                callback=words.one("visit-purpose"),
                                help=_("Why: {purposes}.").format(
                                    purposes=vocab.choices("visit-purpose"))),
    steward: str = typer.Option("a", "--steward", metavar="a|b|ID",
                                autocompletion=completion.assignees, callback=words.assignee,
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
def list_(household: str = params.household(),
          json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """A household's schedule, numbered."""
    record = open_ledger().household(household)
    from keyledger.schedules import assigned

    if json:
        print_json([e.to_dict() for e in record.schedule])
        return
    if not record.schedule:
        say(_("{household} has no schedule.").format(household=record.id))
    for n, e in enumerate(record.schedule, 1):
        d = e.to_dict()
        span = f" {d['from'] or '…'}→{d['until'] or '…'}" if d["from"] or d["until"] else ""
        stdout().print(f"{n}. {vocab.days_name(e.every)} {d['at']} "
                       f"{vocab.name('visit-purpose', e.purpose)}"
                       + _(" ({who})").format(who=_post(e.steward)
                                              + people().name(assigned(record, e))) + span
                       + (_(" while away") if e.while_away else ""), markup=False)


def _post(steward: str) -> str:
    """A schedule's A or B post, before the name of who holds it (A岗 周丽霞)."""
    return {"a": _("A: "), "b": _("B: ")}.get(steward, "")


@command(app)
def remove(household: str = params.household(),
           number: int = typer.Argument(..., metavar="N",
                                        help=_("The entry's number, as `schedule list` shows it."))) -> None:
    """Remove entry N (see `schedule list`)."""
    from keyledger.schedules import remove_entry

    _record, sha = remove_entry(open_ledger(), household, number)
    say(_("Removed. Commit {sha}.").format(sha=sha[:10]))


def due(
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE",
                                       help=_("One day, e.g. 2026-11-25, 11/25 or tomorrow "
                                              "(today by default).")),
    week: Optional[str] = typer.Option(None, "--week", metavar="WEEK",
                                       help=_("A whole week: 2026-W48, 48, this week or next "
                                              "week.")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
    ics: bool = typer.Option(False, "--ics", help=_("Write the items and the reservations of "
                                                    "those days as an iCalendar file.")),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE",
                                         help=_("With --ics: write to FILE.")),
    steward: Optional[str] = typer.Option(None, "--steward", metavar="STEWARD",
                                          autocompletion=completion.stewards,
                                          callback=words.steward,
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
    today = now(zone(ledger.settings.timezone)).date()
    days = week_days(week, today) if week else [parse_date(date, today) if date else today]
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
    from keyledger.cli.due_view import contacts_words, keys_words, what_words

    names = {s.id: s.name for s in ledger.stewards()}
    rows = []
    who = people()
    for i in items:
        what = what_words(i)
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
