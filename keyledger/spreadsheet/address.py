"""One reader of where a register places a household, for every column it may come from: a
building, unit or room cell (8号楼, 8#楼, B座, 二单元, 2门, 401室) and a whole address in one cell
(花园小区3栋2单元501室, 3-2-501, 3号楼2单元501, 3号楼二单元5楼501（东户）), as offices write them."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from keyledger.spreadsheet import cells

BUILDING = ("#楼", "号楼", "号栋", "栋", "幢", "座", "号", "楼", "#")
UNIT = ("单元", "门")
ROOM = ("室", "号", "户")
_NUMBER = r"[0-9]+[A-Za-z]?|[A-Za-z][0-9]*"
# An estate (anything, as short as can be), a building and its word or a dash, a unit, a floor
# (5楼, 5层: not part of the id, the room says it), a room. 十三号楼 and 二单元 are in digits by
# then.
_ADDRESS = re.compile(
    rf"(?P<estate>.*?)(?P<building>{_NUMBER})(?:(?:号楼|#楼|号栋|栋|幢|座|号|楼|#)-?|-)"
    r"(?:(?P<unit>[0-9]+)(?:单元|门|-))?(?:[0-9]+(?:楼|层)-?)?"
    r"(?P<room>[0-9]+[A-Za-z]?|[A-Za-z][0-9]+)(?:室|号|户)?")
_NUMERALS = re.compile(r"[〇零一二三四五六七八九十]+(?=号楼|号栋|号|栋|幢|座|单元|门|楼|层)")
_REMARK = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def arabic(text: str) -> str:
    """一 to 九十九 in digits (十二单元 is 12); anything else as it is."""
    plain = text.translate(cells.CHINESE_DIGITS)
    if plain.isdigit() or "十" not in plain:
        return plain if plain.isdigit() else text
    tens, _sep, ones = plain.partition("十")
    if len(tens) > 1 or len(ones) > 1 or not (tens + ones + "0").isdigit():
        return text
    return str(int(tens or 1) * 10 + int(ones or 0))


def part(value: Any, suffixes: tuple[str, ...]) -> str:
    """A building, unit or room as the id writes it: 8号楼, 8栋, 8#楼 are 8; 一单元, 1门 are 1."""
    text = unicodedata.normalize("NFKC", cells.text(value)).replace(" ", "")
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return arabic(text)


def places(address: str) -> tuple[str, str, str, str] | None:
    """(estate, building, unit, room) of a whole address, unit "" when it has none; None when
    it names no building and room (东四三条12号)."""
    text = _REMARK.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", address)))
    text = _NUMERALS.sub(lambda m: arabic(m.group(0)), text.rstrip("。,.;；"))
    match = _ADDRESS.fullmatch(text)
    if match is None:
        return None
    return (match.group("estate").strip("-"), match.group("building"), match.group("unit") or "",
            match.group("room"))
