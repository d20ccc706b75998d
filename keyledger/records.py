"""What the service commands do: an owner's request taken (`request add`), a problem closed
without a visit (`problem close`), money advanced on an errand paid back (`errand repaid`).

Each is one signed commit of the household file, made by the rule of `keyledger.service` that
`verify` replays from the commit's trailers.
"""

from __future__ import annotations

from keyledger import gitops, service, text as free, vocab, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ledger import Ledger, locked
from keyledger.model import Household
from keyledger.service_model import OpenProblem, OwnerRequest
from keyledger.subjects import language, subject
from keyledger.timeutil import iso, now, parse_datetime, zone


def _save(ledger: Ledger, household: Household, said: str,
          trailers: list[tuple[str, str]]) -> str:
    """`said`: the subject, in the ledger's language (keyledger.subjects)."""
    return ledger.change({ledger.relpath("household", household.id):
                          yaml.dump(household.to_dict())},
                         gitops.format_message(said, trailers))


@locked
def add_request(ledger: Ledger, ident: str, text: str, via: str | None, by: str | None,
                at: str | None) -> tuple[OwnerRequest, str]:
    """An owner's request, recorded when it came (`at`, if it is entered later)."""
    household = ledger.household(ident)
    actor = acting_steward(ledger)
    tz = zone(ledger.settings.timezone)
    moment = now(tz)
    received = parse_datetime(at, tz) if at else moment
    if received > moment:
        raise FatalError(_("--at is in the future; a request is recorded after it came."))
    # Free text is made one line once, here: the file and the trailer say the same.
    request = OwnerRequest(received.replace(microsecond=0), free.line(text),
                           vocab.parse(vocab.REQUEST_CHANNEL, via or "phone", "--via"),
                           vocab.parse(vocab.REQUESTER, by or "owner", "--by"), actor.id)
    after = service.add_request(household, request)
    sha = _save(ledger, after,
                subject(ledger, "{actor}: request from {by} by {via} ({household} {name}): {text}",
                        actor=actor.name, by=request.by, via=request.via, household=household.id,
                        name=household.name, text=request.text),
                [("Action", "request"), ("Household", household.id), ("Steward", actor.id),
                 ("At", iso(request.received)), ("Via", request.via), ("By", request.by),
                 ("Request", request.text)])
    return request, sha


@locked
def close_problem(ledger: Ledger, ident: str, which: str,
                  note: str | None) -> "tuple[OpenProblem, str]":
    """A problem put right without a visit of ours: the owner had it repaired, say."""
    from keyledger.visits import pick_problem

    household = ledger.household(ident)
    actor = acting_steward(ledger)
    problem, _done = pick_problem(household, which)
    note = free.optional(note)
    after = service.close_problem(household, problem.ref, actor.id, actor.role == "supervisor",
                                  note)
    at = now(zone(ledger.settings.timezone))
    sha = _save(ledger, after,
                subject(ledger, "{actor} closes a problem ({household} {name}): {what}",
                        actor=actor.name, household=household.id, name=household.name,
                        what=problem.note or vocab.name("care", problem.item,
                                                        language(ledger.settings.locale))),
                [("Action", "problem-close"), ("Household", household.id), ("Steward", actor.id),
                 ("At", iso(at)), ("Problem", problem.ref), ("Item", problem.item or ""),
                 ("What", problem.note or ""), ("Note", note or "")])
    return problem, sha


@locked
def repaid(ledger: Ledger, ident: str, which: str) -> tuple[str, str]:
    """The money advanced on an errand was paid back (by its number in `household show`)."""
    household = ledger.household(ident)
    actor = acting_steward(ledger)
    owed = household.advances
    advance = next((a for a in owed if a.visit == which), None)
    from keyledger.timewords import ordinal

    number = ordinal(which)
    if advance is None and number and number <= len(owed):
        advance = owed[number - 1]
    if advance is None:
        raise FatalError(_("{household} owes nothing as {which!r}; `keyledger household show "
                           "{household}` lists what it owes, numbered.").format(
                               household=household.id, which=which))
    after = service.repaid(household, advance.visit, actor.id, actor.role == "supervisor")
    sha = _save(ledger, after,
                subject(ledger, "{actor}: errand of {household} {name} repaid, {amount} yuan",
                        actor=actor.name, household=household.id, name=household.name,
                        amount=advance.amount),
                [("Action", "errand-repaid"), ("Household", household.id), ("Steward", actor.id),
                 ("At", iso(now(zone(ledger.settings.timezone)))), ("Errand", advance.visit),
                 ("Amount", advance.amount)])
    return advance.amount, sha

