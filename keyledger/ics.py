"""The stewards' plan as an iCalendar file a phone calendar subscribes to (`due --ics`,
`schedule export --ics`): scheduled visits and calls, follow-ups (回访) and key reservations.

One VEVENT per due item and per reservation, each with a UID made from what the event is (the
household or key, the day, the time, the purpose), not from who goes or whether it is done, so a
calendar that re-reads the file updates its events instead of doubling them. A subscribed
calendar is read again every `policies.publish.refresh` (REFRESH-INTERVAL, and X-PUBLISHED-TTL
for the calendars that read only that), and each visit still to make has a reminder (VALARM)
`policies.publish.reminder` before it. Times are in the ledger's timezone, with its VTIMEZONE
even when no event uses it (an empty week is still a valid calendar); the text is in the
ledger's language (Chinese for a zh ledger: "巡查 8-1-401 王秀兰"). The file is written by
`keyledger/ical.py` (a street office's four weeks are tens of thousands of events).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from keyledger import vocab
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.model import Reservation
from keyledger.schedules import DueItem, due
from keyledger.timeutil import now, zone

# A scheduled time without a window is shown as this long.
DEFAULT_LENGTH = timedelta(minutes=30)
# A follow-up has a day but no time: its reminder comes at the start of that working day.
MORNING = time(8, 0)


@dataclass(frozen=True)
class Booking:
    key: str
    household: str
    reservation: Reservation


def reservations(ledger: Ledger, days: list[date], steward: str | None = None) -> list[Booking]:
    """Reservations overlapping `days` (in the ledger's timezone)."""
    tz = zone(ledger.settings.timezone)
    start = datetime.combine(days[0], time(0), tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tz)
    out = [Booking(k.id, k.household, r) for k in ledger.keys() for r in k.reservations
           if r.start < end and r.until > start and (steward is None or r.steward == steward)]
    return sorted(out, key=lambda b: (b.reservation.start, b.key))


def planned(item: DueItem) -> bool:
    """Whether a calendar holds the item: an escalation or an owner's request is a task for
    now, not a plan."""
    return item.kind in ("scheduled", "follow-up")


def items(ledger: Ledger, days: list[date], steward: str | None = None) -> list[DueItem]:
    """The planned items of `days`."""
    return [i for i in due(ledger, days) if (steward is None or i.steward == steward)
            and planned(i)]


class _Words:
    """The calendar's text in the ledger's language."""

    def __init__(self, chinese: bool) -> None:
        self.chinese = chinese

    def purpose(self, code: str) -> str:
        return vocab.name("visit-purpose", code, "zh" if self.chinese else "en")

    def status(self, code: str) -> str:
        return {"done": "已完成", "due": "待办", "missed": "漏办"}.get(code, code) \
            if self.chinese else _(code)

    def key_state(self, code: str) -> str:
        return vocab.name("key-state", code, "zh" if self.chinese else "en")

    def label(self, chinese: str, english: str) -> str:
        return chinese if self.chinese else english


def _uid(community: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, (community, *parts))).encode()).hexdigest()
    return f"{parts[0]}-{digest[:24]}@keyledger"


def calendar(ledger: Ledger, days: list[date], steward: str | None = None, *,
             due_items: list[DueItem] | None = None, bookings: list[Booking] | None = None,
             stamp: datetime | None = None, phones: bool = True,
             homes: dict[str, tuple[str, str]] | None = None) -> tuple[bytes, int]:
    """The iCalendar file of `days` (and the number of events in it). `due_items`, `bookings`,
    `homes` (name and address by household): already gathered (the site writes a calendar per steward from
    one `due` and one listing); `stamp`: the DTSTAMP, so that a calendar made again from the
    same commit is the same file; `phones`: the stewards' numbers beside their names (the
    site's follow policies.publish)."""
    from keyledger import ical

    settings = ledger.settings
    tz = zone(settings.timezone)
    words = _Words(settings.locale.lower().startswith("zh"))
    names = {s.id: s for s in ledger.stewards()}
    due_items = items(ledger, days, steward) if due_items is None else due_items
    bookings = reservations(ledger, days, steward) if bookings is None else bookings
    if homes is None:
        wanted = sorted({i.household for i in due_items} | {b.household for b in bookings})
        homes = {h.id: (h.name, h.address) for h in ledger.households(
            [h for h in wanted if ledger.exists("household", h)])}
    publish = settings.publish
    who = names[steward].name if steward in names else steward
    title = words.label("钥匙管家", _("Key stewards"))
    cal = ical.Calendar([
        ("VERSION", "2.0"), ("PRODID", "-//keyledger//keyledger//ZH"),
        ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH"),
        ("X-WR-CALNAME", ical.text(" ".join(x for x in (settings.community, title, who) if x))),
        ("X-WR-TIMEZONE", ical.text(settings.timezone)),
        ("REFRESH-INTERVAL;VALUE=DURATION", ical.duration(publish.refresh)),
        ("X-PUBLISHED-TTL", ical.duration(publish.refresh))], settings.timezone)
    stamp = (stamp or now(tz)).astimezone(timezone.utc)
    before = ical.duration(-publish.reminder) if publish.reminder else None
    used: set[str] = set()

    def unique(uid: str) -> str:
        base, n = uid, 1
        while uid in used:  # two identical items (two visits asking for the same follow-up)
            n += 1
            uid = base.replace("@", f"-{n}@", 1)
        used.add(uid)
        return uid

    def person(ident: str | None) -> str:
        if not ident:
            return "—"
        s = names.get(ident)
        return f"{s.name} ({ident})" + (f" {s.phone}" if phones and s.phone else "") if s else ident

    count = 0
    for item in due_items:
        summary = f"{words.purpose(item.purpose)} {item.household} {item.household_name}"
        if item.status != "due":
            summary += words.label(f"（{words.status(item.status)}）",
                                   f" ({words.status(item.status)})")
        keys = "; ".join(
            f"{k.key} " + (words.label("门锁密码", _("door code")) if k.kind == "code" else
                           words.label(f"在柜 {k.slot or '—'}", _("in slot {slot}").format(
                               slot=k.slot or "—")) if k.state == "in" else
                f"{words.key_state(k.state)} {person(k.holder) if k.holder else ''}".strip())
            for k in item.keys)
        description = "\n".join(d for d in (
            words.label("管家：", _("Steward: ")) + person(item.steward),
            words.label("状态：", _("Status: ")) + words.status(item.status),
            words.label("钥匙：", _("Keys: ")) + keys if keys else "") if d)
        # A reminder only before a visit still to make, as the ledger's settings ask; a
        # follow-up has a day but no time: it reminds at the start of that working day.
        waiting = item.status == "due" and before is not None
        if item.kind == "follow-up":
            cal.event(unique(_uid(settings.community, "follow-up", item.household, item.day)),
                      stamp, summary, description, homes.get(item.household, ("", None))[1],
                      words.purpose(item.purpose), item.day, item.day + timedelta(days=1),
                      ical.utc(datetime.combine(item.day, MORNING, tz)) if waiting else None,
                      summary)
        else:
            start = datetime.combine(item.day, item.start, tz)
            end = datetime.combine(item.day, item.end, tz) if item.end else start + DEFAULT_LENGTH
            cal.event(unique(_uid(settings.community, "visit", item.household, item.day,
                                  item.start.strftime("%H%M"),
                                  item.end.strftime("%H%M") if item.end else "", item.purpose)),
                      stamp, summary, description, homes.get(item.household, ("", None))[1],
                      words.purpose(item.purpose), start, end,
                      before if waiting else None, summary)
        count += 1
    for booking in bookings:
        r = booking.reservation
        name, home = homes.get(booking.household, ("", None))
        summary = words.label(f"预约 {booking.key} {words.purpose(r.purpose)} "
                              f"{booking.household} {name}",
                              _("Reserved {key}: {purpose} {household} {name}").format(
                                  key=booking.key, purpose=words.purpose(r.purpose),
                                  household=booking.household, name=name)).strip()
        cal.event(unique(_uid(settings.community, "reservation", booking.key,
                              r.start.isoformat())), stamp, summary,
                  "\n".join((words.label("预约人：", _("Reserved for: ")) + person(r.steward),
                             words.label("钥匙：", _("Key: ")) + booking.key)),
                  home, words.purpose(r.purpose), r.start.astimezone(tz), r.until.astimezone(tz),
                  before if before is not None and r.start > stamp else None, summary)
        count += 1
    # The ledger's VTIMEZONE is always written: a calendar needs a component, and an empty
    # week is still a calendar a phone keeps subscribed to.
    return cal.to_ical(), count

