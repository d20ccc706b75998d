"""Reports rendered on a week of a real ledger, checked by parsing the Markdown."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import Ledger

MD = MarkdownIt("commonmark").enable("table")


@pytest.fixture
def week(ledger: Ledger, tmp_path: Path, monkeypatch) -> Ledger:
    """Week 2026-W48 at 8-1-401: calls, a plant-and-heating visit, a missed follow-up, an
    emergency entry; the ledger stands on Saturday noon."""
    def at(moment: str) -> None:
        monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)

    lg = ledger
    at("2026-11-20T09:00:00+08:00")
    lg.ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "14:00-17:00", "--purpose",
          "inspection", as_="zhou-lx")
    lg.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
          "--steward", "b", "--from", "2026-11-23")
    at("2026-11-23T10:05:00+08:00")
    lg.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "电话问候，一切正常", as_="wang-dh")
    at("2026-11-25T14:02:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "heating", "--expect-back", "2h", as_="zhou-lx")
    at("2026-11-25T14:40:00+08:00")
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"photo")
    lg.ok("return", "K-0012", "--visit", "--check", "plants=ok",
          "--check", "heating=problem:接口渗水 | 有水迹", "--finding", "暖气*接口*渗水",
          "--action", "联系物业维修", "--photo", str(photo), "--informed", "video call",
          "--follow-up", "2026-11-26")
    at("2026-11-27T22:10:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "emergency", "--unreached",
          "called owner and daughter 22:05, no answer", "--expect-back", "1h")
    at("2026-11-27T23:30:00+08:00")
    lg.ok("return", "K-0012")
    at("2026-11-28T12:00:00+08:00")
    return lg


def _check_markdown(text: str) -> list:  # type: ignore[type-arg]
    assert "{{" not in text and "{%" not in text and "}}" not in text
    tokens = MD.parse(text)
    # Every row of every table has as many cells as its header: typed text broke no table.
    header = None
    cells = 0
    for token in tokens:
        if token.type == "thead_open":
            header, cells = None, 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            if header is None:
                header = cells
            assert cells == header
            cells = 0
    return tokens


def _texts(tokens: list, kind: str) -> list[str]:  # type: ignore[type-arg]
    out = []
    for i, token in enumerate(tokens):
        if token.type == kind:
            out.append(tokens[i + 1].content)
    return out


def test_owner_message_in_chinese_and_english(week: Ledger, monkeypatch) -> None:
    markdown = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    tokens = _check_markdown(markdown)
    assert [t.type for t in tokens].count("bullet_list_open") >= 1
    assert "  - 发现问题：暖气（接口渗水 \\| 有水迹）\n" in markdown
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    # A heating problem is open: the message is news, not an all-is-well (报平安).
    assert text.startswith("王秀兰您好！花卉社区钥匙管家向您通报本周情况（11月23日 周一–11月29日 周日）")
    assert "11月25日 周三 14:02–14:40，周丽霞暖气检查" in text
    assert "\n发现问题：暖气（接口渗水 | 有水迹）\n" in text and "\n检查正常：绿植\n" in text
    assert "需要您留意：暖气（接口渗水 | 有水迹）。" in text
    assert "照片1张已发给您" in text
    assert "我们会在" not in text  # the follow-up day has passed: no promise about it
    assert len(text) < 1000  # short enough to paste into a chat
    english = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert english.startswith("Hello 王秀兰, this week's news from the key stewards of 花卉社区")
    assert "\nproblem found: heating (接口渗水 | 有水迹)\n" in english
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T08:00:00+08:00")
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "我们会在11月26日 周四回访。" in text


def test_owner_message_tells_of_every_emergency_entry(week: Ledger) -> None:
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "\n\n11月27日 周五 22:10–23:30，周丽霞因紧急情况入户，当时未能联系上您：" \
        "called owner and daughter 22:05, no answer\n" in text
    english = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "Fri 27 Nov 22:10–23:30, 周丽霞 entered in an emergency, when you could not be " \
        "reached: called owner and daughter 22:05, no answer" in english
    # The week before holds no emergency: nothing is said of one.
    assert "紧急" not in week.ok("report", "owner", "8-1-401", "--week", "2026-W47").out


def test_owner_message_with_only_an_emergency_entry_is_news(ledger: Ledger,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-24T07:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "emergency", "--consent",
              "owner agreed by phone, 07:05", as_="zhou-lx")
    # 周丽霞 hands the key to 王德厚, who brings it back: one entry, both named, one consent.
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-24T07:40:00+08:00")
    ledger.ok("handover", "K-0012", "--to", "wang-dh", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-24T08:00:00+08:00")
    ledger.ok("return", "K-0012", as_="wang-dh")
    text = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "向您通报本周情况" in text and "本周没有上门记录" not in text
    assert "11月24日 周二 07:10–08:00，周丽霞、王德厚因紧急情况入户，已征得您的同意：" \
        "owner agreed by phone, 07:05" in text
    assert text.count("因紧急情况入户") == 1
    assert "一切安好" not in text
    # The next week, a visit that found everything in order is an all-is-well (报平安).
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-12-02T10:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--check", "plants=ok",
              as_="zhou-lx")
    text = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W49").out
    assert text.startswith("王秀兰您好！花卉社区钥匙管家向您报平安")
    assert text.rstrip().endswith("家里一切安好，请放心！") and "紧急" not in text


def test_household_report_has_visits_and_custody_durations(week: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    week.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until", "2026-11-29",
            "-o", str(out))
    text = out.read_text(encoding="utf-8")
    tokens = _check_markdown(text)
    assert _texts(tokens, "heading_open") == ["8-1-401 王秀兰 托管记录", "托管", "上门记录", "钥匙外出",
                                              "紧急入户", "待办与未结"]
    cells = _texts(tokens, "td_open")
    assert "暖气\\*接口\\*渗水；联系物业维修；告知业主：video call；照片1张" in text
    assert "38分" in cells and "1小时20分" in cells
    assert "合计外出时长：1小时58分" in text
    assert "- 11月27日 周五 22:10–23:30 周丽霞（K-0012），联系不上业主：called owner and daughter " \
        "22:05, no answer" in text
    assert "- 未解决的问题：暖气（接口渗水 \\| 有水迹）（11月25日 周三 14:40发现）" in text


def test_weekly_report_counts_due_done_missed_and_draws_the_timeline(week: Ledger) -> None:
    text = week.ok("report", "weekly", "--week", "2026-W48").out
    tokens = _check_markdown(text)
    headings = _texts(tokens, "heading_open")
    assert headings[0] == "花卉社区 钥匙管家周报 2026-W48"
    assert {"按网格员", "按住户", "漏办", "紧急入户", "未解决的问题", "待回访", "本周钥匙外出"} \
        <= set(headings)
    rows = [t.content for t in tokens if t.type == "inline"]
    # zhou-lx: the Wednesday inspection (done by the heating visit in its window) and Thursday's
    # follow-up (missed); wang-dh: seven daily calls, Monday's made, Tue to Fri missed (Wednesday's
    # visit was the inspection's: one visit does one item), Saturday and Sunday still due.
    assert rows[rows.index("周丽霞（zhou-lx）"):][:7] == ["周丽霞（zhou-lx）", "2", "1", "1", "1",
                                                         "2", "1小时58分"]
    assert rows[rows.index("王德厚（wang-dh）"):][:7] == ["王德厚（wang-dh）", "7", "1", "4", "1", "0",
                                                         "0分"]
    assert "11月26日 周四 8-1-401 王秀兰（漏办）" in text
    assert "- 11月26日 周四 8-1-401 王秀兰：回访，周丽霞" in text
    assert "应于 11月27日 周五 23:10 归还，11月27日 周五 23:30 才归还" in text
    # The week's custody, one row per checkout, instead of a Mermaid block no office can view.
    assert not [t for t in tokens if t.type == "fence"]
    custody = rows[rows.index("本周钥匙外出"):]
    assert custody[custody.index("K-0012"):][:7] == [
        "K-0012", "8-1-401", "周丽霞", "暖气检查", "11月25日 周三 14:02", "11月25日 周三 14:40", "38分"]
    assert "11月27日 周五 23:30（逾期）" in custody
    english = week.ok("report", "weekly", "--week", "2026-W48", "--lang", "en").out
    _check_markdown(english)
    assert "## By steward" in english and "owner unreachable: called owner" in english


def test_due_lists_the_day_with_where_each_key_is(week: Ledger, monkeypatch) -> None:
    import json

    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-12-02T13:00:00+08:00")
    week.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    items = json.loads(week.ok("due", "--date", "2026-12-02", "--json").out)
    # A checkout is no visit: the afternoon's inspection is still due while the key is out.
    assert [(i["purpose"], i["status"], i["steward"]) for i in items] == \
        [("call", "due", "wang-dh"), ("inspection", "due", "zhou-lx")]
    assert items[1]["keys"] == [{"key": "K-0012", "kind": "physical", "state": "out",
                                 "holder": "zhou-lx", "slot": "A-03"}]
    table = week.ok("due", "--date", "2026-12-02").out
    assert "K-0012 out with 周丽霞" in table and "Wed 02 Dec" in table
    week_items = json.loads(week.ok("due", "--week", "2026-W48", "--json").out)
    assert {i["kind"] for i in week_items} == {"scheduled", "follow-up"}
    # A stray file in a subfolder of households/ (an old copy kept by hand) is no household.
    stray = week.root / "households" / "archive" / "old-101.yaml"
    stray.parent.mkdir()
    stray.write_text((week.root / "households/8-1-401.yaml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    assert json.loads(week.ok("due", "--date", "2026-12-02", "--json").out) == items


def test_a_ledgers_own_template_overrides_and_mistakes_fail_loudly(week: Ledger) -> None:
    own = week.root / "templates" / "zh"
    own.mkdir(parents=True)
    (own / "owner.md.j2").write_text("本社区自定义：{{ household.name }}，{{ visits|length }}次\n",
                                     encoding="utf-8")
    assert week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out == "本社区自定义：王秀兰，2次\n"
    (own / "owner.md.j2").write_text("{{ household.nickname }}\n", encoding="utf-8")
    result = week.refused("report", "owner", "8-1-401", "--week", "2026-W48")
    assert "owner.md.j2" in result.err and "nickname" in result.err


def test_owner_message_tells_no_stewards_lateness_and_claims_nothing_false(ledger: Ledger,
                                                                           monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", "--expect-back", "1h", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T12:00:00+08:00")
    text = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    _check_markdown(text)
    assert text.startswith("王秀兰您好！花卉社区钥匙管家向您通报本周情况（11月23日 周一–11月29日 周日）：")
    assert "本周没有上门记录" in text
    # A steward's late return is the community's business (the weekly report), not the owner's.
    assert "周丽霞" not in text and "超过" not in text and "K-0012" not in text
    assert "钥匙在社区钥匙柜里" not in text and "一切安好" not in text
    english = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "overdue" not in english and "周丽霞" not in english
    assert "cabinet" not in english and "all is well" not in english.lower()
    assert english.startswith("Hello 王秀兰, this week's news from the key stewards of 花卉社区")
    household = ledger.ok("report", "household", "8-1-401", "--from", "2026-11-23").out
    assert "| 尚未归还（逾期） |" in household
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T12:05:00+08:00")
    ledger.ok("return", "K-0012")
    text = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "钥匙在社区钥匙柜里安全存放" in text and "K-0012" not in text


def test_owner_message_shows_a_problem_checked_ok_later_as_resolved(week: Ledger) -> None:
    week.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--check", "heating=ok",
            "--at", "2026-11-26 11:00", as_="zhou-lx")
    _check_markdown(week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format",
                            "md").out)
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "需要您留意" not in text
    assert "\n11月26日 周四 11:00，周丽霞回访\n检查正常：暖气\n已修好：暖气（接口渗水 | 有水迹）\n" in text
    # Fixed, but the same week held an emergency entry: that is news, not an all-is-well.
    assert text.startswith("王秀兰您好！花卉社区钥匙管家向您通报本周情况")
    assert "一切安好" not in text
    english = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "\nput right: heating (接口渗水 | 有水迹)\n" in english
    assert "Please note" not in english
    # A problem found again after it was checked ok still needs the owner's attention.
    week.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--check",
            "heating=problem:又渗水了", "--at", "2026-11-27 09:00")
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "需要您留意：暖气（又渗水了）。" in text and "一切安好" not in text


def test_a_visits_note_is_in_the_owner_message_and_the_household_report(week: Ledger) -> None:
    week.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--note", "卧室|客厅 *没关* <b>",
            "--at", "2026-11-27 09:00", as_="zhou-lx")
    owner = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "\n备注：电话问候，一切正常\n" in owner and "\n备注：卧室|客厅 *没关* <b>\n" in owner
    markdown = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "  - 备注：电话问候，一切正常\n" in markdown
    assert "  - 备注：卧室\\|客厅 \\*没关\\* \\<b\\>\n" in markdown
    text = week.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until",
                   "2026-11-29").out
    cells = _texts(_check_markdown(text), "td_open")
    assert "备注：电话问候，一切正常" in cells
    # The table takes "\\|" as a "|" inside the cell; the rest stays escaped text.
    assert "备注：卧室|客厅 \\*没关\\* \\<b\\>" in cells
    english = week.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until",
                      "2026-11-29", "--lang", "en").out
    assert "note: 电话问候，一切正常" in english


def test_a_visit_recorded_at_the_return_is_not_late_and_shows_both_days(ledger: Ledger,
                                                                        monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", as_="wang-dh")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T14:00:00+08:00")
    ledger.ok("return", "K-0012", "--visit", "--check", "heating=ok")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T16:00:00+08:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--at", "2026-11-27 10:00")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--at", "2026-11-27 16:30")
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "\n11月25日 周三 14:10–11月28日 周六 14:00，王德厚暖气检查\n" in owner
    # A record entered late is the community's concern (the household report marks it), not
    # the owner's.
    assert "\n11月27日 周五 10:00，王德厚电话问候（接通）\n" in owner and "补录" not in owner
    assert "\n11月27日 周五 16:30，王德厚电话问候（接通）\n" in owner
    text = ledger.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until",
                     "2026-11-29").out
    cells = _texts(_check_markdown(text), "td_open")
    assert "11月25日 周三 14:10–11月28日 周六 14:00" in cells
    assert "11月27日 周五 10:00（补录）" in cells and "11月27日 周五 16:30" in cells
    english = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "\nWed 25 Nov 14:10–Sat 28 Nov 14:00, 王德厚: heating check\n" in english


def test_a_schedule_added_today_misses_nothing_in_the_past(ledger: Ledger, monkeypatch) -> None:
    import json

    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T12:00:00+08:00")
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
              as_="zhou-lx")
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "08:00-09:00", "--purpose",
              "inspection")
    household = (ledger.root / "households" / "8-1-401.yaml").read_text(encoding="utf-8")
    assert household.count("  since: 2026-11-28T12:00:00+08:00\n") == 2
    items = json.loads(ledger.ok("due", "--week", "2026-W48", "--json").out)
    assert [(i["date"], i["purpose"], i["status"]) for i in items] == [
        ("2026-11-28", "call", "due"), ("2026-11-29", "inspection", "due"),
        ("2026-11-29", "call", "due")]
    text = ledger.ok("report", "weekly", "--week", "2026-W48").out
    assert "漏办 0 项" in text and "## 漏办" not in text
    # The same entry again is still refused, whenever it is added.
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-29T12:00:00+08:00")
    assert "already has that schedule" in ledger.refused(
        "schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call").err


def test_household_report_reads_as_written_by_a_person(week: Ledger, monkeypatch) -> None:
    week.ok("visit", "add", "8-1-401", "--purpose", "contractor", "--at", "2026-11-26 15:00",
            "--let-in", "李师傅,物业,看了窗户", "--note", "a &lt; b", as_="zhou-lx")
    week.ok("checkout", "K-0012", "--purpose", "plants")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-30T12:00:00+08:00")
    text = week.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until",
                   "2026-11-28").out
    tokens = _check_markdown(text)
    cells = _texts(tokens, "td_open")
    assert "2026年1月1日 至 2030年12月31日：巡查、浇花、照看宠物、暖气检查、陪同施工、维修、代收代送、其他" \
        in cells
    assert "备注：a \\&lt; b；陪同李师傅（物业）看了窗户" in cells
    assert "a &amp;lt; b" in MD.render(text)  # shown as typed, not as "a < b"
    assert "紧急处置（紧急）" not in text and "紧急处置" in cells
    # The key out since Saturday noon counts until the period's end, not until Monday.
    row = cells[cells.index("浇花", cells.index("紧急处置")) - 2:][:6]
    assert row == ["K-0012", "周丽霞", "浇花", "11月28日 周六 12:00", "尚未归还（逾期）", "12小时"]
    assert "合计外出时长：13小时58分" in text and "只计此期间内的部分" in text
    english = week.ok("report", "household", "8-1-401", "--from", "2026-11-23", "--until",
                      "2026-11-28", "--lang", "en").out
    _check_markdown(english)
    assert "1 Jan 2026 to 31 Dec 2030" in english and "; 1 photo |" in english
    assert "photo(s)" not in english and "let in 李师傅 (物业) 看了窗户" in english
    assert "(emergency)" not in english


def test_owner_message_is_plain_text_for_a_chat(week: Ledger) -> None:
    text = week.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "发现问题：暖气（接口渗水 | 有水迹）" in text and "发现：暖气*接口*渗水" in text
    assert "\\" not in text
    english = week.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--lang", "en").out
    assert "1 photo sent to you." in english and "\\" not in english


def test_weekly_lists_every_household_with_activity_and_its_keys_out(week: Ledger,
                                                                     monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-20T09:00:00+08:00")
    for ident, name in (("3-2-502", "陈桂芝"), ("5-1-102", "张凤英")):
        week.ok("household", "add", ident, "--name", name, "--address", f"东升家园{ident}",
                "--pair", "zhou-lx,wang-dh", as_="liu-sj")
    week.ok("household", "authorize", "3-2-502", "--from", "2026-01-01", "--until", "2030-12-31",
            "--purpose", "heating")
    week.ok("key", "add", "--household", "3-2-502", "--id", "K-0003", "--slot", "A-04")
    week.ok("checkout", "K-0003", "--purpose", "heating", "--expect-back", "1h", as_="wang-dh")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:10:00+08:00")
    week.ok("visit", "add", "5-1-102", "--purpose", "call", "--outcome", "answered")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T12:00:00+08:00")
    text = week.ok("report", "weekly", "--week", "2026-W48").out
    tokens = _check_markdown(text)
    cells = _texts(tokens, "td_open")
    headers = _texts(tokens, "th_open")
    assert headers[headers.index("住户"):][:7] == ["住户", "计划", "完成", "漏办", "上门/电话",
                                                "取钥匙", "外出时长"]
    by_household = {cells[n]: cells[n:n + 7] for n in range(len(cells))
                    if cells[n] in ("3-2-502 陈桂芝", "5-1-102 张凤英", "8-1-401 王秀兰")}
    assert by_household == {
        # Out since the Friday before: no checkout this week, held all of it so far.
        "3-2-502 陈桂芝": ["3-2-502 陈桂芝", "0", "0", "0", "0", "0", "5天12小时"],
        "5-1-102 张凤英": ["5-1-102 张凤英", "0", "0", "0", "1", "0", "0分"],
        "8-1-401 王秀兰": ["8-1-401 王秀兰", "9", "2", "5", "2", "2", "1小时58分"]}
    assert "- 钥匙取出：2 次；逾期 2 次（1 次至今未还）；" in text
    assert "## 逾期\n" in text and "- K-0003 3-2-502：王德厚，应于 11月20日 周五 10:00 归还，至今未还" in text
    english = week.ok("report", "weekly", "--week", "2026-W48", "--lang", "en").out
    assert "| household | planned | done | missed | visits | checkouts | time out |" in english
    assert "- Keys taken out: 2; overdue 2 (1 still out);" in english


def test_a_key_lost_before_the_period_is_not_said_to_be_in_the_cabinet(ledger: Ledger,
                                                                       monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-10T09:00:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("lost", "K-0012", "--note", "掉在公交车上")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-28T12:00:00+08:00")
    text = ledger.ok("report", "household", "8-1-401", "--from", "2026-11-23").out
    assert "钥匙在社区钥匙柜里" not in text and "此期间没有取出钥匙。" in text
    owner = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "钥匙K-0012已登记遗失" in owner and "钥匙在社区钥匙柜里" not in owner
    english = ledger.ok("report", "household", "8-1-401", "--from", "2026-11-23",
                        "--lang", "en").out
    assert "cabinet" not in english and "No key was taken out in this period." in english


def _at(monkeypatch, moment: str) -> None:
    """Both keyledger's clock and the commit's: history older than the tests' own day."""
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)
    monkeypatch.setenv("GIT_COMMITTER_DATE", moment)


def test_an_emergency_begun_weeks_before_is_told_in_the_week_it_ends(ledger: Ledger,
                                                                     monkeypatch) -> None:
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04",
              as_="liu-sj")
    _at(monkeypatch, "2026-10-10T07:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "emergency", "--consent", "owner ok by phone",
              "--expect-back", "2000h", as_="zhou-lx")
    _at(monkeypatch, "2026-11-01T07:10:00+08:00")  # another key's custody in between
    ledger.ok("checkout", "K-0013", "--purpose", "plants", "--expect-back", "1h", as_="wang-dh")
    _at(monkeypatch, "2026-11-01T08:10:00+08:00")
    ledger.ok("return", "K-0013", as_="wang-dh")
    _at(monkeypatch, "2026-11-10T07:10:00+08:00")
    ledger.ok("handover", "K-0012", "--to", "wang-dh", as_="zhou-lx")
    _at(monkeypatch, "2026-11-24T08:00:00+08:00")
    ledger.ok("return", "K-0012", as_="wang-dh")
    text = ledger.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert "10月10日 周六 07:10–11月24日 周二 08:00，周丽霞、王德厚因紧急情况入户，" \
        "已征得您的同意：owner ok by phone" in text
    assert "本周没有上门记录" not in text and "钥匙在社区钥匙柜里" not in text.split("紧急")[0]


def test_a_handover_read_from_part_of_the_history_takes_nothing_from_another_key(
        ledger: Ledger, monkeypatch) -> None:
    from keyledger import custody_log
    from keyledger.ledger import Ledger as Core

    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04",
              as_="liu-sj")
    _at(monkeypatch, "2026-10-10T07:10:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", "--expect-back", "2000h",
              as_="zhou-lx")
    _at(monkeypatch, "2026-11-06T07:10:00+08:00")
    ledger.ok("checkout", "K-0013", "--purpose", "plants", "--expect-back", "1h", as_="wang-dh")
    _at(monkeypatch, "2026-11-06T08:10:00+08:00")
    ledger.ok("return", "K-0013", as_="wang-dh")
    _at(monkeypatch, "2026-11-10T07:10:00+08:00")
    ledger.ok("handover", "K-0012", "--to", "wang-dh", as_="zhou-lx")
    since = datetime.fromisoformat("2026-11-01T00:00:00+08:00")
    intervals, _events = custody_log.read(Core(ledger.root), ["keys/K-0012.yaml",
                                                              "keys/K-0013.yaml"], since=since)
    # The interval begun before `since` and still open then is part of the span too.
    handed = [i for i in intervals if i.key == "K-0012"]
    assert [(i.holder, i.purpose) for i in handed] == [("zhou-lx", "heating"),
                                                       ("wang-dh", "heating")]
    assert handed[1].expected_back == handed[0].expected_back
    assert handed[1].expected_back != next(i for i in intervals if i.key == "K-0013").expected_back


def test_history_follows_the_commits_not_the_clocks(ledger: Ledger, monkeypatch) -> None:
    import json

    _at(monkeypatch, "2026-11-24T10:10:00+08:00")
    ledger.ok("lost", "K-0012", "--note", "dropped", as_="zhou-lx")
    # The next commit is made on a machine whose clock is ten minutes behind.
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-24T10:20:00+08:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-24T10:00:00+08:00")
    ledger.ok("found", "K-0012", "--note", "under the mat", as_="zhou-lx")
    plain = ledger.git("log", "--format=%H", "--", "households/8-1-401.yaml",
                       "keys/K-0012.yaml").split()
    entries = json.loads(ledger.ok("history", "8-1-401", "--json").out)
    assert [e["commit"] for e in entries] == plain
    assert [e["trailers"]["Action"] for e in entries][:2] == ["found", "lost"]
