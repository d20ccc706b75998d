"""Visits on real repositories: written once, in the return's own commit, photos stored once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Ledger, terminal
from keyledger import yaml


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.JPG"
    path.write_bytes(b"\xff\xd8\xff\xe0 a photo of the heating pipe")
    return path


def test_return_with_a_visit_is_one_commit_with_every_field(ledger: Ledger, photo: Path,
                                                            monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:02:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", "--witness", "wang-dh", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:40:00+08:00")
    before = ledger.head()
    done = ledger.ok("return", "K-0012", "--witness", "wang-dh", "--visit",
                     "--check", "plants=ok", "--check", "heating=problem:接口渗水",
                     "--finding", "卧室暖气片接口渗水", "--action", "关闭阀门，联系物业维修",
                     "--let-in", "张师傅,物业维修部,更换接口垫片", "--photo", str(photo),
                     "--photo", str(photo), "--informed", "video call",
                     "--informed", "photos sent", "--follow-up", "2026-11-26")
    assert ledger.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
    changed = set(ledger.git("show", "--name-only", "--format=", "HEAD").split())
    visit_path = "visits/2026/11/20261125-1402-8-1-401.yaml"
    attachments = [p for p in changed if p.startswith("attachments/")]
    # The heating problem is open now: the household file says so, in the same commit.
    assert changed - {".gitattributes"} == {"keys/K-0012.yaml", visit_path,
                                            "households/8-1-401.yaml", *attachments}
    home = yaml.load((ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8"))
    assert home["problems"] == [{"visit": "20261125-1402-8-1-401", "n": 2, "item": "heating",
                                 "note": "接口渗水", "since": "2026-11-25T14:40:00+08:00"}]
    assert len(attachments) == 1 and attachments[0].endswith(".jpg")
    assert "Visit 20261125-1402-8-1-401 recorded" in done.err
    assert ledger.git("log", "-1", "--format=%(trailers:key=Keyledger-Visit,valueonly)").strip() \
        == "20261125-1402-8-1-401"
    assert ledger.git("log", "-1", "--format=%(trailers:key=Keyledger-Follow-Up,valueonly)") \
        .strip() == "2026-11-26"
    data = yaml.load((ledger.root / visit_path).read_text(encoding="utf-8"))
    assert data["household"] == "8-1-401" and data["key"] == "K-0012"
    assert data["stewards"] == ["zhou-lx", "wang-dh"]
    assert data["started"] == "2026-11-25T14:02:00+08:00"
    assert data["ended"] == "2026-11-25T14:40:00+08:00"
    assert data["purpose"] == "heating"
    assert data["checklist"] == [{"item": "plants", "result": "ok", "note": None},
                                 {"item": "heating", "result": "problem", "note": "接口渗水"}]
    assert data["findings"] == ["卧室暖气片接口渗水"]
    assert data["let_in"] == [{"who": "张师傅", "company": "物业维修部", "did": "更换接口垫片"}]
    assert data["informed"] == ["video call", "photos sent"]
    assert data["photos"] == [attachments[0], attachments[0]]
    assert data["follow_up"] == "2026-11-26"


def test_the_same_photo_in_two_visits_is_stored_once(ledger: Ledger, photo: Path) -> None:
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo", str(photo), as_="zhou-lx")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "delivery", "--photo", str(photo))
    assert len(list((ledger.root / "attachments").iterdir())) == 1
    assert not any(p.startswith("attachments/")
                   for p in ledger.git("show", "--name-only", "--format=", "HEAD").split())


def test_the_same_bytes_under_other_names_are_one_attachment(ledger: Ledger, photo: Path,
                                                              tmp_path: Path) -> None:
    upper, jpeg = tmp_path / "A.JPG", tmp_path / "a.jpeg"
    upper.write_bytes(photo.read_bytes())
    jpeg.write_bytes(photo.read_bytes())
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo", str(upper), "--photo",
              str(jpeg), as_="zhou-lx")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "delivery", "--photo", str(photo))
    stored = list((ledger.root / "attachments").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".jpg"
    visits = json.loads(ledger.ok("visit", "list", "8-1-401", "--json").out)
    assert {p for v in visits for p in v["photos"]} == {f"attachments/{stored[0].name}"}


def test_a_visit_entered_late_keeps_when_it_happened(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-27T09:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "电话问候，一切正常",
              "--at", "2026-11-25 10:05", as_="wang-dh")
    visits = json.loads(ledger.ok("visit", "list", "8-1-401", "--json").out)
    assert visits[0]["started"] == "2026-11-25T10:05:00+08:00"
    assert visits[0]["recorded"] == "2026-11-27T09:00:00+08:00"
    assert ledger.git("log", "-1", "--format=%s").strip().endswith("，补录")
    assert "in the future" in ledger.refused("visit", "add", "8-1-401", "--purpose", "call",
                                             "--outcome", "answered",
                                             "--at", "2026-12-25 10:05").err


def test_a_visit_from_a_form(ledger: Ledger, tmp_path: Path) -> None:
    form = tmp_path / "visit.yaml"
    form.write_text(
        "household: 8-1-401\nstewards: [zhou-lx, wang-dh]\nstarted: 2026-11-20T09:00:00+08:00\n"
        "ended: 2026-11-20T11:30:00+08:00\npurpose: contractor\n"
        "checklist:\n- {item: gas, result: ok, note: 报警器已装}\n"
        "let_in:\n- {who: 燃气公司李师傅, company: 城市燃气, did: 安装报警器和切断阀}\n"
        "informed: [video call]\nnote: 业主全程视频监工\n", encoding="utf-8")
    ledger.ok("visit", "add", "8-1-401", "--from-file", str(form), as_="zhou-lx")
    visit = json.loads(ledger.ok("visit", "list", "8-1-401", "--from", "2026-11-01", "--until",
                                 "2026-11-30", "--json").out)[0]
    assert visit["id"] == "20261120-0900-8-1-401"
    assert visit["let_in"][0]["did"] == "安装报警器和切断阀"
    assert visit["stewards"] == ["zhou-lx", "wang-dh"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("purpose: contractor\nchecklist:\n- {item: garden, result: ok}\n",
                   encoding="utf-8")
    result = ledger.refused("visit", "add", "8-1-401", "--from-file", str(bad))
    assert f"{bad}:3: checklist[0].item: expected one of:" in result.err


def test_visit_refusals(ledger: Ledger, tmp_path: Path) -> None:
    ledger.use("zhou-lx")
    assert ("--check: 'fine' is not a result; write one of ok, problem, fixed, n/a, with what "
            "was seen after a colon: --check \"plants=ok\" or --check \"plants=problem:fine\".") in \
        ledger.refused("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered",
                       "--check", "plants:fine").err
    assert "--check takes ITEM=RESULT[:NOTE]" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--check",
        "plants").err
    assert "'garden' is not a care item" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--check", "garden=ok").err
    assert "--purpose" in ledger.refused("visit", "add", "8-1-401").err
    big = tmp_path / "big.png"
    big.write_bytes(b"0" * (11 * 2**20))
    assert "at most 10.0 MB" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo", str(big)).err
    assert "Cannot read" in ledger.refused(
        "visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo", str(tmp_path / "nope.jpg")).err
    assert "not out" in ledger.refused("return", "K-0012", "--visit", "--check", "plants=ok").err


def test_attachments_go_to_git_lfs_when_it_is_installed(ledger: Ledger, photo: Path) -> None:
    import shutil

    if shutil.which("git-lfs") is None:
        pytest.skip("git-lfs is not installed on this machine")
    # `.gitattributes` is a supervisor's: a steward's photo does not turn git-lfs on …
    other = photo.with_name("other.jpg")
    other.write_bytes(b"another photo")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo",
              str(other), as_="zhou-lx")
    assert not (ledger.root / ".gitattributes").exists()
    # … a supervisor's does, and from then on everybody's photos go to it.
    third = photo.with_name("third.jpg")
    third.write_bytes(b"a third photo")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo",
              str(third), as_="liu-sj")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--photo", str(photo), as_="zhou-lx")
    assert "attachments/** filter=lfs" in (ledger.root / ".gitattributes").read_text()
    path = ledger.git("show", "--name-only", "--format=", "HEAD").split()
    blob = [p for p in path if p.startswith("attachments/")][0]
    assert ledger.git("show", f"HEAD:{blob}").startswith("version https://git-lfs")
    assert (ledger.root / blob).read_bytes() == photo.read_bytes()
    assert ledger.git("status", "--porcelain") == ""


def test_on_a_terminal_missing_fields_are_asked_for(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    code, screen, files = terminal(ledger, ["visit", "add", "8-1-401"],
                                   [("Purpose", "inspection"), ("plants", "ok"),
                                    ("heating", "problem"), ("note", "接口渗水")])
    assert code == 0, screen + files
    visit = json.loads(ledger.ok("visit", "list", "8-1-401", "--json").out)[0]
    assert visit["purpose"] == "inspection"
    assert visit["checklist"] == [
        {"item": "plants", "result": "ok", "note": None, "done": None},
        {"item": "heating", "result": "problem", "note": "接口渗水", "done": None}]


def test_a_visit_entered_within_a_day_is_not_late(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T09:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--at", "2026-11-25 10:05",
              as_="wang-dh")
    assert "late" not in ledger.git("log", "-1", "--format=%s")


def test_a_follow_up_before_the_visit_is_refused(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T14:00:00+08:00")
    result = ledger.refused("return", "K-0012", "--visit", "--check", "heating=ok",
                            "--follow-up", "2026-11-26")
    assert result.err.strip().endswith(
        "The follow-up day 2026-11-26 is before the visit ended (2026-11-28); give that day or "
        "a later one.")
    assert result.err.count("\n") == 1
    ledger.refused("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--follow-up", "2026-11-27")
    # A visit entered late may ask for a follow-up that is already past today.
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--at", "2026-11-25 10:00",
              "--follow-up", "2026-11-26")
    ledger.ok("return", "K-0012", "--visit", "--check", "heating=ok", "--follow-up", "2026-11-28")


def test_the_terminal_prompts_speak_chinese_under_zh(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    ledger.use("zhou-lx")
    code, screen, files = terminal(ledger, ["visit", "add", "8-1-401", "--purpose", "inspection"],
                                   [("绿植", "正常"), ("暖气", "有问题"), ("备注", "接口渗水")])
    assert code == 0, screen + files
    assert "[正常/有问题/已当场处理/不适用]" in screen and "ok/problem" not in screen, screen
    monkeypatch.delenv("LANG")  # the in-process command below must not leave Chinese behind
    visit = json.loads(ledger.ok("visit", "list", "8-1-401", "--json").out)[0]
    assert visit["checklist"] == [
        {"item": "plants", "result": "ok", "note": None, "done": None},
        {"item": "heating", "result": "problem", "note": "接口渗水", "done": None}]
