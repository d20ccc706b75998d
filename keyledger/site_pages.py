"""What each page of the office's site says (`keyledger site`): the data of the board, the week,
the households and stewards, gathered in bulk — one listing, one `due`, one walk of the recent
history for however many households are asked for — and stripped of what the ledger's
`policies.publish` does not allow on a page (health notes, phone numbers). No door code is ever
read: the site is made without any private key, and a key's ciphertext is left out too.

`site.py` decides which pages to make and writes them; `render` writes each one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Iterable, Iterator

from keyledger import custody_log
from keyledger.ledger import Ledger
from keyledger.model import Household, Key, Publish, Steward, Visit
from keyledger.schedules import DueItem

# A household's page tells its last 30 days, as `report household` does by default.
WINDOW = timedelta(days=30)
CHUNK = 1000


@dataclass(frozen=True)
class KeyView:
    """A key as a page shows it: where it is, never its code."""

    id: str
    household: str
    household_name: str
    kind: str
    label: str
    slot: str
    state: str
    holder: str | None
    holder_name: str
    holder_phone: str
    since: datetime | None
    purpose: str | None
    expected_back: datetime | None
    overdue: bool


@dataclass(frozen=True)
class StewardView:
    id: str
    name: str
    role: str
    active: bool
    phone: str


@dataclass(frozen=True)
class HouseholdRow:
    """A line of the households' index."""

    id: str
    name: str
    address: str
    flags: tuple[str, ...]
    pair: tuple[str, ...]


def steward_views(stewards: Iterable[Steward], publish: Publish) -> dict[str, StewardView]:
    return {s.id: StewardView(s.id, s.name, s.role, s.active,
                              (s.phone or "") if publish.phones else "") for s in stewards}


def key_view(key: Key, household_name: str, stewards: dict[str, StewardView],
             moment: datetime) -> KeyView:
    holder = stewards.get(key.holder or "")
    return KeyView(key.id, key.household, household_name, key.kind, key.label or "",
                   key.slot or "", key.state, key.holder,
                   holder.name if holder else key.holder or "", holder.phone if holder else "",
                   key.since, key.purpose, key.expected_back,
                   bool(key.state == "out" and key.expected_back and key.expected_back < moment))


def keys_out(ledger: Ledger, index: dict[str, Any], names: dict[str, str],
             stewards: dict[str, StewardView], moment: datetime) -> list[KeyView]:
    """Every key not in the cabinet (out, lost), overdue first, then the longest out."""
    records = index["key"].part("records")
    out = [key_view(k, names.get(k.household, ""), stewards, moment)
           for k in records.values() if k is not None and k.state in ("out", "lost")]
    far = datetime.max.replace(tzinfo=moment.tzinfo)
    return sorted(out, key=lambda k: (not k.overdue, k.state != "out", k.since or far, k.id))


def household_rows(index: dict[str, Any]) -> list[HouseholdRow]:
    return [HouseholdRow(ident, name, address, tuple(flags), tuple(pair))
            for ident, (name, _kind, flags, pair, address) in index["household"].rows().items()]


def strip(household: Household, publish: Publish) -> Household:
    """The household as the site may show it."""
    people = tuple(replace(p, health=p.health if publish.health else None,
                           phone=p.phone if publish.phones else None) for p in household.people)
    contacts = tuple(replace(c, phone=c.phone if publish.phones else None)
                     for c in household.contacts)
    return replace(household, people=people, contacts=contacts)


@dataclass(frozen=True)
class HouseholdPage:
    """The 一户一档 page's data, and when time alone will change it (`stale_after`)."""

    context: dict[str, Any]
    stale_after: datetime | None


def _span(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    return (datetime.combine(first, datetime.min.time(), tz),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tz))


def household_pages(ledger: Ledger, ids: list[str], keys: dict[str, list[Key]],
                    stewards: dict[str, StewardView], publish: Publish, moment: datetime,
                    every: bool) -> Iterator[tuple[str, HouseholdPage]]:
    """The pages of households `ids`, in id order; `every`: many of the ledger's (one walk of
    the recent history for all keys rather than one for those households' keys). Households
    are read a thousand at a time, so that a street office's hundred thousand pages do not
    all stand in memory at once."""
    from keyledger.visits import recorded_late, visits_between

    tz = moment.tzinfo
    assert tz is not None
    today = moment.date()
    first = today - WINDOW
    begin, end = _span(first, today, tz)
    wanted = set(ids)
    if every:
        visits = visits_between(ledger, first, today)
        paths = ["keys"]
    else:
        visits = [v for h in sorted(wanted) for v in visits_between(ledger, first, today, h)]
        paths = [ledger.relpath("key", k.id) for h in sorted(wanted) for k in keys.get(h, [])]
    codes = frozenset(k.id for h in wanted for k in keys.get(h, []) if k.kind == "code")
    intervals, events = custody_log.read(ledger, paths, since=begin, until=end,
                                         code_keys=codes) if paths else ([], [])
    by_household: dict[str, list[Visit]] = {}
    for v in visits:
        by_household.setdefault(v.household, []).append(v)
    shown: dict[str, list[custody_log.Interval]] = {}
    for i in intervals:
        if i.overlaps(begin, end):
            shown.setdefault(i.household, []).append(i)
    noted: dict[str, list[custody_log.Event]] = {}
    for e in events:
        if begin <= e.at < end:
            noted.setdefault(e.household, []).append(e)
    names = {s.id: s.name for s in stewards.values()}
    order = sorted(wanted)
    for household in (h for start in range(0, len(order), CHUNK)
                      for h in ledger.households(order[start:start + CHUNK])):
        own = [k for k in keys.get(household.id, []) if k.state != "handed-back"]
        views = [key_view(k, household.name, stewards, moment) for k in own]
        custody = sorted(shown.get(household.id, []), key=lambda i: i.start)
        seen = by_household.get(household.id, [])
        happened = sorted(noted.get(household.id, []), key=lambda e: e.at)
        # A key still out shows since when, not a running total: the page would change by
        # the minute, and be rewritten by every run of the site.
        held = {i: max(min(i.end, end) - max(i.start, begin), timedelta())
                for i in custody if i.end}
        overdue = {i for i in custody if i.late or (i.end is None and i.expected_back
                                                    and i.expected_back < moment)}
        context = {
            "household": strip(household, publish), "keys": views, "first": first,
            "last": today, "visits": [(v, tuple(names.get(s, s) for s in v.stewards),
                                       recorded_late(v)) for v in seen],
            "custody": custody, "held": held, "overdue": overdue,
            "total": sum(held.values(), timedelta()),
            "events": happened,
            "pair": [stewards.get(s) for s in (household.pair_a, household.pair_b)],
            "away_now": next((a for a in household.away if a.start <= today <= a.until), None),
            "away_next": next((a for a in household.away if a.start > today), None)}
        yield household.id, HouseholdPage(context, _stale_after(
            household, seen, custody, happened, own, moment))


def _stale_after(household: Household, visits: list[Visit],
                 custody: list[custody_log.Interval], events: list[custody_log.Event],
                 keys: list[Key], moment: datetime) -> datetime | None:
    """The first moment at which time alone changes the page: a visit or a checkout leaves the
    30 days, a key out becomes overdue, a period away or an authorization begins or ends. A
    rebuild before then need not look at the household unless its files changed."""
    tz = moment.tzinfo
    assert tz is not None

    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tz)

    gone = WINDOW + timedelta(days=1)  # what happened on day D leaves the page on D + 31
    moments = [midnight(v.started.astimezone(tz).date() + gone) for v in visits[:1]]
    moments += [midnight(i.end.astimezone(tz).date() + gone) for i in custody if i.end]
    moments += [midnight(e.at.astimezone(tz).date() + gone) for e in events[:1]]
    moments += [k.expected_back for k in keys if k.state == "out" and k.expected_back]
    for a in household.away:
        moments += [midnight(a.start), midnight(a.until + timedelta(days=1))]
    auth = household.authorization
    if auth is not None:
        moments += [midnight(auth.start), midnight(auth.until + timedelta(days=1))]
    later = [m for m in moments if m > moment]
    return min(later) if later else None


def week_items(items: list[DueItem], days: list[date]) -> list[DueItem]:
    return [i for i in items if i.day in days]
