"""Calls and welfare checks (seed 001): a call has an outcome, a call that reaches nobody does
not do the day's call, and after the ledger's threshold an escalation is due at once — to the
door, with the emergency contacts and the key's whereabouts — first in `status`, and
`status --overdue` exits 1 for cron."""

from __future__ import annotations

import json

import pytest

from conftest import Ledger


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)


@pytest.fixture
def alone(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """13-1-201: a woman of 86 living alone, a daughter to call, her key in the cabinet, a
    daily call at 10:00 by the B steward."""
    _at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "13-1-201", "--name", "孟淑芬", "--address", "江华府一期13号楼201",
              "--pair", "zhou-lx,wang-dh", "--phone", "13800000131", "--born", "1940",
              "--flag", "lives-alone", "--flag", "elderly", "--contact", "孟晓红,女儿,13900000231",
              as_="liu-sj")
    ledger.ok("household", "authorize", "13-1-201", "--from", "2026-01-01", "--until",
              "2030-12-31", "--purpose", "inspection,emergency")
    ledger.ok("key", "add", "--household", "13-1-201", "--id", "K-0131", "--slot", "B-07")
    ledger.ok("schedule", "add", "13-1-201", "--every", "day", "--at", "10:00", "--purpose",
              "call", "--steward", "b")
    return ledger


def _due(lg: Ledger, day: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(lg.ok("due", "--date", day, "--json").out)


def test_an_unanswered_call_does_not_do_the_days_call(alone: Ledger,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-24T10:05:00+08:00")
    assert "--outcome" in alone.refused("visit", "add", "13-1-201", "--purpose", "call",
                                        "--note", "两次打电话均未接通", as_="wang-dh").err
    assert "--outcome: '响了' is not a call outcome" in alone.refused(
        "visit", "add", "13-1-201", "--purpose", "call", "--outcome", "响了").err
    assert "only a call has one" in alone.refused(
        "visit", "add", "13-1-201", "--purpose", "inspection", "--outcome", "answered").err
    alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "未接通")
    items = _due(alone, "2026-11-24")
    assert [(i["kind"], i["status"]) for i in items] == [("scheduled", "due")]
    # The family answers instead: the call is done.
    _at(monkeypatch, "2026-11-25T10:05:00+08:00")
    alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "家属代接",
             "--note", "女儿说老人在睡觉")
    assert [(i["kind"], i["status"]) for i in _due(alone, "2026-11-25")] == [("scheduled", "done")]
    visit = json.loads(alone.ok("visit", "list", "13-1-201", "--from", "2026-11-25",
                                "--json").out)[0]
    assert visit["outcome"] == "family"
    assert alone.git("log", "-1", "--format=%(trailers:key=Keyledger-Outcome,valueonly)") \
        .strip() == "family"


def test_two_unanswered_calls_raise_an_escalation_at_once(alone: Ledger,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-24T10:00:00+08:00")
    alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "no-answer",
             as_="wang-dh")
    assert alone.run("status", "--overdue").code == 0  # one call: not yet the alarm
    _at(monkeypatch, "2026-11-24T10:20:00+08:00")
    alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "关机")
    status = alone.run("status", "--overdue")
    assert status.code == 1
    # First on the screen, before the keys: the calls, whom to call, where the key is.
    first = status.out.splitlines()[0]
    assert "Go to the door now" in first
    row = next(line for line in status.out.splitlines() if "13-1-201" in line)
    assert "10:00, 10:20" in row and "孟晓红 女儿 13900000231" in row
    assert "K-0131 in the cabinet, slot B-07" in row
    data = json.loads(alone.ok("status", "--json").out)
    [alarm] = data["escalations"]
    assert (alarm["household"], alarm["kind"], alarm["status"], alarm["steward"]) == \
        ("13-1-201", "escalation", "due", "wang-dh")
    assert alarm["calls"] == ["2026-11-24T10:00:00+08:00", "2026-11-24T10:20:00+08:00"]
    assert alarm["contacts"] == [{"name": "孟晓红", "relation": "女儿", "phone": "13900000231"}]
    assert alarm["keys"] == [{"key": "K-0131", "kind": "physical", "state": "in", "holder": None,
                              "slot": "B-07"}]
    zh = alone.run("status", "--lang", "zh")
    assert "立即上门" in zh.out and "10:00, 10:20" in zh.out
    # The steward goes to the door with the key: the escalation and the day's call are done.
    _at(monkeypatch, "2026-11-24T10:40:00+08:00")
    alone.ok("checkout", "K-0131", "--purpose", "inspection")
    _at(monkeypatch, "2026-11-24T10:55:00+08:00")
    alone.ok("return", "K-0131", "--visit", "--note", "老人在卫生间摔倒，已扶起，无大碍，已告知女儿")
    assert alone.run("status", "--overdue").code == 0
    items = _due(alone, "2026-11-24")
    assert [(i["kind"], i["status"]) for i in items] == [("scheduled", "done"),
                                                         ("escalation", "done")]
    weekly = alone.ok("report", "weekly", "--week", "2026-W48").out
    assert "- 11月24日 周二 10:20 13-1-201 孟淑芬：王德厚（已完成，1 次上门）" in weekly


def test_the_threshold_is_the_ledgers_and_an_escalation_left_is_missed(
        alone: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-23T09:00:00+08:00")
    assert "supervisor" in alone.refused("policy", "welfare", "--escalate-after", "3",
                                         as_="zhou-lx").err
    assert "from 1" in alone.refused("policy", "welfare", "--escalate-after", "0",
                                     as_="liu-sj").err
    alone.ok("policy", "welfare", "--escalate-after", "3")
    assert json.loads(alone.ok("policy", "welfare", "--json").out) == \
        {"escalate_after": 3, "aged_from": 80}
    for moment in ("2026-11-24T10:00:00+08:00", "2026-11-24T10:30:00+08:00"):
        _at(monkeypatch, moment)
        alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "busy",
                 as_="wang-dh")
    assert [i["kind"] for i in _due(alone, "2026-11-24")] == ["scheduled"]
    _at(monkeypatch, "2026-11-24T11:00:00+08:00")
    alone.ok("visit", "add", "13-1-201", "--purpose", "call", "--outcome", "no-answer")
    escalation = [i for i in _due(alone, "2026-11-24") if i["kind"] == "escalation"]
    assert [(i["start"], i["status"]) for i in escalation] == [("11:00", "due")]
    # Nobody went: the next day it is missed, in the weekly report's missed list.
    _at(monkeypatch, "2026-11-25T08:00:00+08:00")
    assert [i["status"] for i in _due(alone, "2026-11-24") if i["kind"] == "escalation"] == \
        ["missed"]
    weekly = alone.ok("report", "weekly", "--week", "2026-W48").out
    assert "- 11月24日 周二 11:00 13-1-201 孟淑芬：王德厚（漏办）" in weekly
    assert json.loads(alone.run("verify", "--json", "--full").out)["findings"] == []


def test_verify_refuses_a_welfare_policy_not_set_by_a_supervisor(alone: Ledger) -> None:
    """The settings file decides who is 高龄 and when a visit is due: a steward's hand-made
    change of it is a finding; the supervisor's `policy welfare` is not."""
    from test_service import _findings, _forge

    alone.ok("policy", "welfare", "--escalate-after", "3", "--aged-from", "75", as_="liu-sj")
    assert _findings(alone) == []
    found = _forge(alone, "zhou-lx", {"keyledger.yaml": ("escalate_after: 3",
                                                         "escalate_after: 9")},
                   "welfare policy: a visit after 9 unanswered calls\n\n"
                   "Keyledger-Action: policy\nKeyledger-Steward: zhou-lx\n"
                   "Keyledger-Policy: welfare\nKeyledger-Escalate-After: 9")
    assert any("supervisor" in f for f in found), found


def test_an_owners_open_request_is_due_until_a_visit_answers_it(
        alone: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-24T19:00:00+08:00")
    alone.ok("request", "add", "13-1-201", "帮我看看阳台窗户关没关", "--via", "微信", "--by", "家属",
             as_="wang-dh")
    requests = [i for i in _due(alone, "2026-11-24") if i["kind"] == "request"]
    assert [(i["start"], i["status"], i["steward"]) for i in requests] == \
        [("19:00", "due", "wang-dh")]
    # Still due the next day, from the start of the day, and never "missed".
    _at(monkeypatch, "2026-11-25T08:00:00+08:00")
    assert [(i["start"], i["status"]) for i in _due(alone, "2026-11-25")
            if i["kind"] == "request"] == [("00:00", "due")]
    assert "request" in alone.ok("status").err
    _at(monkeypatch, "2026-11-25T08:30:00+08:00")
    alone.ok("checkout", "K-0131", "--purpose", "inspection")
    _at(monkeypatch, "2026-11-25T08:50:00+08:00")
    alone.ok("return", "K-0131", "--visit", "--request", "1", "--check", "windows=fixed:没关严=>关好了")
    week = json.loads(alone.ok("due", "--week", "2026-W48", "--json").out)
    assert [(i["date"], i["status"]) for i in week if i["kind"] == "request"] == \
        [("2026-11-24", "done")]
    assert json.loads(alone.ok("request", "list", "--json").out) == []
