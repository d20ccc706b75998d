"""Checks of a page as people read it, in a real browser (tests/browser.py) and on paper (its PDF
read back by poppler's pdftotext and pdfinfo): what it says, which fonts drew its Chinese, and that
it fits an A4 sheet. Meaningful checks, not pixel comparisons."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from browser import Browser, Page

# The fonts the layout names for Chinese (Debian's fonts-noto-cjk provides the first); a page
# drawn with anything else for its Chinese text shows tofu or a fallback nobody chose.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC",
             "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei")
HAN = re.compile(r"[\u4e00-\u9fff]")


def poppler() -> None:
    if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils is not installed (pdftotext, pdfinfo: Debian's poppler-utils; "
                    "`make test` installs it with tools/system-deps.sh where it can)")


def check_page(browser: Browser, path: Path, symbols: str = "") -> tuple[Page, str]:
    """Open `path`, check its Chinese is drawn with a CJK font and that nothing runs past an A4
    page's width as printed; returns the page (laid out for print) and its text. `symbols`: the
    characters the page may draw from another font (a warning sign)."""
    page = browser.open(path)
    text = page.text()
    han = len(HAN.findall(text))
    assert han, "no Chinese on the page"
    fonts = page.fonts("body")
    # Every glyph of the page's text comes from a font the layout names: a missing CJK font
    # would show as another family (the system's fallback) or as tofu.
    others = {f: n for f, n in fonts.items() if f not in CJK_FONTS}
    assert sum(others.values()) <= sum(text.count(c) for c in symbols), fonts
    assert fonts.get("Noto Sans CJK SC", 0) >= han, fonts
    page.as_printed_on_a4()
    assert page.overflowing() == []
    return page, text


def printed(page: Page, folder: Path, name: str) -> dict[str, Any]:
    """Print the page to PDF; returns its page count, page size in points, text and the
    rightmost edge of any word (points), as poppler reads them back."""
    poppler()
    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(page.pdf())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    boxes = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    right = max((float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"',
                                                boxes)), default=0.0)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    return {"pages": pages, "width": float(size.group(1)), "height": float(size.group(2)),
            "text": text, "right": right}


def assert_a4(paper: dict[str, Any]) -> None:
    """An A4 sheet (595 x 842 pt, give or take rounding), every word inside its right margin."""
    assert abs(paper["width"] - 595.3) < 2 and abs(paper["height"] - 841.9) < 2, paper
    margin = 12 / 25.4 * 72
    assert 0 < paper["right"] <= paper["width"] - margin + 1, paper["right"]
