"""Where the ledger stands, from the event index (keyledger/standing.py): what is due on any
day, whose keys are whose and where, households' names and pairs — equal to what the files at
HEAD say, through every kind of change."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from conftest import Ledger
from keyledger import standing
from keyledger.ledger import Ledger as Core
from keyledger.model import parse_household, parse_key
from keyledger.schedules import KeyWhere, due_items
from keyledger.timeutil import zone
from keyledger.visits import visits_between

TZ = zone("Asia/Shanghai")
DAYS = [date(2026, 12, 20) + timedelta(days=i) for i in range(20)]  # across a year's end


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_NOW", moment)


def _households(lg: Ledger) -> list:
    root = lg.root
    return [parse_household(f"households/{p.name}", p.read_text(encoding="utf-8"), p.stem)
            for p in sorted((root / "households").glob("*.yaml"))]


def _where(lg: Ledger) -> dict[str, list[KeyWhere]]:
    out: dict[str, list[KeyWhere]] = {}
    for p in sorted((lg.root / "keys").glob("*.yaml")):
        k = parse_key(f"keys/{p.name}", p.read_text(encoding="utf-8"), p.stem)
        if k.state != "handed-back":
            out.setdefault(k.household, []).append(KeyWhere(k.id, k.state, k.holder, k.slot))
    return out


def from_files(lg: Ledger, days: list[date], moment: datetime) -> list:
    """What is due, by the pure function over every household file and every visit file."""
    core = Core(lg.root)
    first = min(days) - timedelta(days=400)
    visits = visits_between(core, first, max(days))
    return due_items(_households(lg), days, visits, _where(lg), moment, TZ)


def assert_due_is_the_files(lg: Ledger, moment: datetime) -> None:
    core = Core(lg.root)
    for day in DAYS:
        expected = from_files(lg, [day], moment)
        assert standing.due(core, [day], moment, TZ) == expected, day
        assert standing.due_count(core, day, moment, TZ) == (
            sum(i.status != "done" for i in expected),
            sum(i.status == "missed" for i in expected)), day
    week = DAYS[:7]
    assert standing.due(core, week, moment, TZ) == from_files(lg, week, moment)


@pytest.fixture
def scheduled(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Households with every kind of schedule: daily, some weekdays, a window, dated from and
    until, only while away (with periods away), added at a moment (since); visits that did
    items and asked for follow-ups; keys out, lost and handed back."""
    lg = ledger
    _at(monkeypatch, "2026-12-18T09:00:00+08:00")
    lg.ok("household", "add", "9-2-101", "--name", "李桂英", "--address", "东升家园9号楼2单元101",
          "--pair", "wang-dh,zhou-lx", as_="liu-sj")
    lg.ok("household", "authorize", "9-2-101", "--from", "2026-01-01", "--until", "2030-12-31",
          "--purpose", "inspection,plants", as_="liu-sj")
    lg.ok("key", "add", "--household", "9-2-101", "--id", "K-0020", "--slot", "B-01",
          as_="liu-sj")
    lg.ok("key", "add", "--household", "9-2-101", "--id", "K-0021", "--slot", "B-02",
          as_="liu-sj")
    for args in (("8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
                  "--steward", "b"),
                 ("8-1-401", "--every", "wed", "--at", "14:00-17:00", "--purpose",
                  "inspection", "--steward", "a", "--while-away"),
                 ("9-2-101", "--every", "mon,thu", "--at", "09:00", "--purpose", "plants",
                  "--steward", "sun-yp", "--from", "2026-12-24", "--until", "2027-01-04"),
                 ("9-2-101", "--every", "sat", "--at", "08:00-08:30", "--purpose", "call",
                  "--steward", "a")):
        lg.ok("schedule", "add", *args, as_="liu-sj")
    lg.ok("household", "edit", "8-1-401", "--add-away", "2026-12-22,2026-12-31,探亲",
          as_="liu-sj")
    _at(monkeypatch, "2026-12-21T10:20:00+08:00")
    # A call nobody answered: not the day's call done (its outcome, from the commit's trailers).
    lg.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "no-answer",
          "--follow-up", "2026-12-23", as_="wang-dh")
    _at(monkeypatch, "2026-12-23T15:00:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    lg.ok("return", "K-0012", "--visit", "--follow-up", "2026-12-28", as_="zhou-lx")
    lg.ok("checkout", "K-0020", "--purpose", "inspection", as_="wang-dh")
    lg.ok("lost", "K-0021", "--note", "lost on the stairs", as_="wang-dh")
    # An entry added mid-morning: nothing before it is due, that morning's window neither.
    _at(monkeypatch, "2026-12-25T10:00:00+08:00")
    lg.ok("schedule", "add", "9-2-101", "--every", "day", "--at", "08:00-08:30", "--purpose",
          "call", "--steward", "b", as_="liu-sj")
    return lg


MOMENT = datetime(2026, 12, 26, 12, 0, tzinfo=TZ)


def test_due_from_the_index_is_due_from_the_files(scheduled: Ledger) -> None:
    assert any(i.status == "done" for i in from_files(scheduled, DAYS, MOMENT))
    assert any(i.kind == "follow-up" for i in from_files(scheduled, DAYS, MOMENT))
    assert_due_is_the_files(scheduled, MOMENT)


def test_due_follows_every_kind_of_change(scheduled: Ledger, monkeypatch) -> None:
    lg = scheduled
    # keyledger's commits: an entry removed, a household edited, a key handed back
    lg.ok("schedule", "remove", "9-2-101", "1", as_="liu-sj")
    lg.ok("handback", "K-0012", as_="zhou-lx")
    assert_due_is_the_files(lg, MOMENT)
    # a hand commit that adds a schedule entry
    path = lg.root / "households/9-2-101.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("schedule:\n", "schedule:\n- every: tue\n  at: '11:00'\n"
                                 "  purpose: inspection\n  steward: b\n  from: null\n"
                                 "  until: null\n  while_away: false\n", 1), encoding="utf-8")
    lg.git("commit", "-q", "--no-gpg-sign", "-am", "a schedule added by hand")
    assert_due_is_the_files(lg, MOMENT)
    # history moved back, then rewritten
    lg.git("reset", "-q", "--hard", "HEAD~3")
    assert_due_is_the_files(lg, MOMENT)
    lg.git("commit", "-q", "--amend", "--no-gpg-sign", "-m", "amended")
    assert_due_is_the_files(lg, MOMENT)


def test_keys_names_and_pairs_are_the_files_at_head(scheduled: Ledger) -> None:
    core = Core(scheduled.root)
    assert standing.where(core) == _where(scheduled)
    assert standing.keys_of(core, "9-2-101") == ["K-0020", "K-0021"]
    assert standing.names(core, ["8-1-401", "9-2-101", "nowhere"]) == {
        "8-1-401": "王秀兰", "9-2-101": "李桂英"}
    assert standing.households_of(core, "wang-dh") == [("8-1-401", "王秀兰", "b"),
                                                       ("9-2-101", "李桂英", "a")]
    scheduled.ok("household", "edit", "9-2-101", "--name", "李桂兰", as_="liu-sj")
    assert standing.names(Core(scheduled.root), ["9-2-101"]) == {"9-2-101": "李桂兰"}
    scheduled.git("reset", "-q", "--hard", "HEAD~1")
    assert standing.names(Core(scheduled.root), ["9-2-101"]) == {"9-2-101": "李桂英"}
    status = json.loads(scheduled.ok("status", "--json").out)
    assert [(o["id"], o["household_name"]) for o in status["out"]] == [("K-0020", "李桂英")]
