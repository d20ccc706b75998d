"""`keyledger site -o DIR` on the seed stories' week: the office's pages and calendars, made again
only where the ledger (or the clock) changed them, opened in a real Chromium."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import Ledger
from printed import assert_a4, check_page, printed

CODE = "80417#"
PHONE = re.compile(r"1[3-9]\d{9}")


def _site(ledger: Ledger, out: Path, *more: str) -> dict:  # type: ignore[type-arg]
    return json.loads(ledger.ok("site", "-o", str(out), "--json", *more).out)


def _files(out: Path) -> dict[str, float]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def coded_story(story: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """The week, with 2-3-301's smart lock code in the cabinet too."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(CODE + "\n"))
    story.ok("key", "add", "--from-file", str(Path(__file__).parent.parent / "ledger/keys/K-0006.yaml"),
             as_="liu-sj")
    return story


def test_the_office_site_of_the_seed_week(coded_story: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "site"
    built = _site(coded_story, out)
    assert built["full"] and built["removed"] == []
    files = _files(out)
    households = {p.stem for p in (coded_story.root / "households").glob("*.yaml")}
    assert {f"households/{h}.html" for h in households} <= set(files)
    stewards = {p.stem for p in (coded_story.root / "stewards").glob("*.yaml")}
    assert {f"stewards/{s}.html" for s in stewards} <= set(files)
    assert {f"calendar/{s}.ics" for s in stewards} | {"calendar/all.ics"} <= set(files)
    assert {"index.html", "week.html", "households/index.html", "stewards/index.html",
            "weekly/2026-W47.html", "weekly/2026-W48.html"} <= set(files)
    assert sorted(built["written"]) == sorted(files)
    board = (out / "index.html").read_text(encoding="utf-8")
    # The key kept past its time is first, marked overdue, with its holder.
    out_rows = re.findall(r"<tr class=\"bad\"><td>(K-\d+)</td>", board)
    assert out_rows == ["K-0003"] and "王德厚" in board and "逾期" in board
    # Today (Saturday): 张凤英's call, with where 5-1-102's key is.
    assert "5-1-102" in board and "电话问候" in board
    everything = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*")
                           if p.is_file() and not p.name.startswith("."))
    # No door code ever; no phone number and no health note unless the ledger allows them.
    assert CODE not in everything and "age-encryption" not in everything
    assert not PHONE.search(everything)
    assert "腰椎间盘突出" not in everything  # 12-1-101's health note
    page = (out / "households/2-3-301.html").read_text(encoding="utf-8")
    assert "门锁密码（加密保存，网页上从不显示）" in page


def test_the_household_page_in_a_browser(story: Ledger, browser, tmp_path: Path) -> None:
    out = tmp_path / "site"
    _site(story, out)
    path = out / "households" / "8-1-401.html"
    page, text = check_page(browser, path)
    assert text.count("8-1-401 王秀兰") >= 1
    assert "东升家园8号楼1单元401" in text or "8号楼" in text
    # Its stewards link to their pages; its key is in the cabinet; its last 30 days are there.
    links = page.js("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert "../stewards/zhou-lx.html" in links and "../index.html" in links
    assert "K-0001" in text and "在柜" in text
    assert "*多肉*也浇了" in text and "卧室暖气片接口渗水" in text
    assert "接口不再渗水" in text and "浇花" in text and "回访" in text
    # The visit that put the heating right says so (issue 14's records, shown as they are).
    assert "已修好：暖气（卧室暖气片接口渗水）" in text
    paper = printed(page, tmp_path, "household")
    assert_a4(paper)
    assert "王秀兰" in paper["text"] and "近30天上门记录" in paper["text"]
    page.close()
    # What is still open for a home heads its page: the burst pipe found in the emergency.
    burst, text = check_page(browser, out / "households" / "12-1-101.html")
    assert "未解决的问题\n水管（厨房水管爆裂）（发现 11月27日 周五 23:30）" in text
    assert burst.js("document.querySelector('li.bad').textContent").startswith("水管")
    burst.close()
    # Every page of the site reads in Chinese and fits the paper.
    for relpath in ("index.html", "week.html", "stewards/zhou-lx.html", "households/index.html",
                    "weekly/2026-W48.html"):
        other, _ = check_page(browser, out / relpath)
        other.close()


def test_only_what_changed_is_written_again(story: Ledger, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    _site(story, out)
    before = _files(out)
    # Nothing happened (and the clock stood still: the board shows when it was made).
    again = _site(story, out)
    assert not again["full"] and again["written"] == [] and again["households"] == 0
    assert _files(out) == before
    # One checkout: its household, its steward, the board, the week and the calendars that
    # say where that key is; no other household's page.
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T13:00:00+08:00")
    story.ok("checkout", "K-0001", "--purpose", "plants", "--expect-back", "1h", as_="zhou-lx")
    after = _site(story, out)
    assert after["households"] == 1 and not after["full"]
    assert "households/8-1-401.html" in after["written"]
    assert "stewards/zhou-lx.html" in after["written"] and "index.html" in after["written"]
    assert not [p for p in after["written"] if p.startswith("households/") and "8-1-401" not in p]
    changed = {p for p, t in _files(out).items() if before.get(p) != t}
    assert changed == set(after["written"])
    assert "K-0001" in (out / "households/8-1-401.html").read_text(encoding="utf-8")
    # An owner's request taken by phone: that household's page alone, which lists it.
    story.ok("request", "add", "5-1-102", "帮忙看看燃气阀门", "--via", "电话", as_="wang-dh")
    asked = _site(story, out)
    assert asked["households"] == 1
    assert [p for p in asked["written"] if p.startswith("households/")] == \
        ["households/5-1-102.html"]
    assert "帮忙看看燃气阀门" in (out / "households/5-1-102.html").read_text(encoding="utf-8")
    # It is due now, on the board and the week, named as a request; a calendar is for plans.
    assert "业主嘱托" in (out / "index.html").read_text(encoding="utf-8")
    assert "week.html" in asked["written"] and "业主嘱托" in (out / "week.html").read_text(
        encoding="utf-8")
    assert not [p for p in asked["written"] if p.startswith("calendar/")]
    # A visit recorded: its household's page alone, found from the visit file the commit added.
    story.ok("visit", "add", "6-2-601", "--purpose", "inspection", "--note", "门窗关好",
             as_="sun-yp")
    both = _site(story, out)
    assert both["households"] == 1
    assert [p for p in both["written"] if p.startswith("households/")] == \
        ["households/6-2-601.html"]
    assert "门窗关好" in (out / "households/6-2-601.html").read_text(encoding="utf-8")
    # Time alone: when the key becomes overdue its page says so, with no commit in between.
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T14:30:00+08:00")
    later = _site(story, out)
    assert "households/8-1-401.html" in later["written"] and later["households"] == 1
    assert "逾期" in (out / "households/8-1-401.html").read_text(encoding="utf-8")
    # A deleted page comes back; a page edited by hand is set right when its data changes.
    (out / "households/5-1-102.html").unlink()
    assert "households/5-1-102.html" in _site(story, out)["written"]
    # --full makes every page again, writing only those whose bytes differ.
    full = _site(story, out, "--full")
    assert full["full"] and full["households"] == 15 and "households/12-1-101.html" not in \
        full["written"]


def test_what_the_ledger_allows_on_the_site(story: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "site"
    _site(story, out)
    story.ok("policy", "publish", "--health", "yes", "--phones", "yes", as_="liu-sj")
    rebuilt = _site(story, out)
    assert rebuilt["full"]  # a setting changed: every page again
    page = (out / "households/12-1-101.html").read_text(encoding="utf-8")
    assert "腰椎间盘突出" in page and '<a href="tel:13800000117">13800000117</a>' in page
    assert "13900000215" in page  # the son, the emergency contact


def test_the_site_is_refused_inside_the_ledger(story: Ledger) -> None:
    result = story.refused("site", "-o", str(story.root / "site"))
    assert "outside" in result.err and not (story.root / "site").exists()
    story.refused("site")  # -o is required


def test_the_sites_calendars_are_for_phones(story: Ledger, tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "site"
    _site(story, out)
    cal = icalendar.Calendar.from_ical((out / "calendar/wang-dh.ics").read_bytes())
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    events = cal.walk("VEVENT")
    calls = [e for e in events if "电话问候 5-1-102" in str(e["SUMMARY"])]
    assert len(calls) == 28  # 张凤英's daily call, from Monday of this week, four weeks
    # The calls still to make remind before they begin; those done or missed do not.
    waiting = [e for e in calls if "（" not in str(e["SUMMARY"])]
    assert waiting and all(len(e.walk("VALARM")) == 1 for e in waiting)
    assert all(not e.walk("VALARM") for e in calls if "（" in str(e["SUMMARY"]))
    # The same calendar next run: the same UIDs, and the file is not rewritten.
    again = _site(story, out)
    assert "calendar/wang-dh.ics" not in again["written"]
