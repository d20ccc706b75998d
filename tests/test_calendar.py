"""`due --ics` and `schedule export --ics`: an iCalendar file that parses with icalendar, one
VEVENT per due item (and per reservation), stable UIDs, the ledger's timezone, Chinese text."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Ledger

NOW = "2026-11-25T12:00:00+08:00"


@pytest.fixture
def planned(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Wednesday inspections by A, daily calls by B (planned the Friday before: a schedule counts
    from when it was added), a follow-up on Friday, a reservation."""
    monkeypatch.setenv("KEYLEDGER_NOW", "2026-11-20T09:00:00+08:00")
    ledger.ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "14:00-17:00",
              "--purpose", "inspection")
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
              "--steward", "b")
    monkeypatch.setenv("KEYLEDGER_NOW", NOW)
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
    monkeypatch.setenv("KEYLEDGER_NOW", "2026-11-28T20:00:00+08:00")
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
