"""What each column of a register is: its header as offices write it, in one row or two (住址 over
楼栋/单元/门牌, 紧急联系人 over 姓名/联系电话), read as one of the import's FIELDS, or as `--map`
says."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from keyledger.errors import FatalError
from keyledger.i18n import _

# The fields a column can be read as (`--map COLUMN=FIELD`); "-" ignores a column. Each has the
# Chinese name an error uses when the sheet has no such column, which --map also takes.
CANONICAL: dict[str, str] = {
    "id": "户号", "estate": "小区", "building": "楼号", "unit": "单元", "room": "房号",
    "household_name": "户名", "name": "姓名", "address": "地址", "kind": "户别", "phone": "电话",
    "born": "出生年份", "age": "年龄", "id_number": "身份证号", "health": "健康状况",
    "contact": "紧急联系人", "relation": "关系", "contact_phone": "紧急联系电话", "flags": "标签",
    "care": "照看事项", "away_from": "离开日期", "away_until": "返回日期", "away_note": "外出说明",
    "notes": "备注", "residents": "同住人", "other_contacts": "其他联系人"}
FIELDS = tuple(CANONICAL)
IGNORE = "-"
CONTACT_FIELDS = ("contact", "relation", "contact_phone")

# Column headers recognised without --map (after normalize_header).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("户号", "编号", "房屋编号", "户编号", "住户编号"),
    "estate": ("小区", "小区名称", "小区名", "所在小区", "院落", "院落名称"),
    "building": ("楼号", "楼栋", "楼栋号", "栋号", "栋", "幢", "幢号", "楼", "楼幢", "楼幢号"),
    "unit": ("单元", "单元号"),
    "room": ("房号", "房间号", "门牌号", "门牌", "室", "室号", "户室号", "房号门牌"),
    "household_name": ("户名", "店名", "商户名称", "店铺名称"),
    "name": ("姓名", "户主", "户主姓名", "业主姓名", "住户姓名", "老人姓名", "居民姓名", "本人姓名",
             "名字"),
    "address": ("地址", "住址", "家庭住址", "详细地址", "居住地址", "现住址", "现居住地址"),
    "kind": ("户别", "住户类型"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "户主电话", "本人电话", "本人手机",
              "本人联系电话", "联系方式", "固定电话", "电话号码", "老人电话"),
    "born": ("出生年份", "出生年", "出生日期", "出生年月", "出生年月日", "生日"),
    "age": ("年龄", "岁数"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码"),
    "health": ("健康状况", "健康", "身体状况", "健康情况", "身体情况"),
    "contact": ("紧急联系人", "紧急联系人姓名", "联系人", "联系人姓名", "监护人", "监护人姓名"),
    "relation": ("关系", "与户主关系", "紧急联系人关系", "与本人关系", "与老人关系", "联系人关系"),
    "contact_phone": ("紧急联系电话", "紧急联系人电话", "联系人电话", "监护人电话", "紧急联系方式",
                      "联系人手机", "紧急联系人手机"),
    "flags": ("标签", "类别", "人员类别", "特殊标识", "人员类型", "重点人群类别"),
    "care": ("照看事项", "托管事项", "服务内容", "服务需求", "照看内容"),
    "away_from": ("离开日期", "外出日期", "外出开始", "离家日期", "外出时间", "离开时间"),
    "away_until": ("返回日期", "外出结束", "预计返回", "返回时间", "回家日期", "预计返回日期",
                   "预计返回时间"),
    "away_note": ("外出说明", "去向", "外出去向", "外出地点"),
    "notes": ("备注", "说明", "情况说明", "其他情况", "备注说明"),
}
HEADERS: dict[str, str] = {name: f for f, names in _SYNONYMS.items() for name in names}
HEADERS.update({f: f for f in FIELDS})

# Headers of a group in a two-row header, and what their sub-columns are.
_CONTACT_GROUP = re.compile(r"(紧急联系人|联系人|监护人|子女)(信息|情况)?([1-9一二三]?)")
_AWAY_GROUP = ("外出情况", "外出信息", "南飞情况", "外出", "离家情况")
_ADDRESS_GROUP = ("住址", "地址", "家庭住址", "房屋信息", "门牌信息", "居住地址", "现住址", "房屋地址")
_PERSON_GROUP = ("本人信息", "老人信息", "基本信息", "户主信息", "住户信息", "基本情况", "本人情况")
_CONTACT_SUB = {"姓名": "contact", "名字": "contact", "联系人": "contact", "称呼": "contact",
                "关系": "relation", "与本人关系": "relation", "与老人关系": "relation"}
_AWAY_SUB = (("离开", "away_from"), ("出发", "away_from"), ("开始", "away_from"),
             ("外出日期", "away_from"), ("返回", "away_until"), ("回来", "away_until"),
             ("结束", "away_until"), ("去向", "away_note"), ("地点", "away_note"),
             ("说明", "away_note"))
_NUMERALS = {"": 0, "1": 0, "一": 0, "2": 1, "二": 1, "3": 2, "三": 2}
# Columns keyledger's own export writes that an import does not read (pairs are a supervisor's
# commit, keys their own files), and the reason column of a FILE-未导入.xlsx: skipped quietly.
QUIET = ("A岗", "B岗", "授权至", "钥匙", "未导入原因", "高龄", "居住状态", "兴趣爱好")
# A column headed with a field's own Chinese name is that field: keyledger's own export writes
# 同住人 and 其他联系人 (the people and contacts past the first), and they are read back.
_BY_NAME = {name: f for f, name in CANONICAL.items()}


def field_of(header: str) -> str | None:
    """The field a (normalized) header is read as without --map, or None."""
    return HEADERS.get(header) or _BY_NAME.get(header)


def normalize_header(text: Any) -> str:
    """A header as compared: full-width forms folded, spaces, '*', ':' and a bracketed remark
    (（必填）) left out."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    value = re.sub(r"[(（][^)）]*[)）]", "", value)
    return re.sub(r"[\s*＊:：]", "", value)


def is_group(text: str) -> bool:
    return bool(_CONTACT_GROUP.fullmatch(text)) or text in _AWAY_GROUP + _ADDRESS_GROUP + \
        _PERSON_GROUP


def known(text: str) -> bool:
    """A header cell keyledger recognises (one of a header row's, or a group over them)."""
    return field_of(text) is not None or is_group(text) or _numbered(text) is not None


def _numbered(text: str) -> tuple[str, int] | None:
    """紧急联系人2, 联系电话2: a second contact's column."""
    match = re.fullmatch(r"(.+?)([1-9一二三])", text)
    field = HEADERS.get(match.group(1)) if match else None
    if match and field in CONTACT_FIELDS + ("phone",):
        return "contact_phone" if field == "phone" else field, _NUMERALS[match.group(2)]
    return None


@dataclass(frozen=True)
class Column:
    index: int
    header: str          # as the sheet names it, a two-row header joined: 紧急联系人/联系电话
    field: str | None    # None: not imported
    slot: int = 0        # which contact (紧急联系人1, 紧急联系人2)


def parse_map(items: list[str]) -> dict[str, str]:
    """--map COLUMN=FIELD: FIELD by its code (contact_phone), by the Chinese name an error uses
    (紧急联系电话) or by any header keyledger recognises (门牌); - skips the column."""
    out = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), normalize_header(target) or target.strip()
        field = target if target in FIELDS + (IGNORE,) else field_of(target)
        if not sep or not column or field is None:
            raise FatalError(_("--map takes COLUMN=FIELD, FIELD one of: {fields} (or - to skip "
                               "the column); not {item!r}.").format(
                                   fields=", ".join(f"{f} ({CANONICAL[f]})" for f in FIELDS),
                                   item=item))
        out[_map_key(column)] = field
    return out


def _map_key(column: str) -> str:
    group, sep, name = column.partition("/")
    return f"{normalize_header(group)}/{normalize_header(name)}" if sep else \
        normalize_header(column)


def resolve(headers: list[tuple[str, str]], mapping: dict[str, str],
            file: str) -> list[Column]:
    """Each column's field, from its (group, name) header: a group's sub-columns first (the
    contact's 姓名 is the contact), then in a one-row header its place (a 联系电话 after 紧急联系人
    is the contact's), then the header itself."""
    columns: list[Column] = []
    displays = [f"{g}/{n}" if g and n and g != n else (n or g) for g, n in headers]
    twice = {d for d in displays if d and displays.count(d) > 1}
    seen: dict[str, int] = {}
    used: set[str] = set()
    run: set[str] | None = None   # the fields of a one-row header's current contact so far
    slot_of_run, slots = 0, 0
    for index, ((group, name), display) in enumerate(zip(headers, displays)):
        if not display:
            columns.append(Column(index, "", None))
            continue
        seen[display] = seen.get(display, 0) + 1
        target, slot = _mapped(mapping, display, name, seen[display], used)
        if target is None:
            target, slot = _by_group(group, name)
            if target is not None:
                slots = max(slots, slot + 1)
        if target is None:
            numbered = _numbered(name)
            target, slot = numbered if numbered else (field_of(name), 0)
            if target in CONTACT_FIELDS + ("phone",) and not numbered:
                if target == "contact" and (run is None or "contact" in run):
                    run, slot_of_run, slots = set(), slots, slots + 1
                if run is not None and target == "phone" and "contact_phone" not in run:
                    target = "contact_phone"
                if target in CONTACT_FIELDS:
                    slot = slot_of_run if run is not None else 0
            elif target in ("name", "health", "born", "age", "id_number"):
                run = None
            if run is not None and target in CONTACT_FIELDS:
                run.add(target)
        if display in twice:  # two 联系电话 columns: messages name each by its letter too
            display = f"{display}({letter(index)})"
        columns.append(Column(index, display, None if target == IGNORE else target, slot))
    unused = set(mapping) - used
    if unused:
        column = sorted(unused)[0]
        raise FatalError(_("--map {column}: {file} has no column {column!r}; its columns are: "
                           "{columns}.").format(column=column, file=file,
                                                columns=", ".join(d for d in displays if d)))
    _check_unique(columns, file)
    return columns


def letter(index: int) -> str:
    """A column's letters as a spreadsheet shows them: 0 is A, 26 is AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _mapped(mapping: dict[str, str], display: str, name: str, nth: int,
            used: set[str]) -> tuple[str | None, int]:
    for key in (f"{display}#{nth}", display, name):
        if key in mapping:
            used.add(key)
            return mapping[key], 0
    return None, 0


def _by_group(group: str, name: str) -> tuple[str | None, int]:
    if not group or group == name:
        return None, 0
    contact = _CONTACT_GROUP.fullmatch(group)
    if contact:
        slot = _NUMERALS[contact.group(3)]
        field = _CONTACT_SUB.get(name) or {"phone": "contact_phone", "contact_phone":
                                           "contact_phone", "relation": "relation",
                                           "name": "contact", "contact": "contact"}.get(
                                               HEADERS.get(name, ""))
        return field, slot
    if group in _AWAY_GROUP:
        for word, field in _AWAY_SUB:
            if word in name:
                return field, 0
    return None, 0


def _check_unique(columns: list[Column], file: str) -> None:
    first: dict[tuple[str, int], Column] = {}
    for column in columns:
        if column.field is None:
            continue
        key = (column.field, column.slot)
        if key in first:
            other = first[key]
            base = re.sub(r"\([A-Z]+\)$", "", column.header)
            nth = sum(1 for c in columns[: column.index + 1]
                      if re.sub(r"\([A-Z]+\)$", "", c.header) == base)
            hint = f"{base}#{nth}" if nth > 1 else base
            raise FatalError(_("{file}: columns {first!r} and {second!r} are both read as "
                               "{field}; say which is which with --map {hint}=FIELD (e.g. "
                               "contact_phone), or skip one with --map {hint}=-.").format(
                                   file=file, first=other.header, second=column.header,
                                   field=f"{column.field} ({CANONICAL[column.field]})",
                                   hint=hint))
        first[key] = column


def identifies(columns: list[Column]) -> bool:
    """The sheet has what a household's id is made from: a 户号, 楼号 and 房号, or an address."""
    fields = {c.field for c in columns}
    return "id" in fields or {"building", "room"} <= fields or "address" in fields
