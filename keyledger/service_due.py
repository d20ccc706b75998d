"""What the service records make due: a door visit when calls go unanswered, and the owners'
requests not yet answered. Pure, like `schedules.due_items`: households and visits in, due
items out.

An elderly person living alone who does not answer the daily call is the alarm, not the end of
the round (seed 001): after `policies.calls.escalate_after` calls that reached nobody the same
day (2 unless the ledger says otherwise), an escalation is due at once — go to the door, with
the emergency contacts and the key's whereabouts — until a visit at the door, or a call that
reaches someone, follows.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from keyledger.ledger import Ledger
from keyledger.model import Household
from keyledger.schedules import DueItem, KeyWhere, SeenVisit


def items(households: list[Household], days: list[date], visits: list[SeenVisit],
          keys: dict[str, list[KeyWhere]], now: datetime, tz: tzinfo,
          escalate_after: int) -> list[DueItem]:
    by_day: dict[tuple[str, date], list[SeenVisit]] = {}
    answered: dict[str, list[SeenVisit]] = {}
    for v in sorted(visits, key=lambda v: v.started):
        by_day.setdefault((v.household, v.started.astimezone(tz).date()), []).append(v)
        if v.answers is not None:
            answered.setdefault(v.household, []).append(v)
    out: list[DueItem] = []
    for household in households:
        where = tuple(keys.get(household.id, ()))
        for day in days:
            out += _escalations(household, day, by_day.get((household.id, day), []), where,
                                now, tz, escalate_after)
        out += _requests(household, days, answered.get(household.id, []), where, now, tz)
    return out


def _escalations(household: Household, day: date, visits: list[SeenVisit],
                 where: tuple[KeyWhere, ...], now: datetime, tz: tzinfo,
                 threshold: int) -> list[DueItem]:
    """The day's escalations: each run of `threshold` calls that reached nobody raises one,
    which the next contact that reached someone (at the door, or a call answered) satisfies."""
    out = []
    run: list[SeenVisit] = []   # calls that reached nobody since the last contact that did
    for v in visits:
        if v.purpose == "call" and not v.reached:
            run.append(v)
            continue
        if len(run) >= threshold:
            out.append(_escalation(household, day, run, where, v.id, now, tz))
        run = []
    if len(run) >= threshold:
        out.append(_escalation(household, day, run, where, None, now, tz))
    return out


def _escalation(household: Household, day: date, calls: list[SeenVisit],
                where: tuple[KeyWhere, ...], by: str | None, now: datetime,
                tz: tzinfo) -> DueItem:
    raised = calls[-1].started.astimezone(tz)
    over = datetime.combine(day, time(23, 59, 59), tz) < now
    return DueItem(day, household.id, household.name, raised.time().replace(second=0,
                                                                            microsecond=0),
                   None, "inspection", calls[-1].stewards[0], "escalation",
                   "done" if by else "missed" if over else "due", (by,) if by else (), where,
                   calls=tuple(c.started for c in calls), contacts=household.contacts)


def _requests(household: Household, days: list[date], answered: list[SeenVisit],
              where: tuple[KeyWhere, ...], now: datetime, tz: tzinfo) -> list[DueItem]:
    """An owner's request is due from the day it came until a visit answers it: on that day
    in a week's list, and on each day asked about while it waits. It is never "missed": it is
    late, which the reports measure as its response time."""
    out = []
    for v in answered:
        assert v.answers is not None
        came = v.answers.astimezone(tz)
        if came.date() in days:
            out.append(_request(household, came.date(), came.time(), v.stewards[0], "done",
                                (v.id,), where))
    for r in household.requests:
        came = r.received.astimezone(tz)
        day = max(came.date(), days[0])
        if day <= days[-1] and came <= now:
            start = came.time() if day == came.date() else time(0)
            out.append(_request(household, day, start, r.steward, "due", (), where))
    return out


def _request(household: Household, day: date, start: time, steward: str, status: str,
             visits: tuple[str, ...], where: tuple[KeyWhere, ...]) -> DueItem:
    return DueItem(day, household.id, household.name, start.replace(second=0, microsecond=0),
                   None, "request", steward or None, "request", status, visits, where)


def open_counts(ledger: Ledger) -> dict[str, int]:
    """What is open across the ledger: problems, requests, errands not repaid (from the
    listing index's records: only households with something open or a schedule are kept)."""
    from keyledger import listing

    records = listing.fresh(ledger, ("household",))["household"].part("records").values()
    return {name: sum(len(getattr(h, name)) for h in records)
            for name in ("problems", "requests", "advances")}
