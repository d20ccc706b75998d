"""A corpus of fictional registers (台账) laid out the ways community offices lay them out, each
with what importing it must give. Every name, phone and identity number is made up.

    python tests/register_corpus.py OUT_DIR      # writes every register of the corpus

Each `Register` is a grid (rows of cells, merged ranges) written as a real .xlsx (openpyxl),
.xls (xlwt), .ods (odfpy) or .csv (UTF-8 with or without a byte-order mark, GBK), plus what the
import must find: the households (`expected`), the rows skipped as totals or footers, the
columns not imported. The expectations are written from the fictional people, not from what
keyledger does, so that a change in keyledger cannot quietly change them.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

TODAY = date(2026, 11, 25)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
_GIVEN = ["秀兰", "桂英", "淑珍", "玉兰", "凤英", "建国", "德胜", "文华", "志强", "国庆", "丽华",
          "秀英", "振华", "春梅", "海燕", "桂芝", "德厚", "淑芬", "玉珍", "长顺"]
_RELATIONS = ["女儿", "儿子", "侄女", "外甥", "儿媳", "邻居"]
_FLAGS = [("独居", "lives-alone"), ("高龄", "elderly"), ("季节性外出", "away-season"),
          ("低保", "low-income"), ("残疾", "disabled"), ("宠物", "pet")]
_CARE = [("绿植", "plants"), ("暖气检查", "heating"), ("门窗", "windows"), ("燃气", "gas")]
_NOTES = ["冬季去三亚女儿家，次年四月回", "钥匙两把一串，挂在门后", None, "家中有猫，喂食器每三天加粮",
          None, "听力较差，敲门要用力", None]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class Person:
    """One fictional household's main resident and what a register says of them."""

    building: int
    unit: int
    room: int
    name: str
    born: date
    phone: str
    contact: str
    relation: str
    contact_phone: str
    flags: list[tuple[str, str]]
    care: list[tuple[str, str]]
    notes: str | None
    away: tuple[date, date, str] | None


def people(seed: int, n: int, buildings: tuple[int, ...] = (3, 5)) -> list[Person]:
    rng = random.Random(seed)
    rooms = sorted(rng.sample([(b, u, f * 100 + d) for b in buildings for u in (1, 2)
                               for f in range(1, 7) for d in (1, 2)], n))
    used: set[str] = set()
    out = []
    for building, unit, room in rooms:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        while name in used:
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        used.add(name)
        flags = sorted(rng.sample(_FLAGS, rng.choice((0, 1, 2))), key=_FLAGS.index)
        south = ("季节性外出", "away-season") in flags
        out.append(Person(
            building, unit, room, name,
            date(rng.randint(1930, 1960), rng.randint(1, 12), rng.randint(1, 28)),
            f"{rng.choice(('138', '139', '135', '186', '158', '150'))}"
            f"{rng.randint(10000000, 99999999)}",
            rng.choice(_SURNAMES) + rng.choice(_GIVEN), rng.choice(_RELATIONS),
            f"139{rng.randint(10000000, 99999999)}", flags,
            sorted(rng.sample(_CARE, rng.choice((0, 1, 2))), key=_CARE.index),
            rng.choice(_NOTES),
            (date(2026, 11, rng.randint(1, 20)), date(2027, 4, rng.randint(1, 28)), "海南三亚")
            if south else None))
    return out


def id_number(person: Person, seed: int) -> str:
    """A fictional identity card number with a valid check digit (area 110105: the format's own
    example area)."""
    body = f"110105{person.born:%Y%m%d}{seed % 900 + 100:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS))
    return body + "10X98765432"[total % 11]


@dataclass
class Register:
    name: str                     # file name without its suffix
    description: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    sheet: str = "台账"
    before: list[tuple[str, list[list[Any]]]] = field(default_factory=list)  # earlier sheets
    args: list[str] = field(default_factory=list)       # what the import is given besides FILE
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)   # id -> household fields
    skipped: list[tuple[int, str]] = field(default_factory=list)        # (row, reason)
    ignored: list[str] = field(default_factory=list)                    # columns not imported
    not_stored: list[str] = field(default_factory=list)
    formats: tuple[str, ...] = ("xlsx",)
    hidden: list[int] = field(default_factory=list)     # 0-based rows hidden (xlsx)

    def write(self, folder: Path, fmt: str) -> Path:
        path = folder / f"{self.name}.{fmt.split('-')[0]}"  # csv-gbk: a .csv in GBK
        WRITERS[fmt](self, path)
        return path


def _expected(p: Person, ident: str, address: str, born: int | None = None,
              relation: str | None = None, notes: str | None = None) -> dict[str, Any]:
    person: dict[str, Any] = {"name": p.name, "born": born or p.born.year, "phone": p.phone}
    return {"id": ident, "name": p.name, "address": address, "people": [person],
            "contacts": [{"name": p.contact, "relation": relation or p.relation,
                          "phone": p.contact_phone}],
            "flags": [code for _n, code in p.flags], "care": [code for _n, code in p.care],
            "notes": notes if notes is not None else (p.notes or ""),
            "away": [{"from": p.away[0].isoformat(), "until": p.away[1].isoformat(),
                      "note": p.away[2]}] if p.away else []}


def _birth_text(p: Person, i: int) -> str:
    """出生年月 as offices type it: 1942年7月, 1939.11, 1948-05, 1946/3/1."""
    b = p.born
    return [f"{b.year}年{b.month}月", f"{b.year}.{b.month}", f"{b.year}-{b.month:02d}",
            f"{b.year}/{b.month}/{b.day}"][i % 4]


def _phone_cell(p: Person, i: int) -> Any:
    """A phone as registers hold it: a number, with spaces, with dashes, as text."""
    return [int(p.phone), f"{p.phone[:3]} {p.phone[3:7]} {p.phone[7:]}",
            f"{p.phone[:3]}-{p.phone[3:7]}-{p.phone[7:]}", p.phone][i % 4]


def two_row_header(seed: int = 16) -> Register:
    """花卉社区独居老人台账: a merged title, a 填报单位/填报日期 line, a two-row merged header
    (住址 over 楼栋/单元/门牌, 紧急联系人 over 姓名/关系/联系电话), 楼栋 merged down over its rooms,
    a blank row, a 小计 after each building, 合计 and a 填表人/审核人/日期 footer."""
    group = people(seed, 10)
    width = 13
    rows: list[list[Any]] = [["花卉社区独居老人台账"] + [None] * (width - 1),
                             ["填报单位：花卉社区居委会", None, None, None, None, None, None, None,
                              "填报日期：2026年11月30日", None, None, None, None],
                             ["序号", "姓名", "性别", "出生年月", "住址", None, None, "本人电话",
                              "紧急联系人", None, None, "类别", "备注"],
                             [None, None, None, None, "楼栋", "单元", "门牌", None, "姓名", "关系",
                              "联系电话", None, None]]
    merges = [(0, 0, 0, width - 1), (1, 0, 1, 3), (2, 4, 2, 6), (2, 8, 2, 10)]
    merges += [(2, c, 3, c) for c in (0, 1, 2, 3, 7, 11, 12)]
    reg = Register("two-row-header", two_row_header.__doc__ or "", rows, merges,
                   formats=("xlsx", "xls", "ods"), ignored=["序号", "性别"])
    n = 0
    for building in sorted({p.building for p in group}):
        members = [p for p in group if p.building == building]
        start = len(rows)
        for p in members:
            n += 1
            rows.append([n, p.name, "女" if n % 2 else "男", _birth_text(p, n),
                         f"{p.building}号楼" if p is members[0] else None, p.unit, p.room,
                         _phone_cell(p, n), p.contact, p.relation, p.contact_phone,
                         "、".join(name for name, _c in p.flags) or None, p.notes])
            ident = f"{p.building}-{p.unit}-{p.room}"
            expected = _expected(p, ident, f"{p.building}号楼{p.unit}单元{p.room}")
            expected.update(care=[], away=[])
            reg.expected[ident] = expected
        if len(members) > 1:
            merges.append((start, 4, len(rows) - 1, 4))
        if building == 3:
            rows.append([None] * width)  # a blank row between the buildings
        rows.append(["小计", f"共{len(members)}人"] + [None] * (width - 2))
        reg.skipped.append((len(rows), "total"))
    rows.append(["合计", f"共{n}人"] + [None] * (width - 2))
    reg.skipped.append((len(rows), "total"))
    rows.append(["填表人：张敏", None, None, None, "审核人：刘淑娟", None, None, None,
                 "日期：2026-11-30", None, None, None, None])
    reg.skipped.append((len(rows), "footer"))
    return reg


def flattened(seed: int = 16) -> Register:
    """The two-row register saved as CSV: merged cells come out as one value and empty cells."""
    reg = two_row_header(seed)
    reg.name, reg.formats = "two-row-header-saved-as-csv", ("csv", "csv-bom", "csv-gbk")
    reg.description = flattened.__doc__ or ""
    for (top, left, bottom, right) in reg.merges:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    reg.rows[r][c] = None
    # Without merges a building is written on each row (a CSV cannot say "the cell above").
    for row in reg.rows[4:]:
        if isinstance(row[0], int) and row[4] is None:
            row[4] = previous
        elif isinstance(row[0], int):
            previous = row[4]
    reg.merges = []
    return reg


def one_row_two_phones(seed: int = 17) -> Register:
    """A one-row header with two 联系电话 columns (the resident's, then the contact's after
    紧急联系人), 门牌 for the room, the contact's relation in brackets (李晓梅（女儿）), dates of
    birth as Excel dates and as serial numbers, 楼号 merged down, flags and care items in the
    interface's own words (季节性外出, 暖气检查), and a period away."""
    group = people(seed, 8, buildings=(7,))
    rows: list[list[Any]] = [["东升家园钥匙托管住户登记表"] + [None] * 12,
                             ["楼号", "单元", "门牌", "姓名", "出生日期", "联系电话", "紧急联系人",
                              "联系电话", "标签", "照看事项", "离开日期", "返回日期", "备注"]]
    reg = Register("one-row-two-phones", one_row_two_phones.__doc__ or "", rows,
                   [(0, 0, 0, 12), (2, 0, 2 + len(group) - 1, 0)], sheet="登记表",
                   formats=("xlsx", "ods"))
    for i, p in enumerate(group):
        birth: Any = datetime.combine(p.born, datetime.min.time()) if i % 2 else \
            (p.born - date(1899, 12, 30)).days
        rows.append(["7栋" if i == 0 else None, p.unit, f"{p.room}室", p.name, birth, p.phone,
                     f"{p.contact}（{p.relation}）", p.contact_phone,
                     "、".join(name for name, _c in p.flags) or None,
                     "、".join(name for name, _c in p.care) or None,
                     p.away[0].isoformat() if p.away else None,
                     p.away[1].strftime("%Y/%m/%d") if p.away else None, p.notes])
        ident = f"7-{p.unit}-{p.room}"
        expected = _expected(p, ident, f"7号楼{p.unit}单元{p.room}")
        for period in expected["away"]:
            period.pop("note")
        reg.expected[ident] = expected
    return reg


def address_column(seed: int = 18) -> Register:
    """No 楼号 or 户号: the household id is read from 住址 (东升家园5号楼2单元301室); 年龄 for the
    year of birth; 身份证号, which is never stored; a phone with spaces in 手机; the contact's
    phone in the contact's cell; dates as 2026.11.5 and 2027/4/15; on the second sheet, after an
    instructions sheet, so the import names it with --sheet."""
    group = people(seed, 6)
    rows: list[list[Any]] = [["姓名", "住址", "年龄", "身份证号", "手机", "紧急联系人", "离家日期",
                              "预计返回日期", "去向", "备注"]]
    reg = Register("address-column", address_column.__doc__ or "", rows, sheet="2026年台账",
                   before=[("填表说明", [["请按模板填写，勿改动表头。"], ["身份证号用于核对年龄。"]])],
                   args=["--sheet", "2026年台账"], formats=("xlsx", "ods"),
                   not_stored=["身份证号"])
    for i, p in enumerate(group):
        age = TODAY.year - p.born.year
        rows.append([p.name, f"东升家园{p.building}号楼{p.unit}单元{p.room}室", f"{age}岁",
                     id_number(p, seed + i), f"{p.phone[:3]} {p.phone[3:7]} {p.phone[7:]}",
                     f"{p.contact} {p.contact_phone}",
                     f"{p.away[0].year}.{p.away[0].month}.{p.away[0].day}" if p.away else None,
                     f"{p.away[1].year}/{p.away[1].month}/{p.away[1].day}" if p.away else None,
                     p.away[2] if p.away else None, p.notes])
        ident = f"东升家园-{p.building}-{p.unit}-{p.room}"
        expected = _expected(p, ident, f"东升家园{p.building}号楼{p.unit}单元{p.room}室")
        expected["contacts"][0].pop("relation")
        expected.update(flags=[], care=[])
        reg.expected[ident] = expected
    return reg


def co_residents(seed: int = 19) -> Register:
    """An elderly register with a row per person: two rows of one home are one household with
    two residents; its 户号 and 住址 merged over both rows."""
    group = people(seed, 4, buildings=(9,))
    rows: list[list[Any]] = [["户号", "住址", "姓名", "出生年份", "电话", "紧急联系人", "关系",
                              "紧急联系电话"]]
    reg = Register("co-residents", co_residents.__doc__ or "", rows, formats=("xlsx", "xls"))
    for p in group:
        ident, address = f"9-{p.unit}-{p.room}", f"9号楼{p.unit}单元{p.room}"
        spouse = ("张" if p.name[0] != "张" else "李") + "德顺"
        start = len(rows)
        rows.append([ident, address, p.name, p.born.year, p.phone, p.contact, p.relation,
                     p.contact_phone])
        rows.append([None, None, spouse, p.born.year - 2, None, p.contact, p.relation,
                     p.contact_phone])
        reg.merges += [(start, 0, start + 1, 0), (start, 1, start + 1, 1)]
        expected = _expected(p, ident, address, notes="")
        expected["people"].append({"name": spouse, "born": p.born.year - 2})
        expected.update(flags=[], care=[], away=[])
        reg.expected[ident] = expected
    return reg


def grouped_contacts(seed: int = 20) -> Register:
    """房屋信息 over 楼号/单元/房号 and 联系方式 over 本人电话/紧急联系人/联系电话 (a group that is
    not a contact: the 联系电话 after 紧急联系人 is still the contact's); buildings written 3#楼,
    units 一单元; 无 and / in cells that have nothing to say; also saved as Excel's "Unicode
    text" (UTF-16, tab-separated)."""
    group = people(seed, 6, buildings=(11, 12))
    rows: list[list[Any]] = [["序号", "户主姓名", "房屋信息", None, None, "联系方式", None, None, "备注"],
                             [None, None, "楼号", "单元", "房号", "本人电话", "紧急联系人", "联系电话",
                              None]]
    reg = Register("grouped-contacts", grouped_contacts.__doc__ or "", rows,
                   [(0, 2, 0, 4), (0, 5, 0, 7), (0, 0, 1, 0), (0, 1, 1, 1), (0, 8, 1, 8)],
                   formats=("xlsx", "csv-utf16"), ignored=["序号"])
    for i, p in enumerate(group, 1):
        has_contact = i % 3 != 0
        rows.append([i, p.name, f"{p.building}#楼", "一二"[p.unit - 1] + "单元", f"{p.room}室",
                     p.phone, p.contact if has_contact else "无",
                     p.contact_phone if has_contact else "/", p.notes or "无"])
        ident = f"{p.building}-{p.unit}-{p.room}"
        expected = _expected(p, ident, f"{p.building}号楼{p.unit}单元{p.room}")
        expected["people"][0].pop("born")
        expected["contacts"] = [{"name": p.contact, "phone": p.contact_phone}] if has_contact \
            else []
        expected.update(flags=[], care=[], away=[])
        reg.expected[ident] = expected
    return reg


_LIVING = [("独居", "alone"), ("空巢", "empty-nest"), ("随子女", "with-children"),
           ("与老伴同住", "empty-nest"), ("独居老人", "alone"), ("与子女同住", "with-children")]


def _spaced(name: str) -> str:
    """A two-character name padded to line up with three-character ones: 王  芳."""
    return f"{name[0]}  {name[1]}" if len(name) == 2 else name


def offset_header(seed: int = 21) -> Register:
    """花名册 as a street office's template has it: the header in row 3 after a title and a 填报
    line, column A left empty, columns in another order (住址 first, 户主姓名, 性别 as 1/2, 年龄 as
    86, 86岁 or full-width ８６); the whole address in one cell written four ways (花园小区3栋2单元
    501室, 花园小区3号楼2单元501, 花园小区3-2-501, 花园小区3幢二单元5楼501（东户）); 手机 and 固话
    (0571-8…) of one person; names with trailing spaces and line breaks; 居住状态 in the office's
    words; 备注 over several lines; a couple on two rows, its 序号 merged over them and the second
    row's 住址 written another way."""
    group = people(seed, 6, buildings=(3,))
    width = 10
    rows: list[list[Any]] = [[None, "花园社区空巢老人花名册"] + [None] * (width - 2),
                             [None, "填报单位：花园社区居委会", None, None, None, None, None,
                              "填报时间：2026年11月", None, None],
                             [None, "序号", "住址", "户主姓名", "性别", "年龄", "手机", "固话",
                              "居住状态", "备注"]]
    reg = Register("offset-header", offset_header.__doc__ or "", rows, [(0, 1, 0, width - 1)],
                   formats=("xlsx", "ods"), ignored=["序号", "性别"])
    for i, p in enumerate(group):
        b, u, r = p.building, p.unit, p.room
        address = [f"花园小区{b}栋{u}单元{r}室", f"花园小区{b}号楼{u}单元{r}",
                   f"花园小区{b}-{u}-{r}", f"花园小区{b}幢{'一二'[u - 1]}单元{r // 100}楼{r}（东户）"
                   ][i % 4]
        age = TODAY.year - p.born.year
        landline = f"0571-8{p.phone[-7:]}" if i % 2 else None
        living, code = _LIVING[i % len(_LIVING)]
        notes = "腿脚不便\n上下楼需扶" if i % 3 == 0 else None
        start = len(rows)
        rows.append([None, i + 1, address, [p.name + " ", p.name + "\n", _spaced(p.name)][i % 3],
                     1 + i % 2, [age, f"{age}岁", str(age).translate(_FULL_WIDTH)][i % 3],
                     int(p.phone), landline, living, notes])
        ident = f"花园小区-{b}-{u}-{r}"
        expected = _expected(p, ident, address, born=p.born.year, notes=notes or "")
        expected["people"][0]["phone"] = p.phone + (f" / {landline}" if landline else "")
        expected.update(contacts=[], flags=[], care=[], away=[], living=code)
        if i == 1:  # a couple: the spouse on the next row, the 序号 merged over both
            spouse = ("张" if p.name[0] != "张" else "李") + "德顺"
            rows.append([None, None, f"花园小区{b}-{u}-{r}", spouse, 1, age + 2, None, None,
                         living, None])
            reg.merges.append((start, 1, start + 1, 1))
            expected["people"].append({"name": spouse, "born": TODAY.year - age - 2})
        reg.expected[ident] = expected
    return reg


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def phone_cells(seed: int = 22) -> Register:
    """A 联系人 register as offices keep phones: two numbers in one cell (138… / 139…,
    138…、0571-8…, one a line, one a space apart), 手机：138…, a landline with an em dash
    (0571—8…), a number marked （本人）, and a daughter's number in the resident's cell kept with
    its word (139…（女儿）); the contact's two numbers in one cell, or after the contact's name;
    two contacts in one 联系人 cell; 户主姓名, 联系人, 与户主关系, 联系人电话 in that order."""
    group = people(seed, 6, buildings=(17,))
    rows: list[list[Any]] = [["户号", "户主姓名", "联系电话", "联系人", "与户主关系", "联系人电话",
                              "地址"]]
    reg = Register("phone-cells", phone_cells.__doc__ or "", rows, formats=("xlsx", "csv"))
    for i, p in enumerate(group):
        other = f"139{p.phone[3:]}"
        landline = f"0571-8{p.phone[-7:]}"
        cell, stored = [
            (f"{p.phone} / {other}", f"{p.phone} / {other}"),
            (f"{p.phone}、{landline}", f"{p.phone} / {landline}"),
            (f"{p.phone}\n{other}", f"{p.phone} / {other}"),
            (f"手机：{p.phone}", p.phone),
            (f"0571—8{p.phone[-7:]}", landline),
            (f"{p.phone}（本人） 女儿{other}", f"{p.phone} / {other}（女儿）")][i]
        contact_phone = f"{p.contact_phone} {landline}" if i == 0 else p.contact_phone
        ident = f"17-{p.unit}-{p.room}"
        address = f"17号楼{p.unit}单元{p.room}"
        contact, relation = p.contact, p.relation
        if i == 2:  # two contacts in one cell, as 其他联系人 lists them
            contact, relation, contact_phone = \
                f"{p.contact}（{p.relation}）{p.contact_phone}；王强（儿子）13900000299", None, None
        if i == 4:  # the contact's two numbers after the name
            contact, contact_phone = f"{p.contact} {p.contact_phone}、{landline}", None
        rows.append([ident, p.name, cell, contact, relation, contact_phone, address])
        expected = _expected(p, ident, address, notes="")
        expected["people"][0].pop("born")
        expected["people"][0]["phone"] = stored
        expected["contacts"][0]["phone"] = f"{p.contact_phone} / {landline}" if i in (0, 4) \
            else p.contact_phone
        if i == 2:
            expected["contacts"].append({"name": "王强", "relation": "儿子",
                                         "phone": "13900000299"})
        expected.update(flags=[], care=[], away=[])
        reg.expected[ident] = expected
    return reg


def elderly_gbk(seed: int = 23) -> Register:
    """The elderly register of seed 001 saved as CSV from a Chinese Windows (GBK) with its title
    and 填报 lines above the header: 出生年月 as 1942年07月, 42.7, 1942-7-15 0:00:00 (a date
    saved with Excel's midnight) and full-width １９４２年７月; 生日 as 7月15日, 07-15, a whole date,
    or of the lunar calendar (kept in the notes as written); 居住状态 and 兴趣爱好."""
    group = people(seed, 5, buildings=(5,))
    rows: list[list[Any]] = [["铁北社区独居老人台账", None, None, None, None, None, None],
                             ["填报日期：2026年11月30日", None, None, None, None, None, None],
                             ["姓名", "住址", "出生年月", "生日", "居住状态", "兴趣爱好", "联系电话"]]
    reg = Register("elderly-gbk", elderly_gbk.__doc__ or "", rows, formats=("csv-gbk", "csv-bom"))
    hobbies = [("京剧、养花", ["京剧", "养花"]), ("下棋，太极拳", ["下棋", "太极拳"]), (None, None),
               ("广场舞", ["广场舞"]), ("读报/散步", ["读报", "散步"])]
    for i, p in enumerate(group):
        b = p.born
        born_cell = [f"{b.year}年{b.month:02d}月", f"{b.year % 100}.{b.month}",
                     f"{b.year}-{b.month}-{b.day} 0:00:00",
                     f"{b.year}年{b.month}月".translate(_FULL_WIDTH), str(b.year)][i]
        birthday_cell = [f"{b.month}月{b.day}日", f"{b.month:02d}-{b.day:02d}", b.isoformat(),
                         "农历八月十五", None][i]
        living, code = _LIVING[i]
        address = f"铁北小区{p.building}栋{p.unit}单元{p.room}"
        rows.append([p.name, address, born_cell, birthday_cell, living, hobbies[i][0], p.phone])
        ident = f"铁北小区-{p.building}-{p.unit}-{p.room}"
        expected = _expected(p, ident, address, notes="生日：农历八月十五" if i == 3 else "")
        person = expected["people"][0]
        if birthday_cell and i != 3:
            person["birthday"] = b.isoformat()
        if hobbies[i][1]:
            person["interests"] = hobbies[i][1]
        expected.update(contacts=[], flags=[], care=[], away=[], living=code)
        reg.expected[ident] = expected
    return reg


def instructions_first(seed: int = 24) -> Register:
    """A workbook whose first sheet is 说明 (how to fill the form in), the register after it and
    no --sheet given; a resident who moved away hidden rather than deleted (skipped, and said);
    a household entered twice, the same row copied (one household)."""
    group = people(seed, 5, buildings=(15,))
    rows: list[list[Any]] = [["户号", "地址", "姓名", "出生年份", "电话"]]
    reg = Register("instructions-first", instructions_first.__doc__ or "", rows,
                   before=[("说明", [["填表说明"], ["1. 户号按 楼-单元-室 填写"],
                                    ["2. 搬走的住户请隐藏该行，不要删除"]])],
                   formats=("xlsx", "ods"))
    for i, p in enumerate(group):
        ident, address = f"15-{p.unit}-{p.room}", f"15号楼{p.unit}单元{p.room}"
        row = [ident, address, p.name, p.born.year, p.phone]
        rows.append(row)
        if i == 2:
            reg.hidden.append(len(rows) - 1)
            reg.skipped.append((len(rows), "hidden"))
            continue
        if i == 3:
            rows.append(list(row))  # copied twice
        reg.expected[ident] = _expected(p, ident, address, notes="")
        reg.expected[ident].update(contacts=[], flags=[], care=[], away=[])
    return reg


def mark_columns(seed: int = 25) -> Register:
    """A 台账 of yes/no columns (是否独居, 是否低保 with 是/否, √/×), headers broken over two
    lines or spaced out (姓 名, 联系\n电话), 楼号 holding the unit too (19号楼2单元) or 房号 holding
    it (2-301), and a couple in one 姓名 cell (王秀兰、李德胜: the first the resident, the other
    living with them)."""
    group = people(seed, 6, buildings=(19,))
    rows: list[list[Any]] = [["楼号", "房号", "姓 名", "年 龄", "是否独居", "是否低保", "联系\n电话"]]
    reg = Register("mark-columns", mark_columns.__doc__ or "", rows, formats=("xlsx", "xls"))
    for i, p in enumerate(group):
        b, u, r = p.building, p.unit, p.room
        building, room = [(f"{b}号楼{u}单元", str(r)), (f"{b}栋", f"{u}-{r}"),
                          (f"{b}号楼", f"{u}单元{r}室")][i % 3]
        spouse = ("张" if p.name[0] != "张" else "李") + "德顺" if i % 2 == 0 else None
        alone, low = [("是", "否"), ("√", None), ("否", "是"), ("×", "×")][i % 4]
        age = TODAY.year - p.born.year
        rows.append([building, room, f"{p.name}、{spouse}" if spouse else p.name, age, alone, low,
                     p.phone])
        ident = f"{b}-{u}-{r}"
        expected = _expected(p, ident, f"{b}号楼{u}单元{r}", notes="")
        if spouse:
            expected["people"].append({"name": spouse})
        expected.update(contacts=[], care=[], away=[],
                        flags=[code for code, said in (("lives-alone", alone), ("low-income", low))
                               if said in ("是", "√")])
        reg.expected[ident] = expected
    return reg


def corpus() -> list[Register]:
    return [two_row_header(), flattened(), one_row_two_phones(), address_column(), co_residents(),
            grouped_contacts(), offset_header(), phone_cells(), elderly_gbk(),
            instructions_first(), mark_columns()]


# Writers --------------------------------------------------------------------------------------

def _write_xlsx(reg: Register, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in [*reg.before, (reg.sheet, reg.rows)]:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    sheet = book[reg.sheet]
    for top, left, bottom, right in reg.merges:
        sheet.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1,
                          end_column=right + 1)
    for row in reg.hidden:
        sheet.row_dimensions[row + 1].hidden = True
    book.save(path)


def _write_xls(reg: Register, path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for title, rows in [*reg.before, (reg.sheet, reg.rows)]:
        sheet = book.add_sheet(title)
        covered = {(r, c) for t, l, b, rt in (reg.merges if title == reg.sheet else [])
                   for r in range(t, b + 1) for c in range(l, rt + 1) if (r, c) != (t, l)}
        starts = {(t, l): (b, rt) for t, l, b, rt in (reg.merges if title == reg.sheet else [])}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in covered:
                    continue
                style = date_style if isinstance(value, (date, datetime)) else xlwt.Style.default_style
                if (r, c) in starts:
                    b, rt = starts[(r, c)]
                    sheet.write_merge(r, b, c, rt, value, style)
                elif value is not None:
                    sheet.write(r, c, value, style)
    book.save(str(path))


def _write_ods(reg: Register, path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for title, rows in [*reg.before, (reg.sheet, reg.rows)]:
        merges = reg.merges if title == reg.sheet else []
        starts = {(t, l): (b - t + 1, rt - l + 1) for t, l, b, rt in merges}
        covered = {(r, c) for t, l, b, rt in merges for r in range(t, b + 1)
                   for c in range(l, rt + 1) if (r, c) != (t, l)}
        table = Table(name=title)
        for r, row in enumerate(rows):
            tr = TableRow(visibility="collapse") if title == reg.sheet and r in reg.hidden \
                else TableRow()
            for c, value in enumerate(row):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                attrs: dict[str, Any] = {}
                if (r, c) in starts:
                    attrs["numberrowsspanned"], attrs["numbercolumnsspanned"] = starts[(r, c)]
                if isinstance(value, bool) or value is None:
                    cell = TableCell(**attrs)
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value, **attrs)
                elif isinstance(value, (date, datetime)):
                    cell = TableCell(valuetype="date", datevalue=value.strftime("%Y-%m-%d"),
                                     **attrs)
                else:
                    cell = TableCell(valuetype="string", **attrs)
                if value is not None:
                    cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


def _csv(reg: Register, encoding: str, delimiter: str = ",") -> Callable[[Register, Path], None]:
    def write(reg: Register, path: Path) -> None:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n", delimiter=delimiter)
        for row in reg.rows:
            writer.writerow(["" if v is None else v.isoformat() if isinstance(v, (date, datetime))
                             else v for v in row])
        path.write_bytes(out.getvalue().encode(encoding))
    return write


WRITERS: dict[str, Callable[[Register, Path], None]] = {
    "xlsx": _write_xlsx, "xls": _write_xls, "ods": _write_ods,
    "csv": lambda reg, path: _csv(reg, "utf-8")(reg, path),
    "csv-bom": lambda reg, path: _csv(reg, "utf-8-sig")(reg, path),
    "csv-gbk": lambda reg, path: _csv(reg, "gbk")(reg, path),
    "csv-utf16": lambda reg, path: _csv(reg, "utf-16", "\t")(reg, path),  # "Unicode text"
}


def cases() -> list[tuple[Register, str]]:
    return [(reg, fmt) for reg in corpus() for fmt in reg.formats]


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for reg, fmt in cases():
        folder = out / fmt
        folder.mkdir(exist_ok=True)
        print(reg.write(folder, fmt))
