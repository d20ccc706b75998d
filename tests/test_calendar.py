"""`due --ics` and `schedule export --ics`: an iCalendar file that parses with icalendar, one
VEVENT per due item (and per reservation), stable UIDs, the ledger's timezone, Chinese text."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import Ledger

NOW = "2026-11-25T12:00:00+08:00"


@pytest.fixture
def planned(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Wednesday inspections by A, daily calls by B (planned the Friday before: a schedule counts
    from when it was added), a follow-up on Friday, a reservation."""
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-20T09:00:00+08:00")
    ledger.ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "14:00-17:00",
              "--purpose", "inspection")
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
              "--steward", "b")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "电话问候，一切正常",
              "--at", "2026-11-25 09:00", "--follow-up", "2026-11-27", as_="zhou-lx")
    ledger.ok("reserve", "K-0012", "--from", "2026-11-27 09:00", "--until", "2026-11-27 11:00",
              "--purpose", "plants")
    return ledger


def read(path: Path):  # type: ignore[no-untyped-def]
    import icalendar

    return icalendar.Calendar.from_ical(path.read_bytes())


def events(cal) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [c for c in cal.walk("VEVENT")]


def test_one_event_per_due_item_and_reservation(planned: Ledger, tmp_path: Path) -> None:
    import json

    items = json.loads(planned.ok("due", "--week", "2026-W48", "--json").out)
    assert len(items) == 9  # seven calls, one inspection, one follow-up
    out = tmp_path / "week.ics"
    result = planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(out))
    assert "Wrote 10 events" in result.err
    cal = read(out)
    vevents = events(cal)
    due_events = [e for e in vevents if not str(e["UID"]).startswith("reservation-")]
    assert len(due_events) == len(items)
    assert len({str(e["UID"]) for e in vevents}) == len(vevents)

    by_summary = {str(e["SUMMARY"]): e for e in vevents}
    # The morning's call did Wednesday's call; the afternoon's inspection is still due.
    assert "电话问候 8-1-401 王秀兰（已完成）" in by_summary
    inspection = by_summary["巡查 8-1-401 王秀兰"]
    start, end = inspection.decoded("DTSTART"), inspection.decoded("DTEND")
    assert (start.replace(tzinfo=None), end.replace(tzinfo=None)) == \
        (datetime(2026, 11, 25, 14), datetime(2026, 11, 25, 17))
    assert str(start.tzinfo) == "Asia/Shanghai" and inspection["DTSTART"].params["TZID"] == \
        "Asia/Shanghai"
    assert "东升家园8号楼1单元401" == str(inspection["LOCATION"])
    assert "周丽霞 (zhou-lx)" in str(inspection["DESCRIPTION"])
    assert "K-0012" in str(inspection["DESCRIPTION"])
    follow_up = by_summary["回访 8-1-401 王秀兰"]
    assert follow_up.decoded("DTSTART") == date(2026, 11, 27)  # all day
    assert "电话问候 8-1-401 王秀兰（漏办）" in by_summary  # Monday's call was not made
    assert "电话问候 8-1-401 王秀兰" in by_summary  # Thursday's is still due
    reservation = by_summary["预约 K-0012 浇花 8-1-401 王秀兰"]
    assert reservation.decoded("DTEND") - reservation.decoded("DTSTART") == timedelta(hours=2)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"


def test_uids_are_stable_as_statuses_change(planned: Ledger, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first, later = tmp_path / "a.ics", tmp_path / "b.ics"
    planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(first))
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T20:00:00+08:00")
    planned.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "回访",
               "--at", "2026-11-27 10:00", as_="zhou-lx")
    planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(later))
    a = {str(e["UID"]): str(e["SUMMARY"]) for e in events(read(first))}
    b = {str(e["UID"]): str(e["SUMMARY"]) for e in events(read(later))}
    assert a.keys() == b.keys()
    assert a != b  # the same events, now done or missed


def test_one_stewards_calendar(planned: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wang.ics"
    planned.ok("due", "--week", "2026-W48", "--steward", "wang-dh", "--ics", "-o", str(out))
    vevents = events(read(out))
    assert len(vevents) == 7 and all("王德厚 (wang-dh)" in str(e["DESCRIPTION"]) for e in vevents)
    table = planned.ok("due", "--week", "2026-W48", "--steward", "zhou-lx").out
    assert "inspection" in table and "call" not in table
    planned.refused("due", "--steward", "wang-dx", "--ics")


def test_schedule_export_covers_four_weeks_by_default(planned: Ledger, tmp_path: Path) -> None:
    from keyledger.ledger import Ledger as Core
    from keyledger.schedules import due

    out = tmp_path / "plan.ics"
    result = planned.ok("schedule", "export", "--ics", "-o", str(out), "--steward", "zhou-lx")
    assert "(2026-11-25 to 2026-12-22)" in result.err
    days = [date(2026, 11, 25) + timedelta(days=n) for n in range(28)]
    mine = [i for i in due(Core(planned.root), days) if i.steward == "zhou-lx"]
    vevents = events(read(out))
    assert len(mine) == 5  # four Wednesdays and the follow-up
    assert len(vevents) == len(mine) + 1  # and zhou-lx's reservation
    assert sum(str(e["UID"]).startswith("reservation-") for e in vevents) == 1
    text = planned.ok("schedule", "export", "--ics").out
    assert text.startswith("BEGIN:VCALENDAR")
    planned.refused("schedule", "export", "--from", "2026-12-01", "--until", "2026-11-01")
    planned.refused("due", "-o", str(tmp_path / "x.ics"))


def test_a_calendar_a_phone_subscribes_to(planned: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "week.ics"
    planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(out))
    text = out.read_bytes().decode("utf-8")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text and "X-PUBLISHED-TTL:PT1H\r\n" in text
    by_summary = {str(e["SUMMARY"]): e for e in events(read(out))}
    # A visit still to make reminds half an hour before it (the default); one done or missed
    # does not; a follow-up, which has a day but no time, reminds at 08:00 that day.
    inspection = by_summary["巡查 8-1-401 王秀兰"]
    [alarm] = inspection.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=30) and str(alarm["ACTION"]) == "DISPLAY"
    assert not by_summary["电话问候 8-1-401 王秀兰（已完成）"].walk("VALARM")
    assert not by_summary["电话问候 8-1-401 王秀兰（漏办）"].walk("VALARM")
    [morning] = by_summary["回访 8-1-401 王秀兰"].walk("VALARM")
    assert morning.decoded("TRIGGER") == datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)
    assert by_summary["预约 K-0012 浇花 8-1-401 王秀兰"].walk("VALARM")
    # The ledger's setting: a reminder an hour before, a calendar read again every 3 hours;
    # then none at all.
    planned.ok("policy", "publish", "--reminder", "1h", "--refresh", "3h", as_="liu-sj")
    planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(out))
    cal = read(out)
    assert str(cal["X-PUBLISHED-TTL"]) == "PT3H"
    inspection = next(e for e in events(cal) if str(e["SUMMARY"]) == "巡查 8-1-401 王秀兰")
    assert inspection.walk("VALARM")[0].decoded("TRIGGER") == -timedelta(hours=1)
    planned.ok("policy", "publish", "--reminder", "none", as_="liu-sj")
    planned.ok("due", "--week", "2026-W48", "--ics", "-o", str(out))
    assert not read(out).walk("VALARM")
    import json

    shown = json.loads(planned.ok("policy", "publish", "--json").out)
    assert shown == {"health": False, "phones": False, "reminder_minutes": None,
                     "refresh_minutes": 180}
    planned.refused("policy", "publish", "--reminder", "soon", as_="liu-sj")
    assert "--health: 'maybe' is not a yes-or-no answer; choose one of: yes, no." in \
        planned.refused("policy", "publish", "--health", "maybe", as_="liu-sj").err
    # In a grid worker's words: 是/不显示, half an hour, 不提醒.
    planned.ok("policy", "publish", "--health", "是", "--phones", "不显示", "--reminder", "半小时",
               as_="liu-sj")
    assert json.loads(planned.ok("policy", "publish", "--json").out)["health"] is True
    assert json.loads(planned.ok("policy", "publish", "--json").out)["reminder_minutes"] == 30
    assert planned.git("log", "-1", "--format=%s").startswith("刘淑娟 设置网页和日历的公开范围：健康状况 是")
    planned.ok("policy", "publish", "--reminder", "不提醒", as_="liu-sj")
    assert json.loads(planned.ok("policy", "publish", "--json").out)["reminder_minutes"] is None
    planned.refused("policy", "publish", "--phones", "yes", as_="zhou-lx")  # not a supervisor


def test_an_empty_week_is_still_a_calendar(ledger: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "empty.ics"
    result = ledger.ok("due", "--week", "2026-W48", "--ics", "-o", str(out))
    assert "Wrote 0 events" in result.err
    cal = read(out)
    assert not events(cal) and [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "PRODID:" in text and "VERSION:2.0" in text
