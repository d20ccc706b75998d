"""Visits: visit add, list, show — and the visit options `return --visit` shares."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from keyledger.cli import completion, params, words
from keyledger.cli.common import (command, group, open_ledger, people, print_json, say, table,
                                  when)
from keyledger.i18n import _
from keyledger import vocab

if TYPE_CHECKING:
    from keyledger.model import Household, Visit

app = group()

# The options of a visit's record, declared once for `visit add` and `return --visit`.
CHECK = typer.Option([], "--check", metavar="ITEM=RESULT[:NOTE[=>DONE]]",
                     help=_("A care-list item and how it was, e.g. heating=problem:leaks at the "
                            "joint (repeatable); items: {items}; results: {results}. A problem "
                            "put right on the spot is fixed, with what was done: "
                            "windows=fixed:没关严=>已关严.").format(
                                items=vocab.choices("care"), results=vocab.choices("check-result")))
PROBLEM = typer.Option([], "--problem", metavar="WHAT",
                       help=_("Something found that is not on the care list and stays open "
                              "until it is put right (repeatable)."))
FIXED = typer.Option([], "--fixed", metavar="WHAT=>DONE",
                     help=_("Something found that is not on the care list and was put right on "
                            "the spot, with what was done (repeatable)."))
RESOLVE = typer.Option([], "--resolve", metavar="N[=>DONE]",
                       help=_("An open problem of the household (its number in `household "
                              "show`) that this visit put right (repeatable)."))
REQUEST = typer.Option(None, "--request", metavar="N",
                       help=_("The owner's open request this visit answers (its number in "
                              "`household show`)."))
BOUGHT = typer.Option([], "--bought", metavar="ITEM",
                      help=_("An errand (代买/代办): something bought or done (repeatable)."))
ADVANCED = typer.Option(None, "--advanced", metavar="YUAN",
                        help=_("Money advanced on the errand, e.g. 86.50."))
REPAID = typer.Option(False, "--repaid", help=_("The money advanced was paid back at once."))
FINDING = typer.Option([], "--finding", help=_("Something found (repeatable)."))
ACTION = typer.Option([], "--action", help=_("Something done (repeatable)."))
LET_IN = typer.Option([], "--let-in", metavar="WHO,COMPANY,WHAT",
                      help=_("Someone let in, e.g. a gas fitter (repeatable)."))
PHOTO = typer.Option([], "--photo", help=_("A photo to attach (repeatable)."))
INFORMED = typer.Option([], "--informed",
                        help=_("How the owner was kept informed, e.g. \"video call\" (repeatable)."))
FOLLOW_UP = typer.Option(None, "--follow-up", metavar="DATE",
                         help=_("Come back on this day (回访), e.g. tomorrow or 12/2."))
FROM_FILE = typer.Option(None, "--from-file", help=_("The full record from a YAML form."))


@dataclass
class Record:
    """What the options of `visit add` and `return --visit` say about the visit."""

    check: list[str] = field(default_factory=list)
    finding: list[str] = field(default_factory=list)
    action: list[str] = field(default_factory=list)
    let_in: list[str] = field(default_factory=list)
    informed: list[str] = field(default_factory=list)
    follow_up: str | None = None
    note: str | None = None
    problem: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    request: str | None = None
    bought: list[str] = field(default_factory=list)
    advanced: str | None = None
    repaid: bool = False

    def given(self) -> bool:
        return any(value for value in vars(self).values())


def visit_fields(household: "Household", record: Record, purpose: str | None = None,
                 form: Path | None = None, ask_purpose: bool = True) -> dict[str, Any]:
    """The visit's fields from the options; on a terminal, the care list is asked for when no
    --check was given (and the purpose when missing)."""
    from keyledger.visits import parse_check, parse_errand, parse_found, parse_let_in

    checks = [parse_check(c) for c in record.check]
    checks += [parse_found(x, False) for x in record.problem]
    checks += [parse_found(x, True) for x in record.fixed]
    if sys.stdin.isatty() and form is None:
        if purpose is None and ask_purpose:
            purpose = _ask_word("visit-purpose", _("Purpose"))
        if not checks and household.care and purpose != "call":
            checks = _ask_checklist(household)
    fields: dict[str, Any] = {"purpose": purpose, "note": record.note,
                              "follow_up": record.follow_up,
                              "errand": parse_errand(record.bought, record.advanced, record.repaid),
                              "answers": record.request}
    for name, values in (("checklist", checks), ("findings", record.finding),
                         ("actions", record.action),
                         ("let_in", [parse_let_in(x) for x in record.let_in]),
                         ("informed", record.informed), ("resolve", record.resolve)):
        if values:
            fields[name] = values
    return fields


def _ask_word(kind: str, question: str, default: str | None = None) -> str:
    """A value of the vocabulary asked for on the terminal: the steward answers in the
    interface's words (or any synonym); the file keeps the code."""
    from rich.prompt import InvalidResponse, Prompt

    from keyledger import vocab

    class Word(Prompt):
        def process_response(self, value: str) -> str:
            code = vocab.lookup(kind, value)
            if code is None:
                raise InvalidResponse(_("Please answer with one of: {names}").format(
                    names=vocab.choices(kind)))
            return code

    answer = Word.ask(question, choices=[vocab.name(kind, c) for c in vocab.KINDS[kind].codes],
                      default=None if default is None else vocab.name(kind, default),
                      console=_console())
    return vocab.parse(kind, answer)  # an empty answer is the default's name


def _ask_checklist(household: "Household") -> list[dict[str, Any]]:
    from rich.prompt import Prompt

    out = []
    for item in household.care:
        result = _ask_word("check-result", _("{item}: how was it?").format(
            item=vocab.name("care", item)), "ok")
        note = Prompt.ask(_("note"), default="", console=_console()) \
            if result in ("problem", "fixed") else ""
        done = ""
        while result == "fixed" and not done:
            done = Prompt.ask(_("what was done"), console=_console()).strip()
        out.append({"item": item, "result": result, "note": note or None,
                    **({"done": done} if done else {})})
    return out


def _console() -> Any:
    """Questions go to the terminal itself, even when stderr is kept in a log."""
    from rich.console import Console

    from keyledger.cli.common import open_terminal

    return Console(file=open_terminal())


@command(app)
def add(
    household: str = params.household(),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p",
                                          autocompletion=completion.visit_purposes,
                                          callback=words.one("visit-purpose"),
                                          help=_("What it was: {purposes}.").format(
                                              purposes=vocab.choices("visit-purpose"))),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note, e.g. 电话问候，一切正常.")),
    outcome: Optional[str] = typer.Option(None, "--outcome", metavar="OUTCOME",
                                          autocompletion=completion.call_outcomes,
                                          callback=words.one("call-outcome"),
                                          help=_("How a call went: {outcomes}.").format(
                                              outcomes=vocab.choices("call-outcome"))),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME",
                                     help=_("When it happened, if entered later, e.g. "
                                            "2026-11-25 10:05 or yesterday 15:00.")),
    with_: list[str] = typer.Option([], "--with", metavar="STEWARD",
                                    autocompletion=completion.stewards, callback=words.steward,
                                    help=_("Another steward present (repeatable).")),
    for_: list[str] = typer.Option([], "--for", metavar="STEWARD",
                                   autocompletion=completion.stewards,
                                   help=_("A supervisor entering the visit of a steward who made "
                                          "it (repeatable); the visit says who entered it.")),
    consent: Optional[str] = typer.Option(None, "--consent",
                                          help=_("An emergency visit: how the owner agreed.")),
    unreached: Optional[str] = typer.Option(None, "--unreached",
                                            help=_("An emergency visit: who was called without "
                                                   "answer.")),
    check: list[str] = CHECK, finding: list[str] = FINDING, action: list[str] = ACTION,
    let_in: list[str] = LET_IN, photo: list[Path] = PHOTO, informed: list[str] = INFORMED,
    follow_up: Optional[str] = FOLLOW_UP, from_file: Optional[Path] = FROM_FILE,
    problem: list[str] = PROBLEM, fixed: list[str] = FIXED, resolve: list[str] = RESOLVE,
    request: Optional[str] = REQUEST, bought: list[str] = BOUGHT,
    advanced: Optional[str] = ADVANCED, repaid: bool = REPAID,
) -> None:
    """Record a visit made without a key: a code-lock entry, a doorstep delivery, a call, an
    errand."""
    from keyledger.visits import add_visit, parse_outcome

    ledger = open_ledger()
    record = Record(check, finding, action, let_in, informed, follow_up, note, problem, fixed,
                    resolve, request, bought, advanced, repaid)
    fields = visit_fields(ledger.household(household), record, purpose, from_file)
    if fields["purpose"] is None and from_file is None:
        raise typer.BadParameter(_("say what the visit was"), param_hint="--purpose")
    fields.update(outcome=parse_outcome(outcome) if outcome else None, consent=consent,
                  unreached=unreached)
    visit, sha = add_visit(ledger, household, fields, photo, from_file, at, with_, for_)
    home = ledger.household(visit.household)
    # What was recorded, as the steward said it: a call is a call, not a visit to the door.
    said = {"household": f"{home.id} {home.name}", "when": when(visit.started),
            "stewards": people().names(visit.stewards), "sha": sha[:10],
            "purpose": vocab.name("visit-purpose", visit.purpose),
            "outcome": vocab.name("call-outcome", visit.outcome)}
    say((_("Recorded: {when}, {stewards} called {household} ({outcome}). Commit {sha}.")
         if visit.purpose == "call" and visit.outcome else
         _("Recorded: {when}, {stewards} at {household}, {purpose}. Commit {sha}.")).format(**said))


@command(app, "list")
def list_(
    household: Optional[str] = params.household_filter(),
    start: Optional[str] = typer.Option(None, "--from", metavar="DATE",
                                        help=_("The first day (30 days before the last by "
                                               "default).")),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                        help=_("The last day (today by default).")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Visits between two days (the last 30 days by default)."""
    from datetime import timedelta

    from keyledger.timeutil import now, parse_date, zone
    from keyledger.visits import visits_between

    ledger = open_ledger()
    if household:
        ledger.household(household)
    today = now(zone(ledger.settings.timezone)).date()
    last = parse_date(until, today) if until else today
    first = parse_date(start, today) if start else last - timedelta(days=30)
    visits = visits_between(ledger, first, last, household)
    if json:
        print_json([visit_json(v) for v in visits])
        return
    from keyledger.cli.household_view import purpose_words

    who = people()
    table([_("visit"), _("household"), _("when"), _("purpose"), _("stewards"), _("checked")],
          [[v.id, v.household, when(v.started), purpose_words(v),
            who.names(v.stewards),
            " ".join(f"{vocab.name('care', c.item)}:{vocab.name('check-result', c.result)}"
                     for c in v.checklist)] for v in visits])


def visit_json(v: "Visit") -> dict[str, Any]:
    """The visit's fields, each always present: the file leaves out what a visit lacks."""
    data = v.to_dict()
    data.pop("schema")
    data["checklist"] = [{**c.to_dict(), "done": c.done} for c in v.checklist]
    data.update(outcome=v.outcome, resolves=[r.to_dict() for r in v.resolves],
                request=v.request.to_dict() if v.request else None,
                errand=v.errand.to_dict() if v.errand else None, consent=v.consent,
                unreached=v.unreached)
    return data
