"""What the reports say, as data: the owner's message (报平安), a household's record and the
community's week. Each function returns the context its template is rendered with; the words
are the templates' (keyledger/templates/<lang>/), the rendering keyledger.reports'.

The owner's message tells the owner what concerns them and nothing of the community's own
workings: what was done, what was found and fixed, what is still open and needs them, each entry
in an emergency once with how they agreed, a key handed back. A steward's late return, a record
entered late, a supervisor's override are the weekly report's, for the community.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from keyledger import custody_log, gitops, standing
from keyledger.ledger import Ledger
from keyledger.model import Household, Key, Visit
from keyledger.schedules import DueItem, due, this_week, week_days
from keyledger.timeutil import now, zone
from keyledger.visits import load, recorded_late, seen, visits_between


@dataclass(frozen=True)
class VisitView:
    visit: Visit
    steward_names: tuple[str, ...]
    late: bool                      # recorded more than a day after it ended
    # An owner's request it answered: from the request's arrival to the steward at the door.
    response: timedelta | None = None
    owed: bool = False              # money it advanced on an errand, not yet repaid


def _views(ledger: Ledger, visits: list[Visit],
           owing: frozenset[str] = frozenset()) -> list[VisitView]:
    """`owing`: the visits whose errand's money is still owed (the households' `advances`)."""
    names = _names(ledger)
    return [VisitView(v, tuple(names.get(s, s) for s in v.stewards), recorded_late(v),
                      v.started - v.request.received if v.request else None, v.id in owing)
            for v in visits]


def _owing(*households: Household) -> frozenset[str]:
    return frozenset(a.visit for h in households for a in h.advances)


def _names(ledger: Ledger) -> dict[str, str]:
    return {s.id: s.name for s in ledger.stewards()}


def _base(ledger: Ledger) -> dict[str, Any]:
    return {"community": ledger.settings.community,
            "generated": now(zone(ledger.settings.timezone))}


@dataclass(frozen=True)
class Emergency:
    """One entry in an emergency as the owner hears of it: a key handed over within it is
    still one entry, with everyone who held it; the visit recorded at its end is part of it.
    An emergency visit made without a key (the family opened the door) is one too."""

    start: datetime
    end: datetime | None
    holders: tuple[str, ...]
    consent: str | None
    unreached: str | None
    household: str
    key: str | None = None
    steward: str = ""
    visits: tuple[VisitView, ...] = ()


def _emergencies(intervals: list[custody_log.Interval], visits: list[VisitView],
                 begin: datetime, end: datetime, names: dict[str, str]) -> list[Emergency]:
    """The period's entries in an emergency, each once: an owner must hear of every time their
    home was entered so, and on what consent, even when no visit was written."""
    entries: list[Emergency] = []
    last: dict[str, tuple[int, custody_log.Interval]] = {}  # key -> its entry, last interval
    for i in sorted((i for i in intervals if i.emergency), key=lambda i: i.start):
        holder = names.get(i.holder, i.holder)
        before = last.get(i.key)
        if before and before[1].ended_by == "handover" and before[1].end == i.start:
            at, entry = before[0], entries[before[0]]
            entries[at] = replace(entry, end=i.end, holders=entry.holders + (holder,))
        else:
            at = len(entries)
            entries.append(Emergency(i.start, i.end, (holder,), i.consent, i.unreached,
                                     i.household, i.key, i.holder))
        last[i.key] = (at, i)
    out = []
    for e in entries:
        mine = tuple(v for v in visits if v.visit.key == e.key and e.start <= v.visit.started
                     and (e.end is None or v.visit.started <= e.end))
        out.append(replace(e, visits=mine))
    for v in visits:
        if v.visit.purpose == "emergency" and v.visit.key is None:
            out.append(Emergency(v.visit.started, v.visit.ended, v.steward_names,
                                 v.visit.consent, v.visit.unreached, v.visit.household,
                                 steward=v.visit.stewards[0], visits=(v,)))
    return sorted((e for e in out if e.start < end and (e.end is None or e.end > begin)),
                  key=lambda e: e.start)


def span_of_days(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From the first day's midnight to the midnight after the last, in the ledger's zone."""
    return (datetime.combine(first, datetime.min.time(), tz),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tz))


def _held(start: datetime, finish: datetime | None, begin: datetime, end: datetime,
          moment: datetime) -> timedelta:
    """How much of start..finish (or now) lies within begin..end: a period counts its part."""
    return max(min(finish or moment, end) - max(start, begin), timedelta())


def _overdue(interval: custody_log.Interval, moment: datetime) -> bool:
    """Returned late, or still out after it was due back."""
    return interval.late or bool(interval.end is None and interval.expected_back
                                 and interval.expected_back < moment)


def _codes(keys: list[Key]) -> frozenset[str]:
    return frozenset(k.id for k in keys if k.kind == "code")


def _custody(ledger: Ledger, keys: list[Key]) -> tuple[list[custody_log.Interval],
                                                        list[custody_log.Event]]:
    """The whole history of these keys: an emergency may have begun long before the period."""
    if not keys:
        return [], []
    return custody_log.read(ledger, [ledger.relpath("key", k.id) for k in keys],
                            code_keys=_codes(keys))


@dataclass(frozen=True)
class Closed:
    """A problem closed without a visit (`problem close`): the owner had it repaired, say."""

    at: datetime
    item: str | None
    what: str | None
    note: str | None
    steward: str


def _closed(ledger: Ledger, household: Household, begin: datetime,
            end: datetime) -> list[Closed]:
    """The period's `problem close` commits of the household: found in the event index, their
    note (free text the index does not keep) read from the commit."""
    from keyledger import event_index

    out = []
    rows = event_index.fresh(ledger).execute(
        "SELECT sha, at, steward, json_extract(extra, '$.Item'), json_extract(extra, '$.What') "
        "FROM commits WHERE household = ? AND action = 'problem-close' AND at >= ? AND at < ? "
        "ORDER BY seq", (household.id, int(begin.timestamp()), int(end.timestamp())))
    for sha, at, steward, item, what in rows:
        note = gitops.log(ledger.root, [], limit=1, rev=sha)[0].trailers.get("Note")
        out.append(Closed(datetime.fromtimestamp(at, begin.tzinfo), item or None, what or None,
                          note or None, steward or ""))
    return out


def current_week(ledger: Ledger) -> str:
    return this_week(now(zone(ledger.settings.timezone)).date())


def owner(ledger: Ledger, household_id: str, week: str | None) -> dict[str, Any]:
    household = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    moment = now(tz)
    days = week_days(week or current_week(ledger), moment.date())
    begin, end = span_of_days(days[0], days[-1], tz)
    every = _views(ledger, visits_between(ledger, days[0], days[-1], household.id),
                   _owing(household))
    # The message is sent now, so where the keys are is told as of now, whatever the week.
    keys = ledger.keys_of(household.id)  # a key handed back since may have been used
    names = _names(ledger)
    intervals, _events = _custody(ledger, keys)
    emergencies = _emergencies(intervals, every, begin, end, names)
    told = {v.visit.id for e in emergencies for v in e.visits}
    visits = [v for v in every if v.visit.id not in told]
    lost = [k for k in keys if k.state == "lost"]
    # A call that reached nobody, with no visit to the door after it: the owner is not told
    # that all is well on the strength of it.
    last = every[-1].visit if every else None
    return {
        **_base(ledger), "household": household, "days": days, "visits": visits,
        "emergencies": emergencies, "names": names, "now": moment, "tz": tz,
        # Both told as they happened: the visit at the door after two unanswered calls comes
        # between them and the next day's call, not after the week.
        "entries": sorted([("visit", v.visit.started, v) for v in visits]
                          + [("emergency", e.start, e) for e in emergencies],
                          key=lambda entry: entry[1]),
        "photos": sum(len(v.visit.photos) for v in every),
        "problems": household.problems, "advances": household.advances,
        "closed": _closed(ledger, household, begin, end),
        "handbacks": [d for d in custody_log.deposits(ledger, household.id)
                      if d.end and begin <= d.end < end],
        "lost": lost,
        "in_cabinet": bool(keys) and all(k.state == "in" for k in keys if k.state != "handed-back")
        and any(k.state == "in" for k in keys),
        "codes_only": bool(keys) and all(k.kind == "code" for k in keys),
        "codes": _codes(keys),
        # "All is well" is a claim: only what a visit saw supports it, with nothing open, no
        # key lost, no emergency entry, and the week's last contact one that reached someone.
        "all_well": bool(every) and not household.problems and not lost and not emergencies
        and last is not None and last.reached,
        # A follow-up already made (a visit that day), or whose day has passed, is no longer a
        # promise the message can make.
        "follow_ups": sorted({v.visit.follow_up for v in every if v.visit.follow_up
                              and v.visit.follow_up >= moment.date()}
                             - {v.visit.started.astimezone(tz).date() for v in every})}


def household(ledger: Ledger, household_id: str, first: date, last: date) -> dict[str, Any]:
    record = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    keys = ledger.keys_of(record.id)
    intervals, events = _custody(ledger, keys)
    begin, end = span_of_days(first, last, tz)
    moment = now(tz)
    shown = [i for i in intervals if i.overlaps(begin, end)]
    out = {i: _held(i.start, i.end, begin, end, moment) for i in shown}
    deposits = [d for d in custody_log.deposits(ledger, record.id)
                if d.start < end and (d.end is None or d.end > begin)]
    names = _names(ledger)
    visits = _views(ledger, visits_between(ledger, first, last, record.id), _owing(record))
    return {
        **_base(ledger), "household": record, "first": first, "last": last, "keys": keys,
        "visits": visits, "custody": shown, "names": names, "out": out,
        "codes": _codes(keys),  # a door code is told, not taken out: its rows say so
        "overdue": {i for i in shown if _overdue(i, moment)},
        "total_out": sum(out.values(), timedelta()),
        "clipped": any(i.start < begin or (i.end or moment) > end for i in shown),
        # 托管: how long the community has held each key, registration to handback.
        "deposits": deposits, "held": {d: (d.end or moment) - d.start for d in deposits},
        "emergencies": _emergencies(intervals, visits, begin, end, names),
        "events": [e for e in events if begin <= e.at < end and not e.emergency],
        "closed": _closed(ledger, record, begin, end), "now": moment}


@dataclass(frozen=True)
class Row:
    """One line of a summary table: a steward's or a household's week."""

    id: str
    name: str
    due: int = 0
    done: int = 0
    missed: int = 0
    visits: int = 0
    checkouts: int = 0
    held: timedelta = timedelta()


def weekly(ledger: Ledger, week: str | None) -> dict[str, Any]:
    from keyledger import listing

    tz = zone(ledger.settings.timezone)
    moment = now(tz)
    days = week_days(week or current_week(ledger), moment.date())
    begin, end = span_of_days(days[0], days[-1], tz)
    items: list[DueItem] = due(ledger, days)
    visits = seen(ledger, days[0], days[-1])  # counted; only some are read (below)
    intervals, events = custody_log.read(ledger, ["keys"], since=begin, until=end,
                                         code_keys=standing.code_keys(ledger))
    week_intervals = [i for i in intervals if i.overlaps(begin, end)]
    names = _names(ledger)
    stewards: dict[str, Row] = {}
    households: dict[str, Row] = {}

    def bump(table: dict[str, Row], ident: str, name: str, **add: Any) -> None:
        row = table.get(ident, Row(ident, name))
        table[ident] = Row(ident, row.name, **{f: getattr(row, f) + add.get(f, type(getattr(row, f))())
                                           for f in ("due", "done", "missed", "visits",
                                                     "checkouts", "held")})

    for item in items:
        counts = {"due": 1, item.status: 1} if item.status != "due" else {"due": 1}
        if item.steward:
            bump(stewards, item.steward, names.get(item.steward, item.steward), **counts)
        bump(households, item.household, item.household_name, **counts)
    # Every household with something in the week has a row, scheduled or not.
    active = {v.household for v in visits} | {i.household for i in week_intervals}
    homes = standing.names(ledger, active - households.keys())
    for v in visits:
        for s in v.stewards:
            bump(stewards, s, names.get(s, s), visits=1)
        bump(households, v.household, homes.get(v.household, ""), visits=1)
    for i in week_intervals:
        counts = {"checkouts": int(i.start >= begin),
                  "held": _held(i.start, i.end, begin, end, moment)}
        bump(stewards, i.holder, names.get(i.holder, i.holder), **counts)
        bump(households, i.household, homes.get(i.household, ""), **counts)
    records = listing.fresh(ledger, ("household",))["household"].part("records")
    open_homes = [h for _i, h in sorted(records.items())
                  if h.problems or h.advances or h.requests]
    # What the week's sections tell of visits one by one: emergencies, errands, requests.
    views = _views(ledger, load(ledger, [v for v in visits if v.answers
                                         or v.purpose in ("emergency", "errand")]),
                   _owing(*open_homes))
    return {
        # The week as the calendar names it, however it was typed (本周, 48, 第48周).
        **_base(ledger), "week": this_week(days[0]), "days": days,
        "stewards": sorted(stewards.values(), key=lambda r: r.id),
        "households": sorted(households.values(), key=lambda r: r.id),
        "visits": visits, "items": items, "custody": week_intervals,
        "checkouts": sum(i.start >= begin for i in week_intervals),
        "names": names, "overdue": [i for i in week_intervals if _overdue(i, moment)],
        # For the custody table: each checkout's time within the week, and the overdue ones as
        # a set (a list's `in` is quadratic at a street office's thousands).
        "held": {i: _held(i.start, i.end, begin, end, moment) for i in week_intervals},
        "late": {i for i in week_intervals if _overdue(i, moment)},
        "follow_ups": [i for i in items if i.kind == "follow-up" and i.status != "done"],
        "escalations": [i for i in items if i.kind == "escalation"],
        "emergencies": _emergencies(intervals, views, begin, end, names),
        "events": [e for e in events if begin <= e.at < end],
        "answered": [v for v in views if v.visit.request is not None],
        "errands": [v for v in views if v.visit.errand is not None],
        "open_problems": [(h, p) for h in open_homes for p in h.problems],
        # Requests no visit has answered yet: the supervisor sees who is still waiting.
        "open_requests": [(h, r) for h in open_homes for r in h.requests],
        "owed": [(h, a) for h in open_homes for a in h.advances],
        "now": moment, "begin": begin, "end": end}
