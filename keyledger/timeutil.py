"""Times in the ledger's zone, written as ISO 8601 with the offset; durations a person types."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo

from keyledger.errors import FatalError
from keyledger.i18n import _

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?")


def zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not for a git call's clock (a TAB)

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


def _iso(text: str, tz: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FatalError(_("{text!r} is not a date and time: write it like 2026-11-25 14:00.")
                         .format(text=text))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# Nobody holds a key for longer than this; it also keeps date arithmetic far from overflow.
MAX_DURATION = timedelta(days=366)


def parse_duration(text: str) -> timedelta | None:
    """A duration as the ledger's settings write it (3h, 90m, 1d); what people type goes through
    timewords."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or not any(match.groups()) or any(g and len(g) > 6 for g in match.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    return duration if duration <= MAX_DURATION else None


_ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d)?")


def parse_datetime(text: str, tz: tzinfo, at: datetime | None = None) -> datetime:
    """ISO 8601, or a date and time as people write them (明天下午3点, 12月2日 15:00, 17:00
    today); a time without an offset is in the ledger's zone. Relative words count from `at`
    (now, by default)."""
    from keyledger import timewords

    # ISO 8601 with a time needs no clock (the tests' and the demo's clock read it this way).
    if _ISO_MOMENT.fullmatch(text.strip()):
        try:
            moment = datetime.fromisoformat(text.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=tz)
        except ValueError:
            pass  # a day that does not exist: timewords says so
    return timewords.parse_moment(text, at or now(tz))


def parse_when(text: str, start: datetime) -> datetime:
    """A moment after `start`: a duration (3h, 3小时, 半小时, 90分钟), a time (17:00, 下午5点), or
    a date and time (明天上午9点)."""
    from keyledger import timewords

    return timewords.parse_when(text, start)


def parse_date(text: str, today: date) -> date:
    """A date as people write it: 2026-11-25, 2026年11月25日, 11月25日, 11/25, 今天, 明天, 下周三."""
    from keyledger import timewords

    return timewords.parse_date(text, today)
