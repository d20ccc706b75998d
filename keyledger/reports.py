"""What the reports say: the owner's all-is-well message (报平安), a household's record, and the
community's week, each gathered as a `render.Document` (its data) that `render` writes as
Markdown, chat text or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from keyledger import custody_log
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.model import CheckItem, Visit
from keyledger.render import Document, language
from keyledger.schedules import DueItem, due, week_days
from keyledger.timeutil import now, zone
from keyledger.visits import recorded_late, seen, visits_between

@dataclass(frozen=True)
class VisitView:
    visit: Visit
    steward_names: tuple[str, ...]
    late: bool                      # recorded more than a day after it ended


def _views(ledger: Ledger, visits: list[Visit]) -> list[VisitView]:
    names = _names(ledger)
    return [VisitView(v, tuple(names.get(s, s) for s in v.stewards), recorded_late(v))
            for v in visits]


def _names(ledger: Ledger) -> dict[str, str]:
    return {s.id: s.name for s in ledger.stewards()}


def _base(ledger: Ledger) -> dict[str, Any]:
    return {"community": ledger.settings.community, "generated": now(zone(ledger.settings.timezone))}


def owner(ledger: Ledger, household_id: str, week: str | None, lang: str | None) -> Document:
    household = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    moment = now(tz)
    days = week_days(week or _current_week(ledger))
    visits = _views(ledger, visits_between(ledger, days[0], days[-1], household.id))
    problems, resolved = _problems(visits)
    # The message is sent now, so where the keys are is told as of now, whatever the week.
    every_key = ledger.keys_of(household.id)  # a key handed back since may have been used
    keys = [k for k in every_key if k.state != "handed-back"]
    away = [k for k in keys if k.state != "in"]
    names = _names(ledger)
    emergencies = _emergencies(ledger, every_key, days, tz, names)
    return Document("owner", language(ledger, lang), {
        **_base(ledger), "household": household, "days": days, "visits": visits,
        "photos": sum(len(v.visit.photos) for v in visits),
        "problems": problems, "resolved": resolved, "names": names, "now": moment,
        "keys_away": away, "in_cabinet": bool(keys) and not away, "emergencies": emergencies,
        # "All is well" is a claim: only what a visit saw, with no key out or lost and no
        # emergency entry, supports it.
        "all_well": bool(visits) and not problems and not away and not emergencies,
        # A follow-up already made (a visit that day), or whose day has passed, is no longer a
        # promise the message can make.
        "follow_ups": sorted({v.visit.follow_up for v in visits if v.visit.follow_up
                              and v.visit.follow_up >= moment.date()}
                             - {v.visit.started.astimezone(tz).date() for v in visits}),
        "tz": tz})


@dataclass(frozen=True)
class Emergency:
    """One emergency entry as the owner hears of it: a key handed over within it is still one
    entry, with everyone who held it."""
    start: datetime
    end: datetime | None
    holders: tuple[str, ...]
    consent: str | None
    unreached: str | None


def _emergencies(ledger: Ledger, keys: list[Any], days: list[date], tz: tzinfo,
                 names: dict[str, str]) -> list[Emergency]:
    """The week's emergency entries: an owner must hear of every time their home was entered
    under an emergency, and on what consent, even when no visit was written."""
    if not keys:
        return []
    begin, end = _span_of_days(days[0], days[-1], tz)
    # The whole history of the household's keys (one Bloom-filtered walk each): an emergency
    # may have begun long before the week, and `git log --since` would also stop early at a
    # commit from a machine whose clock was behind.
    intervals = custody_log.read(ledger, [ledger.relpath("key", k.id) for k in keys],
                                 code_keys=_codes(keys))[0]
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
            entries.append(Emergency(i.start, i.end, (holder,), i.consent, i.unreached))
        last[i.key] = (at, i)
    return [e for e in entries if e.start < end and (e.end is None or e.end > begin)]


def _problems(visits: list[VisitView]) -> tuple[list[tuple[VisitView, CheckItem]],
                                                list[tuple[VisitView, CheckItem, VisitView]]]:
    """Problems still open at the period's end, and those a later check found ok: the latest
    check of a care item decides, so a leak fixed on the follow-up is not reported as open."""
    open_: dict[str, tuple[VisitView, CheckItem]] = {}
    resolved = []
    for v in visits:
        for c in v.visit.checklist:
            if c.result == "problem":
                open_[c.item] = (v, c)
            elif c.result == "ok" and c.item in open_:
                resolved.append((*open_.pop(c.item), v))
    return list(open_.values()), resolved


def household(ledger: Ledger, household_id: str, start: str | None, until: str | None,
              lang: str | None) -> Document:
    from keyledger.timeutil import parse_date

    record = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    today = now(tz).date()
    last = parse_date(until) if until else today
    first = parse_date(start) if start else last - timedelta(days=30)
    if last < first:
        raise FatalError(_("--until must not be before --from."))
    keys = ledger.keys_of(record.id)
    paths = [ledger.relpath("key", k.id) for k in keys]
    intervals, events = custody_log.read(ledger, paths, code_keys=_codes(keys)) if paths \
        else ([], [])
    begin, end = _span_of_days(first, last, tz)
    moment = now(tz)
    shown = [i for i in intervals if i.overlaps(begin, end)]
    held = {i: _held(i, begin, end, moment) for i in shown}
    return Document("household", language(ledger, lang), {
        **_base(ledger), "household": record, "first": first, "last": last, "keys": keys,
        "visits": _views(ledger, visits_between(ledger, first, last, record.id)),
        "custody": shown, "names": _names(ledger), "held": held,
        "overdue": {i for i in shown if _overdue(i, moment)},
        "total": sum(held.values(), timedelta()),
        "clipped": any(i.start < begin or (i.end or moment) > end for i in shown),
        "events": [e for e in events if begin <= e.at < end], "now": moment})


def _span_of_days(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From the first day's midnight to the midnight after the last, in the ledger's zone."""
    return (datetime.combine(first, datetime.min.time(), tz),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tz))


def _held(interval: custody_log.Interval, begin: datetime, end: datetime,
          moment: datetime) -> timedelta:
    """How long the key was held within begin..end: a period's report counts only its part."""
    return max(min(interval.end or moment, end) - max(interval.start, begin), timedelta())


def _overdue(interval: custody_log.Interval, moment: datetime) -> bool:
    """Returned late, or still out after it was due back."""
    return interval.late or bool(interval.end is None and interval.expected_back
                                 and interval.expected_back < moment)


def _codes(keys: list[Any]) -> frozenset[str]:
    return frozenset(k.id for k in keys if k.kind == "code")


def _current_week(ledger: Ledger) -> str:
    from keyledger.schedules import this_week

    return this_week(now(zone(ledger.settings.timezone)).date())


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


def weekly(ledger: Ledger, week: str | None, lang: str | None) -> Document:
    tz = zone(ledger.settings.timezone)
    days = week_days(week or _current_week(ledger))
    begin, end = _span_of_days(days[0], days[-1], tz)
    moment = now(tz)
    items: list[DueItem] = due(ledger, days)
    visits = seen(ledger, days[0], days[-1])  # counted, never shown one by one
    keys = ledger.keys()
    intervals, events = custody_log.read(ledger, ["keys"], since=begin, until=end,
                                         code_keys=_codes(keys))
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
    homes = {h.id: h.name for h in ledger.households(
        [i for i in sorted(active - households.keys()) if ledger.exists("household", i)])}
    for v in visits:
        for s in v.stewards:
            bump(stewards, s, names.get(s, s), visits=1)
        bump(households, v.household, homes.get(v.household, ""), visits=1)
    for i in week_intervals:
        counts = {"checkouts": int(i.start >= begin), "held": _held(i, begin, end, moment)}
        bump(stewards, i.holder, names.get(i.holder, i.holder), **counts)
        bump(households, i.household, homes.get(i.household, ""), **counts)
    overdue = [i for i in week_intervals if _overdue(i, moment)]
    follow_ups = [i for i in items if i.kind == "follow-up" and i.status != "done"]
    return Document("weekly", language(ledger, lang), {
        **_base(ledger), "week": week or _current_week(ledger), "days": days,
        "stewards": sorted(stewards.values(), key=lambda r: r.id),
        "households": sorted(households.values(), key=lambda r: r.id),
        "visits": visits, "items": items, "custody": week_intervals,
        "held": {i: _held(i, begin, end, moment) for i in week_intervals},
        "checkouts": sum(i.start >= begin for i in week_intervals),
        "names": names, "overdue": overdue, "late": set(overdue), "follow_ups": follow_ups,
        "events": [e for e in events if begin <= e.at < end], "now": moment,
        "begin": begin, "end": end})
