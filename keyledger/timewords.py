"""Dates, times, durations and weeks as people write them, in Chinese or English.

    dates      2026-12-02  2026年12月2日  二〇二六年十二月二号  12月2日  12/2  12.2  今天 明天 后天
               大后天 昨天 3天后 周三 本周三 下周三 上周五  today tomorrow yesterday
    times      17:00  17：00  15点  15点30  9点半  上午9点  下午3点半  晚上8点  3点一刻  3pm
    durations  3h 90m 1d 3h30m  3小时 半小时 90分钟 一个半小时 1.5小时 两天 一刻钟 2小时30分
    weeks      2026-W50  W50  50  第50周  2026年第50周  本周 下周 上周  this week  next week

Everything is NFKC-normalized first (the full-width digits and colon a Chinese keyboard types),
and Chinese numerals become digits. What could mean two things is refused, in one sentence that
says how to write it: an hour from 1 to 6 without 上午/下午 (3点 is 03:00 or 15:00; `3:00` with a
colon is the clock's 03:00). A date without a year and a week number without a year are the
occurrence nearest to today (12/2 in late November is this December's, in January last
December's); a weekday without 上/下 is this week's (周三 = 本周三: weeks begin on Monday, and
下周三 says the next one). "Today" is always given by the caller (timeutil.now).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Callable

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.timeutil import MAX_DURATION


class Unclear(FatalError):
    """Written as a date or a time, but not one that can be used as it stands (3点: morning or
    afternoon? 2月30日 does not exist): the refusal says so, whatever the caller tried."""


# --- normalizing ----------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERALS = re.compile("[零〇○一二两三四五六七八九十百千]+")
_WORDS = (("星期", "周"), ("礼拜", "周"), ("周天", "周日"), ("周7", "周日"), ("下个周", "下周"),
          ("上个周", "上周"), ("这个周", "本周"), ("这周", "本周"),
          ("点钟", "点"), ("钟头", "小时"), ("个小时", "小时"), ("个钟", "小时"), ("分钟", "分"),
          ("号", "日"), ("今日", "今天"), ("明日", "明天"), ("昨日", "昨天"), ("个半", "半"),
          # 昨晚 = 昨天晚上, 今早 = 今天早上; 今儿, 明儿, 昨儿 as the north says them.
          ("昨晚", "昨天晚上"), ("今晚", "今天晚上"), ("明晚", "明天晚上"), ("昨早", "昨天早上"),
          ("今早", "今天早上"), ("明早", "明天早上"), ("今儿", "今天"), ("明儿", "明天"),
          ("昨儿", "昨天"))


def chinese_number(numerals: str) -> int:
    """二〇二六 → 2026 (digit by digit), 十二 → 12, 二十三 → 23, 一百零五 → 105, and the
    spoken short forms 一百二 → 120, 两千五 → 2500 (a last digit right after 百 or 千, without
    零, counts in the next unit down)."""
    if not any(c in _UNITS for c in numerals):
        return int("".join(str(_DIGITS[c]) for c in numerals))
    total, current, unit = 0, 0, 1
    for char in numerals:
        if char in _DIGITS:
            current = _DIGITS[char]
        else:
            unit = _UNITS[char]
            total += (current or 1) * unit
            current = 0
    if current and unit >= 100 and numerals[-1] in _DIGITS and numerals[-2] in _UNITS:
        return total + current * unit // 10
    return total + current


def normal(text: str) -> str:
    """NFKC, lower case, single spaces, Chinese numerals as digits, one word for each thing."""
    value = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    value = _NUMERALS.sub(lambda m: str(chinese_number(m.group())), value)
    for old, new in _WORDS:
        value = value.replace(old, new)
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", value)  # no space beside Chinese


# --- dates ----------------------------------------------------------------------------------------

_RELATIVE = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2, "大后天": 3, "昨天": -1,
             "yesterday": -1, "前天": -2, "大前天": -3}
_WEEK_SHIFT = {"上上": -2, "上": -1, "本": 0, "下": 1, "下下": 2}
_DATE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ymd", r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})日?"),
    ("md", r"(?P<yr>今年|明年|去年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
    ("md", r"(?P<m>\d{1,2})[/.](?P<d>\d{1,2})"),
    ("rel", r"(?P<rel>今天|明天|大后天|后天|昨天|大前天|前天|today|tomorrow|yesterday)"),
    ("later", r"(?P<n>\d{1,3})个?(?P<unit>天|周)(?P<dir>后|以后|之后|前|以前|之前)"),
    ("weekday", r"(?P<shift>上上|上|本|下下|下)?周(?P<wd>[1-6日])"),
    ("dom", r"(?P<dom>\d{1,2})日"),  # 24号: the nearest 24th
)
_DATE = "|".join(f"(?:{p})" for _k, p in _DATE_PATTERNS)


def _bad_date(text: str) -> FatalError:
    return FatalError(_("{text!r} is not a date: write it like 2026-12-02, 12/2, today or "
                        "tomorrow.").format(text=text.strip()))


def _nearest(candidates: list[date], today: date) -> date:
    return min(candidates, key=lambda d: (abs((d - today).days), d))


def _real(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Unclear(_("{text!r} is not a date that exists.").format(text=text.strip()))


def _date_of(text: str, match: re.Match[str], today: date) -> date:
    """The date a full match of one of the date patterns names."""
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    if "y" in found:
        return _real(text, int(found["y"]), int(found["m"]), int(found["d"]))
    if "yr" in found:
        year = today.year + {"今年": 0, "明年": 1, "去年": -1}[found["yr"]]
        return _real(text, year, int(found["m"]), int(found["d"]))
    if "m" in found or "dom" in found:
        options = []
        for year in (today.year - 1, today.year, today.year + 1):
            for month in [int(found["m"])] if "m" in found else range(1, 13):
                try:
                    options.append(date(year, month, int(found.get("d") or found["dom"])))
                except ValueError:
                    pass
        if not options:
            raise Unclear(_("{text!r} is not a date that exists.").format(text=text.strip()))
        return _nearest(options, today)
    if "rel" in found:
        return today + timedelta(days=_RELATIVE[found["rel"]])
    if "n" in found:
        sign = -1 if found["dir"].endswith("前") else 1
        return today + timedelta(days=sign * int(found["n"]) * (7 if found["unit"] == "周" else 1))
    weekday = 6 if found["wd"] == "日" else int(found["wd"]) - 1
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=_WEEK_SHIFT[found.get("shift", "本")], days=weekday)


def _match_date(value: str) -> re.Match[str] | None:
    for _kind, pattern in _DATE_PATTERNS:
        match = re.fullmatch(pattern, value)
        if match:
            return match
    return None


def parse_date(text: str, today: date) -> date:
    """A date as people write it (see the module's docstring); a part of the day said with it
    (明天上午, a follow-up's day) is the date's."""
    value = normal(text)
    match = _match_date(value) or _match_date(re.sub(rf"(?:{_PART})$", "", value))
    if match is None:
        raise _bad_date(text)
    return _date_of(text, match, today)


# --- times of day -------------------------------------------------------------------------------

# A part of the day: how an hour said in it becomes the clock's hour (None: not said that way).
_PARTS: dict[str, Callable[[int], int | None]] = {
    "凌晨": lambda h: h if h <= 6 else None,
    "早上": lambda h: h if 4 <= h <= 10 else None,
    "早晨": lambda h: h if 4 <= h <= 10 else None,
    "清晨": lambda h: h if 4 <= h <= 8 else None,
    "上午": lambda h: h if 5 <= h <= 12 else None,
    "中午": lambda h: h if 11 <= h <= 12 else h + 12 if 1 <= h <= 2 else None,
    "下午": lambda h: h + 12 if 1 <= h <= 11 else h if 12 <= h <= 23 else None,
    "傍晚": lambda h: h + 12 if 4 <= h <= 8 else h if 16 <= h <= 20 else None,
    "晚上": lambda h: h + 12 if 6 <= h <= 11 else h if 18 <= h <= 23 else None,
    "夜里": lambda h: h + 12 if 8 <= h <= 11 else h if 20 <= h <= 23 else None,
    "am": lambda h: h % 12 if 1 <= h <= 12 else None,
    "pm": lambda h: h % 12 + 12 if 1 <= h <= 12 else None,
}
_PART = "|".join(sorted(_PARTS, key=len, reverse=True))
_CLOCK = (rf"(?P<part>{_PART})?(?:(?P<ch>\d{{1,2}}):(?P<cm>\d{{2}})"
          rf"|(?P<h>\d{{1,2}})(?:点|时)(?:(?P<m>\d{{1,2}})分?|(?P<half>半)|(?P<q>[13])刻)?"
          rf"|(?P<eh>\d{{1,2}})(?::(?P<em>\d{{2}}))?(?=am|pm))(?P<suffix>am|pm)?")


def _bad_time(text: str) -> FatalError:
    return FatalError(_("{text!r} is not a time of day: write it like 17:00 or 9:30.")
                      .format(text=text.strip()))


def _clock_of(text: str, match: re.Match[str]) -> time:
    g = match.groupdict()
    part = g["part"] or g["suffix"]
    if g["ch"] is not None:
        hour, minute = int(g["ch"]), int(g["cm"])
        spoken = part is not None
    else:
        hour = int(g["h"] if g["h"] is not None else g["eh"])
        minute = (int(g["m"]) if g["m"] else 30 if g["half"] else 15 * int(g["q"]) if g["q"]
                  else int(g["em"]) if g["em"] else 0)
        spoken = True
    if minute > 59:
        raise _bad_time(text)
    if part is not None:
        said = _PARTS[part](hour)
        if said is None:
            raise _bad_time(text)
        hour = said
    elif spoken and 1 <= hour <= 6:
        raise Unclear(_("{text!r} could be in the morning or the afternoon: write {am} or "
                           "{pm}.").format(text=text.strip(), am=f"{hour:02d}:{minute:02d}",
                                           pm=f"{hour + 12}:{minute:02d}"))
    if hour > 23:
        raise _bad_time(text)
    return time(hour, minute)


def parse_time(text: str) -> time:
    """A time of day as people write it (see the module's docstring)."""
    match = re.fullmatch(_CLOCK, normal(text))
    if match is None:
        raise _bad_time(text)
    return _clock_of(text, match)


_TO = r"\s?(?:-|到|至|~|—|–)\s?"


def parse_window(text: str) -> tuple[time, time | None]:
    """A time or a window: 14:00-17:00, 下午2点到5点 (the second time said in the first's part
    of the day), 9点-11点半."""
    value = normal(text)
    match = re.fullmatch(rf"(?P<a>.+?){_TO}(?P<b>.+)", value)
    if match is None:
        if re.search(_TO, value):
            raise _bad_window(text)
        return parse_time(text), None
    first = re.fullmatch(_CLOCK, match.group("a"))
    second = re.fullmatch(_CLOCK, match.group("b"))
    if first is None or second is None:
        raise _bad_window(text)
    start = _clock_of(text, first)
    part = first.group("part")
    if part and not second.group("part") and not second.group("suffix"):
        second = re.fullmatch(_CLOCK, part + match.group("b"))
        assert second is not None
    end = _clock_of(text, second)
    if end <= start:
        raise _bad_window(text)
    return start, end


def _bad_window(text: str) -> FatalError:
    return FatalError(_("{text!r} is not a time or a window of time: write it like 10:00 or "
                        "14:00-17:00.").format(text=text.strip()))


# --- durations ------------------------------------------------------------------------------------

_UNIT_WORDS = {"天": "d", "d": "d", "day": "d", "days": "d", "小时": "h", "h": "h", "hr": "h",
               "hrs": "h", "hour": "h", "hours": "h", "分": "m", "m": "m", "min": "m",
               "mins": "m", "minute": "m", "minutes": "m", "刻钟": "q", "刻": "q"}
_UNIT = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
_PIECE = re.compile(rf"(?P<n>\d+(?:\.\d+)?)?(?P<half>半)?(?P<unit>{_UNIT})(?P<half2>半)?")


def _bad_duration(text: str) -> FatalError:
    return FatalError(_("{text!r} is not a duration of at most a year: write it like 3h, 90m or "
                        "1d.").format(text=text.strip()))


def duration(text: str) -> timedelta | None:
    """A duration as people write it, or None if the text is not written as one (a duration
    too long, or malformed, is refused)."""
    value = re.sub(r"(?:以后|之后|后)$", "", normal(text).replace(" ", ""))  # 3小时后
    if value == "半天":  # a morning or a whole day? said in hours, it is clear
        raise _bad_duration(text)
    if not value or not re.search(rf"(?:{_UNIT})半?$|\d$", value) or re.fullmatch(r"[\d.]+", value):
        return None
    total, rest, last = timedelta(), value, None
    while rest:
        piece = _PIECE.match(rest)
        if piece is None:
            if last == "h" and re.fullmatch(r"\d{1,2}", rest):  # 2小时30, 1h30
                total += timedelta(minutes=int(rest))
                break
            return None
        number, unit = piece.group("n"), _UNIT_WORDS[piece.group("unit")]
        half = piece.group("half") or piece.group("half2")
        if number is None and not half:
            return None
        amount = float(number or 0) + (0.5 if half else 0)
        if len(number or "") > 6:
            raise _bad_duration(text)
        total += {"d": timedelta(days=amount), "h": timedelta(hours=amount),
                  "m": timedelta(minutes=amount), "q": timedelta(minutes=15 * amount)}[unit]
        rest, last = rest[piece.end():], unit
    if total > MAX_DURATION:  # a zero is the rules' to refuse (not after the checkout)
        raise _bad_duration(text)
    return total


def parse_duration(text: str) -> timedelta:
    found = duration(text)
    if found is None:
        raise _bad_duration(text)
    return found


# --- moments: a date and a time, a time today ------------------------------------------------------

def parse_moment(text: str, now: datetime) -> datetime:
    """A date and time (明天下午3点, 12月2日 15:00, 2026-12-02T15:00+08:00), or a time today
    (17:00), in the zone of `now`."""
    tz = now.tzinfo
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    except ValueError:
        pass
    value = normal(text)
    before = re.fullmatch(r"(?P<what>.+?)(?:以前|之前|前)", value)
    if before is not None:
        ago = duration(before.group("what"))
        if ago is not None:  # 半小时前, 两小时前: a visit entered after it was made
            return now - ago
        value = before.group("what")  # 17点前: by 17:00
    match = re.fullmatch(rf"(?P<date>.+?)\s?(?P<clock>{_CLOCK})", value)
    if match is not None:
        dated = _match_date(match.group("date"))
        clock = re.fullmatch(_CLOCK, match.group("clock"))
        if dated is not None and clock is not None:
            return datetime.combine(_date_of(text, dated, now.date()), _clock_of(text, clock), tz)
    clock = re.fullmatch(_CLOCK, value)
    if clock is not None:
        return datetime.combine(now.date(), _clock_of(text, clock), tz)
    raise FatalError(_("{text!r} is not a date and time: write it like 2026-11-25 14:00 or "
                       "tomorrow 9:00.").format(text=raw))


def parse_when(text: str, start: datetime) -> datetime:
    """A moment after `start`: a duration (3h, 3小时, 半小时), a time (17:00, 下午5点), or a date
    and time (明天上午9点)."""
    found = duration(text)
    if found is not None:
        return start + found
    try:
        return parse_moment(text, start)
    except FatalError as exc:
        if isinstance(exc, Unclear):  # its own sentence says what to write, in any language
            raise
        raise FatalError(_("{text!r} is not a duration, a time or a date and time: write it like "
                           "3h, 90m, 17:00 or 2026-11-25 17:00.").format(text=text.strip())) \
            from None


# --- ISO weeks --------------------------------------------------------------------------------------

def parse_week(text: str, today: date) -> date:
    """The Monday of a week: 2026-W50, W50, 50, 第50周, 2026年第50周, 本周, 下周, 上周."""
    value = normal(text).replace(" ", "")
    shifts = {"本周": 0, "thisweek": 0, "下周": 1, "nextweek": 1, "上周": -1, "lastweek": -1,
              "下下周": 2, "上上周": -2}
    monday = today - timedelta(days=today.weekday())
    if value in shifts:
        return monday + timedelta(weeks=shifts[value])
    match = re.fullmatch(r"(?:(?P<y>\d{4})(?:-?w|年第?))?第?w?(?P<w>\d{1,2})周?", value)
    if match is None or (match.group("y") is None and not re.search(r"\d", value)):
        raise _bad_week(text)
    week = int(match.group("w"))
    years = [int(match.group("y"))] if match.group("y") else \
        [today.year - 1, today.year, today.year + 1]
    options = []
    for year in years:
        try:
            options.append(date.fromisocalendar(year, week, 1))
        except ValueError:
            pass
    if not options:
        raise _bad_week(text)
    return _nearest(options, monday)


def _bad_week(text: str) -> FatalError:
    return FatalError(_("{text!r} is not a week: write it like 2026-W48, 48, this week or next "
                        "week.").format(text=text.strip()))


# --- numbers and amounts ----------------------------------------------------------------------------

def _digits(text: str) -> str:
    """NFKC, lower case, no spaces, Chinese numerals as digits."""
    value = "".join(unicodedata.normalize("NFKC", text).lower().split())
    return _NUMERALS.sub(lambda m: str(chinese_number(m.group())), value)


def ordinal(text: str) -> int | None:
    """An item's number as people say it — 1, １, 一, 第一条, 第2笔, 3号, #3 — or None."""
    value = re.sub(r"^(?:第|#|no\.?)|(?:个|条|笔|项|号|件|个问题|条嘱托)$", "", _digits(text))
    return int(value) if re.fullmatch(r"\d{1,6}", value) else None


# 86.5, 86.50元, ¥86.5, 八十六块五, 86块5毛, 八十六元五角三分, 一百二十元整, 五毛, 八十六点五
_YUAN = re.compile(r"(?:(?P<y>\d{1,7})(?:[.点](?P<d>\d{1,2}))?(?P<u>元|块)?)?"
                   r"(?:(?P<j>\d)(?P<ju>角|毛)?)?(?:(?P<f>\d)分)?")


def yuan(text: str) -> str | None:
    """An amount of money as people write it, as yuan with two decimals (`86.50`), or None."""
    value = re.sub(r"^(?:¥|人民币|rmb)|(?:钱|整)+$", "", _digits(text))
    match = _YUAN.fullmatch(value)
    if not value or match is None:
        return None
    g = match.groupdict()
    if g["d"] and (g["j"] or g["f"]) or g["j"] and not (g["u"] or g["ju"]) \
            or g["f"] and g["j"] and not g["ju"]:
        return None  # 86.5块5, 86 5 (no unit between), 86块5 3分
    fen = int(g["y"] or 0) * 100 + int((g["d"] or "0").ljust(2, "0")) + int(g["j"] or 0) * 10 \
        + int(g["f"] or 0)
    return f"{fen // 100}.{fen % 100:02d}"
