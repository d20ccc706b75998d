"""`conflict list|show|drop|redo`: what a sync could not share, in plain words, and its way out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import Ledger


@pytest.fixture
def shared(ledger: Ledger, tmp_path: Path) -> dict[str, Ledger]:
    bare = tmp_path / "office.git"
    ledger.ok("share", "create", str(bare), as_="liu-sj")
    clones = {}
    for who in ("zhou-lx", "wang-dh"):
        assert ledger.run("clone", str(bare), str(tmp_path / who), "--key",
                          str(ledger.keys[who])).code == 0
        clones[who] = Ledger(tmp_path / who, ledger.keys, ledger.capfd)
    clones["liu-sj"] = ledger
    return clones


def _conflict(shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> str:
    """zhou and wang both take K-0012 offline; zhou shares first: wang's is a conflict."""
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T10:00:00+08:00")
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T10:05:00+08:00")
    wang.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered",
            "--note", "电话问候")
    wang.ok("checkout", "K-0012", "--purpose", "heating", "--note", "看暖气")
    zhou.ok("sync")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T10:30:00+08:00")
    assert wang.run("sync").code == 1
    (name,) = [c["name"] for c in json.loads(wang.ok("conflict", "list", "--json").out)]
    return name


def test_a_conflict_is_listed_and_shown_in_plain_words(shared: dict[str, Ledger],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    wang = shared["wang-dh"]
    name = _conflict(shared, monkeypatch)
    assert name == "20261125-103000"
    listed = wang.ok("conflict", "list")
    assert name in listed.out and "checkout of K-0012 (8-1-401), heating — 看暖气" in listed.out
    shown = wang.ok("conflict", "show", name)
    assert "could not be applied to the shared ledger" in shown.err
    assert "already out with 周丽霞" in shown.err
    assert f"Conflict {name} holds 1 operation(s) not on the shared ledger" in shown.err
    assert "git" not in shown.err.replace("keyledger", "")  # no git words for a steward
    data = json.loads(wang.ok("conflict", "show", "--json").out)  # the only one: no name needed
    assert [op["action"] for op in data["operations"]] == ["checkout"]  # the visit was shared
    assert data["operations"][0]["at"] == "2026-11-25T10:05:00+08:00"
    zh = wang.ok("conflict", "list", "--lang", "zh")
    assert "取钥匙 K-0012（8-1-401），暖气检查 — 看暖气" in zh.out and "冲突" in zh.out


def test_drop_says_what_it_drops_and_nothing_else_changes(shared: dict[str, Ledger],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wang = shared["wang-dh"]
    name = _conflict(shared, monkeypatch)
    head = wang.head()
    unknown = wang.refused("conflict", "drop", "20261125-1030")
    assert "There is no conflict '20261125-1030' here. Did you mean: 20261125-103000?" in \
        unknown.err
    dropped = wang.ok("conflict", "drop", name)
    assert dropped.err.index("will not be recorded") < dropped.err.index("heating") < \
        dropped.err.index(f"Conflict {name} is dropped.")
    assert wang.head() == head and json.loads(wang.ok("conflict", "list", "--json").out) == []
    assert "Unresolved conflict" not in wang.ok("status").err
    assert "No conflict" in wang.ok("conflict", "list").err
    kept = wang.git("log", "-1", "--format=%s", f"refs/keyledger/dropped/{name}")
    assert kept.startswith("王德厚 取出 K-0012")  # out of sight, not destroyed


def test_redo_waits_for_the_rules_then_records_the_operation_now(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    name = _conflict(shared, monkeypatch)
    refused = wang.refused("conflict", "redo", name)
    assert "“王德厚 取出 K-0012（王秀兰）：暖气检查” cannot be recorded on today's ledger" in refused.err
    assert "already out with 周丽霞" in refused.err and f"conflict {name} is kept" in refused.err
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T11:00:00+08:00")
    zhou.ok("return", "K-0012")
    zhou.ok("sync")
    wang.ok("sync")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T11:20:00+08:00")
    redone = wang.ok("conflict", "redo", name)
    assert "Recorded again on today's ledger, dated now" in redone.err
    assert f"Conflict {name} is resolved." in redone.err
    trailers = wang.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-At: 2026-11-25T11:20:00+08:00" in trailers
    assert "Keyledger-Redone-From: 2026-11-25T10:05:00+08:00" in trailers
    assert "Keyledger-Purpose: heating" in trailers and "Keyledger-Note: 看暖气" in trailers
    key = (wang.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert "holder: wang-dh" in key and "since: 2026-11-25T11:20:00+08:00" in key
    assert wang.git("status", "--porcelain") == ""
    assert json.loads(wang.ok("conflict", "list", "--json").out) == []
    wang.ok("sync")
    assert json.loads(wang.ok("verify", "--json", "--full").out)["findings"] == []
    office = tmp_path / "office.git"
    assert subprocess.run(["git", "-C", str(office), "rev-parse", "main"], capture_output=True,
                          text=True).stdout.strip() == wang.head()


def test_redo_records_all_of_a_conflicts_operations_or_none(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T10:00:00+08:00")
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    wang.ok("checkout", "K-0012", "--purpose", "heating")
    wang.ok("return", "K-0012", "--note", "暖气正常")
    zhou.ok("sync")
    assert wang.run("sync").code == 1
    shown = json.loads(wang.ok("conflict", "show", "--json").out)
    assert [op["action"] for op in shown["operations"]] == ["checkout", "return"]
    before = wang.snapshot()
    assert wang.run("conflict", "redo").code == 2
    assert wang.snapshot() == before  # the first would pass nowhere: neither is recorded
    zhou.ok("return", "K-0012")
    zhou.ok("sync")
    wang.ok("sync")
    wang.ok("conflict", "redo")
    actions = wang.git("log", "-2", "--format=%(trailers:key=Keyledger-Action,valueonly)")
    assert actions.split() == ["return", "checkout"]
    assert "state: in" in (wang.root / "keys/K-0012.yaml").read_text(encoding="utf-8")


def test_another_stewards_conflict_is_not_redone_under_my_name(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:
    wang = shared["wang-dh"]
    name = _conflict(shared, monkeypatch)
    wang.use("sun-yp")  # the same machine, another steward's key
    result = wang.refused("conflict", "redo", name)
    assert "made by wang-dh, and only they can sign it again" in result.err
