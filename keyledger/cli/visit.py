"""Visits: visit add, list, show — and the visit options `return --visit` shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from keyledger.cli import completion
from keyledger.cli.common import command, group, open_ledger, print_json, say, table, when
from keyledger.i18n import _
from keyledger.vocab import CARE, VISIT_PURPOSES

if TYPE_CHECKING:
    from keyledger.model import Household, Visit

app = group()

# The options of a visit's record, declared once for `visit add` and `return --visit`.
CHECK = typer.Option([], "--check", metavar="ITEM=ok|problem|n/a[:NOTE]",
                     help=_("A care-list item and how it was (repeatable): ") + ", ".join(CARE))
FINDING = typer.Option([], "--finding", help=_("Something found (repeatable)."))
ACTION = typer.Option([], "--action", help=_("Something done (repeatable)."))
LET_IN = typer.Option([], "--let-in", metavar="WHO,COMPANY,WHAT",
                      help=_("Someone let in, e.g. a gas fitter (repeatable)."))
PHOTO = typer.Option([], "--photo", help=_("A photo to attach (repeatable)."))
INFORMED = typer.Option([], "--informed",
                        help=_("How the owner was kept informed, e.g. \"video call\" (repeatable)."))
FOLLOW_UP = typer.Option(None, "--follow-up", metavar="DATE",
                         help=_("Come back on this day (回访)."))
FROM_FILE = typer.Option(None, "--from-file", help=_("The full record from a YAML form."))


def visit_fields(household: "Household", check: list[str], finding: list[str], action: list[str],
                 let_in: list[str], informed: list[str], follow_up: str | None,
                 note: str | None, purpose: str | None = None,
                 form: Path | None = None, ask_purpose: bool = True) -> dict[str, Any]:
    """The visit's fields from the options; on a terminal, the care list is asked for when no
    --check was given (and the purpose when missing)."""
    from keyledger.visits import parse_check, parse_let_in

    checks = [parse_check(c) for c in check]
    if sys.stdin.isatty() and form is None:
        if purpose is None and ask_purpose:
            purpose = _ask(_("Purpose"), list(VISIT_PURPOSES))
        if not checks and household.care:
            checks = _ask_checklist(household)
    fields: dict[str, Any] = {"purpose": purpose, "note": note, "follow_up": follow_up}
    for name, values in (("checklist", checks), ("findings", finding), ("actions", action),
                         ("let_in", [parse_let_in(x) for x in let_in]), ("informed", informed)):
        if values:
            fields[name] = values
    return fields


def _ask(question: str, choices: list[str], default: str | None = None) -> str:
    from rich.prompt import Prompt

    return Prompt.ask(question, choices=choices, default=default, console=_console())


def _ask_checklist(household: "Household") -> list[dict[str, Any]]:
    from rich.prompt import Prompt

    from keyledger.zh import care_name

    # The steward answers in the interface's words; the file keeps the codes.
    words = {_("ok"): "ok", _("problem"): "problem", _("n/a"): "n/a"}
    out = []
    for item in household.care:
        answer = _ask(_("{item}: how was it?").format(item=care_name(item)), list(words),
                      _("ok"))
        result = words[answer]
        note = Prompt.ask(_("note"), default="", console=_console()) if result == "problem" else ""
        out.append({"item": item, "result": result, "note": note or None})
    return out


def _console() -> Any:
    """Questions go to the terminal itself, even when stderr is kept in a log."""
    from rich.console import Console

    from keyledger.cli.common import open_terminal

    return Console(file=open_terminal())


@command(app)
def add(
    household: str = typer.Argument(..., metavar="HOUSEHOLD", autocompletion=completion.households),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p",
                                          autocompletion=completion.visit_purposes,
                                          help=_("What it was: {purposes}.").format(
                                              purposes=", ".join(VISIT_PURPOSES))),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note, e.g. 电话问候，一切正常.")),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME",
                                     help=_("When it happened, if entered later.")),
    with_: list[str] = typer.Option([], "--with", metavar="STEWARD",
                                    autocompletion=completion.stewards,
                                    help=_("Another steward present (repeatable).")),
    for_: list[str] = typer.Option([], "--for", metavar="STEWARD",
                                   autocompletion=completion.stewards,
                                   help=_("A supervisor entering the visit of a steward who made "
                                          "it (repeatable); the visit says who entered it.")),
    check: list[str] = CHECK, finding: list[str] = FINDING, action: list[str] = ACTION,
    let_in: list[str] = LET_IN, photo: list[Path] = PHOTO, informed: list[str] = INFORMED,
    follow_up: Optional[str] = FOLLOW_UP, from_file: Optional[Path] = FROM_FILE,
) -> None:
    """Record a visit made without a key: a code-lock entry, a doorstep delivery, a call."""
    from keyledger.visits import add_visit

    ledger = open_ledger()
    fields = visit_fields(ledger.household(household), check, finding, action, let_in, informed,
                          follow_up, note, purpose, from_file)
    if fields["purpose"] is None and from_file is None:
        raise typer.BadParameter(_("say what the visit was"), param_hint="--purpose")
    visit, sha = add_visit(ledger, household, fields, photo, from_file, at, with_, for_)
    say(_("Recorded visit {id} at {household}. Commit {sha}.").format(
        id=visit.id, household=household, sha=sha[:10]))


@command(app, "list")
def list_(
    household: Optional[str] = typer.Argument(None, metavar="[HOUSEHOLD]",
                                              autocompletion=completion.households),
    start: Optional[str] = typer.Option(None, "--from", metavar="DATE"),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE"),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Visits between two days (the last 30 days by default)."""
    from datetime import timedelta

    from keyledger.timeutil import now, parse_date, zone
    from keyledger.visits import visits_between

    ledger = open_ledger()
    if household:
        ledger.household(household)
    last = parse_date(until) if until else now(zone(ledger.settings.timezone)).date()
    first = parse_date(start) if start else last - timedelta(days=30)
    visits = visits_between(ledger, first, last, household)
    if json:
        print_json([visit_json(v) for v in visits])
        return
    table([_("visit"), _("household"), _("when"), _("purpose"), _("stewards"), _("checked")],
          [[v.id, v.household, when(v.started), _(v.purpose), ", ".join(v.stewards),
            " ".join(f"{_(c.item)}:{_(c.result)}" for c in v.checklist)] for v in visits])


def visit_json(v: "Visit") -> dict[str, Any]:
    data = v.to_dict()
    data.pop("schema")
    return data
