"""The service records: outcomes and open problems, `problem close`, owners' requests, errands,
the visit's own note, `checkout --purpose follow-up` — and `verify`, the server's guard and
`sync`'s replay on every new kind of commit, with a forged one of each refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger import yaml


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)


def _home(lg: Ledger) -> dict:  # type: ignore[type-arg]
    return yaml.load((lg.root / "households/8-1-401.yaml").read_text(encoding="utf-8"))


def _findings(lg: Ledger) -> list[str]:
    result = lg.run("verify", "--json", "--full")
    return [f["message"] for f in json.loads(result.out)["findings"]]


def test_fixed_on_the_spot_is_not_left_open_and_a_problem_stays_open_until_fixed(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-25T14:00:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "inspection", as_="zhou-lx")
    _at(monkeypatch, "2026-11-25T14:30:00+08:00")
    ledger.ok("return", "K-0012", "--visit", "--check", "windows=fixed:阳台窗户没关严=>把阳台窗户关严",
              "--check", "heating=problem:接口渗水", "--problem", "客厅墙面有裂缝",
              "--fixed", "太阳能水管没关紧 → 已关紧", "--note", "下周三再来")
    visit = yaml.load((ledger.root / "visits/2026/11/20261125-1400-8-1-401.yaml")
                      .read_text(encoding="utf-8"))
    # The return's note is the visit's own note, in its file (not only in the commit).
    assert visit["note"] == "下周三再来"
    assert visit["checklist"] == [
        {"item": "windows", "result": "fixed", "note": "阳台窗户没关严", "done": "把阳台窗户关严"},
        {"item": "heating", "result": "problem", "note": "接口渗水"},
        {"item": None, "result": "problem", "note": "客厅墙面有裂缝"},
        {"item": None, "result": "fixed", "note": "太阳能水管没关紧", "done": "已关紧"}]
    assert [(p["item"], p["note"], p["n"]) for p in _home(ledger)["problems"]] == [
        ("heating", "接口渗水", 2), (None, "客厅墙面有裂缝", 3)]
    shown = json.loads(ledger.ok("problem", "list", "--json").out)
    assert [(p["household"], p["number"], p["ref"]) for p in shown] == [
        ("8-1-401", 1, "20261125-1400-8-1-401#2"), ("8-1-401", 2, "20261125-1400-8-1-401#3")]
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "  - 已当场处理：门窗，阳台窗户没关严 → 把阳台窗户关严\n" in owner
    assert "  - 已当场处理：太阳能水管没关紧 → 已关紧\n" in owner
    assert "  - 备注：下周三再来\n" in owner
    assert "需要您留意：暖气（接口渗水）；客厅墙面有裂缝。" in owner
    assert "门窗（" not in owner.split("需要您留意")[1]  # fixed on the spot: nothing to ask
    # The next visit finds the heating in order and repairs the wall: both are over.
    _at(monkeypatch, "2026-11-27T10:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--check", "heating=ok",
              "--resolve", "2=>请物业补好了墙", as_="zhou-lx")
    assert _home(ledger).get("problems") is None
    later = yaml.load((ledger.root / "visits/2026/11/20261127-1000-8-1-401.yaml")
                      .read_text(encoding="utf-8"))
    assert later["resolves"] == [
        {"visit": "20261125-1400-8-1-401", "n": 2, "item": "heating", "note": "接口渗水",
         "done": None},
        {"visit": "20261125-1400-8-1-401", "n": 3, "item": None, "note": "客厅墙面有裂缝",
         "done": "请物业补好了墙"}]
    assert ledger.git("log", "-1", "--format=%(trailers:key=Keyledger-Resolves,valueonly)") \
        .strip() == "20261125-1400-8-1-401#2,20261125-1400-8-1-401#3"
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "需要您留意" not in owner
    assert "  - 已修好：客厅墙面有裂缝 → 请物业补好了墙\n" in owner
    assert _findings(ledger) == []


def test_problem_close_and_its_refusals(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-25T10:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--check",
              "heating=problem:接口渗水", as_="zhou-lx")
    assert "what was done" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "inspection", "--check", "windows=fixed:没关严").err
    assert "--fixed says" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "inspection", "--fixed", "没关严").err
    assert "no open problem '5'" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "inspection", "--resolve", "5").err
    # Closing without a visit: the pair or a supervisor, with how it was put right.
    assert "--note" in ledger.refused("problem", "close", "8-1-401", "1").err
    assert "Only the A/B pair" in ledger.refused("problem", "close", "8-1-401", "1", "--note",
                                                 "修好了", as_="sun-yp").err
    assert "no open problem '2'" in ledger.refused("problem", "close", "8-1-401", "2", "--note",
                                                   "修好了", as_="wang-dh").err
    _at(monkeypatch, "2026-11-26T09:00:00+08:00")
    closed = ledger.ok("problem", "close", "王秀兰", "第一个", "--note", "业主请人修好了",
                       as_="wang-dh").err  # the household and the number as people say them
    assert "8-1-401 王秀兰: the problem heating: 接口渗水 is closed." in closed
    assert _home(ledger).get("problems") is None
    assert ledger.git("log", "-1", "--format=%s").startswith("王德厚 关闭问题：王秀兰（8-1-401）：")
    trailers = ledger.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-Action: problem-close\n" in trailers
    assert "Keyledger-Problem: 20261125-1000-8-1-401#1\n" in trailers
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "已处理：暖气（接口渗水），业主请人修好了。" in owner and "需要您留意" not in owner
    english = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md", "--lang", "en").out
    assert "Put right: heating (接口渗水), 业主请人修好了." in english
    assert _findings(ledger) == []


def test_owners_requests_are_recorded_answered_and_timed(ledger: Ledger,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-24T20:10:00+08:00")
    assert "--via: '飞鸽' is not a channel; choose one of: phone, wechat" in ledger.refused("request", "add", "8-1-401", "看看窗户", "--via",
                                                  "飞鸽", as_="zhou-lx").err
    assert "in the future" in ledger.refused("request", "add", "8-1-401", "看看窗户", "--at",
                                             "2026-11-25 09:00").err
    ledger.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关", "--via", "微信", "--by", "业主")
    assert ledger.git("log", "-1", "--format=%s").strip() == \
        "周丽霞 记下业主的嘱托（微信）：王秀兰（8-1-401）：帮我看看阳台窗户关没关"
    assert _home(ledger)["requests"] == [{"received": "2026-11-24T20:10:00+08:00",
                                          "text": "帮我看看阳台窗户关没关", "via": "wechat",
                                          "by": "owner", "steward": "zhou-lx"}]
    _at(monkeypatch, "2026-11-24T20:40:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "inspection")
    _at(monkeypatch, "2026-11-24T20:55:00+08:00")
    assert "no open request '2'" in ledger.refused("return", "K-0012", "--visit", "--request",
                                                   "2").err
    ledger.ok("return", "K-0012", "--visit", "--request", "1", "--check",
              "windows=fixed:阳台窗户没关严=>关严了", "--informed", "微信发照片")
    assert _home(ledger).get("requests") is None
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "  - 您微信嘱托：帮我看看阳台窗户关没关（11月24日 周二 20:10收到，30分后上门）\n" in owner
    weekly = ledger.ok("report", "weekly", "--week", "2026-W48").out
    assert "- 8-1-401：帮我看看阳台窗户关没关（业主微信，11月24日 周二 20:10收到，30分后周丽霞上门）" \
        in weekly
    assert _findings(ledger) == []


def test_an_errand_with_money_advanced_and_repaid_later(ledger: Ledger,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-25T09:30:00+08:00")
    assert "--advanced takes an amount" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "errand", "--bought", "青菜", "--advanced",
        "好几十", as_="wang-dh").err
    assert "--bought" in ledger.refused("visit", "add", "8-1-401", "--purpose", "errand",
                                        "--advanced", "20").err
    ledger.ok("visit", "add", "8-1-401", "--purpose", "errand", "--bought", "青菜两斤",
              "--bought", "降压药一盒", "--advanced", "８６．５块", "--note", "放在门口，老人已取")
    assert _home(ledger)["advances"] == [{"visit": "20261125-0930-8-1-401",
                                          "at": "2026-11-25T09:30:00+08:00", "amount": "86.50",
                                          "items": ["青菜两斤", "降压药一盒"], "steward": "wang-dh"}]
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out  # chat text
    assert "\n代买代办：青菜两斤、降压药一盒，垫付86.50元（待结算）\n" in owner
    assert "待结算：11月25日 周三代买青菜两斤、降压药一盒，垫付86.50元。" in owner
    assert "Only the A/B pair" in ledger.refused("errand", "repaid", "8-1-401", "1",
                                                 as_="sun-yp").err
    _at(monkeypatch, "2026-11-26T09:30:00+08:00")
    ledger.ok("errand", "repaid", "8-1-401", "1", as_="wang-dh")
    assert ledger.git("log", "-1", "--format=%s").startswith("王德厚 记下代买代办垫付已结清 ")
    assert _home(ledger).get("advances") is None
    assert "待结算" not in ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert _findings(ledger) == []


def test_checkout_for_a_follow_up_is_reported_as_one(ledger: Ledger,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-26T10:00:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "follow-up", as_="zhou-lx")
    _at(monkeypatch, "2026-11-26T10:20:00+08:00")
    ledger.ok("return", "K-0012", "--visit", "--check", "heating=ok")
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "- 11月26日 周四 10:00–10:20，周丽霞回访\n" in owner
    household = ledger.ok("report", "household", "8-1-401", "--from", "2026-11-23").out
    assert "| K-0012 | 周丽霞 | 回访 | 11月26日 周四 10:00 | 11月26日 周四 10:20 | 20分 |" in household


def _forge(lg: Ledger, signer: str, edit: dict[str, tuple[str, str]], message: str) -> list[str]:
    """Edit files by hand, commit them signed by `signer` with `message`, and return verify's
    findings; the commit is then taken back."""
    for path, (old, new) in edit.items():
        file = lg.root / path
        text = file.read_text(encoding="utf-8") if file.exists() else ""
        assert old in text, (path, old)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text.replace(old, new, 1) if old else new, encoding="utf-8")
    lg.use(signer)
    lg.git("add", "-A")
    lg.git("commit", "-qm", message)
    found = _findings(lg)
    lg.git("reset", "-q", "--hard", "HEAD~1")
    return found


def test_verify_refuses_a_forged_commit_of_each_kind(ledger: Ledger,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, "2026-11-25T10:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--check",
              "heating=problem:接口渗水", as_="zhou-lx")
    ledger.ok("request", "add", "8-1-401", "看看窗户")
    assert _findings(ledger) == []
    home = "households/8-1-401.yaml"
    problems = _home(ledger)["problems"]
    text = (ledger.root / home).read_text(encoding="utf-8")
    problem_block = text[text.index("problems:"):text.index("requests:")]
    edit = "\n\nKeyledger-Action: household-edit\nKeyledger-Household: 8-1-401\n" \
           "Keyledger-Steward: zhou-lx"
    # A household edit that quietly drops the open problem.
    assert "which only a visit" in " ".join(_forge(ledger, "zhou-lx",
                                                   {home: (problem_block, "")}, "edit" + edit))
    # A visit that says nothing of the problem, yet writes it closed.
    visit = ("schema: 1\nid: 20261125-1100-8-1-401\nhousehold: 8-1-401\nkey: null\n"
             "stewards: [zhou-lx]\nstarted: '2026-11-25T11:00:00+08:00'\nended: null\n"
             "purpose: inspection\nchecklist: []\nfindings: []\nactions: []\nlet_in: []\n"
             "informed: []\nphotos: []\nfollow_up: null\nnote: null\n"
             "recorded: '2026-11-25T11:00:00+08:00'\n")
    found = _forge(ledger, "zhou-lx", {home: (problem_block, ""),
                                       "visits/2026/11/20261125-1100-8-1-401.yaml": ("", visit)},
                   "visit\n\nKeyledger-Action: visit\nKeyledger-Household: 8-1-401\n"
                   "Keyledger-Steward: zhou-lx\nKeyledger-Visit: 20261125-1100-8-1-401")
    assert any("not what its visit or its trailers explain" in f for f in found), found
    # A visit claiming to close a problem that was never open.
    resolving = visit.replace("note: null\n", "note: null\nresolves:\n- {visit: x, n: 1, item: "
                              "null, note: 编的, done: null}\n")
    found = _forge(ledger, "zhou-lx", {home: (problem_block, problem_block),
                                       "visits/2026/11/20261125-1100-8-1-401.yaml":
                                       ("", resolving)},
                   "visit\n\nKeyledger-Action: visit\nKeyledger-Household: 8-1-401\n"
                   "Keyledger-Steward: zhou-lx\nKeyledger-Visit: 20261125-1100-8-1-401")
    assert any("not open at 8-1-401" in f for f in found), found
    # A request whose file says another thing than its trailers.
    found = _forge(ledger, "zhou-lx", {home: ("text: 看看窗户", "text: 把钥匙给我表弟")},
                   "request\n\nKeyledger-Action: request\nKeyledger-Household: 8-1-401\n"
                   "Keyledger-Steward: zhou-lx\nKeyledger-At: 2026-11-25T10:00:00+08:00\n"
                   "Keyledger-Via: phone\nKeyledger-By: owner\nKeyledger-Request: 看看窗户")
    assert any("not what its visit or its trailers explain" in f
               or "already has a request" in f for f in found), found
    # A problem closed by a steward outside the pair.
    found = _forge(ledger, "sun-yp", {home: (problem_block, "")},
                   "close\n\nKeyledger-Action: problem-close\nKeyledger-Household: 8-1-401\n"
                   "Keyledger-Steward: sun-yp\nKeyledger-Problem: " + problems[0]["visit"]
                   + "#1\nKeyledger-Note: 修好了")
    assert any("Only the A/B pair" in f for f in found), found
    # Money owed, wiped by a repayment that names no errand.
    assert _findings(ledger) == []


from test_sync import shared  # noqa: E402,F401  (the bare remote with the guard, and clones)


def test_sync_replays_service_records_on_the_shared_file_and_the_guard_refuses_forgeries(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    office, zhou, wang = shared["office"], shared["zhou-lx"], shared["wang-dh"]
    _at(monkeypatch, "2026-11-25T10:00:00+08:00")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--check",
            "heating=problem:接口渗水")
    zhou.ok("sync")
    wang.ok("sync")
    # Offline on both sides: a request taken by wang, the problem put right by zhou.
    _at(monkeypatch, "2026-11-25T11:00:00+08:00")
    wang.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关", "--via", "电话")
    _at(monkeypatch, "2026-11-25T11:30:00+08:00")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--check",
            "heating=fixed:接口渗水=>换了垫片")
    zhou.ok("sync")
    result = wang.run("sync")
    assert result.code == 0, result.err
    home = yaml.load((wang.root / "households/8-1-401.yaml").read_text(encoding="utf-8"))
    assert home.get("problems") is None
    assert [r["text"] for r in home["requests"]] == ["帮我看看阳台窗户关没关"]
    assert json.loads(wang.ok("verify", "--json", "--full").out)["findings"] == []
    # Both put the same problem right offline: the second is kept on a conflict branch.
    zhou.ok("sync")
    _at(monkeypatch, "2026-11-26T10:00:00+08:00")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--problem", "墙面裂缝")
    zhou.ok("sync")
    wang.ok("sync")
    _at(monkeypatch, "2026-11-26T11:00:00+08:00")
    zhou.ok("problem", "close", "8-1-401", "1", "--note", "业主修好了")
    wang.ok("problem", "close", "8-1-401", "1", "--note", "业主说修好了")
    zhou.ok("sync")
    result = wang.run("sync")
    assert result.code == 1 and "has no open problem" in result.err
    # The guard refuses a forged service commit pushed around keyledger.
    wang.git("reset", "-q", "--hard", "origin/main")
    head = office.git("rev-parse", "HEAD").strip()
    path = wang.root / "households/8-1-401.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("requests:")], encoding="utf-8")
    wang.use("wang-dh")
    wang.git("commit", "-qam", "x\n\nKeyledger-Action: household-edit\nKeyledger-Household: "
             "8-1-401\nKeyledger-Steward: wang-dh")
    pushed = subprocess.run(["git", "-C", str(wang.root), "push", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode != 0 and "open problems, requests or money owed" in pushed.stderr
    assert office.git("rev-parse", "HEAD").strip() == head


@pytest.mark.parametrize("typed,amount", [("86.5", "86.50"), ("86.50元", "86.50"), ("¥20", "20.00"),
                                          ("８６．５块", "86.50"), ("八十元", "80.00"),
                                          ("一百二十块钱", "120.00"), ("两百", "200.00")])
def test_money_as_people_type_it(typed: str, amount: str) -> None:
    from keyledger.visits import parse_errand

    assert parse_errand(["青菜"], typed, False) == {"items": ["青菜"], "advanced": amount,
                                                    "repaid": False}
