"""A report's Markdown turned into chat text or an HTML body, so that what a report says is written
once, in its `NAME.md.j2` (whose content the reports' data and words decide), and every other
format follows it without a copy of its words to drift.

Both read the Markdown through markdown-it's parser, so a user's text that the Markdown escaped
(`\\*多肉\\*`) comes out as typed, never as emphasis, a link or HTML: raw HTML is off, and the
Markdown templates escape every value they print.
"""

from __future__ import annotations

import re
from typing import Any

# The words around a table cell in chat text: "header value", cells of a row joined.
_JOIN = {"zh": ("：", "，"), "en": (": ", ", ")}
_HEADING = {"zh": ("【", "】"), "en": ("", ":")}


def _parser() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with tables, without raw HTML: a template's Markdown never needs HTML, and a
    # value that slipped through unescaped must stay text.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _inline(token: Any) -> str:
    """An inline run's text, without its marks; line breaks kept."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def to_text(markdown: str, lang: str) -> str:
    """Chat text (WeChat): no Markdown marks; a heading in 【】 (with a colon in English), a list
    item on its own line, a table's row as one line ("first: header value, header value"),
    blocks apart by one blank line."""
    tokens = _parser().parse(markdown)
    colon, comma = _JOIN.get(lang, _JOIN["en"])
    left, right = _HEADING.get(lang, _HEADING["en"])
    lines: list[str] = []
    header: list[str] = []
    row: list[str] = []
    in_head = depth = 0

    def gap() -> None:
        if lines and lines[-1] != "":
            lines.append("")

    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            gap()
        elif kind == "inline":
            text = _inline(token)
            opener = tokens[i - 1]
            if opener.type == "heading_open":
                lines.append(text if opener.tag == "h1" else f"{left}{text}{right}")
            elif opener.type in ("th_open", "td_open"):
                (header if in_head else row).append(text)
            else:
                lines.extend(text.split("\n"))
        elif kind in ("heading_close", "table_close"):
            gap()
        elif kind == "paragraph_close" and not depth:
            gap()
        elif kind == "bullet_list_open" or kind == "ordered_list_open":
            depth += 1
        elif kind == "bullet_list_close" or kind == "ordered_list_close":
            depth -= 1
            if not depth:
                gap()
        elif kind == "thead_open":
            in_head, header = 1, []
        elif kind == "thead_close":
            in_head = 0
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and not in_head:
            # A two-column table is a list of "name: value"; a wider one names each value.
            pairs = [f"{h} {v}".strip() if h and len(header) > 2 else v
                     for h, v in zip(header[1:], row[1:]) if v.strip()]
            lines.append(row[0] + (colon + comma.join(pairs) if pairs else "")
                         if row else "")
        elif kind in ("fence", "code_block"):
            lines.extend(token.content.rstrip("\n").split("\n"))
            gap()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(re.sub(r"[ \t]+$", "", line) for line in lines) + "\n"


def to_html(markdown: str) -> tuple[str, str, str]:
    """The Markdown as HTML: its first heading's text (for the page's title), what comes before
    its first section (the title and summary) and the sections."""
    parser = _parser()
    tokens = parser.parse(markdown)
    title = next((_inline(tokens[i + 1]) for i, t in enumerate(tokens)
                  if t.type == "heading_open"), "")
    html = parser.renderer.render(tokens, parser.options, {})
    cut = html.find("<h2>")
    return (title, html, "") if cut < 0 else (title, html[:cut], html[cut:])
