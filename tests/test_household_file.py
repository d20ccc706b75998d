"""`household show` is the 一户一档: people, contacts, flags, away periods, care list,
authorization (state, scope, letter), schedule in words, keys and where they are — a door code as
a code — the last visits, open problems, open requests, money owed and follow-ups, on one screen
and in `--json`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from conftest import Ledger, terminal


@pytest.fixture
def filed(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Ledger:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-20T09:00:00+08:00")
    scan = tmp_path / "授权书.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    ledger.ok("household", "authorize", "8-1-401", "--from", "2026-11-01", "--until",
              "2027-04-30", "--purpose", "inspection,plants", "--condition", "进门前先给女儿打电话",
              "--document", str(scan), "--signed-on", "2026-10-28", as_="liu-sj")
    ledger.ok("household", "edit", "8-1-401", "--add-away", "2026-11-15,2027-04-15,去海南过冬")
    ledger.ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "14:00-17:00", "--purpose",
              "inspection", "--steward", "a", as_="liu-sj")
    monkeypatch.setattr(sys, "stdin", io.StringIO("246810\n"))
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0031", "--kind", "code",
              "--label", "智能门锁密码", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:00:00+08:00")
    ledger.use("wang-dh")
    code, _screen, said = terminal(ledger, ["checkout", "K-0031", "--purpose", "inspection"], [])
    assert code == 0, said
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:40:00+08:00")
    ledger.ok("return", "K-0031", "--visit", "--check", "plants=ok",
              "--check", "heating=problem:暖气片接口渗水", "--follow-up", "2026-12-02",
              "--note", "下周三再来")
    ledger.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关", "--via", "微信", "--by", "家属")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T09:00:00+08:00")
    return ledger


def test_household_show_is_the_whole_file_on_one_screen(filed: Ledger) -> None:
    out = filed.ok("household", "show", "8-1-401").out
    for expected in (
            "valid until 2027-04-30 · inspection, plants · 进门前先给女儿打电话 · letter on file, "
            "signed 2026-10-28",
            "2026-11-15 → 2027-04-15  去海南过冬",
            "every Wed 14:00–17:00 inspection (周丽霞)",
            "K-0012 physical 入户门钥匙, 两把一串 — in the cabinet, slot A-03",
            "K-0031 code 智能门锁密码 — door code kept by the community, last used 2026-11-25 "
            "14:00 · known to 王德厚",
            "1. heating: 暖气片接口渗水",
            "1. 帮我看看阳台窗户关没关",
            "2026-12-02 (王德厚)",
            "下周三再来"):
        assert expected in " ".join(out.split()).replace("│", "").replace("  ", " ") or \
            expected in out, expected
    # A door code is never in a slot or "in the cabinet".
    code_line = next(line for line in out.splitlines() if "K-0031" in line)
    assert "slot" not in code_line and "cabinet" not in code_line
    zh = filed.ok("household", "show", "8-1-401", "--lang", "zh").out
    assert "门锁密码由社区托管" in zh and "在柜" not in next(
        line for line in zh.splitlines() if "K-0031" in line)


def test_household_show_json_has_the_whole_file(filed: Ledger) -> None:
    data = json.loads(filed.ok("household", "show", "8-1-401", "--json").out)
    assert data["authorization_state"] == "valid"
    assert data["authorization"]["document"].startswith("attachments/")
    assert [e["every"] for e in data["schedule"]] == ["wed"]
    code = next(k for k in data["keys"] if k["id"] == "K-0031")
    assert code["known_to"] == ["wang-dh"] and code["last_used"] == "2026-11-25T14:00:00+08:00"
    assert "known_to" not in next(k for k in data["keys"] if k["id"] == "K-0012")
    assert [v["note"] for v in data["recent_visits"]] == ["下周三再来"]
    assert [(p["item"], p["note"]) for p in data["problems"]] == [("heating", "暖气片接口渗水")]
    assert [r["text"] for r in data["requests"]] == ["帮我看看阳台窗户关没关"]
    assert data["follow_ups"] == [{"date": "2026-12-02", "visit": data["recent_visits"][0]["id"],
                                   "steward": "wang-dh"}]


def test_a_rotated_code_is_known_to_nobody_again(filed: Ledger,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("135790\n"))
    filed.ok("code", "rotate", "K-0031", as_="zhou-lx")
    data = json.loads(filed.ok("household", "show", "8-1-401", "--json").out)
    code = next(k for k in data["keys"] if k["id"] == "K-0031")
    assert code["known_to"] == [] and code["last_used"] is None


def test_a_door_code_reads_as_a_code_in_key_show_key_list_and_the_card(filed: Ledger) -> None:
    shown = filed.ok("key", "show", "K-0031").out
    assert "door code kept by the community, last used 2026-11-25 14:00" in shown
    assert "known to 王德厚" in shown and "slot" not in shown
    zh = filed.ok("key", "show", "K-0031", "--lang", "zh").out
    assert "门锁密码由社区托管" in zh and "格位" not in zh and "在柜" not in zh
    listed = next(line for line in filed.ok("key", "list").out.splitlines() if "K-0031" in line)
    assert "code kept" in listed and " in " not in listed
    card = filed.ok("household", "card", "8-1-401", "--lang", "en").out
    code_line = next(line for line in card.splitlines() if "K-0031" in line)
    assert "cabinet" not in code_line and "slot" not in code_line
    # The physical key still reads as one.
    assert "K-0012 physical" in filed.ok("household", "show", "8-1-401").out


def test_status_says_a_code_is_given_not_that_a_key_is_out(filed: Ledger) -> None:
    assert "no door code is given out" in filed.ok("status").err
    filed.use("zhou-lx")
    code, _screen, said = terminal(filed, ["checkout", "K-0031", "--purpose", "inspection"], [])
    assert code == 0, said
    row = next(line for line in filed.ok("status").out.splitlines() if "K-0031" in line)
    assert "K-0031 door code" in row and "周丽霞" in row
    assert "门锁密码" in filed.ok("status", "--lang", "zh").out


def test_a_door_code_handed_back_is_told_as_a_code(filed: Ledger,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-27T10:00:00+08:00")
    filed.ok("handback", "K-0031", "--note", "业主回来了", as_="zhou-lx")
    owner = filed.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "zh").out
    assert "门锁密码（K-0031）已于11月27日 周五 10:00退还给您（业主回来了），社区不再托管" in owner
    assert "钥匙K-0031" not in owner
    english = filed.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "The door code (K-0031) was handed back to you" in english
