"""What each column of a register is: its header as offices write it, in one row or two (住址 over
楼栋/单元/门牌, 紧急联系人 over 姓名/联系电话), read as one of the import's FIELDS, or as `--map`
says."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from keyledger import vocab
from keyledger.errors import FatalError
from keyledger.i18n import _

# The fields a column can be read as (`--map COLUMN=FIELD`), with the headers offices write for
# each, are the vocabulary's (keyledger/vocab.py, IMPORT_FIELD): a field is typed in --map, and
# recognised as a header, by its code, its Chinese name or any of its other words. "-" ignores a
# column.
CANONICAL: dict[str, str] = {row.code: row.zh for row in vocab.IMPORT_FIELD.rows}
FIELDS = vocab.IMPORT_FIELD.codes
IGNORE = "-"
CONTACT_FIELDS = ("contact", "relation", "contact_phone")


def field_of(header: str) -> str | None:
    """The field a header (after normalize_header) names, or None."""
    return vocab.lookup(vocab.IMPORT_FIELD, header) if header else None


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
# 高龄 is derived from the age at the ledger's threshold, never read.
QUIET = ("A岗", "B岗", "授权至", "钥匙", "未导入原因", "高龄")


def normalize_header(text: Any) -> str:
    """A header as compared: full-width forms folded, spaces, '*', ':' and a bracketed remark
    (（必填）) left out."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    value = re.sub(r"[(（][^)）]*[)）]", "", value)
    return re.sub(r"[\s*＊:：]", "", value)


def is_group(text: str) -> bool:
    return bool(_CONTACT_GROUP.fullmatch(text)) or text in _AWAY_GROUP + _ADDRESS_GROUP + \
        _PERSON_GROUP


def _flag_mark(text: str) -> tuple[str | None, int]:
    """是否独居, 是否低保户: a column answering 是/否 for one flag of the vocabulary (slot: the
    flag's place among FLAGS)."""
    match = re.fullmatch(r"是否(?:为)?(.+)", text)
    code = vocab.lookup(vocab.FLAG, match.group(1)) if match else None
    return ("flag_mark", vocab.FLAGS.index(code)) if code else (None, 0)


def known(text: str) -> bool:
    """A header cell keyledger recognises (one of a header row's, or a group over them)."""
    return field_of(text) is not None or is_group(text) or _numbered(text) is not None or \
        _flag_mark(text)[0] is not None


def _numbered(text: str) -> tuple[str, int] | None:
    """紧急联系人2, 联系电话2: a second contact's column."""
    match = re.fullmatch(r"(.+?)([1-9一二三])", text)
    field = field_of(match.group(1)) if match else None
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
        field = IGNORE if target == IGNORE else field_of(target)
        if not sep or not column or field is None:
            raise FatalError(_("--map takes COLUMN=FIELD, FIELD one of: {fields} (or - to skip "
                               "the column); not {item!r}.").format(
                                   fields=vocab.choices(vocab.IMPORT_FIELD), item=item))
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
            if target is None:
                target, slot = _flag_mark(name)
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
                                               field_of(name) or "")
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
                                   field=f"{column.field} "
                                         f"({CANONICAL.get(column.field, column.header)})",
                                   hint=hint))
        first[key] = column


def identifies(columns: list[Column]) -> bool:
    """The sheet has what a household's id is made from: a 户号, 楼号 and 房号, or an address."""
    fields = {c.field for c in columns}
    return "id" in fields or {"building", "room"} <= fields or "address" in fields
