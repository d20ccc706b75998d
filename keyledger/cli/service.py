"""Service records: owners' requests (`request`), open problems (`problem`), errands' money
(`errand`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from keyledger import vocab
from keyledger.cli import completion, params, words
from keyledger.cli.common import command, group, open_ledger, print_json, say, table, when
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.model import Household

request_app = group()
problem_app = group()
errand_app = group()


@command(request_app)
def add(
    household: str = params.household(),
    text: str = typer.Argument(..., metavar="TEXT", help=_("What was asked, e.g. "
                                                           "帮我看看阳台窗户关没关.")),
    via: Optional[str] = typer.Option(None, "--via", metavar="CHANNEL",
                                      autocompletion=completion.request_channels,
                                      callback=words.one("request-channel"),
                                      help=_("How it came: {channels}.").format(
                                          channels=vocab.choices("request-channel"))),
    by: Optional[str] = typer.Option(None, "--by", metavar="WHO",
                                     autocompletion=completion.requesters,
                                     callback=words.one("request-from"),
                                     help=_("Who asked: {who}.").format(
                                         who=vocab.choices("request-from"))),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME",
                                     help=_("When it came, if entered later.")),
) -> None:
    """Record an owner's request: it is due until a visit answers it (`--request N`)."""
    from keyledger.records import add_request

    ledger = open_ledger()
    request, sha = add_request(ledger, household, text, via, by, at)
    number = len(ledger.household(household).requests)
    say(_("Request {n} of {household} recorded, received {when}. Commit {sha}.").format(
        n=number, household=household, when=when(request.received), sha=sha[:10]))


@command(request_app, "list")
def request_list(
    household: Optional[str] = params.household_filter(),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Owners' requests not yet answered, oldest first."""
    homes = _open(household, "requests")
    rows = [(h, n, r) for h in homes for n, r in enumerate(h.requests, 1)]
    if json:
        print_json([{"household": h.id, "number": n, **r.to_dict()} for h, n, r in rows])
        return
    table([_("household"), _("no."), _("received"), _("via"), _("from"), _("request")],
          [[f"{h.id} {h.name}", str(n), when(r.received), vocab.name("request-channel", r.via),
            vocab.name("request-from", r.by), r.text]
           for h, n, r in rows])


@command(problem_app, "list")
def problem_list(
    household: Optional[str] = params.household_filter(),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Problems found on visits and not yet put right, oldest first."""
    homes = _open(household, "problems")
    rows = [(h, n, p) for h in homes for n, p in enumerate(h.problems, 1)]
    if json:
        print_json([{"household": h.id, "number": n, "ref": p.ref, **p.to_dict()}
                    for h, n, p in rows])
        return
    table([_("household"), _("no."), _("found on"), _("item"), _("what was found")],
          [[f"{h.id} {h.name}", str(n), when(p.since), vocab.name("care", p.item) if p.item else "—",
            p.note or ""] for h, n, p in rows])


@command(problem_app)
def close(
    household: str = params.household(),
    number: str = typer.Argument(..., metavar="N",
                                 help=_("The problem's number in `household show`.")),
    note: Optional[str] = typer.Option(None, "--note",
                                       help=_("How it was put right, e.g. 业主已请人修好.")),
) -> None:
    """Close an open problem that was put right without a visit (the A/B pair or a
    supervisor)."""
    from keyledger.records import close_problem

    ledger = open_ledger()
    problem, sha = close_problem(ledger, household, number, note)
    # The problem as the steward knows it (暖气：接口渗水), not its reference in the files.
    what = _("{item}: {note}").format(item=vocab.name("care", problem.item), note=problem.note) \
        if problem.item and problem.note else problem.note or vocab.name("care", problem.item)
    say(_("{household} {name}: the problem {what} is closed. Commit {sha}.").format(
        household=household, name=ledger.household(household).name, what=what, sha=sha[:10]))


@command(errand_app)
def repaid(
    household: str = params.household(),
    number: str = typer.Argument(..., metavar="N",
                                 help=_("The errand's number under money owed in `household "
                                        "show`.")),
) -> None:
    """The money advanced on an errand was paid back (the A/B pair or a supervisor)."""
    from keyledger.records import repaid as paid

    amount, sha = paid(open_ledger(), household, number)
    say(_("{household} repaid {amount} yuan. Commit {sha}.").format(
        household=household, amount=amount, sha=sha[:10]))


def _open(household: str | None, field: str) -> "list[Household]":
    """One household, or every household with something open in `field` (from the listing
    index: only those households are read)."""
    ledger = open_ledger()
    if household:
        return [ledger.household(household)]
    from keyledger import listing

    records = listing.fresh(ledger, ("household",))["household"].part("records")
    wanted = sorted(i for i, h in records.items() if getattr(h, field))
    return list(ledger.households(wanted))

