"""Schedule arithmetic and due/missed logic, as pure functions: week, month and year ends,
periods away, follow-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from conftest import Ledger
from keyledger.errors import FatalError
from keyledger.model import Away, Household, ScheduleEntry, Visit
from keyledger.schedules import KeyWhere, due_items, occurs, this_week, week_days

TZ = timezone(timedelta(hours=8))
WED = ScheduleEntry(("wed",), time(14), time(17), "inspection", "a")
DAILY = ScheduleEntry(("day",), time(10), None, "call", "b")
HOME = Household("8-1-401", "王秀兰", "addr", pair_a="zhou-lx", pair_b="wang-dh",
                 away=(Away(date(2026, 11, 1), date(2027, 4, 15)),), schedule=(WED, DAILY))


def visit(day: date, hour: int = 15, follow_up: date | None = None, purpose: str = "plants") -> Visit:
    start = datetime.combine(day, time(hour), TZ)
    return Visit(f"v-{day}-{hour}", "8-1-401", ("zhou-lx",), start, start + timedelta(hours=1),
                 purpose, start, follow_up=follow_up)


def test_weekdays_across_month_and_year_ends() -> None:
    days = [date(2026, 12, 28) + timedelta(days=i) for i in range(14)]  # Mon 28 Dec .. 10 Jan
    assert [d for d in days if occurs(HOME, WED, d)] == [date(2026, 12, 30), date(2027, 1, 6)]
    assert all(occurs(HOME, DAILY, d) for d in days)
    month_end = ScheduleEntry(("mon", "thu"), time(9), None, "inspection", "a")
    feb = [date(2027, 2, 25) + timedelta(days=i) for i in range(7)]
    assert [d for d in feb if occurs(HOME, month_end, d)] == [date(2027, 2, 25), date(2027, 3, 1)]


def test_active_between_dates_and_only_while_away() -> None:
    bounded = replace(WED, start=date(2026, 11, 10), until=date(2026, 11, 25))
    assert not occurs(HOME, bounded, date(2026, 11, 4))
    assert occurs(HOME, bounded, date(2026, 11, 11)) and occurs(HOME, bounded, date(2026, 11, 25))
    assert not occurs(HOME, bounded, date(2026, 12, 2))
    away_only = replace(WED, while_away=True)
    assert occurs(HOME, away_only, date(2027, 4, 14))
    assert not occurs(HOME, away_only, date(2027, 4, 21))  # back home on 15 April
    assert not occurs(HOME, away_only, date(2026, 10, 28))


def test_iso_weeks_including_the_one_that_spans_new_year() -> None:
    assert week_days("2026-W48", date(2026, 11, 25))[0] == date(2026, 11, 23)
    assert week_days("2026-W53", date(2026, 11, 25)) == [date(2026, 12, 28) + timedelta(days=i) for i in range(7)]
    assert week_days("2027-w01", date(2026, 11, 25))[0] == date(2027, 1, 4)
    assert this_week(date(2027, 1, 1)) == "2026-W53"
    with pytest.raises(FatalError):
        week_days("2026-48", date(2026, 11, 25))


def test_due_done_missed() -> None:
    days = week_days("2026-W48", date(2026, 11, 25))
    keys = {"8-1-401": [KeyWhere("K-0012", "in", None, "A-03"),
                        KeyWhere("K-0013", "out", "wang-dh", None)]}
    visits = [visit(date(2026, 11, 25)), visit(date(2026, 11, 23), 10, purpose="call")]
    now = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
    items = due_items([HOME], days, visits, keys, now, TZ)
    by = {(i.day, i.purpose): i for i in items}
    assert len(items) == 8  # one Wednesday inspection, seven daily calls
    assert by[(date(2026, 11, 25), "inspection")].status == "done"
    assert by[(date(2026, 11, 25), "inspection")].steward == "zhou-lx"
    assert by[(date(2026, 11, 23), "call")].status == "done"
    assert by[(date(2026, 11, 24), "call")].status == "missed"
    assert by[(date(2026, 11, 26), "call")].status == "due"  # a time, not a window: due all day
    assert by[(date(2026, 11, 27), "call")].status == "due"
    assert by[(date(2026, 11, 27), "call")].steward == "wang-dh"
    assert [(k.key, k.state, k.holder) for k in items[0].keys] == \
        [("K-0012", "in", None), ("K-0013", "out", "wang-dh")]


def test_a_window_is_due_until_it_ends() -> None:
    items = due_items([HOME], [date(2026, 11, 25)], [], {}, datetime(2026, 11, 25, 16, 0, tzinfo=TZ), TZ)
    assert {i.purpose: i.status for i in items} == {"call": "due", "inspection": "due"}
    items = due_items([HOME], [date(2026, 11, 25)], [], {}, datetime(2026, 11, 25, 17, 1, tzinfo=TZ), TZ)
    assert {i.purpose: i.status for i in items} == {"call": "due", "inspection": "missed"}


def test_a_follow_up_is_due_and_only_a_later_visit_satisfies_it() -> None:
    plain = replace(HOME, schedule=())
    first = visit(date(2026, 11, 25), follow_up=date(2026, 11, 26))
    now = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
    items = due_items([plain], [date(2026, 11, 26)], [first], {}, now, TZ)
    assert [(i.kind, i.status, i.steward) for i in items] == [("follow-up", "missed", "zhou-lx")]
    again = visit(date(2026, 11, 26), 9)
    items = due_items([plain], [date(2026, 11, 26)], [first, again], {}, now, TZ)
    assert items[0].status == "done" and items[0].visits == (again.id,)


def test_a_schedule_counts_only_from_when_it_was_added() -> None:
    added = datetime(2026, 11, 28, 12, 0, tzinfo=TZ)
    morning = ScheduleEntry(("day",), time(9), time(11), "inspection", "a", since=added)
    home = replace(HOME, schedule=(replace(DAILY, since=added), morning))
    now = datetime(2026, 11, 28, 12, 30, tzinfo=TZ)
    items = due_items([home], week_days("2026-W48", date(2026, 11, 25)), [], {}, now, TZ)
    # Nothing before the day it was added; that day's morning window had ended before it existed;
    # the call of that day can still be made.
    assert [(i.day, i.purpose, i.status) for i in items] == [
        (date(2026, 11, 28), "call", "due"), (date(2026, 11, 29), "inspection", "due"),
        (date(2026, 11, 29), "call", "due")]
    # An entry written before `since` was recorded counts as it always did.
    assert len(due_items([HOME], week_days("2026-W48", date(2026, 11, 25)), [], {}, now, TZ)) == 8


def test_one_visit_satisfies_one_item_the_best_matching() -> None:
    wed = date(2026, 11, 25)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
    # A call at 10:05 is the call's, not the inspection's too.
    items = due_items([HOME], [wed], [visit(wed, 10, purpose="call")], {}, now, TZ)
    assert {i.purpose: i.status for i in items} == {"call": "done", "inspection": "missed"}
    # No purpose matches: the item nearest in time takes the visit (15:00 is in the window).
    items = due_items([HOME], [wed], [visit(wed, 15, purpose="plants")], {}, now, TZ)
    assert {i.purpose: i.status for i in items} == {"call": "missed", "inspection": "done"}
    # Same purpose wins over nearer in time; two visits do both.
    items = due_items([HOME], [wed], [visit(wed, 15, purpose="call")], {}, now, TZ)
    assert {i.purpose: i.status for i in items} == {"call": "done", "inspection": "missed"}
    both = [visit(wed, 9, purpose="call"), visit(wed, 15)]
    items = due_items([HOME], [wed], both, {}, now, TZ)
    assert {i.purpose: (i.status, i.visits) for i in items} == {
        "call": ("done", (both[0].id,)), "inspection": ("done", (both[1].id,))}


def test_a_schedule_is_listed_in_words(ledger: Ledger) -> None:
    from keyledger.i18n import set_language

    assert "has no schedule" in ledger.ok("schedule", "list", "8-1-401").err
    ledger.ok("schedule", "add", "8-1-401", "--every", "mon,thu", "--at", "10:00", "--purpose",
              "inspection", as_="zhou-lx")
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "09:00", "--purpose",
              "call")
    english = ledger.ok("schedule", "list", "8-1-401").out
    assert "1. every Mon, Thu 10:00" in english and "2. every day 09:00" in english, english
    chinese = ledger.ok("--lang", "zh", "schedule", "list", "8-1-401").out
    set_language(None)
    assert "1. 每周一、周四 10:00" in chinese and "2. 每天 09:00" in chinese, chinese
