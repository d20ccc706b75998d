"""One register row read into the values of a household: its id, the main resident, contacts,
flags and care, a period away, notes; each bad cell noted against its column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from keyledger.errors import Problem
from keyledger.i18n import _
from keyledger.spreadsheet import bounds, cells
from keyledger.spreadsheet.address import BUILDING, ROOM, UNIT, part, places
from keyledger.spreadsheet.cells import CellError
from keyledger.spreadsheet.columns import CANONICAL, Column
from keyledger.vocab import FLAGS


@dataclass
class Contact:
    name: str | None
    relation: str | None
    phone: str | None
    column: str          # the header its name came from, for messages
    relation_column: str | None = None   # the headers of its relation and phone, when the
    phone_column: str | None = None      # sheet has columns of their own for them


@dataclass
class Resident:
    """Another person of the household, as the export's 同住人 writes one: 白雪（1992，健康：…）
    13800000115."""

    name: str
    born: int | None
    phone: str | None
    health: str | None


@dataclass
class Values:
    """What a row says, converted; None where its cell is empty or the sheet has no column."""

    name: str | None = None
    household_name: str | None = None
    address: str | None = None
    kind: str | None = None
    phone: str | None = None
    born: int | None = None
    born_from_age: bool = False
    birthday: date | None = None
    health: str | None = None
    interests: list[str] | None = None
    living: str | None = None
    contacts: list[Contact] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    flags: list[str] | None = None
    care: list[str] | None = None
    away: tuple[date | None, date | None, str | None] = (None, None, None)
    notes: str | None = None


_UNREAD = object()


class Row:
    """One row's cells by field, and its problems by column."""

    def __init__(self, name: str, columns: list[Column], number: int,
                 row_cells: list[Any]) -> None:
        self.name, self.number, self.cells = name, number, row_cells
        self.columns = {(c.field, c.slot): c for c in columns if c.field is not None}
        self.problems: dict[int, str] = {}   # column index (or past the end) -> why
        self.place: Any = _UNREAD            # its building, unit and room, once read
        self.estate = ""                     # the sheet's estate, where the row names none

    def has(self, name: str, slot: int = 0) -> bool:
        return (name, slot) in self.columns

    def raw(self, name: str, slot: int = 0) -> Any:
        column = self.columns.get((name, slot))
        if column is None or column.index >= len(self.cells):
            return None
        return self.cells[column.index]

    def get(self, name: str, convert: Callable[[Any], Any] = cells.line, slot: int = 0) -> Any:
        value = self.raw(name, slot)
        if value is None:
            return None
        if isinstance(value, str) and len(value) > bounds.MAX_CELL_CHARS:
            self.fail(name, _("{n} characters: a cell holds at most {limit} (is it the right "
                              "column?)").format(n=len(value), limit=bounds.MAX_CELL_CHARS), slot)
            return None
        try:
            out = convert(value)
        except CellError as exc:
            self.fail(name, str(exc), slot)
            return None
        return out if out != "" else None

    def header(self, name: str, slot: int = 0) -> str:
        column = self.columns.get((name, slot))
        return column.header if column else CANONICAL.get(name, name)

    def index(self, name: str, slot: int = 0) -> int:
        column = self.columns.get((name, slot))
        return column.index if column else 10_000 + list(CANONICAL).index(name) \
            if name in CANONICAL else 20_000

    def fail(self, name: str, message: str, slot: int = 0) -> None:
        for candidate in (name, *_FALLBACK.get(name, ())):
            if self.has(candidate, slot):
                name = candidate
                break
        self.problems.setdefault(self.index(name, slot), f"{self.header(name, slot)}\0{message}")

    def problem(self) -> Problem | None:
        """One line for the row: its first bad column, then the others."""
        if not self.problems:
            return None
        located = [self.problems[i].split("\0", 1) for i in sorted(self.problems)]
        (first, message), rest = located[0], located[1:]
        return Problem(self.name, self.number, first,
                       message + "".join(f"; {header}: {why}" for header, why in rest))

    def reason(self) -> str:
        """The row's problems as one sentence for the reason column of FILE-未导入.xlsx."""
        return "; ".join(": ".join(self.problems[i].split("\0", 1)) for i in sorted(self.problems))


# When the sheet has no column for the field at fault, the column its value came from.
_FALLBACK = {"household_name": ("name",), "born": ("birthday", "age", "id_number"),
             "phone": ("landline",),
             "address": ("building", "room", "estate"), "id": ("room", "building", "address")}


def household_id(row: Row, estate: bool = True, default: str = "") -> str | None:
    """The 户号 column; else 楼号-单元-房号 after the 小区 (东升家园-8-1-401: two estates of one
    register each have an 8-1-401); else the same read from the 地址. `default`: the estate of a
    place that names none (the one the sheet's other addresses name)."""
    if row.has("id"):
        ident = row.get("id")
        if ident is None:
            row.fail("id", _("missing: the household id, e.g. 8-1-401"))
        return ident
    if not row.has("building") and not row.has("room"):
        return _id_from_address(row, estate, default)
    parts = []
    if estate and row.has("estate"):
        name = row.get("estate", lambda v: part(v, ()))
        if name is None:
            row.fail("estate", _("missing"))
            return None
        parts.append(name)
    place = place_cells(row)
    if place is None:
        return None
    if estate and not row.has("estate") and (place[0] or default):
        parts.append(place[0] or default)  # 楼号 written 花园小区3号楼
    return "-".join(parts + [p for p in place[1:] if p])


_TOKEN = re.compile(r"[0-9A-Za-z]+")
_REPEATED = re.compile(r"号楼|栋|幢|座|单元|门|[0-9]-")  # an estate made of a building: no estate
_WORDS = {"building": "号楼", "unit": "单元", "room": ""}


def place_cells(row: Row) -> tuple[str, str, str, str] | None:
    """(estate, building, unit, room) from the row's 楼号, 单元 and 房号 columns: each cell on its
    own (8号楼, 8#楼, 一单元, 401室); else the cells read together as one address by the one
    address reader (楼号 3号楼2单元 with 房号 501, 房号 2-601): never an id of half-read words.
    Read once a row (the id, then a new household's address, ask for it)."""
    if row.place is _UNREAD:
        row.place = _place_cells(row)
    return row.place


def _place_cells(row: Row) -> tuple[str, str, str, str] | None:
    found: dict[str, str] = {}
    for name, suffixes in (("building", BUILDING), ("unit", UNIT), ("room", ROOM)):
        if not row.has(name):
            continue
        value = row.get(name, lambda v, s=suffixes: part(v, s))  # type: ignore[misc]
        if value is None:
            row.fail(name, _("missing"))
            return None
        found[name] = value
    if all(_TOKEN.fullmatch(v) for v in found.values()):
        return ("", found.get("building", ""), found.get("unit", ""), found.get("room", ""))
    written = "".join(value + _WORDS[name] if _TOKEN.fullmatch(value) else
                      cells.text(row.raw(name)) for name, value in found.items())
    place = places(written)
    if place is not None and _REPEATED.search(place[0]) and "room" in found:
        # 门牌号 3-2-501 beside 楼栋 3 and 单元 2: the room cell is the whole place; it must
        # agree with the other cells, or the row says two places.
        alone = places(cells.text(row.raw("room")))
        place = alone if alone is not None and all(
            found.get(name, value) == value for name, value in
            (("building", alone[1]), ("unit", alone[2]))) else None
        if alone is not None and place is None:
            row.fail("room", _("{value!r} is in another building or unit than the row's {columns} "
                               "say").format(value=cells.text(row.raw("room")),
                                             columns="、".join(row.header(n) for n in found
                                                               if n != "room")))
            return None
    if place is None:
        name = next(n for n, v in found.items() if not _TOKEN.fullmatch(v))
        row.fail(name, _("{value!r} does not say a building, unit or room (like 8号楼, 1单元, "
                         "401); write each in its own column or the whole address in a 地址 "
                         "column").format(value=cells.text(row.raw(name))))
    return place


def _id_from_address(row: Row, estate: bool, default: str) -> str | None:
    address = row.get("address")
    if address is None:
        row.fail("address", _("missing: the address, from which the household id is made"))
        return None
    if row.place is _UNREAD:
        row.place = places(address)
    found = row.place
    if found is None:
        row.fail("address", _("{address!r} does not say a building and a room (like 8号楼1单元401) "
                              "from which to make the household id; add a 户号 column")
                 .format(address=address))
        return None
    return "-".join(p for p in ((found[0] or default) if estate else "", *found[1:]) if p)


def estate_named(row: Row) -> str | None:
    """The estate the row's place names, "" when it names none; None when the sheet says the
    estate in a column of its own or the id itself (户号), or the place was not read."""
    if row.has("id") or row.has("estate") or not isinstance(row.place, tuple):
        return None
    return row.place[0]


def made_address(row: Row) -> str | None:
    """A new household's address from 小区, 楼号, 单元, 房号 when the sheet has no 地址."""
    place = place_cells(row) if row.has("building") or row.has("room") else None
    if place is None:
        return None
    estate, building, unit, room = place
    made = (row.get("estate") or estate) + (building and f"{building}号楼") + \
        (unit and f"{unit}单元") + room
    return made if made != (row.get("estate") or "") else None


def sheet_address(row: Row) -> str | None:
    """Where the sheet places the row's household: its 地址, else one made from 小区, 楼号, 单元
    and 房号. None when the sheet names no estate: then the id alone places it."""
    address = row.get("address")
    if address is not None or row.get("estate") is None:
        return address
    return made_address(row)


def values(row: Row, today: date, birth_from_id: bool) -> Values:
    names = row.get("name", _names) or []
    out = Values(name=names[0] if names else None, household_name=row.get("household_name"),
                 address=row.get("address"), kind=row.get("kind", cells.kind),
                 phone=_phones(row), health=row.get("health"),
                 notes=row.get("notes", cells.block))
    out.born = row.get("born", lambda v: cells.born(v, today))
    if out.born is None and row.raw("born") is None:
        out.born = row.get("age", lambda v: cells.age(v, today))
        out.born_from_age = out.born is not None
    if out.born is None and birth_from_id and row.raw("born") is None and row.raw("age") is None:
        out.born = row.get("id_number", lambda v: cells.id_number_year(v, today))
    _birthday(row, out, row.get("birthday", lambda v: cells.birthday(v, today)), today)
    out.living = row.get("living", cells.living)
    out.interests = row.get("interests", cells.interests)
    out.flags = row.get("flags", lambda v: cells.words(v, "flags"))
    marked = [FLAGS[slot] for (name, slot) in row.columns
              if name == "flag_mark" and row.get(name, cells.yes, slot)]
    if marked:  # 是否独居: 是 — the flag, after the 类别 column's
        out.flags = list(dict.fromkeys((out.flags or []) + marked))
    out.care = row.get("care", lambda v: cells.words(v, "care"))
    if out.flags and "merchant" in out.flags and out.kind is None:
        out.kind = "merchant"
    start, until = row.get("away_from", cells.day), row.get("away_until", cells.day)
    missing = "away_until" if start else "away_from"
    if (start is None) != (until is None) and row.raw(missing) is None:
        row.fail(missing, _("missing: a period away needs both 离开日期 and 返回日期"))
    out.away = (start, until, row.get("away_note"))
    slots = sorted({slot for (name, slot) in row.columns if name in ("contact", "relation",
                                                                     "contact_phone")})
    for slot in slots:
        out.contacts += _contacts(row, slot)
    column = row.header("other_contacts")
    out.contacts += row.get("other_contacts", lambda v: [
        Contact(*_listed_person(text), column) for text in cells_listed(v)]) or []
    out.residents = [Resident(n, None, None, None) for n in names[1:]] + \
        (row.get("residents", lambda v: [_resident(text, today) for text in cells_listed(v)])
         or [])
    return out


def _phones(row: Row) -> str | None:
    """The resident's numbers: 手机 and 固话 in one phone, as a cell of two numbers is."""
    found = [p for p in (row.get("phone", cells.phone), row.get("landline", cells.phone)) if p]
    return " / ".join(dict.fromkeys(n for p in found for n in p.split(" / "))) or None


def _birthday(row: Row, out: Values, found: cells.Birthday | None, today: date) -> None:
    """A 生日 beside the row's year born (出生年月, 年龄, 身份证号): a whole date gives both; a
    month and day takes the year from them (from an age, the year the birthday makes exact); a
    date Excel gave this year to a typed 7-15 is a month and day. A 生日 with no year to put it
    in, or of the lunar calendar, is kept in the notes as written, never lost."""
    if found is None:
        return
    header = row.header("birthday")
    month_day, day = found.month_day, found.day
    if found.year is not None:
        if out.born is not None and out.born != found.year and not out.born_from_age:
            row.fail("birthday", _("{header} says {year}, the year born {born}").format(
                header=header, year=found.year, born=out.born))
        out.born, out.born_from_age = found.year, False
        return
    if day is not None and day.year >= today.year - 1:  # not a year born: Excel's this year
        month_day, day = (day.month, day.day), None
    if day is not None:
        if out.born is not None and day.year != out.born and \
                not (out.born_from_age and abs(day.year - out.born) <= 1):
            row.fail("birthday", _("{header} {day} and the year born {born} say different "
                                   "years").format(header=header, day=day.isoformat(),
                                                   born=out.born))
            return
        out.born, out.born_from_age, out.birthday = day.year, False, day
        return
    if month_day is not None and out.born is not None:
        year = out.born
        if out.born_from_age and month_day > (today.month, today.day):
            year -= 1  # 86岁 on 11-25 with a birthday on 12-05 still to come: born 86+1 years ago
        try:
            out.birthday = date(year, *month_day)
        except ValueError:  # 2月29日 in a year without one
            row.fail("birthday", _("{year} has no 29 February (not a leap year)").format(
                year=year))
            return
        out.born, out.born_from_age = year, False
        return
    kept = f"{header}：{found.lunar or f'{month_day[0]}月{month_day[1]}日'}" \
        if found.lunar or month_day else None
    if kept:
        out.notes = f"{out.notes}\n{kept}" if out.notes else kept


def cells_listed(value: Any) -> list[str]:
    """The people of one cell, 、 or ； between them (not inside brackets, where a health note
    may list 高血压、糖尿病)."""
    out, depth, current = [], 0, ""
    for ch in cells.block(value):
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、；;\n":
            out.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in out + [current] if p.strip()]


def _listed_person(text: str) -> tuple[str, str | None, str | None]:
    """One contact of 其他联系人: 白国强（岳父）13900000214."""
    name, relation, phone = cells.person(text)
    if not name:
        raise CellError(_("{text!r} has no name").format(text=text))
    return name, relation, cells.phone(phone) if phone is not None else None


_RESIDENT = re.compile(r"([^(（]*?)\s*(?:[(（](.*)[)）])?\s*(\+?[0-9０-９][0-9０-９\s\-－]*)?")
_RESIDENT_INSIDE = re.compile(r"(?:([0-9０-９]{4})\s*年?)?\s*[,，]?\s*(?:健康\s*[:：](.*))?", re.S)


def _resident(text: str, today: date) -> Resident:
    """白雪, 白雪 13800000115, 白雪（1992）, 白雪（1992，健康：高血压）13800000115. The health note
    is kept as written (its full-width commas too)."""
    whole = _RESIDENT.fullmatch(text.strip())
    inside = _RESIDENT_INSIDE.fullmatch((whole.group(2) or "").strip()) if whole else None
    if whole is None or inside is None:
        raise CellError(_("{text!r}: write a person who lives here as 姓名（出生年份，健康：…）电话, "
                          "e.g. 白雪（1992，健康：高血压）13800000115").format(text=text))
    name = _name(whole.group(1))
    if not name:
        raise CellError(_("{text!r} has no name").format(text=text))
    return Resident(name, cells.born(inside.group(1), today) if inside.group(1) else None,
                    cells.phone(whole.group(3)) if whole.group(3) else None,
                    (inside.group(2) or "").strip() or None)


def _names(value: Any) -> list[str]:
    """The people of a 姓名 cell: 王秀兰, or a couple written 王秀兰、李德胜 (the first is the
    household's resident, the others live with them)."""
    text = cells.text(value)
    if not _NAMES_SPLIT.search(text):
        return [_name(text)]  # most rows: one name
    return [n for n in (_name(p) for p in _NAMES_SPLIT.split(text)) if n]


_NAMES_SPLIT = re.compile(r"[、,，;；/\n]")


def _name(value: Any) -> str:
    return cells.plain_name(cells.line(unicodedata.normalize("NFKC", cells.text(value))))


def _contacts(row: Row, slot: int) -> list[Contact]:
    """The contact of a 紧急联系人 column (with its 关系 and 联系电话 columns), and any more the
    same cell lists (李晓梅（女儿）13900000201；王强（儿子）13900000202), as 其他联系人 are read."""
    raw = row.raw("contact", slot)
    listed = _people_of(raw) if isinstance(raw, str) else [raw]
    first = _contact(row, slot, listed[0] if listed else None)
    column = row.header("contact", slot)
    more = []
    for text in listed[1:]:
        try:
            more.append(Contact(*_listed_person(text), column))
        except CellError as exc:
            row.fail("contact", str(exc), slot)
    return ([first] if first is not None else []) + more


def _people_of(text: str) -> list[str]:
    """The people a cell lists; a part that is only a number is the person's before it
    (李晓梅 13900000201、13900000202 is one person with two numbers)."""
    if not re.search(r"[、；;\n]", text):
        return [text]  # most cells: one person
    out: list[str] = []
    for part in cells_listed(text):
        if out and re.fullmatch(r"[0-9０-９\s\-－+()（）]+", part):
            out[-1] += f" / {part}"
        else:
            out.append(part)
    return out


def _contact(row: Row, slot: int, raw: Any) -> Contact | None:
    relation = row.get("relation", slot=slot)
    phone = row.get("contact_phone", cells.phone, slot=slot)
    if raw is None:
        if relation is not None or phone is not None:
            row.fail("contact", _("missing: the contact's relation and phone need the contact's "
                                  "name"), slot)
        return None
    name, in_relation, in_phone = cells.person(raw)
    if in_phone is not None and phone is None:
        try:
            phone = cells.phone(in_phone)
        except CellError as exc:
            row.fail("contact", str(exc), slot)
    if not name:
        row.fail("contact", _("missing: the contact's name"), slot)
        return None
    return Contact(name, relation or in_relation, phone, row.header("contact", slot),
                   row.header("relation", slot) if relation is not None else None,
                   row.header("contact_phone", slot) if row.raw("contact_phone", slot) is not None
                   else None)
