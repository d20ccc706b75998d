"""Times in the ledger's zone, written as ISO 8601 with the offset; durations a person types."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from keyledger.errors import FatalError
from keyledger.i18n import _

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?")


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FatalError(_("Unknown timezone {name!r}; use a name like Asia/Shanghai.")
                         .format(name=name))


def _system_clock(tz: tzinfo) -> datetime:
    return datetime.now(tz)


# Where `now` reads the time. Nothing a command is given — no option, no environment variable —
# sets it: a steward cannot date a checkout before a revocation. The tests and the demo stand at
# chosen moments by replacing it in their own process (tests/conftest.py, demo/at.py).
clock: Callable[[tzinfo], datetime] = _system_clock

# How far two honest machines' clocks may differ: events of one key or household a little out
# of order, or a little ahead of the receiving server, are not taken for tampering.
CLOCK_SKEW = timedelta(minutes=5)


def now(tz: tzinfo) -> datetime:
    return clock(tz).astimezone(tz).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# Nobody holds a key for longer than this; it also keeps date arithmetic far from overflow.
MAX_DURATION = timedelta(days=366)


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or not any(match.groups()) or any(g and len(g) > 6 for g in match.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    return duration if duration <= MAX_DURATION else None


def parse_datetime(text: str, tz: tzinfo) -> datetime:
    """ISO 8601 or `YYYY-MM-DD HH:MM`; a time without an offset is in the ledger's zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FatalError(
            _("{text!r} is not a date and time: write it like 2026-11-25 14:00.").format(text=text)
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_when(text: str, start: datetime) -> datetime:
    """A moment after `start`: a duration (`3h`, `90m`, `1d`), a clock time (`17:00`), or a date and time."""
    duration = parse_duration(text)
    if duration is not None:
        return start + duration
    if re.fullmatch(r"\d+[dhm].*", text.strip().lower()):
        raise FatalError(_("{text!r} is not a duration of at most a year, like 3h or 90m.")
                         .format(text=text))
    if re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
        hours, minutes = map(int, text.strip().split(":"))
        if hours > 23 or minutes > 59:
            raise FatalError(_("{text!r} is not a time of day.").format(text=text))
        return datetime.combine(start.date(), time(hours, minutes), start.tzinfo)
    try:
        return parse_datetime(text, start.tzinfo or zone("UTC"))
    except FatalError:
        raise FatalError(_("{text!r} is not a duration, a time or a date and time: write it like "
                           "3h, 90m, 17:00 or 2026-11-25 17:00.").format(text=text)) from None


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FatalError(_("{text!r} is not a date: write it like 2026-11-25.").format(text=text))
