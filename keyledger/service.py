"""The rules of the service records: pure functions, household (and visit) in, household out.

What a visit leaves open or closes, an owner's request taken or answered, a problem closed
without a visit, money advanced on an errand and repaid: each is one function here, called by
its command to write the household file and by `verify` (and so the server's hook and `sync`'s
replay) to check that the file a commit wrote is exactly what its visit or trailers explain.
A household file's open records change through these actions and no other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from keyledger.errors import Refused
from keyledger.i18n import _
from keyledger.model import SERVICE_FIELDS, CheckItem, Household, Visit
from keyledger.service_model import Advance, OpenProblem, OwnerRequest, Resolved
from keyledger.timeutil import CLOCK_SKEW, iso

# The commit actions that change a household's open records, besides a visit's.
ACTIONS = ("request", "problem-close", "errand-repaid")


def resolved_by(household: Household, checklist: tuple[CheckItem, ...],
                chosen: dict[OpenProblem, str | None] | None = None) -> tuple[Resolved, ...]:
    """The open problems a visit puts right: those it names (`chosen`, each with what was
    done), and every one of a care item it found ok or fixed — the latest check decides."""
    fixed = {c.item: c for c in checklist if c.item and c.result in ("ok", "fixed")}
    chosen = chosen or {}
    out = []
    for p in household.problems:
        check = fixed.get(p.item) if p.item else None
        if p in chosen or check is not None:
            done = chosen.get(p) or (check.done if check is not None else None)
            out.append(Resolved(p.visit, p.n, p.item, p.note, done))
    return tuple(out)


def after_visit(household: Household, visit: Visit) -> Household:
    """The household after `visit`: the problems it put right closed, the ones it found open,
    the request it answered done, money it advanced and was not repaid owed."""
    opened = {p.ref: p for p in household.problems}
    for r in visit.resolves:
        if r.ref not in opened or (opened[r.ref].item, opened[r.ref].note) != (r.item, r.note):
            raise Refused(_("The visit closes a problem ({ref}) that is not open at {household}.")
                          .format(ref=r.ref, household=household.id))
    expected = {r.ref for r in resolved_by(household, visit.checklist)}
    missing = expected - {r.ref for r in visit.resolves}
    if missing:  # a check found the item in order: the problem before it is over
        raise Refused(_("The visit found {item} in order but leaves its problem {ref} open.")
                      .format(item=opened[min(missing)].item, ref=min(missing)))
    closed = {r.ref for r in visit.resolves}
    problems = [p for p in household.problems if p.ref not in closed]
    still = {p.item for p in problems if p.item}
    since = visit.ended or visit.started
    for n, check in enumerate(visit.checklist, 1):
        if check.result == "problem" and (check.item is None or check.item not in still):
            problems.append(OpenProblem(visit.id, n, check.item, check.note, since))
            still.add(check.item or "")
    requests = household.requests
    if visit.request is not None:
        if visit.request not in requests:
            raise Refused(_("The visit answers a request of {received} that is not open at "
                            "{household}.").format(received=visit.request.received.isoformat(),
                                                   household=household.id))
        if visit.started < visit.request.received - CLOCK_SKEW:
            # Its response time (received → at the door) would be one that never was.
            raise Refused(_("The visit of {started} answers a request that came after it "
                            "({received}).").format(started=_moment(visit.started),
                                                    received=_moment(visit.request.received)))
        requests = tuple(r for r in requests if r != visit.request)
    advances = household.advances
    errand = visit.errand
    if errand is not None and errand.advanced and not errand.repaid:
        advances += (Advance(visit.id, since, errand.advanced, errand.items, visit.stewards[0]),)
    return replace(household, problems=tuple(problems), requests=requests, advances=advances)


def visit_trailers(visit: Visit, returned: bool = False) -> list[tuple[str, str]]:
    """What a visit's commit says of it besides its id, for `git log --grep`: the follow-up
    date, a call's outcome, the problems it closed, the request it answered, money advanced.
    `verify` holds every commit that adds a visit to them (commit_rules.visits). A visit
    `returned` with its key leaves Consent and Unreached to the custody trailers."""
    errand = visit.errand
    return [("Follow-Up", visit.follow_up.isoformat() if visit.follow_up else ""),
            ("Outcome", visit.outcome or ""),
            ("Resolves", ",".join(r.ref for r in visit.resolves)),
            ("Answers", iso(visit.request.received) if visit.request else ""),
            ("Advanced", errand.advanced or "" if errand and not errand.repaid else ""),
            *([] if returned else [("Consent", visit.consent or ""),
                                   ("Unreached", visit.unreached or "")])]


def add_request(household: Household, request: OwnerRequest) -> Household:
    if not request.text.strip():
        raise Refused(_("Say what the owner asked for."))
    if any(r.received == request.received for r in household.requests):
        raise Refused(_("{household} already has a request received at that moment.")
                      .format(household=household.id))
    return replace(household, requests=household.requests + (request,))


def _may_close(household: Household, actor: str, supervisor: bool) -> None:
    if not supervisor and actor not in household.pair:
        raise Refused(_("Only the A/B pair of {household} ({pair}) or a supervisor may close "
                        "its records; ask one of them.").format(
                            household=household.id, pair=", ".join(household.pair) or "—"))


def close_problem(household: Household, ref: str, actor: str, supervisor: bool,
                  note: str | None) -> Household:
    """A problem put right without a visit (the owner had it repaired): a note says how."""
    _may_close(household, actor, supervisor)
    if not (note or "").strip():
        raise Refused(_("Say with --note how the problem was put right."))
    if ref not in {p.ref for p in household.problems}:
        raise Refused(_("{household} has no open problem {ref}.").format(
            household=household.id, ref=ref))
    return replace(household, problems=tuple(p for p in household.problems if p.ref != ref))


def repaid(household: Household, visit: str, actor: str, supervisor: bool) -> Household:
    """The money advanced on the errand of `visit` was paid back."""
    _may_close(household, actor, supervisor)
    if visit not in {a.visit for a in household.advances}:
        raise Refused(_("{household} owes nothing for the errand {visit}.").format(
            household=household.id, visit=visit))
    return replace(household, advances=tuple(a for a in household.advances if a.visit != visit))


def replay(action: str, trailers: dict[str, str], before: Household, supervisor: bool,
           visit: Visit | None) -> Household:
    """The household a commit must have written, from the file before it and its visit or its
    trailers. `Refused` if the rules refuse the commit."""
    if visit is not None:
        return after_visit(before, visit)
    if action == "request":
        received = datetime.fromisoformat(trailers.get("At", ""))
        return add_request(before, OwnerRequest(received, trailers.get("Request", ""),
                                                trailers.get("Via", ""), trailers.get("By", ""),
                                                trailers.get("Steward", "")))
    if action == "problem-close":
        after = close_problem(before, trailers.get("Problem", ""), trailers.get("Steward", ""),
                              supervisor, trailers.get("Note"))
        closed = next(p for p in before.problems if p.ref == trailers.get("Problem"))
        _told(trailers, {"Item": closed.item or "", "What": closed.note or ""})
        return after
    if action == "errand-repaid":
        after = repaid(before, trailers.get("Errand", ""), trailers.get("Steward", ""), supervisor)
        owed = next(a for a in before.advances if a.visit == trailers.get("Errand"))
        _told(trailers, {"Amount": owed.amount})
        return after
    return before


def _told(trailers: dict[str, str], truth: dict[str, str]) -> None:
    """What a commit's trailers say of the record it closed is that record: `git log`, the
    history and a conflict's explanation read them. A trailer left out says nothing."""
    for name, value in truth.items():
        if name in trailers and trailers[name] != value:
            raise Refused(_("its trailers say {name} {said}, but the record it closes says "
                            "{value}").format(name=name, said=trailers[name], value=value or "—"))


def _moment(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


def untouched(before: Household | None, after: Household) -> bool:
    """The open records are as they were: what every other action must leave them."""
    return all(getattr(after, name) == (getattr(before, name) if before else ())
               for name in SERVICE_FIELDS)
