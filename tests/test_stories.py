"""The seed stories acted out on a real ledger, each ending with the owner's message (报平安) and
the weekly report read back through markdown-it-py, line by line, in Chinese and in English:
the owner away for the winter, the door code and the open window, the shop leak with its
follow-up, the daily call that went unanswered twice and the visit it raised, the errand.

Each story is acted twice: as written (codes, ISO times) and as said — the words a grid worker
types at a door (给花浇水, 没人接听, 女儿接的, 八十六块五, 明天上午, the resident's name for the
household) — and both must give the same records and the same messages, line by line."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from conftest import Ledger, terminal

MD = MarkdownIt("commonmark").enable("table")
WEEK = "2026-W48"


def lines(text: str) -> list[str]:
    """The text's headings, paragraphs and list items in order, as a reader sees them: a
    heading as `# …`, a list item as `- …`, indented by its depth; tables left out."""
    out, depth, cells = [], 0, 0
    tokens = MD.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "bullet_list_open":
            depth += 1
        elif token.type == "bullet_list_close":
            depth -= 1
        elif token.type in ("table_open", "table_close"):
            cells = 1 if token.type == "table_open" else 0
        elif token.type == "inline" and not cells:
            before = tokens[i - 1].type
            if before == "heading_open":
                out.append("#" * int(tokens[i - 1].tag[1]) + " " + plain(token))
            elif depth:
                out.append("  " * (depth - 1) + "- " + plain(token))
            else:
                out.extend(plain(token).split("\n"))
    return out


def plain(inline: Token) -> str:
    """What an inline token reads as: Markdown's escapes (86\\.50) undone."""
    return "".join("\n" if c.type == "softbreak" else c.content for c in inline.children or ())


def section(text: str, heading: str) -> list[str]:
    """The lines under `## heading`, up to the next heading."""
    found = lines(text)
    start = found.index(f"## {heading}") + 1
    end = next((n for n in range(start, len(found)) if found[n].startswith("#")), len(found))
    return found[start:end]


def wordings(**tables: dict[str, object]) -> pytest.MarkDecorator:
    """A story's two wordings (`written`, `said`): each a table of what is typed where."""
    return pytest.mark.parametrize("say", list(tables.values()), ids=list(tables))


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)


def reports(lg: Ledger, household: str, lang: str, week: str = WEEK) -> tuple[str, str]:
    return (lg.ok("report", "owner", household, "--week", week, "--lang", lang, "--format",
                  "md").out,
            lg.ok("report", "weekly", "--week", week, "--lang", lang).out)


@wordings(written={"key": "K-0091", "purpose": "heating", "back": "2h",
                  "checks": ["heating=ok", "plants=fixed:花盆干了=>浇了水"], "back_to": "K-0091"},
          said={"key": "k-0091", "purpose": "看暖气", "back": "两个钟头",
                "checks": ["暖气=没问题", "浇花=已处理，花盆干了，浇了水"], "back_to": "李桂芳"})
def test_the_owner_away_for_the_winter(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                       say: dict[str, Any]) -> None:
    """南飞: 王秀兰 spends the winter in Hainan; the heating is checked each Wednesday while
    she is away, the plants watered on the spot; she comes home and takes her key back."""
    at(monkeypatch, "2026-11-01T09:00:00+08:00")
    ledger.ok("household", "add", "9-1-101", "--name", "李桂芳", "--address", "东升家园9号楼101",
              "--pair", "zhou-lx,wang-dh", "--care", "heating", "--care", "plants",
              "--away", "2026-11-01,2026-11-27,去海南过冬", as_="liu-sj")
    ledger.ok("household", "authorize", "9-1-101", "--from", "2026-11-01", "--until",
              "2027-04-30", "--purpose", "heating,plants")
    ledger.ok("key", "add", "--household", "9-1-101", "--id", "K-0091", "--slot", "A-09")
    ledger.ok("schedule", "add", "9-1-101", "--every", "wed", "--at", "14:00-17:00",
              "--purpose", "heating", "--while-away")
    at(monkeypatch, "2026-11-25T14:02:00+08:00")
    ledger.ok("checkout", say["key"], "--purpose", say["purpose"], "--expect-back", say["back"],
              as_="wang-dh")
    at(monkeypatch, "2026-11-25T14:40:00+08:00")
    ledger.ok("return", say["key"], "--visit", *[w for c in say["checks"] for w in ("--check", c)],
              "--informed", "微信视频")
    at(monkeypatch, "2026-11-28T10:00:00+08:00")
    ledger.ok("handback", say["back_to"], "--note", "业主回家，当面交还", as_="zhou-lx")
    at(monkeypatch, "2026-11-28T12:00:00+08:00")

    owner, weekly = reports(ledger, "9-1-101", "zh")
    assert lines(owner) == [
        "李桂芳您好！花卉社区钥匙管家向您报平安（11月23日 周一–11月29日 周日）：",
        "- 11月25日 周三 14:02–14:40，王德厚暖气检查",
        "  - 检查正常：暖气",
        "  - 已当场处理：绿植，花盆干了 → 浇了水",
        "钥匙K-0091已于11月28日 周六 10:00退还给您（业主回家，当面交还）。",
        "家里一切安好，请放心！"]
    assert lines(weekly)[2] == "- 上门与电话：1 次；计划 1 项，完成 1 项，漏办 0 项"
    owner, weekly = reports(ledger, "9-1-101", "en")
    assert lines(owner) == [
        "Hello 李桂芳, all-is-well from the key stewards of 花卉社区 (Mon 23 Nov – Sun 29 Nov):",
        "- Wed 25 Nov 14:02–14:40, 王德厚: heating check",
        "  - checked, all right: heating",
        "  - fixed on the spot: plants, 花盆干了 → 浇了水",
        "Key K-0091 was handed back to you on Sat 28 Nov 10:00 (业主回家，当面交还).",
        "All is well at home."]
    # The household report: 托管 from the deposit to the handback, 外出 per checkout.
    record = ledger.ok("report", "household", "9-1-101", "--from", "2026-11-01",
                       "--lang", "zh").out
    assert "| K-0091 | 11月1日 周日 09:00 | 11月28日 周六 10:00（业主回家，当面交还） | 27天1小时 |" \
        in record
    assert "| K-0091 | 王德厚 | 暖气检查 | 11月25日 周三 14:02 | 11月25日 周三 14:40 | 38分 |" \
        in record


@wordings(written={"home": "5-2-601", "via": "微信", "by": "业主", "at": [], "key": "K-0005",
                  "purpose": "inspection", "request": "1",
                  "checks": ["windows=fixed:阳台窗户没关严=>关严了", "plants=ok"], "week": WEEK},
          said={"home": "陈志明", "via": "发微信", "by": "业主本人", "at": ["--at", "晚上七点"],
                "key": "k-0005", "purpose": "看看窗户", "request": "第一条",
                "checks": ["阳台窗户=当场处理，阳台窗户没关严，关严了", "花=好的"], "week": "本周"})
def test_the_door_code_and_the_open_window(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                           say: dict[str, Any]) -> None:
    """The owner asks on WeChat to see whether the balcony window is shut; the steward goes
    with the door code within half an hour, finds it open and shuts it on the spot."""
    at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "5-2-601", "--name", "陈志明", "--address", "万科城5号楼2单元601",
              "--pair", "zhou-lx,wang-dh", "--care", "windows", "--care", "plants", as_="liu-sj")
    ledger.ok("household", "authorize", "5-2-601", "--from", "2026-01-01", "--until",
              "2030-12-31", "--purpose", "inspection,plants")
    monkeypatch.setattr(sys, "stdin", io.StringIO("246810\n"))
    ledger.ok("key", "add", "--household", "5-2-601", "--id", "K-0005", "--kind", "code",
              "--label", "智能门锁", as_="zhou-lx")
    at(monkeypatch, "2026-11-25T19:00:00+08:00")
    ledger.ok("request", "add", say["home"], "帮我看看阳台窗户关没关", "--via", say["via"], "--by",
              say["by"], *say["at"])
    asked = ledger.ok("request", "list", say["home"], "--lang", "zh").out.splitlines()
    assert asked[1].split("\t") == ["5-2-601 陈志明", "1", "11月25日 周三 19:00", "微信", "业主",
                                    "帮我看看阳台窗户关没关"]
    at(monkeypatch, "2026-11-25T19:10:00+08:00")
    assert "今日待办：19:00 5-2-601 陈志明 业主嘱托 (周丽霞)" in ledger.ok("status", "--lang", "zh").err
    at(monkeypatch, "2026-11-25T19:30:00+08:00")
    code, _screen, said = terminal(ledger, ["checkout", say["key"], "--purpose", say["purpose"]], [])
    assert code == 0, said
    assert "The door code of K-0005 is given to 周丽霞 for inspection" in said
    at(monkeypatch, "2026-11-25T19:50:00+08:00")
    back = ledger.ok("return", say["key"], "--visit", "--request", say["request"],
                     *[w for c in say["checks"] for w in ("--check", c)], "--note", "下周三再来").err
    assert "周丽霞 is done with the door code of K-0005" in back and "cabinet" not in back
    assert "K-0005 没有被取出（状态是“密码托管中”）" in ledger.refused(
        "--lang", "zh", "return", say["home"]).err  # the household's one key: its code
    history = ledger.ok("history", say["home"], "--lang", "zh").out.splitlines()[1:]
    assert [row.split("\t")[1] for row in history if "\tK-0005\t" in row] == [
        "用完密码", "告知密码", "登记密码"]  # told and done with, never taken out
    at(monkeypatch, "2026-11-28T12:00:00+08:00")

    owner, weekly = reports(ledger, say["home"], "zh", say["week"])
    assert lines(weekly)[0] == "# 花卉社区 钥匙管家周报 2026-W48"
    assert lines(owner) == [
        "陈志明您好！花卉社区钥匙管家向您报平安（11月23日 周一–11月29日 周日）：",
        "- 11月25日 周三 19:30–19:50，周丽霞巡查",
        "  - 备注：下周三再来",
        "  - 您微信嘱托：帮我看看阳台窗户关没关（11月25日 周三 19:00收到，30分后上门）",
        "  - 检查正常：绿植",
        "  - 已当场处理：门窗，阳台窗户没关严 → 关严了",
        "家里一切安好，请放心！"]
    assert not any("需要您留意" in line for line in lines(owner))
    assert section(weekly, "业主嘱托") == [
        "- 5-2-601：帮我看看阳台窗户关没关（业主微信，11月25日 周三 19:00收到，30分后周丽霞上门）"]
    owner, weekly = reports(ledger, say["home"], "en", say["week"])
    assert lines(owner)[1:6] == [
        "- Wed 25 Nov 19:30–19:50, 周丽霞: inspection",
        "  - note: 下周三再来",
        "  - you asked on WeChat: 帮我看看阳台窗户关没关 (received Wed 25 Nov 19:00, at the door "
        "30m later)",
        "  - checked, all right: plants",
        "  - fixed on the spot: windows, 阳台窗户没关严 → 关严了"]
    record = ledger.ok("report", "household", "5-2-601", "--from", "2026-11-20",
                       "--lang", "zh").out
    assert "| 钥匙 | K-0005（门锁密码，智能门锁） |" in record
    assert "| K-0005（门锁密码） | 周丽霞 | 巡查 | 11月25日 周三 19:30 | 11月25日 周三 19:50 | 20分 |" \
        in record
    # The code: never in a slot, known to the steward who was given it.
    shown = ledger.ok("household", "show", "5-2-601", "--lang", "zh").out
    assert "门锁密码由社区托管，上次使用 2026-11-25 19:30" in shown and "格位" not in shown
    assert "巡查、浇花" in shown and "inspection" not in shown  # the letter's purposes, in words


@wordings(written={"home": "S-12", "purpose": "emergency", "witness": "sun-yp",
                  "follow": "2026-11-25", "again": "follow-up", "resolve": "1=>接头已换好，不再漏水"},
          said={"home": "老王水果店", "purpose": "抢修漏水", "witness": "孙玉萍", "follow": "明天上午",
                "again": "复查", "resolve": "第1个=>接头已换好，不再漏水"})
def test_the_shop_leak_with_its_follow_up(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                          say: dict[str, Any]) -> None:
    """A fruit shop's pipe leaks before dawn: the owner agrees on the phone, the steward opens
    up with a witness and the plumber; the next morning's follow-up finds it repaired."""
    at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "S-12", "--name", "老王水果店", "--kind", "merchant",
              "--address", "北营街12号", "--pair", "zhou-lx,wang-dh",
              "--contact", "王建军,店主,13900000312", as_="liu-sj")
    ledger.ok("household", "authorize", "S-12", "--from", "2026-01-01", "--until", "2030-12-31",
              "--purpose", "inspection,emergency,follow-up,repair")
    ledger.ok("key", "add", "--household", "S-12", "--id", "K-0312", "--slot", "C-01",
              "--label", "卷帘门钥匙")
    at(monkeypatch, "2026-11-24T06:40:00+08:00")
    ledger.ok("checkout", "--household", say["home"], "--purpose", say["purpose"], "--consent",
              "店主电话同意，请我们先关总阀", "--witness", say["witness"], as_="zhou-lx")
    at(monkeypatch, "2026-11-24T07:20:00+08:00")
    ledger.ok("return", "K-0312", "--visit", "--problem", "水管接头漏水，地面积水",
              "--action", "关了总阀，拖干地面", "--let-in", "李师傅,物业维修,更换接头",
              "--follow-up", say["follow"])
    problems = ledger.ok("problem", "list", say["home"], "--lang", "zh").out.splitlines()
    assert problems == ["住户\t序号\t发现时间\t项目\t问题",
                        "S-12 老王水果店\t1\t11月24日 周二 07:20\t—\t水管接头漏水，地面积水"]
    at(monkeypatch, "2026-11-25T09:00:00+08:00")
    ledger.ok("checkout", "K-0312", "--purpose", say["again"], as_="wang-dh")
    at(monkeypatch, "2026-11-25T09:20:00+08:00")
    ledger.ok("return", "K-0312", "--visit", "--resolve", say["resolve"])
    at(monkeypatch, "2026-11-28T12:00:00+08:00")

    owner, weekly = reports(ledger, say["home"], "zh")
    assert lines(owner) == [
        "老王水果店您好！花卉社区钥匙管家向您通报本周情况（11月23日 周一–11月29日 周日）：",
        "- 11月24日 周二 06:40–07:20，周丽霞因紧急情况入户，已征得您的同意：店主电话同意，请我们先关总阀",
        "  - 发现问题：水管接头漏水，地面积水",
        "  - 处理：关了总阀，拖干地面",
        "  - 陪同入户：李师傅（物业维修），更换接头",
        "- 11月25日 周三 09:00–09:20，王德厚回访",
        "  - 已修好：水管接头漏水，地面积水 → 接头已换好，不再漏水"]
    assert section(weekly, "紧急入户") == [
        "- 11月24日 周二 06:40–07:20 S-12：周丽霞（K-0312），业主同意：店主电话同意，请我们先关总阀"]
    assert "## 待回访" not in weekly  # the follow-up was made
    owner, weekly = reports(ledger, say["home"], "en")
    assert lines(owner)[1] == ("- Tue 24 Nov 06:40–07:20, 周丽霞 entered in an emergency, "
                               "with your consent: 店主电话同意，请我们先关总阀")
    assert lines(owner)[5:] == ["- Wed 25 Nov 09:00–09:20, 王德厚: follow-up",
                                "  - put right: 水管接头漏水，地面积水 → 接头已换好，不再漏水"]
    assert len(section(weekly, "Emergency entries")) == 1


@wordings(written={"home": "13-1-201", "every": "day", "at": "10:00", "call": "call",
                  "steward": "b", "from": "2026-11-24", "none": ["未接通", "未接通"], "when": [],
                  "emergency": "emergency", "family": "家属代接"},
          said={"home": "宋秀英", "every": "每天", "at": "上午十点", "call": "电话问候",
                "steward": "B岗", "from": "下周二", "none": ["没人接听", "打不通"],
                "when": ["--at", "上午十点二十"], "emergency": "120急救", "family": "女儿接的"})
def test_the_daily_call_unanswered_twice_and_the_visit_it_raised(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch, say: dict[str, Any]) -> None:
    """Seed 001: two calls to 宋奶奶 reach nobody; the visit to the door is due at once and
    first in `status`; her daughter opens the door to the steward and the 120 team carries her
    downstairs — an emergency entry without a key, told once, with the consent."""
    at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "13-1-201", "--name", "宋秀英", "--address", "江华府一期13号楼201",
              "--pair", "zhou-lx,wang-dh", "--born", "1940", "--living", "独居",
              "--flag", "lives-alone", "--contact", "宋晓红,女儿,13900000231", as_="liu-sj")
    ledger.ok("household", "authorize", "13-1-201", "--from", "2026-01-01", "--until",
              "2030-12-31", "--purpose", "inspection,emergency")
    ledger.ok("key", "add", "--household", "13-1-201", "--id", "K-0131", "--slot", "B-07")
    ledger.ok("schedule", "add", say["home"], "--every", say["every"], "--at", say["at"],
              "--purpose", say["call"], "--steward", say["steward"], "--from", say["from"])
    at(monkeypatch, "2026-11-24T10:00:00+08:00")
    first = ledger.ok("visit", "add", say["home"], "--purpose", say["call"], "--outcome",
                      say["none"][0], as_="wang-dh").err
    assert "Recorded: Tue 24 Nov 10:00, 王德厚 called 13-1-201 宋秀英 (no-answer)." in first
    at(monkeypatch, "2026-11-24T10:20:00+08:00")
    ledger.ok("visit", "add", say["home"], "--purpose", say["call"], "--outcome", say["none"][1],
              *say["when"], "--note", "两次打电话宋奶奶均未接通")
    listed = ledger.ok("visit", "list", say["home"], "--lang", "zh").out.splitlines()[1:]
    assert [row.split("\t")[2:4] for row in listed] == [["11月24日 周二 10:00", "电话问候（未接通）"],
                                                        ["11月24日 周二 10:20", "电话问候（未接通）"]]
    status = ledger.run("status", "--overdue", "--lang", "zh")
    assert status.code == 1 and status.out.splitlines()[0] == "# 电话未接通，请立即上门"
    assert "10:00, 10:20\t13-1-201 宋秀英\t王德厚\t宋晓红 女儿 13900000231\tK-0131 在柜，格位 B-07" \
        in status.out
    at(monkeypatch, "2026-11-24T10:45:00+08:00")
    ledger.ok("visit", "add", say["home"], "--purpose", say["emergency"], "--let-in",
              "120急救,,抬下楼送医", "--consent", "女儿赶到开门", "--note", "宋奶奶摔倒，已送医")
    assert ledger.run("status", "--overdue").code == 0
    for moment in ("2026-11-25T10:05:00+08:00", "2026-11-26T10:05:00+08:00",
                   "2026-11-27T10:05:00+08:00"):
        at(monkeypatch, moment)
        ledger.ok("visit", "add", say["home"], "--purpose", say["call"], "--outcome", say["family"],
                  "--note", "女儿说老人在医院，情况稳定")
    at(monkeypatch, "2026-11-28T09:00:00+08:00")

    owner, weekly = reports(ledger, say["home"], "zh")
    told = lines(owner)
    assert told[:6] == [
        "宋秀英您好！花卉社区钥匙管家向您通报本周情况（11月23日 周一–11月29日 周日）：",
        "- 11月24日 周二 10:00，王德厚电话问候（未接通）",
        "- 11月24日 周二 10:20，王德厚电话问候（未接通）",
        "  - 备注：两次打电话宋奶奶均未接通",
        "- 11月24日 周二 10:45，王德厚因紧急情况入户，已征得您的同意：女儿赶到开门",
        "  - 备注：宋奶奶摔倒，已送医"]
    assert told[6] == "  - 陪同入户：120急救，抬下楼送医"
    assert sum("紧急情况" in line for line in told) == 1  # told once
    assert not any("一切安好" in line for line in told)
    assert section(weekly, "电话未接通，需上门") == [
        "- 11月24日 周二 10:20 13-1-201 宋秀英：王德厚（已完成，1 次上门）"]
    assert section(weekly, "紧急入户") == [
        "- 11月24日 周二 10:45 13-1-201：王德厚（未用钥匙），业主同意：女儿赶到开门"]
    owner, weekly = reports(ledger, say["home"], "en")
    assert lines(owner)[4] == ("- Tue 24 Nov 10:45, 王德厚 entered in an emergency, with your "
                               "consent: 女儿赶到开门")
    assert len(section(weekly, "Emergency entries")) == 1


@wordings(written={"home": "2-1-302", "via": "电话", "by": "业主", "errand": "errand",
                  "request": "1", "money": "86.50", "owed": "1"},
          said={"home": "侯桂兰", "via": "打来电话", "by": "本人", "errand": "帮忙买药",
                "request": "第1条", "money": "八十六块五", "owed": "第一笔"})
def test_the_errand(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, say: dict[str, Any]) -> None:
    """During the lockdown 侯奶奶 asks for her blood-pressure pills and vegetables; the
    steward buys them, advancing the money, which is repaid later."""
    at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "2-1-302", "--name", "侯桂兰", "--address", "紫郡2号楼302",
              "--pair", "zhou-lx,wang-dh", "--born", "1944", "--flag", "lives-alone", as_="liu-sj")
    at(monkeypatch, "2026-11-24T09:00:00+08:00")
    ledger.ok("request", "add", say["home"], "帮我买点降压药和青菜", "--via", say["via"], "--by",
              say["by"], as_="zhou-lx")
    at(monkeypatch, "2026-11-24T09:10:00+08:00")
    ledger.ok("request", "add", say["home"], "下周帮我交一下电费", "--via", say["via"], "--by",
              say["by"])
    at(monkeypatch, "2026-11-24T11:30:00+08:00")
    assert "--check \"水管=有问题:漏水\"" in ledger.refused(
        "--lang", "zh", "visit", "add", say["home"], "--purpose", say["errand"], "--check",
        "水管=漏水").err
    assert "八十六块五" in ledger.refused("visit", "add", say["home"], "--purpose", say["errand"],
                                     "--bought", "青菜", "--advanced", "86块50").err
    ledger.ok("visit", "add", say["home"], "--purpose", say["errand"], "--request", say["request"],
              "--bought", "降压药两盒", "--bought", "青菜两斤", "--advanced", say["money"],
              "--note", "药放在门口鞋柜上")
    at(monkeypatch, "2026-11-28T12:00:00+08:00")
    # The request still waiting came days ago: status says so, not "00:00".
    assert "今日待办：此前收到 2-1-302 侯桂兰 业主嘱托 (周丽霞)" in ledger.ok("status", "--lang", "zh").err

    owner, weekly = reports(ledger, say["home"], "zh")
    assert section(weekly, "业主嘱托") == [
        "- 2-1-302：帮我买点降压药和青菜（业主电话，11月24日 周二 09:00收到，2小时30分后周丽霞上门）",
        "- 2-1-302 侯桂兰：下周帮我交一下电费（业主电话，11月24日 周二 09:10收到，尚未上门）"]
    assert lines(owner) == [
        "侯桂兰您好！花卉社区钥匙管家向您报平安（11月23日 周一–11月29日 周日）：",
        "- 11月24日 周二 11:30，周丽霞代买代办",
        "  - 备注：药放在门口鞋柜上",
        "  - 您电话嘱托：帮我买点降压药和青菜（11月24日 周二 09:00收到，2小时30分后上门）",
        "  - 代买代办：降压药两盒、青菜两斤，垫付86.50元（待结算）",
        "待结算：11月24日 周二代买降压药两盒、青菜两斤，垫付86.50元。",
        "家里一切安好，请放心！"]
    assert section(weekly, "代买代办") == [
        "- 11月24日 周二 11:30 2-1-302：降压药两盒、青菜两斤，垫付86.50元（待结算），周丽霞",
        "- 待结算：2-1-302 侯桂兰，11月24日 周二垫付86.50元，周丽霞"]
    owner, weekly = reports(ledger, say["home"], "en")
    assert section(weekly, "Owners' requests")[1] == (
        "- 2-1-302 侯桂兰: 下周帮我交一下电费 (asked by phone by the owner, received Tue 24 Nov "
        "09:10; not yet answered)")
    assert lines(owner)[4:6] == [
        "  - errand: 降压药两盒, 青菜两斤, 86.50 yuan advanced (to be repaid)",
        "To be repaid: 86.50 yuan advanced on Tue 24 Nov for 降压药两盒, 青菜两斤."]
    # Repaid: the message no longer asks for the money.
    ledger.ok("errand", "repaid", say["home"], say["owed"], as_="zhou-lx")
    owner, weekly = reports(ledger, say["home"], "zh")
    assert not any(line.startswith("待结算") for line in lines(owner))
    assert section(weekly, "代买代办") == [
        "- 11月24日 周二 11:30 2-1-302：降压药两盒、青菜两斤，垫付86.50元（已结清），周丽霞"]
    # The other request answered by a call: called back, not at the door.
    at(monkeypatch, "2026-11-28T12:30:00+08:00")
    ledger.ok("visit", "add", say["home"], "--purpose", "电话", "--outcome", "接通", "--request",
              say["request"], "--note", "电费已代交")
    owner, weekly = reports(ledger, say["home"], "zh")
    assert section(weekly, "业主嘱托")[1] == ("- 2-1-302：下周帮我交一下电费（业主电话，11月24日 周二 "
                                          "09:10收到，4天3小时20分后周丽霞回电）")
    assert "  - 您电话嘱托：下周帮我交一下电费（11月24日 周二 09:10收到，4天3小时20分后回电）" in lines(owner)


@wordings(written={"back": "K-0041"}, said={"back": "k-0041"})
def test_a_key_handed_back_in_a_quiet_week(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                           say: dict[str, Any]) -> None:
    """No visit this week; the owner took the door key back and the mailbox key stays: the
    message tells the handback and says only the other keys are in the cabinet."""
    at(monkeypatch, "2026-11-20T09:00:00+08:00")
    ledger.ok("household", "add", "4-1-101", "--name", "赵国庆", "--address", "春晖家园4号楼101",
              "--pair", "zhou-lx,wang-dh", as_="liu-sj")
    ledger.ok("key", "add", "--household", "4-1-101", "--id", "K-0041", "--slot", "D-01")
    ledger.ok("key", "add", "--household", "4-1-101", "--id", "K-0042", "--slot", "D-02")
    at(monkeypatch, "2026-11-25T09:40:00+08:00")
    ledger.ok("handback", say["back"], "--note", "赵叔提前回来了", as_="zhou-lx")
    at(monkeypatch, "2026-11-28T12:00:00+08:00")
    owner, _weekly = reports(ledger, "赵国庆", "zh")
    assert lines(owner) == [
        "赵国庆您好！花卉社区钥匙管家向您通报本周情况（11月23日 周一–11月29日 周日）：",
        "本周没有上门记录；其余钥匙在社区钥匙柜里安全存放。如需我们上门，请随时联系网格员。",
        "钥匙K-0041已于11月25日 周三 09:40退还给您（赵叔提前回来了）。"]
    owner, _weekly = reports(ledger, "赵国庆", "en")
    assert lines(owner)[1] == ("No visits this week; your other keys are safe in the community "
                               "cabinet. Call your steward any time.")
    # Then the mailbox key is lost: status no longer says the keys are in the cabinet.
    ledger.ok("lost", "K-0042", "--note", "信箱钥匙找不到了", as_="zhou-lx")
    said = ledger.ok("status", "--lang", "zh").err
    assert "没有取出的钥匙，门锁密码也没有告知任何人。" in said and "柜里" not in said
    assert "已遗失、待换锁：K-0042 4-1-101。" in said
