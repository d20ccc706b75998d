"""--format md|text|html on every report and the card, on the seed stories' week: the owner's
message as WeChat text, the weekly report printed with its SVG timeline, each HTML page opened in
a real Chromium, printed to PDF and read back."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from conftest import Ledger
from printed import HAN, assert_a4, check_page, printed

REPORTS = {"owner": ["owner", "8-1-401", "--week", "2026-W48"],
           "household": ["household", "8-1-401", "--from", "2026-11-23", "--until", "2026-11-29"],
           "weekly": ["weekly", "--week", "2026-W48"]}
# Pictographs and the symbols chat apps draw as emoji (⚠ among them).
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
MARKS = re.compile(r"^\s*(#|[-*+] |\d+\. |>|\|)|\*\*|`|\\[*_|<>\[\]]|\]\(", re.M)


def _report(ledger: Ledger, name: str, *more: str) -> str:
    if name == "card":
        return ledger.ok("household", "card", "8-1-401", *more).out
    return ledger.ok("report", *REPORTS[name], *more).out


def test_the_owners_message_is_wechat_text_by_default(story: Ledger, tmp_path: Path) -> None:
    text = story.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    assert text.startswith("王秀兰您好！春晖社区钥匙管家向您报平安（11月23日 周一–11月29日 周日）：\n\n")
    # Typed text stays as typed: a chat shows "*多肉*", never an escape or emphasis.
    assert "\n备注：接口不再渗水，*多肉*也浇了\n" in text
    assert "\n11月25日 周三 14:02–14:40，周丽霞浇花\n检查正常：绿植、门窗、信件\n" \
        "发现问题：暖气（卧室暖气片接口渗水）\n" in text
    assert "\n11月26日 周四 11:00，周丽霞回访\n" in text
    assert "\n已修好：暖气（卧室暖气片接口渗水）\n" in text
    assert not MARKS.search(text) and not EMOJI.search(text) and "\\" not in text
    assert max(len(line) for line in text.splitlines()) <= 60  # one fact a line
    assert "\n\n\n" not in text
    # Markdown, from the same data: the note escaped, so no renderer makes it emphasis.
    markdown = story.ok("report", "owner", "8-1-401", "--week", "2026-W48", "--format", "md").out
    assert "  - 备注：接口不再渗水，\\*多肉\\*也浇了\n" in markdown
    tokens = MarkdownIt("commonmark").parse(markdown)
    assert "em_open" not in {t.type for t in tokens for t in (t.children or [t])}
    # -o FILE's name picks the format when --format does not.
    for suffix, start in ((".txt", "王秀兰您好！"), (".md", "王秀兰您好！"), (".html", "<!DOCTYPE html>")):
        out = tmp_path / f"message{suffix}"
        story.ok("report", "owner", "8-1-401", "--week", "2026-W48", "-o", str(out))
        assert out.read_text(encoding="utf-8").startswith(start)
    assert "\\*多肉\\*" in (tmp_path / "message.md").read_text(encoding="utf-8")
    assert "*多肉*" in (tmp_path / "message.txt").read_text(encoding="utf-8")


def test_every_report_and_the_card_in_plain_text(story: Ledger) -> None:
    for name in ("owner", "household", "weekly", "card"):
        for lang in ("zh", "en"):
            text = _report(story, name, "--format", "text", "--lang", lang)
            assert not MARKS.search(text), (name, lang, MARKS.search(text))
            assert not EMOJI.search(text) and "{{" not in text and "<" not in text, (name, lang)
    weekly = _report(story, "weekly", "--format", "text")
    assert "\nK-0003 3-2-502：王德厚，应于 11月25日 周三 15:10 归还，至今未还\n" in weekly
    household = _report(story, "household", "--format", "text")
    assert "备注：接口不再渗水，*多肉*也浇了；" in household
    assert "\n地址：春晖家园8号楼1单元401\n" in household
    card = _report(story, "card", "--format", "text")
    assert card.startswith("紧急联络卡：8-1-401 王秀兰\n") and "【钥匙】" in card


def test_html_pages_are_self_contained(story: Ledger) -> None:
    for name in ("owner", "household", "weekly", "card"):
        page = _report(story, name, "--format", "html")
        assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
        assert "<style>" in page and "@page { size: A4" in page and "Noto Sans CJK SC" in page
        # Nothing runs and nothing is fetched: no script, no link to another file or site.
        assert not re.search(r"<script|<link|<img|<iframe|@import|\bsrc=|javascript:", page, re.I)
        assert set(re.findall(r'href="([a-z]+):', page)) <= {"tel"}
        assert set(re.findall(r"url\(([^)]*)\)", page)) <= {"#kl-hatch"}
        assert "&lt;" not in page or name == "card"  # nothing typed here holds a "<"
    # Typed text is escaped: a note with markup is text on the page.
    story.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "<b>门</b> & *窗*",
             "--at", "2026-11-28 10:00", as_="zhou-lx")
    page = _report(story, "owner", "--format", "html")
    assert "&lt;b&gt;门&lt;/b&gt; &amp; *窗*" in page and "<b>门" not in page


def test_a_bad_format_is_refused_and_a_ledgers_own_template_wins(story: Ledger,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "weekly.pdf"
    result = story.refused("report", "weekly", "--week", "2026-W48", "--format", "pdf",
                           "-o", str(out))
    assert "choose one of: md, text, html" in result.err and not out.exists()
    story.refused("household", "card", "8-1-401", "--format", "docx")
    own = story.root / "templates" / "zh"
    own.mkdir(parents=True)
    (own / "weekly.text.j2").write_text("{{ community }}本周取钥匙{{ checkouts }}次 *{{ week }}*\n",
                                        encoding="utf-8")
    assert _report(story, "weekly", "--format", "text") == "春晖社区本周取钥匙4次 *2026-W48*\n"
    assert _report(story, "weekly", "--format", "md").startswith("# 春晖社区 钥匙管家周报")


def test_the_weekly_report_printed_with_its_timeline(story: Ledger, browser, tmp_path: Path) -> None:
    path = tmp_path / "weekly.html"
    story.ok("report", "weekly", "--week", "2026-W48", "-o", str(path))
    page, text = check_page(browser, path)
    assert "春晖社区 钥匙管家周报 2026-W48" in text and "本周钥匙外出时间线" in text
    # One row per key and one bar per checkout this week: 8-1-401's plants, 3-2-502's heating
    # (still out, overdue), 6-2-601's gas fitter, 12-1-101's emergency (returned late).
    bars = page.js("""[...document.querySelectorAll('svg.timeline rect.bar')].map(r => [
        r.dataset.key, r.dataset.holder, r.classList.contains('overdue'),
        r.classList.contains('emergency'), r.getBoundingClientRect().width])""")
    assert sorted(b[:4] for b in bars) == [["K-0001", "zhou-lx", False, False],
                                           ["K-0003", "wang-dh", True, False],
                                           ["K-0009", "sun-yp", False, False],
                                           ["K-0020", "he-cy", True, True]]
    assert all(b[4] > 0 for b in bars)
    rows = page.js("[...document.querySelectorAll('svg.timeline text.keyname')]"
                   ".map(t => t.textContent)")
    assert rows == ["K-0001 8-1-401", "K-0003 3-2-502", "K-0009 6-2-601", "K-0020 12-1-101"]
    # The overdue part is drawn, and the marks are words a black-and-white printout keeps.
    assert page.js("document.querySelectorAll('svg.timeline rect.overdue-part').length") == 2
    svg_text = page.js("document.querySelector('svg.timeline').textContent")
    assert "何春燕 紧急 逾期" in svg_text and "王德厚 逾期 未还" in svg_text
    # The SVG fits the printed page's width.
    width = page.js("document.querySelector('svg.timeline').getBoundingClientRect().right")
    assert 0 < width <= page.js("document.documentElement.clientWidth")
    paper = printed(page, tmp_path, "weekly")
    assert_a4(paper)
    assert "钥匙管家周报" in paper["text"] and "王德厚" in paper["text"]
    assert "至今未还" in paper["text"]
    page.close()


def test_every_html_page_reads_in_chinese_and_fits_a4(story: Ledger, browser,
                                                     tmp_path: Path) -> None:
    for name in ("owner", "household", "card"):
        path = tmp_path / f"{name}.html"
        path.write_text(_report(story, name, "--format", "html"), encoding="utf-8")
        # The card's warning sign may come from a symbol font.
        page, text = check_page(browser, path, "⚠")
        paper = printed(page, tmp_path, name)
        assert_a4(paper)
        first = {"owner": "王秀兰您好", "household": "托管记录", "card": "紧急联络卡"}[name]
        assert first in text and first in paper["text"]
        page.close()
    # The owner's message as a page keeps typed text literal: no emphasis from "*多肉*".
    owner = browser.open(tmp_path / "owner.html")
    assert "*多肉*也浇了" in owner.text()
    assert owner.js("document.querySelectorAll('em, i, strong b').length") == 0
    owner.close()


def test_the_owners_text_shows_as_it_pastes(story: Ledger, browser, tmp_path: Path) -> None:
    """What a phone shows of the pasted text: the browser shows a .txt file as it is."""
    message = story.ok("report", "owner", "8-1-401", "--week", "2026-W48").out
    path = tmp_path / "message.txt"
    path.write_bytes(message.encode("utf-8"))
    page = browser.open(path)
    shown = page.text()
    assert shown.strip() == message.strip() and "*多肉*" in shown
    # A page without a language draws Chinese with whichever CJK face the system prefers: any
    # will do for a plain text, as long as no character falls to tofu.
    fonts = page.fonts("pre")
    cjk = sum(n for f, n in fonts.items() if "CJK" in f)
    assert cjk >= len(HAN.findall(message)), fonts
    page.close()


def test_text_and_html_follow_the_markdown_and_keep_typed_text_literal(story: Ledger, browser,
                                                                        tmp_path: Path) -> None:
    """The words are written once, in NAME.md.j2: what a ledger's own Markdown template says,
    text and HTML say too; typed text that Markdown would read as marks, a link or HTML stays
    what was typed in each format, in a table cell as in a line."""
    typed = "门 | 窗 <script>alert(1)</script> [网址](http://example.com) **粗** `码` # 号"
    story.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--note", typed,
             "--at", "2026-11-28 10:00", as_="zhou-lx")
    text = _report(story, "household", "--format", "text")
    assert "备注：" + typed in text
    assert not MARKS.search(text.replace(typed, "")), MARKS.search(text.replace(typed, ""))
    page = _report(story, "household", "--format", "html")
    assert "<script" not in page and "<a " not in page and "<strong>" not in page
    path = tmp_path / "household.html"
    path.write_text(page, encoding="utf-8")
    shown = browser.open(path)
    assert typed in shown.text()
    # One visit, one row: the "|" typed did not split its cell.
    assert shown.js("[...document.querySelectorAll('tr')].filter(r => "
                    "r.textContent.includes('网址')).map(r => r.cells.length)") == [5]
    shown.close()
    own = story.root / "templates" / "zh"
    own.mkdir(parents=True)
    (own / "household.md.j2").write_text(
        "# {{ household.id }} 本户档案\n\n## 钥匙\n\n| 钥匙 | 类型 |\n| --- | --- |\n"
        "{% for k in keys %}| {{ k.id }} | {{ k.kind }} |\n{% endfor %}", encoding="utf-8")
    assert _report(story, "household", "--format", "text") == \
        "8-1-401 本户档案\n\n【钥匙】\n\nK-0001：physical\nK-0002：physical\n"
    page = _report(story, "household", "--format", "html")
    assert "<title>8-1-401 本户档案</title>" in page and "<td>K-0001</td>" in page
    assert "托管记录" not in page
