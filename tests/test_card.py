"""`household card`: one page for a responder at the door, in Markdown or HTML, typed text
escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import Ledger


@pytest.fixture
def home(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T12:00:00+08:00")
    ledger.ok("household", "add", "7-1-201", "--name", "赵*建国*", "--address",
              "春晖家园7号楼1单元201 | 东门进", "--pair", "zhou-lx,wang-dh", "--phone", "13800000107",
              "--born", "1938", "--health", "心脏支架术后；<b>硝酸甘油</b>在床头柜", "--flag", "lives-alone",
              "--flag", "elderly", "--flag", "pet", "--care", "pets",
              "--contact", "赵小红,女儿,13900000207", "--contact", "钱大爷,邻居,13900000307",
              "--notes", "# 不是标题\n家里有一只猫 [别让它跑出去](http://evil.example)")
    ledger.ok("household", "authorize", "7-1-201", "--from", "2026-01-01", "--until", "2027-12-31",
              "--purpose", "inspection,pets,emergency", "--condition", "进门前先给女儿打电话")
    ledger.ok("key", "add", "--household", "7-1-201", "--id", "K-0071", "--slot", "B-01",
              "--label", "入户门 | 防盗门")
    ledger.ok("checkout", "K-0071", "--purpose", "pets", as_="zhou-lx")
    return ledger


def test_markdown_card_has_what_a_responder_needs(home: Ledger) -> None:
    text = home.ok("household", "card", "7-1-201", "--lang", "en").out
    assert text.startswith("# Emergency card: 7-1-201 赵\\*建国\\*")
    assert "⚠ lives-alone · elderly · pet" in text
    assert "| 赵\\*建国\\* | 1938 (age 88) | 13800000107 | 心脏支架术后；\\<b\\>硝酸甘油\\</b\\>在床头柜 |" in text
    assert "| 赵小红 | 女儿 | 13900000207 |" in text and "| 钱大爷 | 邻居 | 13900000307 |" in text
    assert "| A steward | 周丽霞 (zhou-lx) | 13900000001 |" in text
    assert "| B steward | 王德厚 (wang-dh) | 13900000001 |" in text
    assert "| Supervisor | 刘淑娟 (liu-sj) | — |" in text
    assert "春晖家园7号楼1单元201 \\| 东门进" in text
    assert "| K-0071 | physical | 入户门 \\| 防盗门 | out with 周丽霞 (zhou-lx) since 2026-11-25 12:00" \
        in text
    assert "进门前先给女儿打电话" in text and "Emergency entry" not in text  # emergency is allowed
    # The typed text stays text: no heading, link or HTML from the notes, a table stays a table.
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    kinds = {t.type for t in tokens for t in (t.children or [t])}
    assert "link_open" not in kinds and "html_inline" not in kinds and "html_block" not in kinds
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Emergency card: 7-1-201 赵\\*建国\\*", "Home", "People",
                        "Emergency contacts", "Stewards", "Keys", "Entry", "Notes"]
    assert "\\# 不是标题 家里有一只猫 \\[别让它跑出去\\](http://evil.example)" in text
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 2 + 3 + 4 + 2  # people, contacts, stewards, keys: each with its header


def test_html_card_is_escaped_and_dials(home: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "card.html"
    result = home.ok("household", "card", "7-1-201", "-o", str(out), "--lang", "en")
    assert "Wrote the emergency card of 7-1-201" in result.err
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "&lt;b&gt;硝酸甘油&lt;/b&gt;" in page and "<b>硝酸甘油" not in page
    assert '<a href="tel:13900000207">13900000207</a>' in page
    assert '<p class="warning">⚠ lives-alone · elderly · pet</p>' in page
    assert "@page { size: A4" in page
    same = home.ok("household", "card", "7-1-201", "--format", "html", "--lang", "en").out
    assert same == page


def test_away_household_and_no_authorization(ledger: Ledger,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-12-01T09:00:00+08:00")
    ledger.ok("household", "add", "9-2-1101", "--name", "孙桂英", "--address", "春晖家园9号楼2单元1101",
              "--away", "2026-11-01,2027-04-15,去三亚过冬")
    text = ledger.ok("household", "card", "9-2-1101", "--format", "md", "--lang", "en").out
    assert "Away now, until 2027-04-15; the home should be empty. 去三亚过冬" in text
    assert "_No emergency contact recorded._" in text and "_No key in custody._" in text
    assert "**Owner's authorization:** none on file" in text
    assert "**Emergency entry:**" in text
    ledger.refused("household", "card", "9-2-1101", "--format", "pdf")
    ledger.refused("household", "card", "9-9-999")


def test_the_card_is_in_the_ledgers_language_unless_asked(home: Ledger) -> None:
    home.ok("household", "edit", "7-1-201", "--add-care", "plants", "--add-care", "heating",
            as_="zhou-lx")
    text = home.ok("household", "card", "7-1-201").out  # no LANG: the ledger's zh_CN
    assert text.startswith("# 紧急联络卡：7-1-201")
    assert "- **照看事项：** 宠物、绿植、暖气" in text  # care names, as the reports say them
    assert ":**" not in text and "浇花" not in text
    page = home.ok("household", "card", "7-1-201", "--format", "html").out
    assert '<html lang="zh-CN">' in page and "<b>地址：</b>" in page
    english = home.ok("household", "card", "7-1-201", "--lang", "en").out
    assert "- **Look after:** pets, plants, heating" in english


def test_the_cards_data_as_json(home: Ledger) -> None:
    card = json.loads(home.ok("household", "card", "7-1-201", "--json").out)
    assert card["flags"] == ["lives-alone", "elderly", "pet"]
    assert card["people"] == [{"name": "赵*建国*", "born": 1938, "age": 88,
                               "phone": "13800000107", "health": "心脏支架术后；<b>硝酸甘油</b>在床头柜"}]
    assert [(s["role"], s["id"]) for s in card["stewards"]] == [
        ("a", "zhou-lx"), ("b", "wang-dh"), ("supervisor", "liu-sj")]
    assert card["keys"] == [{"id": "K-0071", "kind": "physical", "label": "入户门 | 防盗门",
                             "state": "out", "slot": "B-01", "holder": "zhou-lx",
                             "holder_name": "周丽霞", "holder_phone": "13900000001",
                             "since": "2026-11-25T12:00:00+08:00"}]
    assert card["authorization"]["state"] == "valid" and not card["emergency_needs_consent"]
