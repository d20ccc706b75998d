"""Schedules and what is due: recurring visits and calls, follow-ups, and what was missed.

`occurs` and `due_items` are pure: households, visits and keys in, due items out, so the date
arithmetic (week, month and year ends, periods away) is tested without a repository.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Iterable, Protocol, Sequence

from keyledger import gitops, vocab, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ids import check_id
from keyledger.ledger import Ledger, locked
from keyledger.model import Contact, Household, ScheduleEntry
from keyledger.subjects import language, subject
from keyledger.timeutil import now, parse_date, zone
from keyledger.timewords import parse_window
from keyledger.vocab import WEEKDAYS


def occurs(household: Household, entry: ScheduleEntry, day: date) -> bool:
    if entry.start and day < entry.start or entry.until and day > entry.until:
        return False
    if entry.since and day < entry.since.date():
        return False
    if entry.while_away and not any(a.start <= day <= a.until for a in household.away):
        return False
    return entry.every == ("day",) or WEEKDAYS[day.weekday()] in entry.every


def assigned(household: Household, entry: ScheduleEntry) -> str | None:
    if entry.steward == "a":
        return household.pair_a
    if entry.steward == "b":
        return household.pair_b
    return entry.steward


class SeenVisit(Protocol):
    """What a due item needs of a visit: a recorded Visit, or the event index's row of one."""

    @property
    def id(self) -> str: ...
    @property
    def household(self) -> str: ...
    @property
    def stewards(self) -> tuple[str, ...]: ...
    @property
    def started(self) -> datetime: ...
    @property
    def purpose(self) -> str: ...
    @property
    def follow_up(self) -> date | None: ...
    @property
    def reached(self) -> bool: ...
    @property
    def answers(self) -> datetime | None: ...


@dataclass(frozen=True)
class KeyWhere:
    key: str
    state: str
    holder: str | None
    slot: str | None
    kind: str = "physical"


@dataclass(frozen=True)
class DueItem:
    day: date
    household: str
    household_name: str
    start: time
    end: time | None
    purpose: str
    steward: str | None
    kind: str                 # "scheduled", "follow-up", "escalation" or "request"
    status: str               # "done", "due" or "missed"
    visits: tuple[str, ...]   # the visits that satisfied it
    keys: tuple[KeyWhere, ...]
    calls: tuple[datetime, ...] = ()     # an escalation: the calls that reached nobody
    contacts: tuple[Contact, ...] = ()   # an escalation: whom to call on the way to the door


def due_items(households: Iterable[Household], days: list[date], visits: Sequence[SeenVisit],
              keys: dict[str, list[KeyWhere]], now: datetime, tz: tzinfo) -> list[DueItem]:
    """What is due on `days`: a visit recorded for the household that day satisfies one item;
    an item whose time has passed without one is missed. A follow-up date on a visit is due too."""
    homes, wanted = {}, {}
    for household in households:
        homes[household.id] = household.name
        wanted[household.id] = [
            Wanted(day, e.start_time, e.end_time, e.purpose, assigned(household, e), "scheduled",
                   e.since) for day in days for e in household.schedule
            if occurs(household, e, day)]
    return items_of(homes, wanted, days, visits, keys, now, tz)


def items_of(homes: dict[str, str], wanted: dict[str, list[Wanted]], days: list[date],
             visits: Sequence[SeenVisit], keys: dict[str, list[KeyWhere]], now: datetime,
             tz: tzinfo) -> list[DueItem]:
    """The due items of the households `homes` (id: name), from what their schedules want on
    `days` and the follow-ups visits asked for on them, each with its status."""
    seen: dict[tuple[str, date], list[SeenVisit]] = {}
    asked: dict[str, list[SeenVisit]] = {}  # follow-ups on `days`, by household
    for v in visits:
        if v.reached:  # a call that reached nobody satisfies nothing (keyledger.service_due)
            seen.setdefault((v.household, v.started.astimezone(tz).date()), []).append(v)
        if v.follow_up in days:
            asked.setdefault(v.household, []).append(v)
    items = []
    for ident, name in homes.items():
        these = wanted.get(ident, []) + [
            Wanted(v.follow_up, time(0), None, "follow-up", v.stewards[0], "follow-up",
                   asked_by=v.id) for v in asked.get(ident, ()) if v.follow_up]
        deadlines = [w.deadline(tz) for w in these]
        # It was over before the entry was added: never due, never missed.
        kept = [(w, d) for w, d in zip(these, deadlines) if not (w.since and d < w.since)]
        if not kept:
            continue
        where = tuple(keys.get(ident, ()))
        done = _match([w for w, _d in kept], seen, ident, tz) if any(
            (ident, w.day) in seen for w, _d in kept) else {}
        for n, (w, deadline) in enumerate(kept):
            by = done.get(n)
            status = "done" if by else "missed" if deadline < now else "due"
            items.append(DueItem(w.day, ident, name, w.start, w.end, w.purpose, w.steward,
                                 w.kind, status, (by,) if by else (), where))
    return sorted(items, key=lambda i: (i.day, i.start, i.household))


@dataclass(frozen=True)
class Wanted:
    """An item before its status is known."""

    day: date
    start: time
    end: time | None
    purpose: str
    steward: str | None
    kind: str
    since: datetime | None = None
    asked_by: str | None = None     # a follow-up: the visit that asked for it

    def deadline(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.day, self.end or time(23, 59, 59), tz)

    def window(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """When a visit fits it best: its window, its time, or all day for a follow-up."""
        if self.kind == "follow-up":
            return datetime.combine(self.day, time(0), tz), self.deadline(tz)
        opens = datetime.combine(self.day, self.start, tz)
        return opens, datetime.combine(self.day, self.end, tz) if self.end else opens


def _match(wanted: list[Wanted], seen: dict[tuple[str, date], list[SeenVisit]], household: str,
           tz: tzinfo) -> dict[int, str]:
    """Which visit satisfied which item. One visit does one item, or a call at 10:05 would also
    count as the afternoon's inspection by the other steward and the done counts would lie. The
    best match goes first: the same purpose, then the item whose time is nearest the visit's."""
    pairs = []
    for n, w in enumerate(wanted):
        opens, closes = w.window(tz)
        for v in seen.get((household, w.day), []):
            if v.id == w.asked_by:
                continue  # a follow-up is satisfied by a later visit, not the one that asked
            off = max(v.started - closes, opens - v.started, timedelta())
            pairs.append((v.purpose != w.purpose, off, n, v.id))
    done: dict[int, str] = {}
    used: set[str] = set()
    for _other, _off, n, visit_id in sorted(pairs):
        if n not in done and visit_id not in used:
            done[n] = visit_id
            used.add(visit_id)
    return done


def week_days(text: str, today: date) -> list[date]:
    """A week's seven days, Monday first: 2026-W48, 48, 第48周, 本周, 下周."""
    from keyledger.timewords import parse_week

    monday = parse_week(text, today)
    return [monday + timedelta(days=i) for i in range(7)]


def this_week(today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"{year}-W{week:02d}"


@locked
def add_entry(ledger: Ledger, ident: str, every: str, at: str, purpose: str, steward: str,
              start: str | None, until: str | None, while_away: bool) -> tuple[Household, str]:
    household = ledger.household(ident)
    days = vocab.parse_days(every, "--every")
    clock = parse_window(at)
    purpose = vocab.parse("visit-purpose", purpose, "--purpose")
    if steward not in ("a", "b"):
        ledger.steward(check_id(steward, _("steward")))
    today = now(zone(ledger.settings.timezone)).date()
    first = parse_date(start, today) if start else None
    last = parse_date(until, today) if until else None
    if first and last and last < first:
        raise FatalError(_("--until must not be before --from."))
    entry = ScheduleEntry(days, clock[0], clock[1], purpose, steward, first, last, while_away,
                          since=now(zone(ledger.settings.timezone)))
    if any(replace(e, since=None) == replace(entry, since=None) for e in household.schedule):
        raise FatalError(_("{id} already has that schedule.").format(id=ident))
    window = clock[0].strftime("%H:%M") + (f"-{clock[1]:%H:%M}" if clock[1] else "")
    return _save(ledger, replace(household, schedule=household.schedule + (entry,)),
                 subject(ledger, "schedule of {household} {name}: {days} {window} {purpose}",
                         household=ident, name=household.name, window=window, purpose=purpose,
                         days=vocab.days_name(days, language(ledger.settings.locale))))


@locked
def remove_entry(ledger: Ledger, ident: str, number: int) -> tuple[Household, str]:
    household = ledger.household(ident)
    if not 1 <= number <= len(household.schedule):
        raise FatalError(_("{id} has no schedule entry {n}; see `keyledger schedule list {id}`.")
                         .format(id=ident, n=number))
    schedule = household.schedule[:number - 1] + household.schedule[number:]
    return _save(ledger, replace(household, schedule=schedule),
                 subject(ledger, "schedule of {household} {name}: entry {n} removed",
                         household=ident, name=household.name, n=number))


def _save(ledger: Ledger, household: Household, said: str) -> tuple[Household, str]:
    actor = acting_steward(ledger)
    if actor.role != "supervisor" and actor.id not in household.pair:
        raise FatalError(_("Only {id}'s A/B pair or a supervisor may change its schedule.")
                         .format(id=household.id))
    sha = ledger.change({ledger.relpath("household", household.id): yaml.dump(household.to_dict())},
                        gitops.format_message(said,
                                              [("Action", "schedule"), ("Household", household.id),
                                               ("Steward", actor.id)]))
    return household, sha


def due(ledger: Ledger, days: list[date]) -> list[DueItem]:
    """Due items of the ledger on `days`, with where each household's keys are now."""
    from keyledger import listing, service_due
    from keyledger.visits import seen

    tz = zone(ledger.settings.timezone)
    # The visits of those days, and those (of any day before) that asked for a follow-up on one.
    asking = seen(ledger, days[0], days[-1], follow_up_on=days)
    visits = list({v.path: v for v in seen(ledger, days[0], days[-1]) + asking}.values())
    # Households these visits concern besides the scheduled ones: a follow-up asked for, calls
    # that reached nobody, a request answered.
    following = {v.household for v in asking} | {
        v.household for v in visits
        if v.started.astimezone(tz).date() in days and (not v.reached or v.answers)}
    index = listing.fresh(ledger, ("household", "key"))
    scheduled = index["household"].part("records")  # the households with a schedule
    households = list(scheduled.values())
    households += [ledger.household(i) for i in sorted(following - scheduled.keys())
                   if ledger.exists("household", i)]
    where: dict[str, list[KeyWhere]] = {}
    for ident, (household, kind, slot, state, holder, _label) in index["key"].rows().items():
        if state != "handed-back":
            where.setdefault(household, []).append(KeyWhere(ident, state, holder, slot, kind))
    moment = now(tz)
    found = due_items(households, days, visits, where, moment, tz)
    extra = service_due.items(households, days, visits, where, moment, tz,
                              ledger.settings.escalate_after)
    # An escalation names the emergency contacts, which the listing's records leave out.
    full = {i.household: ledger.household(i.household) for i in extra if i.kind == "escalation"}
    extra = [replace(i, contacts=full[i.household].contacts) if i.household in full else i
             for i in extra]
    return sorted(found + extra, key=lambda i: (i.day, i.start, i.household))
