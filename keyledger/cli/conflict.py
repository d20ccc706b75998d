"""Conflicts a sync kept: conflict list, show, drop, redo."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

import typer

from keyledger import vocab
from keyledger.cli.common import command, group, open_ledger, print_json, say, table, when
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.conflicts import Conflict, Operation

app = group()

NAME = typer.Argument(None, metavar="[NAME]",
                      help=_("The conflict's name, as `conflict list` shows it (not needed when "
                             "there is only one)."))


def describe(op: "Operation") -> str:
    """An operation in a steward's words: when, what, which key of which household, why."""
    t = op.trailers
    if not t.get("Key"):
        return _("{action}: {subject}").format(action=_(t.get("Action", "?")), subject=op.subject)
    at = when(datetime.fromisoformat(t["At"])) if t.get("At") else "—"
    what = _("{at} {action} of {key} ({household})").format(
        at=at, action=_(t.get("Action", "?")), key=t["Key"], household=t.get("Household", "—"))
    if t.get("Purpose"):  # the Chinese list takes its own comma
        what = _("{operation}, {purpose}").format(operation=what, purpose=vocab.name(
            "visit-purpose", t["Purpose"]))
    return what + (f" — {t['Note']}" if t.get("Note") else "")


def _json(conflict: "Conflict") -> dict[str, object]:
    return {"name": conflict.name, "branch": conflict.branch,
            "made": conflict.made.isoformat() if conflict.made else None,
            "explanation": conflict.explanation,
            "operations": [{"commit": op.sha, "subject": op.subject, "action":
                            op.trailers.get("Action"), "key": op.trailers.get("Key"),
                            "household": op.trailers.get("Household"),
                            "at": op.trailers.get("At"), "steward": op.trailers.get("Steward")}
                           for op in conflict.operations]}


@command(app, "list")
def list_(json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """The operations a sync could not share, kept for you to look at."""
    from keyledger.conflicts import conflicts

    found = conflicts(open_ledger())
    if json:
        print_json([_json(c) for c in found])
        return
    if not found:
        say(_("No conflict: everything of yours was shared, or is waiting to be."))
        return
    table([_("kept conflict"), _("when"), _("operations"), _("first operation")],
          [[c.name, when(c.made), str(len(c.operations)),
            describe(c.operations[0]) if c.operations else "—"] for c in found])
    say(_("`keyledger conflict show NAME` says what happened; `conflict redo NAME` records the "
          "operations again, `conflict drop NAME` drops them."))


@command(app)
def show(name: Optional[str] = NAME,
         json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """What happened, and each operation the conflict holds."""
    from keyledger.conflicts import get

    conflict = get(open_ledger(), name)
    if json:
        print_json(_json(conflict))
        return
    if conflict.explanation:
        say(conflict.explanation)
    say(_("Conflict {name} holds {n} operation(s) not on the shared ledger:").format(
        name=conflict.name, n=len(conflict.operations)))
    for op in conflict.operations:
        say("  " + describe(op))


@command(app)
def drop(name: Optional[str] = NAME) -> None:
    """Drop a conflict: its operations are not recorded (say so to the other steward first)."""
    from keyledger.conflicts import drop as take_away, get

    ledger = open_ledger()
    conflict = get(ledger, name)
    say(_("Dropping conflict {name}; these {n} operation(s) will not be recorded:").format(
        name=conflict.name, n=len(conflict.operations)))
    for op in conflict.operations:
        say("  " + describe(op))
    take_away(ledger, conflict.name)
    say(_("Conflict {name} is dropped.").format(name=conflict.name))


@command(app)
def redo(name: Optional[str] = NAME) -> None:
    """Record a conflict's operations again on today's ledger, dated now, if the rules now
    allow all of them (otherwise nothing is recorded, and it says why)."""
    from keyledger.conflicts import redo as again

    conflict = again(open_ledger(), name)
    if not conflict.operations:
        say(_("Conflict {name} held nothing the shared ledger does not have; it is gone.")
            .format(name=conflict.name))
        return
    say(_("Recorded again on today's ledger, dated now:"))
    for op in conflict.operations:
        say("  " + describe(op))
    say(_("Conflict {name} is resolved.").format(name=conflict.name))
