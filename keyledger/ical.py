"""A small iCalendar (RFC 5545) writer for the calendars keyledger publishes.

icalendar builds every property as an object and converts it back: 3.5 ms an event on the
benchmark machine, so the site's `calendar/all.ics` of a street office (four weeks of daily
calls, some 84,000 events) took minutes to write after every checkout. This writes the same
lines directly — text escaped (§3.3.11), lines folded at 75 octets without splitting a character
(§3.1), CRLF endings. icalendar still makes the VTIMEZONE (once per zone) and reads the files
back in the tests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line, folded: no physical line longer than 75 octets."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # a continuation line begins with a space
    return "\r\n ".join(parts) + "\r\n"


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def duration(value: timedelta) -> str:
    """A DURATION value: -PT30M, PT1H, P1DT2H."""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if days:
        return f"{sign}P{days}D" + (f"T{clock}" if clock else "")
    return f"{sign}PT{clock or '0S'}"


@lru_cache(maxsize=4)
def vtimezone(tzid: str) -> str:
    """The zone's VTIMEZONE component, as icalendar makes it from the tz database."""
    import icalendar

    return icalendar.Timezone.from_tzid(tzid).to_ical().decode("utf-8")


class Calendar:
    """One VCALENDAR: its properties, then its events, then the zone's VTIMEZONE."""

    def __init__(self, properties: list[tuple[str, str]], tzid: str) -> None:
        self.tzid = tzid
        self.lines = ["BEGIN:VCALENDAR\r\n", *(fold(f"{name}:{value}")
                                                for name, value in properties)]

    def event(self, uid: str, stamp: datetime, summary: str, description: str,
              location: str | None, category: str, start: datetime | date,
              end: datetime | date, alarm: str | None = None,
              alarm_text: str = "") -> None:
        """A VEVENT; `start`, `end` are dates for an all-day event, else times in the
        calendar's zone; `alarm`: a TRIGGER value (a DURATION before the start, or a UTC
        DATE-TIME) for a DISPLAY reminder."""
        lines = self.lines
        lines.append("BEGIN:VEVENT\r\n")
        lines.append(fold(f"SUMMARY:{text(summary)}"))
        if isinstance(start, datetime):
            lines.append(fold(f"DTSTART;TZID={self.tzid}:{start:%Y%m%dT%H%M%S}"))
            lines.append(fold(f"DTEND;TZID={self.tzid}:{end:%Y%m%dT%H%M%S}"))
        else:
            lines.append(f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n")
            lines.append(f"DTEND;VALUE=DATE:{end:%Y%m%d}\r\n")
        lines.append(f"DTSTAMP:{utc(stamp)}\r\n")
        lines.append(fold(f"UID:{uid}"))
        lines.append(fold(f"CATEGORIES:{text(category)}"))
        lines.append(fold(f"DESCRIPTION:{text(description)}"))
        if location:
            lines.append(fold(f"LOCATION:{text(location)}"))
        if alarm is not None:
            trigger = f"TRIGGER;VALUE=DATE-TIME:{alarm}" if alarm.endswith("Z") \
                else f"TRIGGER:{alarm}"
            lines += ["BEGIN:VALARM\r\n", "ACTION:DISPLAY\r\n",
                      fold(f"DESCRIPTION:{text(alarm_text)}"), f"{trigger}\r\n",
                      "END:VALARM\r\n"]
        lines.append("END:VEVENT\r\n")

    def to_ical(self) -> bytes:
        body = vtimezone(self.tzid)
        return ("".join(self.lines) + body.replace("\r\n", "\n").replace("\n", "\r\n")
                + "END:VCALENDAR\r\n").encode("utf-8")
