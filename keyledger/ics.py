"""The stewards' plan as an iCalendar file a phone calendar subscribes to (`due --ics`,
`schedule export --ics`): scheduled visits and calls, follow-ups (回访) and key reservations.

One VEVENT per due item and per reservation, each with a UID made from what the event is (the
household or key, the day, the time, the purpose), not from who goes or whether it is done, so a
calendar that re-reads the file updates its events instead of doubling them. Times are in the
ledger's timezone, with its VTIMEZONE; the text is in the ledger's language (Chinese for a zh
ledger: "巡查 8-1-401 王秀兰"). icalendar is imported only here, when a calendar is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from keyledger import zh
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.model import Reservation
from keyledger.schedules import DueItem, due
from keyledger.timeutil import now, zone

# A scheduled time without a window is shown as this long.
DEFAULT_LENGTH = timedelta(minutes=30)


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


def items(ledger: Ledger, days: list[date], steward: str | None = None) -> list[DueItem]:
    """The planned items: an escalation or an owner's request is a task for now, not a plan."""
    return [i for i in due(ledger, days) if (steward is None or i.steward == steward)
            and i.kind in ("scheduled", "follow-up")]


class _Words:
    """The calendar's text in the ledger's language."""

    def __init__(self, chinese: bool) -> None:
        self.chinese = chinese

    def purpose(self, code: str) -> str:
        return zh.PURPOSES.get(code, code) if self.chinese else _(code)

    def status(self, code: str) -> str:
        return {"done": "已完成", "due": "待办", "missed": "漏办"}.get(code, code) \
            if self.chinese else _(code)

    def key_state(self, code: str) -> str:
        return zh.KEY_STATES.get(code, code) if self.chinese else _(code)

    def label(self, chinese: str, english: str) -> str:
        return chinese if self.chinese else english


def _uid(community: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, (community, *parts))).encode()).hexdigest()
    return f"{parts[0]}-{digest[:24]}@keyledger"


def calendar(ledger: Ledger, days: list[date], steward: str | None = None) -> tuple[bytes, int]:
    """The iCalendar file of `days` (and the number of events in it)."""
    import icalendar

    settings = ledger.settings
    tz = zone(settings.timezone)
    words = _Words(settings.locale.lower().startswith("zh"))
    households = {h.id: h for h in ledger.households()}
    names = {s.id: s for s in ledger.stewards()}

    cal = icalendar.Calendar()
    cal.add("prodid", "-//keyledger//keyledger//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    who = names[steward].name if steward in names else steward
    title = words.label("钥匙管家", _("Key stewards"))
    cal.add("x-wr-calname", " ".join(x for x in (settings.community, title, who) if x))
    cal.add("x-wr-timezone", settings.timezone)
    stamp = now(tz).astimezone(timezone.utc)
    used: set[str] = set()

    def event(uid: str, summary: str, description: list[str], location: str | None,
              category: str) -> Any:
        base, n = uid, 1
        while uid in used:  # two identical items (two visits asking for the same follow-up)
            n += 1
            uid = base.replace("@", f"-{n}@", 1)
        used.add(uid)
        e = icalendar.Event()
        e.add("uid", uid)
        e.add("dtstamp", stamp)
        e.add("summary", summary)
        e.add("description", "\n".join(d for d in description if d))
        if location:
            e.add("location", location)
        e.add("categories", [category])
        return e

    def person(ident: str | None) -> str:
        if not ident:
            return "—"
        s = names.get(ident)
        return f"{s.name} ({ident})" + (f" {s.phone}" if s and s.phone else "") if s else ident

    count = 0
    for item in items(ledger, days, steward):
        home = households.get(item.household)
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
        description = [
            words.label("管家：", _("Steward: ")) + person(item.steward),
            words.label("状态：", _("Status: ")) + words.status(item.status),
            words.label("钥匙：", _("Keys: ")) + keys if keys else "",
        ]
        if item.kind == "follow-up":
            e = event(_uid(settings.community, "follow-up", item.household, item.day),
                      summary, description, home.address if home else None,
                      words.purpose(item.purpose))
            e.add("dtstart", item.day)
            e.add("dtend", item.day + timedelta(days=1))
        else:
            e = event(_uid(settings.community, "visit", item.household, item.day,
                           item.start.strftime("%H%M"),
                           item.end.strftime("%H%M") if item.end else "", item.purpose),
                      summary, description, home.address if home else None,
                      words.purpose(item.purpose))
            start = datetime.combine(item.day, item.start, tz)
            end = datetime.combine(item.day, item.end, tz) if item.end else start + DEFAULT_LENGTH
            e.add("dtstart", start)
            e.add("dtend", end)
        cal.add_component(e)
        count += 1
    for booking in reservations(ledger, days, steward):
        r = booking.reservation
        home = households.get(booking.household)
        name = home.name if home else ""
        summary = words.label(f"预约 {booking.key} {words.purpose(r.purpose)} "
                              f"{booking.household} {name}",
                              _("Reserved {key}: {purpose} {household} {name}").format(
                                  key=booking.key, purpose=words.purpose(r.purpose),
                                  household=booking.household, name=name)).strip()
        e = event(_uid(settings.community, "reservation", booking.key, r.start.isoformat()),
                  summary, [words.label("预约人：", _("Reserved for: ")) + person(r.steward),
                            words.label("钥匙：", _("Key: ")) + booking.key],
                  home.address if home else None, words.purpose(r.purpose))
        e.add("dtstart", r.start.astimezone(tz))
        e.add("dtend", r.until.astimezone(tz))
        cal.add_component(e)
        count += 1
    if count and hasattr(cal, "add_missing_timezones"):  # icalendar 6.1+: the VTIMEZONE
        cal.add_missing_timezones()
    return cal.to_ical(), count
