"""Dates, times, durations and weeks as a grid worker writes them: a table of inputs and the
values they mean, and the refusals (what could mean two things, or nothing), each one sentence.

Today is Wednesday 2026-11-25, 14:00 in Shanghai (ISO week 2026-W48, Monday the 23rd)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from keyledger import timewords as tw
from keyledger.errors import FatalError
from keyledger.i18n import set_language

TZ = ZoneInfo("Asia/Shanghai")

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=TZ)
TODAY = NOW.date()
D = date
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


DATES = [
    ("2026-12-02", D(2026, 12, 2)), ("2026年12月2日", D(2026, 12, 2)),
    ("2026年12月2号", D(2026, 12, 2)), ("二〇二六年十二月二日", D(2026, 12, 2)),
    ("二零二六年十二月二号", D(2026, 12, 2)), ("2026/12/2", D(2026, 12, 2)),
    ("2026.12.2", D(2026, 12, 2)), ("2026-12-2", D(2026, 12, 2)), ("２０２６－１２－０２", D(2026, 12, 2)),
    ("2026 年 12 月 2 日", D(2026, 12, 2)), ("12月2日", D(2026, 12, 2)), ("12月2号", D(2026, 12, 2)),
    ("十二月二日", D(2026, 12, 2)), ("十二月二号", D(2026, 12, 2)), ("１２月２日", D(2026, 12, 2)),
    ("12/2", D(2026, 12, 2)), ("12.2", D(2026, 12, 2)), ("１２／２", D(2026, 12, 2)),
    ("12月31日", D(2026, 12, 31)), ("1月5日", D(2027, 1, 5)), ("一月五日", D(2027, 1, 5)),
    ("3/1", D(2027, 3, 1)), ("6/1", D(2026, 6, 1)), ("11/20", D(2026, 11, 20)),
    ("10月28日", D(2026, 10, 28)), ("2026年10月28日", D(2026, 10, 28)),
    ("2027年4月15日", D(2027, 4, 15)), ("2028-02-29", D(2028, 2, 29)),
    ("明年4月15日", D(2027, 4, 15)), ("今年十二月二号", D(2026, 12, 2)), ("去年3月1日", D(2025, 3, 1)),
    ("今天", TODAY), ("今日", TODAY), ("today", TODAY), ("Today", TODAY),
    ("明天", D(2026, 11, 26)), ("明日", D(2026, 11, 26)), ("tomorrow", D(2026, 11, 26)),
    ("后天", D(2026, 11, 27)), ("大后天", D(2026, 11, 28)), ("昨天", D(2026, 11, 24)),
    ("yesterday", D(2026, 11, 24)), ("前天", D(2026, 11, 23)), ("大前天", D(2026, 11, 22)),
    ("3天后", D(2026, 11, 28)), ("三天后", D(2026, 11, 28)), ("10天以后", D(2026, 12, 5)),
    ("2天前", D(2026, 11, 23)), ("十天之后", D(2026, 12, 5)),
    ("周三", D(2026, 11, 25)), ("周五", D(2026, 11, 27)), ("周一", D(2026, 11, 23)),
    ("周日", D(2026, 11, 29)), ("星期天", D(2026, 11, 29)), ("礼拜六", D(2026, 11, 28)),
    ("本周三", D(2026, 11, 25)), ("这周五", D(2026, 11, 27)), ("这个星期四", D(2026, 11, 26)),
    ("下周三", D(2026, 12, 2)), ("下个星期三", D(2026, 12, 2)), ("下礼拜一", D(2026, 11, 30)),
    ("上周五", D(2026, 11, 20)), ("下下周一", D(2026, 12, 7)), ("上上周日", D(2026, 11, 15)),
    ("下周日", D(2026, 12, 6)), ("周7", D(2026, 11, 29)),
    # A follow-up's day as a grid worker says it: the part of the day belongs to the date.
    ("明天上午", D(2026, 11, 26)), ("后天早上", D(2026, 11, 27)), ("下周三下午", D(2026, 12, 2)),
    ("明儿", D(2026, 11, 26)), ("24号", D(2026, 11, 24)), ("1号", D(2026, 12, 1)),
    ("一周后", D(2026, 12, 2)), ("一个星期后", D(2026, 12, 2)), ("两周后", D(2026, 12, 9)),
]

TIMES = [
    ("17:00", time(17)), ("17：00", time(17)), ("１７：００", time(17)), ("9:30", time(9, 30)),
    ("09:30", time(9, 30)), ("3:00", time(3)), ("00:00", time(0)), ("23:59", time(23, 59)),
    ("15点", time(15)), ("十五点", time(15)), ("15点30", time(15, 30)), ("15点30分", time(15, 30)),
    ("15时", time(15)), ("15时30分", time(15, 30)), ("9点", time(9)), ("九点", time(9)),
    ("9点半", time(9, 30)), ("10点钟", time(10)), ("12点", time(12)), ("0点", time(0)),
    ("上午9点", time(9)), ("上午九点半", time(9, 30)), ("上午11点45", time(11, 45)),
    ("下午3点", time(15)), ("下午3点半", time(15, 30)), ("下午三点半", time(15, 30)),
    ("下午3点15", time(15, 15)), ("下午3点15分", time(15, 15)), ("下午3点一刻", time(15, 15)),
    ("下午3点三刻", time(15, 45)), ("下午17点", time(17)), ("下午 3 点", time(15)),
    ("晚上8点", time(20)), ("晚上八点半", time(20, 30)), ("中午12点", time(12)),
    ("中午1点", time(13)), ("凌晨2点", time(2)), ("早上7点", time(7)), ("傍晚6点", time(18)),
    ("下午3:00", time(15)), ("3pm", time(15)), ("9am", time(9)), ("3:30pm", time(15, 30)),
    ("12am", time(0)), ("12pm", time(12)), ("10点", time(10)),
]

WINDOWS = [
    ("14:00-17:00", (time(14), time(17))), ("14：00－17：00", (time(14), time(17))),
    ("下午2点到5点", (time(14), time(17))), ("下午2点-5点", (time(14), time(17))),
    ("14点至17点", (time(14), time(17))), ("9点-11点半", (time(9), time(11, 30))),
    ("上午9点到下午3点", (time(9), time(15))), ("10:00", (time(10), None)),
    ("下午两点到五点", (time(14), time(17))), ("8:00~9:00", (time(8), time(9))),
]

DURATIONS = [
    ("3h", 3 * H), ("90m", 90 * M), ("1d", timedelta(days=1)), ("3h30m", 3.5 * H),
    ("1h30", 90 * M), ("1.5h", 90 * M), ("3小时", 3 * H), ("三小时", 3 * H), ("3个小时", 3 * H),
    ("三个小时", 3 * H), ("３小时", 3 * H), ("半小时", 30 * M), ("半个小时", 30 * M),
    ("90分钟", 90 * M), ("90分", 90 * M), ("九十分钟", 90 * M), ("一个半小时", 90 * M),
    ("1个半小时", 90 * M), ("1.5小时", 90 * M), ("两小时", 2 * H), ("两个小时", 2 * H),
    ("2小时30分钟", 2.5 * H), ("2小时30分", 2.5 * H), ("2小时30", 2.5 * H), ("一刻钟", 15 * M),
    ("三刻钟", 45 * M), ("1天", timedelta(days=1)), ("一天", timedelta(days=1)),
    ("两天", timedelta(days=2)), ("2天3小时", timedelta(days=2, hours=3)), ("3小时后", 3 * H),
    ("10分钟", 10 * M), ("45 minutes", 45 * M), ("2 hours", 2 * H), ("两个钟头", 2 * H),
]

MOMENTS = [
    ("明天下午3点", at(D(2026, 11, 26), 15)), ("明天上午9点", at(D(2026, 11, 26), 9)),
    ("明天9点", at(D(2026, 11, 26), 9)), ("后天10:00", at(D(2026, 11, 27), 10)),
    ("12月2日 15:00", at(D(2026, 12, 2), 15)), ("12月2日下午3点", at(D(2026, 12, 2), 15)),
    ("12/2 9:00", at(D(2026, 12, 2), 9)), ("下周三上午9点", at(D(2026, 12, 2), 9)),
    ("2026-11-25 17:00", at(TODAY, 17)), ("2026-11-25T17:00:00+08:00", at(TODAY, 17)),
    ("17:00", at(TODAY, 17)), ("下午5点", at(TODAY, 17)), ("今天17：00", at(TODAY, 17)),
    ("2026年12月2日 15点", at(D(2026, 12, 2), 15)), ("tomorrow 9:00", at(D(2026, 11, 26), 9)),
    ("昨天晚上8点", at(D(2026, 11, 24), 20)),
    # A visit entered after it was made, as people say when it was.
    ("昨晚7点", at(D(2026, 11, 24), 19)), ("今早8点", at(TODAY, 8)), ("今晚8点半", at(TODAY, 20, 30)),
    ("明早9点", at(D(2026, 11, 26), 9)), ("昨儿下午三点", at(D(2026, 11, 24), 15)),
    ("24号上午10点", at(D(2026, 11, 24), 10)), ("上周五下午三点半", at(D(2026, 11, 20), 15, 30)),
    ("半小时前", at(TODAY, 13, 30)), ("两小时前", at(TODAY, 12)), ("20分钟前", at(TODAY, 13, 40)),
    ("15：30", at(TODAY, 15, 30)), ("下午三点半", at(TODAY, 15, 30)),
]

WHENS = [
    ("3h", at(TODAY, 17)), ("3小时", at(TODAY, 17)), ("半小时", at(TODAY, 14, 30)),
    ("17:00", at(TODAY, 17)), ("17：00", at(TODAY, 17)), ("下午5点", at(TODAY, 17)),
    ("明天上午9点", at(D(2026, 11, 26), 9)), ("90分钟", at(TODAY, 15, 30)),
    ("一个半小时", at(TODAY, 15, 30)), ("1d", at(D(2026, 11, 26), 14)),
    ("17点前", at(TODAY, 17)), ("下午5点以前", at(TODAY, 17)), ("半个钟头", at(TODAY, 14, 30)),
    ("明天中午12点前", at(D(2026, 11, 26), 12)),
]

WEEKS = [
    ("本周", D(2026, 11, 23)), ("这周", D(2026, 11, 23)), ("this week", D(2026, 11, 23)),
    ("下周", D(2026, 11, 30)), ("next week", D(2026, 11, 30)), ("上周", D(2026, 11, 16)),
    ("下下周", D(2026, 12, 7)), ("第50周", D(2026, 12, 7)), ("50", D(2026, 12, 7)),
    ("W50", D(2026, 12, 7)), ("w50", D(2026, 12, 7)), ("2026-W50", D(2026, 12, 7)),
    ("2026年第50周", D(2026, 12, 7)), ("第五十周", D(2026, 12, 7)), ("2026-W48", D(2026, 11, 23)),
    ("48", D(2026, 11, 23)), ("1", D(2027, 1, 4)), ("第1周", D(2027, 1, 4)),
    ("2027-W01", D(2027, 1, 4)), ("第５０周", D(2026, 12, 7)),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_dates(text: str, expected: date) -> None:
    assert tw.parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_times(text: str, expected: time) -> None:
    assert tw.parse_time(text) == expected


@pytest.mark.parametrize(("text", "expected"), WINDOWS)
def test_windows(text: str, expected: tuple[time, time | None]) -> None:
    assert tw.parse_window(text) == expected


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_durations(text: str, expected: timedelta) -> None:
    assert tw.parse_duration(text) == expected


@pytest.mark.parametrize(("text", "expected"), MOMENTS)
def test_moments(text: str, expected: datetime) -> None:
    assert tw.parse_moment(text, NOW) == expected


@pytest.mark.parametrize(("text", "expected"), WHENS)
def test_expected_returns(text: str, expected: datetime) -> None:
    assert tw.parse_when(text, NOW) == expected


@pytest.mark.parametrize(("text", "expected"), WEEKS)
def test_weeks(text: str, expected: date) -> None:
    assert tw.parse_week(text, TODAY) == expected


def test_the_table_has_at_least_150_inputs() -> None:
    assert len(DATES + TIMES + WINDOWS + DURATIONS + MOMENTS + WHENS + WEEKS) >= 150


REFUSALS = [
    (tw.parse_date, "13/2", "is not a date that exists"),
    (tw.parse_date, "2026-13-01", "is not a date that exists"),
    (tw.parse_date, "2月30日", "is not a date that exists"),
    (tw.parse_date, "2/29", "is not a date that exists"),
    (tw.parse_date, "12/2/2026", "is not a date: write it like 2026-12-02, 12/2, today or tomorrow."),
    (tw.parse_date, "2026", "is not a date"), (tw.parse_date, "", "is not a date"),
    (tw.parse_date, "周八", "is not a date"), (tw.parse_date, "下周", "is not a date"),
    (tw.parse_date, "下个月", "is not a date"), (tw.parse_date, "明天后天", "is not a date"),
    (tw.parse_time, "3点", "'3点' could be in the morning or the afternoon: write 03:00 or 15:00."),
    (tw.parse_time, "六点半", "could be in the morning or the afternoon: write 06:30 or 18:30."),
    (tw.parse_time, "3点一刻", "could be in the morning or the afternoon"),
    (tw.parse_time, "下午3", "is not a time of day: write it like 17:00 or 9:30."),
    (tw.parse_time, "25:00", "is not a time of day"), (tw.parse_time, "17:60", "is not a time"),
    (tw.parse_time, "晚上3点", "is not a time of day"), (tw.parse_time, "上午15点", "is not a time"),
    (tw.parse_time, "晚上12点", "is not a time of day"), (tw.parse_time, "17", "is not a time"),
    (tw.parse_window, "17:00-14:00", "is not a time or a window of time"),
    (tw.parse_window, "下午2点到", "is not a time or a window of time"),
    (tw.parse_window, "2点到5点", "could be in the morning or the afternoon"),
    (tw.parse_duration, "半天", "is not a duration of at most a year: write it like 3h, 90m or 1d."),
    (tw.parse_duration, "400天", "at most a year"),
    (tw.parse_duration, "9999999h", "at most a year"), (tw.parse_duration, "3x", "not a duration"),
    (tw.parse_duration, "17:00", "is not a duration"), (tw.parse_duration, "小时", "not a duration"),
    (tw.parse_week, "第60周", "is not a week: write it like 2026-W48, 48, this week or next week."),
    (tw.parse_week, "2026-W54", "is not a week"), (tw.parse_week, "周", "is not a week"),
    (tw.parse_week, "下个月", "is not a week"), (tw.parse_week, "abc", "is not a week"),
]


@pytest.mark.parametrize(("parse", "text", "message"), REFUSALS)
def test_refusals_say_in_one_sentence_how_to_write_it(parse: object, text: str,
                                                      message: str) -> None:
    args = (text, TODAY) if parse in (tw.parse_date, tw.parse_week) else (text,)
    with pytest.raises(FatalError) as refused:
        parse(*args)  # type: ignore[operator]
    assert message in refused.value.message
    assert "\n" not in refused.value.message and refused.value.message.count(". ") <= 1


@pytest.mark.parametrize(("text", "message"), [
    ("明天3点", "could be in the morning or the afternoon"),
    ("明天", "is not a date and time: write it like 2026-11-25 14:00 or tomorrow 9:00."),
    ("12月32日 9:00", "is not a date that exists"),
])
def test_moments_refused(text: str, message: str) -> None:
    with pytest.raises(FatalError, match=message):
        tw.parse_moment(text, NOW)


@pytest.mark.parametrize(("text", "message"), [
    ("3x", "is not a duration, a time or a date and time: write it like 3h, 90m, 17:00"),
    ("3点", "could be in the morning or the afternoon"),
    ("5点前", "'5点前' could be in the morning or the afternoon: write 05:00 or 17:00."),
    ("2月30日 10:00", "is not a date that exists"),
])
def test_expected_returns_refused(text: str, message: str) -> None:
    with pytest.raises(FatalError, match=message):
        tw.parse_when(text, NOW)


def test_chinese_refusals_name_the_chinese_forms() -> None:
    set_language("zh")
    try:
        for parse, args in ((tw.parse_date, ("下个月", TODAY)), (tw.parse_time, ("下午3",)),
                            (tw.parse_duration, ("半天",)), (tw.parse_week, ("下个月", TODAY))):
            with pytest.raises(FatalError) as refused:
                parse(*args)  # type: ignore[operator]
            assert refused.value.message.count("“") == 1, refused.value.message
            assert "write it" not in refused.value.message
        with pytest.raises(FatalError) as ambiguous:
            tw.parse_time("3点")
        assert ambiguous.value.message == "“3点”分不清是上午还是下午：请写 03:00 或 15:00。"
        # An expected return keeps that sentence in Chinese too, not a general one.
        with pytest.raises(FatalError) as ambiguous:
            tw.parse_when("5点", NOW)
        assert ambiguous.value.message == "“5点”分不清是上午还是下午：请写 05:00 或 17:00。"
    finally:
        set_language("en")


def test_chinese_numerals() -> None:
    assert [tw.chinese_number(n) for n in ("二〇二六", "十二", "二十三", "一百零五", "两", "十",
                                           "三十", "两千零二十六", "一百二", "两千五", "一百零二",
                                           "三百二十")] == [2026, 12, 23, 105, 2, 10, 30, 2026, 120,
                                                           2500, 102, 320]


# An item's number (a problem, a request, an errand) and an amount of money, as people write them.
ORDINALS = [("1", 1), ("１", 1), ("一", 1), ("第一条", 1), ("第2笔", 2), ("3号", 3), ("#3", 3),
            ("第十二个", 12), (" 2 ", 2), ("x", None), ("第", None), ("1.5", None)]
AMOUNTS = [("86.5", "86.50"), ("86.50元", "86.50"), ("¥86.50", "86.50"), ("￥86.5", "86.50"),
           ("八十六块五", "86.50"), ("86块5毛", "86.50"), ("86块5", "86.50"), ("八十六元五角", "86.50"),
           ("八十六元五角三分", "86.53"), ("一百二十元整", "120.00"), ("两百块", "200.00"),
           ("一百二", "120.00"), ("五毛", "0.50"), ("八十六点五", "86.50"), ("86.5块钱", "86.50"),
           ("86.5 元", "86.50"), ("人民币86.5元", "86.50"), ("８６．５块", "86.50"),
           ("八十六块五毛钱", "86.50"), ("86元5角3分", "86.53"),
           ("好几十", None), ("-20", None), ("86块50", None), ("86.5块5", None), ("86.555", None),
           ("", None)]


@pytest.mark.parametrize(("text", "number"), ORDINALS)
def test_item_numbers(text: str, number: int | None) -> None:
    assert tw.ordinal(text) == number


@pytest.mark.parametrize(("text", "amount"), AMOUNTS)
def test_amounts_of_money(text: str, amount: str | None) -> None:
    assert tw.yuan(text) == amount
