"""Registers (台账) in and figures out: `household import` of an .xlsx or .csv, `export` for the
street office.

An import reads the sheet, turns each row into a household through the model (the same
validation as a file written by hand), and either records every new and changed household in
one signed commit or, if any row is bad, writes nothing and names each bad row as
`FILE:ROW: COLUMN: why` (ROW as the spreadsheet shows it). Empty cells never erase what the
ledger knows. openpyxl is imported only when a workbook is read or written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable

from keyledger import gitops, vocab, yaml
from keyledger.errors import FatalError, Problem, os_error
from keyledger.i18n import _
from keyledger.ids import is_valid_id
from keyledger.ledger import Ledger, locked
from keyledger.model import Household, parse_household
from keyledger.timeutil import now, zone
from keyledger.visits import recorded_late

# The fields a column can be read as (`--map COLUMN=FIELD`), and the headers recognized without
# --map (spaces, '*' and a bracketed remark are ignored): the vocabulary's `import-field` rows.
FIELDS = vocab.IMPORT_FIELD.codes
IGNORE = "-"
HEADERS: dict[str, str] = {word: row.code for row in vocab.IMPORT_FIELD.rows
                           for word in row.words()}
# Columns keyledger's own export writes that an import does not read (pairs are a supervisor's
# commit, keys their own files): skipped without a word.
EXPORT_ONLY = ("同住人", "其他联系人", "A岗", "B岗", "授权至", "钥匙")
# The header an error names when the sheet has no column for the field at fault.
_CANONICAL = {row.code: row.zh for row in vocab.IMPORT_FIELD.rows}


def normalize_header(text: Any) -> str:
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"[(（][^)）]*[)）]", "", value)
    return re.sub(r"[\s*＊]", "", value)


# Reading a sheet ---------------------------------------------------------------------------

@dataclass
class Sheet:
    name: str                          # the file as the user named it, for messages
    headers: list[str]                 # header texts, by column
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _table(name: str, rows: Iterable[tuple[int, list[Any]]], mapping: dict[str, str]) -> Sheet:
    """The header is the first of the first ten rows with two or more columns we know (a title
    row such as 花卉社区独居老人台账 above it is skipped)."""
    pending: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    for number, cells in rows:
        cells = [_cell(c) for c in cells]
        if header is None:
            names = [normalize_header(c) for c in cells]
            known = [n for n in names if n and (n in mapping or n in HEADERS)]
            if len(known) >= 2:
                header = names
            elif number >= 10:
                break
            continue
        if any(c is not None for c in cells):
            pending.append((number, cells))
    if header is None:
        raise FatalError(_("{file}: no header row found in its first ten rows (columns such as "
                           "姓名, 楼号, 单元, 房号, 电话); name the columns with --map COLUMN=FIELD.")
                         .format(file=name))
    return Sheet(name, header, pending)


def read_sheet(path: Path, mapping: dict[str, str] | None = None) -> Sheet:
    mapping = mapping or {}
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, mapping)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, mapping)
    raise FatalError(_("{file}: keyledger imports .xlsx or .csv files (save an .xls as .xlsx "
                       "first).").format(file=path))


def _read_xlsx(path: Path, mapping: dict[str, str]) -> Sheet:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise FatalError(_("{file} does not exist.").format(file=path))
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise FatalError(_("{file} cannot be read as an Excel workbook: {error}").format(
            file=path, error=exc))
    try:
        sheet = book.worksheets[0]
        return _table(str(path), ((n, list(r)) for n, r in
                                  enumerate(sheet.iter_rows(values_only=True), 1)), mapping)
    finally:
        book.close()


def _read_csv(path: Path, mapping: dict[str, str]) -> Sheet:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FatalError(_("{file} does not exist.").format(file=path))
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}.").format(path=path, error=os_error(exc)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel on a Chinese Windows saves CSV as GBK
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FatalError(_("{file} is neither UTF-8 nor GBK text; save it as CSV UTF-8.")
                             .format(file=path))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(str(path), ((n, row) for n, row in enumerate(reader, 1)), mapping)


# Cells into fields -------------------------------------------------------------------------

class CellError(Exception):
    pass


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip() if isinstance(value, (int, float)) \
        else str(value).strip()


def _part(value: Any, suffixes: tuple[str, ...]) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).replace(" ", "")
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


_PHONE_CHARS = re.compile(r"\+?[0-9()\-]+")


def phone(value: Any) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).replace(" ", "")
    digits = re.sub(r"\D", "", text)
    if not _PHONE_CHARS.fullmatch(text) or not 7 <= len(digits) <= 15:
        raise CellError(_("{value!r} is not a phone number: write it like 13800000101 or "
                          "010-12345678").format(value=_text(value)))
    if text.isdigit() and text.startswith("1") and len(text) != 11:
        raise CellError(_("{value!r} is not a mobile number: a mobile number has 11 digits")
                        .format(value=text))
    return text


def born(value: Any, today: date) -> int:
    if isinstance(value, (date, datetime)):
        year = value.year
    else:
        text = unicodedata.normalize("NFKC", _text(value))
        match = re.fullmatch(r"(\d{4})\s*年?|(\d{4})[-/.年]\d{1,2}[-/.月]\d{1,2}日?", text)
        if not match:
            raise CellError(_("{value!r} is not a year of birth; write it like 1946")
                            .format(value=text))
        year = int(match.group(1) or match.group(2))
    if not 1900 <= year <= today.year:
        raise CellError(_("{year} is not a year of birth between 1900 and {now}").format(
            year=year, now=today.year))
    return year


def age(value: Any, today: date) -> int:
    text = unicodedata.normalize("NFKC", _text(value))
    match = re.fullmatch(r"(\d{1,3})\s*岁?", text)
    if not match or int(match.group(1)) > 120:
        raise CellError(_("{value!r} is not an age in years").format(value=text))
    return today.year - int(match.group(1))


def day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            pass
        raise CellError(_("{value!r} is not a date that exists").format(value=text))
    raise CellError(_("{value!r} is not a date; write it like 2026-11-25").format(value=text))


def _words(value: Any, kind: str) -> list[str]:
    """A cell's words of the vocabulary (独居、高龄; 季节性外出/低保), as codes."""
    try:
        return list(vocab.codes_of(kind, _text(value)))
    except vocab.UnknownWord as error:
        raise CellError(error.sentence("zh").rstrip("."))


def flags(value: Any) -> list[str]:
    return _words(value, "flag")


def care(value: Any) -> list[str]:
    return _words(value, "care")


def kind(value: Any) -> str:
    words = _words(value, "household-kind")
    if len(words) != 1:
        raise CellError(_("expected one of: {names}").format(
            names=vocab.choices("household-kind", "zh")))
    return words[0]


# Rows into households ----------------------------------------------------------------------

@dataclass
class Planned:
    row: int
    household: Household
    status: str                      # "add", "change", "same", or "conflict": a change to a
                                     # household the ledger places elsewhere, made only with update
    changed: tuple[str, ...] = ()    # the household file's fields that differ
    ledger_address: str | None = None  # a conflict's address in the ledger (the sheet's is the
                                       # household's)


@dataclass
class Plan:
    file: str
    items: list[Planned] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)   # columns not imported
    problems: list[Problem] = field(default_factory=list)   # one per bad row
    conflicts: list[Problem] = field(default_factory=list)  # one per "conflict" item

    def of(self, status: str) -> list[Planned]:
        return [p for p in self.items if p.status == status]

    def refusal(self) -> FatalError | None:
        """Why the import cannot be made as it stands: bad rows, else conflicts."""
        if self.problems:
            return FatalError(_("{file}: {n} bad row(s); nothing was imported. Fix them and run "
                                "the import again.").format(file=self.file, n=len(self.problems)),
                              self.problems)
        if self.conflicts:
            return FatalError(
                _("{file}: {n} row(s) would change a household that the ledger places at another "
                  "address; nothing was imported. Check them, and give --update to change them "
                  "as the sheet says.").format(file=self.file, n=len(self.conflicts)),
                self.conflicts)
        return None


def parse_map(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = normalize_header(column), target.strip()
        target = IGNORE if target == IGNORE else vocab.lookup(vocab.IMPORT_FIELD, target) or ""
        if not sep or not column or not target:
            raise FatalError(_("--map takes COLUMN=FIELD, FIELD one of: {fields} (or - to skip "
                               "the column); not {item!r}.").format(
                                   fields=vocab.choices(vocab.IMPORT_FIELD), item=item))
        out[column] = target
    return out


def _columns(sheet: Sheet, mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and the columns left unread."""
    for column in mapping:
        if column not in sheet.headers:
            columns = ", ".join(h for h in sheet.headers if h)
            raise FatalError(_("--map {column}: {file} has no column {column!r}; its columns "
                               "are: {columns}.").format(column=column, file=sheet.name,
                                                         columns=columns))
    fields: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(sheet.headers):
        if not header:
            continue
        target = mapping.get(header, HEADERS.get(header))
        if target is None:
            if header not in EXPORT_ONLY:
                ignored.append(header)
            continue
        if target == IGNORE:
            continue
        if target in fields:
            raise FatalError(_("{file}: columns {first!r} and {second!r} are both read as {field}; "
                               "skip one with --map {second}=-.").format(
                                   file=sheet.name, first=sheet.headers[fields[target]],
                                   second=header, field=target))
        fields[target] = index
    if "id" not in fields and not {"building", "room"} <= set(fields):
        raise FatalError(_("{file}: no column gives the household id: a 户号 column, or 楼号, 单元 "
                           "and 房号; name them with --map COLUMN=FIELD.").format(file=sheet.name))
    return fields, ignored


# Model field (people[0].phone) -> import field, so the model's problems name the sheet's column.
_MODEL_FIELDS = [(r"id", "id"), (r"name", "household_name"), (r"address", "address"),
                 (r"kind", "kind"), (r"people\[0\]\.name", "name"),
                 (r"people\[0\]\.phone", "phone"),
                 (r"people\[0\]\.born", "born"), (r"people\[0\]\.health", "health"),
                 (r"contacts\[\d+\]\.name", "contact"), (r"contacts\[\d+\]\.relation", "relation"),
                 (r"contacts\[\d+\]\.phone", "contact_phone"), (r"flags.*", "flags"),
                 (r"care.*", "care"), (r"away\[\d+\]\.from", "away_from"),
                 (r"away\[\d+\]\.until", "away_until"), (r"away\[\d+\]\.note", "away_note"),
                 (r"notes", "notes")]
# When the sheet has no column for a field, the one the value came from.
_FALLBACK = {"household_name": ("name",), "born": ("age",), "address": ("building", "room"),
             "id": ("room", "building")}


class _Row:
    """One row's cells by field, and its problems by import field."""

    def __init__(self, sheet: Sheet, fields: dict[str, int], number: int, cells: list[Any]):
        self.sheet, self.fields, self.number = sheet, fields, number
        self.cells = cells
        self.problems: dict[str, str] = {}

    def raw(self, name: str) -> Any:
        index = self.fields.get(name)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def get(self, name: str, convert: Callable[[Any], Any] = _text) -> Any:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return convert(value)
        except CellError as exc:
            self.fail(name, str(exc))
            return None

    def fail(self, name: str, message: str) -> None:
        self.problems.setdefault(name, message)

    def column(self, name: str) -> tuple[int, str]:
        for candidate in (name, *_FALLBACK.get(name, ())):
            if candidate in self.fields:
                index = self.fields[candidate]
                return index, self.sheet.headers[index]
        return len(self.sheet.headers), _CANONICAL.get(name, name)

    def problem(self) -> Problem | None:
        if not self.problems:
            return None
        by_column: dict[tuple[int, str], str] = {}
        for name, message in self.problems.items():
            by_column.setdefault(self.column(name), message)  # the first problem of each column
        located = sorted(by_column.items())
        (_index, first), message = located[0]
        rest = "".join(f"; {header}: {why}" for (_i, header), why in located[1:])
        return Problem(self.sheet.name, self.number, first, message + rest)


def _import_field(model_field: str) -> str:
    for pattern, name in _MODEL_FIELDS:
        if re.fullmatch(pattern, model_field):
            return name
    return model_field


def _household_id(row: _Row, estate: bool = True) -> str | None:
    """The 户号 column, else 楼号-单元-房号 after the 小区 (东升家园-8-1-401): two estates of one
    register each have an 8-1-401."""
    if "id" in row.fields:
        ident = row.get("id")
        if ident is None:
            row.fail("id", _("missing: the household id, e.g. 8-1-401"))
        return ident
    parts = []
    if estate and "estate" in row.fields:
        name = row.get("estate", lambda v: _part(v, ()))
        if name is None:
            row.fail("estate", _("missing"))
            return None
        parts.append(name)
    for name, suffixes in (("building", ("号楼", "栋", "幢", "号")), ("unit", ("单元",)),
                           ("room", ("室", "号"))):
        if name not in row.fields:
            continue
        value = row.get(name, lambda v, s=suffixes: _part(v, s))  # type: ignore[misc]
        if value is None:
            row.fail(name, _("missing"))
            return None
        parts.append(value)
    return "-".join(parts)


def _address(row: _Row) -> str | None:
    """A new household's address from 小区, 楼号, 单元, 房号 when the sheet has no 地址."""
    parts = [(row.get("estate") or "")]
    for name, suffixes, unit in (("building", ("号楼", "栋", "幢", "号"), "号楼"),
                                 ("unit", ("单元",), "单元"), ("room", ("室", "号"), "")):
        value = row.get(name, lambda v, s=suffixes: _part(v, s))  # type: ignore[misc]
        if value:
            parts.append(value + unit)
    return "".join(parts) if len(parts) > 1 else None


def _apply(row: _Row, data: dict[str, Any], new: bool, today: date) -> None:
    """The row's non-empty cells over the household's fields (as its YAML would hold them)."""
    household_name = row.get("household_name")
    person = row.get("name")
    people: list[dict[str, Any]] = data["people"]
    if person is not None:
        if not people:
            people.append({"name": person})
        else:
            if not household_name and data["name"] == people[0].get("name"):
                data["name"] = person  # a household named after its main resident follows them
            people[0]["name"] = person
        if new and not household_name:
            data["name"] = person
    elif new and household_name is None:
        row.fail("name", _("missing: a new household needs the main resident's name"))
    if household_name is not None:
        data["name"] = household_name
    details = {"phone": row.get("phone", phone),
               "born": row.get("born", lambda v: born(v, today)),
               "health": row.get("health")}
    if details["born"] is None and "born" not in row.fields:
        details["born"] = row.get("age", lambda v: age(v, today))
    details = {k: v for k, v in details.items() if v is not None}
    if details:
        if not people:
            people.append({"name": data.get("name")})
        people[0].update(details)

    contact = row.get("contact")
    relation, contact_phone = row.get("relation"), row.get("contact_phone", phone)
    if contact is not None:
        entry = next((c for c in data["contacts"] if c.get("name") == contact), None)
        if entry is None:
            entry = {"name": contact}
            data["contacts"].append(entry)
        entry.update({k: v for k, v in (("relation", relation), ("phone", contact_phone))
                      if v is not None})
    elif relation is not None or contact_phone is not None:
        row.fail("contact", _("missing: the contact's relation and phone need the contact's name"))

    found = row.get("flags", flags)
    if found is not None:
        kept = [f for f in data["flags"] if f == "lock-change"]  # the ledger's own, set by `lost`
        data["flags"] = list(dict.fromkeys(found + kept))
        if new and "merchant" in found and row.raw("kind") is None:
            data["kind"] = "merchant"
    looked_after = row.get("care", care)
    if looked_after is not None:
        data["care"] = looked_after
    household_kind = row.get("kind", kind)
    if household_kind is not None:
        data["kind"] = household_kind

    start, until = row.get("away_from", day), row.get("away_until", day)
    note = row.get("away_note")
    if start and until:
        period = {"from": start.isoformat(), "until": until.isoformat(),
                  **({"note": note} if note else {})}
        same = next((i for i, a in enumerate(data["away"]) if a["from"] == period["from"]), None)
        if same is None:
            data["away"].append(period)
        else:
            data["away"][same] = {**data["away"][same], **period}
    elif (start is None) != (until is None) and \
            not row.problems.keys() & {"away_from", "away_until"}:
        row.fail("away_until" if start else "away_from",
                 _("missing: a period away needs both 离开日期 and 返回日期"))

    address = row.get("address")
    if address is not None:
        data["address"] = address
    elif new:
        data["address"] = _address(row)
    notes = row.get("notes")
    if notes is not None:
        data["notes"] = notes


def plan_import(ledger: Ledger, path: Path, mapping: dict[str, str],
                update: bool = False) -> Plan:
    """What importing `path` would add and change, with its bad rows and conflicts."""
    sheet = read_sheet(path, mapping)
    fields, ignored = _columns(sheet, mapping)
    today = now(zone(ledger.settings.timezone)).date()
    households = set(ledger.ids("household"))
    keys = set(ledger.ids("key"))
    plan = Plan(str(path), ignored=ignored)
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        row = _Row(sheet, fields, number, cells)
        planned = _plan_row(ledger, row, today, households, keys, seen, update)
        problem = row.problem()
        if problem is not None:
            plan.problems.append(problem)
        elif planned is not None:
            plan.items.append(planned)
            if planned.status == "conflict":
                _index, column = row.column("estate" if "estate" in fields else "address")
                plan.conflicts.append(Problem(sheet.name, number, column, _(
                    "{id} is at {ledger} in the ledger, the sheet says {sheet}").format(
                        id=planned.household.id, ledger=planned.ledger_address,
                        sheet=planned.household.address)))
    return plan


def _same_place(first: str | None, second: str | None) -> bool:
    def plain(address: str | None) -> str:
        return re.sub(r"\s", "", unicodedata.normalize("NFKC", address or "")).removesuffix("室")
    return plain(first) == plain(second)


def _sheet_address(row: _Row) -> str | None:
    """Where the sheet places the row's household: its 地址, else one made from 小区, 楼号, 单元
    and 房号. None when the sheet names no estate: then the id alone places it."""
    address = row.get("address")
    if address is not None or row.get("estate") is None:
        return address
    return _address(row)


def _plan_row(ledger: Ledger, row: _Row, today: date, households: set[str], keys: set[str],
              seen: dict[str, int], update: bool) -> Planned | None:
    ident = _household_id(row)
    if ident is None:
        return None
    address = _sheet_address(row)
    short = _household_id(row, estate=False)
    if ident not in households and short != ident and short in households and \
            _same_place(ledger.household(short).address, address):
        # A ledger whose households were named without their estate (8-1-401) before: the row
        # is the household already there, not a second file for the same home.
        ident = short
    if not is_valid_id(ident):
        row.fail("id", _("{id!r} cannot be a household id: use letters, digits, '.', '_' or '-'")
                 .format(id=ident))
        return None
    if ident in seen:
        row.fail("id", _("the same household as row {row} ({id})").format(row=seen[ident],
                                                                           id=ident))
        return None
    seen[ident] = row.number
    if ident in keys:
        row.fail("id", _("{id} is a key's id; a household needs an id of its own").format(id=ident))
        return None
    old = ledger.household(ident) if ident in households else None
    data = old.to_dict() if old else {
        "schema": 1, "id": ident, "name": None, "address": None, "kind": "resident", "people": [],
        "contacts": [], "flags": [], "away": [], "care": [], "pair": {"a": None, "b": None},
        "notes": ""}
    _apply(row, data, old is None, today)
    moved = old is not None and address is not None and not _same_place(old.address, address)
    if moved:
        data["address"] = address
    if row.problems:
        return None
    relpath = ledger.relpath("household", ident)
    try:
        household = parse_household(relpath, yaml.dump(data), ident)
    except FatalError as exc:
        for p in exc.problems:
            row.fail(_import_field(p.field or ""), p.message)
        return None
    if old is None:
        return Planned(row.number, household, "add")
    before, after = old.to_dict(), household.to_dict()
    changed = tuple(k for k in after if after[k] != before.get(k))
    if moved and not update:
        return Planned(row.number, household, "conflict", changed, old.address)
    return Planned(row.number, household, "change" if changed else "same", changed)


@locked
def import_households(ledger: Ledger, path: Path, mapping: dict[str, str],
                      dry_run: bool = False, update: bool = False) -> tuple[Plan, str | None]:
    """Add and change the sheet's households in one signed commit (none for a dry run, or when
    nothing differs, or when the plan has bad rows or conflicts: see `Plan.refusal`)."""
    from keyledger.identity import acting_steward

    actor = acting_steward(ledger)
    plan = plan_import(ledger, path, mapping, update)
    writes = plan.of("add") + plan.of("change")
    if dry_run or not writes or plan.refusal() is not None:
        return plan, None
    files: dict[str, str | bytes | None] = {
        ledger.relpath("household", p.household.id): yaml.dump(p.household.to_dict())
        for p in writes}
    sha = ledger.change(files, gitops.format_message(
        f"import {len(plan.of('add'))} new and {len(plan.of('change'))} changed households "
        f"from {path.name}",
        [("Action", "household-import"), ("Steward", actor.id), ("Count", str(len(writes)))]))
    return plan, sha


# Export ------------------------------------------------------------------------------------

WHAT = ("households", "keys", "visits")
FORMATS = ("xlsx", "csv")
SHEET_TITLES = {"households": "住户台账", "keys": "钥匙", "visits": "上门记录"}


def _join(values: Iterable[str]) -> str:
    return "、".join(v for v in values if v)


def household_rows(ledger: Ledger) -> tuple[list[str], list[list[Any]]]:
    headers = ["户号", "户名", "姓名", "地址", "户别", "电话", "出生年份", "健康状况", "同住人",
               "紧急联系人", "关系", "紧急联系电话", "其他联系人", "标签", "照看事项", "离开日期",
               "返回日期", "外出说明", "A岗", "B岗", "授权至", "钥匙", "备注"]
    today = now(zone(ledger.settings.timezone)).date()
    names = {s.id: s.name for s in ledger.stewards()}
    keys: dict[str, list[str]] = {}
    for k in ledger.keys():
        if k.state != "handed-back":
            keys.setdefault(k.household, []).append(k.id)
    rows = []
    for h in ledger.households():
        main = h.people[0] if h.people else None
        first = h.contacts[0] if h.contacts else None
        away = next((a for a in h.away if a.until >= today), h.away[-1] if h.away else None)
        auth = h.authorization
        rows.append([
            h.id, h.name, main.name if main else None, h.address,
            vocab.name("household-kind", h.kind, "zh"),
            main.phone if main else None, main.born if main else None,
            main.health if main else None,
            _join(f"{p.name}({p.born})" if p.born else p.name for p in h.people[1:]) or None,
            first.name if first else None, first.relation if first else None,
            first.phone if first else None,
            _join(" ".join(x for x in (c.name, f"({c.relation})" if c.relation else "", c.phone)
                           if x) for c in h.contacts[1:]) or None,
            _join(vocab.name("flag", f, "zh") for f in h.flags) or None,
            _join(vocab.name("care", c, "zh") for c in h.care) or None,
            away.start if away else None, away.until if away else None,
            away.note if away else None,
            names.get(h.pair_a, h.pair_a) if h.pair_a else None,
            names.get(h.pair_b, h.pair_b) if h.pair_b else None,
            ("已撤销" if auth.revoked else auth.until) if auth else None,
            _join(keys.get(h.id, [])) or None, h.notes or None])
    return headers, rows


def key_rows(ledger: Ledger) -> tuple[list[str], list[list[Any]]]:
    headers = ["钥匙编号", "户号", "户名", "类型", "说明", "柜位", "状态", "持有人", "借出时间",
               "事由", "预计归还", "见证人", "预约", "备注"]
    tz = zone(ledger.settings.timezone)
    names = {s.id: s.name for s in ledger.stewards()}
    households = {h.id: h.name for h in ledger.households()}

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    rows = []
    for k in ledger.keys():
        # A key's `since` is when its state began: the return, the loss, the handback. The
        # column is the checkout's time, so only a key that is out has one.
        rows.append([
            k.id, k.household, households.get(k.household), vocab.name("key-kind", k.kind, "zh"),
            k.label, k.slot, vocab.name("key-state", k.state, "zh"),
            names.get(k.holder, k.holder) if k.holder else None,
            local(k.since) if k.state == "out" else None,
            vocab.name("purpose", k.purpose, "zh") or None,
            local(k.expected_back), names.get(k.witness, k.witness) if k.witness else None,
            _join(f"{r.start.astimezone(tz):%Y-%m-%d %H:%M}–{r.until.astimezone(tz):%H:%M} "
                  f"{vocab.name('purpose', r.purpose, 'zh')} {names.get(r.steward, r.steward)}"
                  for r in k.reservations) or None,
            k.note])
    return headers, rows


def visit_rows(ledger: Ledger, start: date | None = None,
               until: date | None = None) -> tuple[list[str], list[list[Any]]]:
    from keyledger.visits import FOLDER, visits_between

    headers = ["记录编号", "日期", "开始", "结束", "户号", "户名", "事由", "管家", "钥匙",
               "检查情况", "发现问题", "处理情况", "放行人员", "告知业主", "照片数", "回访日期",
               "备注", "补录"]
    tz = zone(ledger.settings.timezone)
    if start is None or until is None:
        years = sorted(int(e.name) for e in os.scandir(ledger.root / FOLDER)
                       if e.name.isdigit()) if (ledger.root / FOLDER).is_dir() else []
        start = start or (date(years[0], 1, 1) if years else now(tz).date())
        until = until or (date(years[-1], 12, 31) if years else now(tz).date())
    names = {s.id: s.name for s in ledger.stewards()}
    households = {h.id: h.name for h in ledger.households()}
    rows = []
    for v in visits_between(ledger, start, until):
        started = v.started.astimezone(tz)
        rows.append([
            v.id, started.date(), started.replace(tzinfo=None),
            v.ended.astimezone(tz).replace(tzinfo=None) if v.ended else None,
            v.household, households.get(v.household), vocab.name("visit-purpose", v.purpose, "zh"),
            _join(names.get(s, s) for s in v.stewards), v.key,
            _join(f"{vocab.name('care', c.item, 'zh')}:{vocab.name('check-result', c.result, 'zh')}"
                  + (f"({c.note})" if c.note else "") for c in v.checklist) or None,
            _join(v.findings) or None, _join(v.actions) or None,
            _join(" ".join(x for x in (i.who, i.company, i.did) if x) for i in v.let_in) or None,
            _join(v.informed) or None, len(v.photos), v.follow_up, v.note,
            "是" if recorded_late(v) else None])
    return headers, rows


def rows_of(ledger: Ledger, what: str, start: date | None = None,
            until: date | None = None) -> tuple[list[str], list[list[Any]]]:
    if what == "households":
        return household_rows(ledger)
    if what == "keys":
        return key_rows(ledger)
    if what == "visits":
        return visit_rows(ledger, start, until)
    raise FatalError(_("export takes households, keys or visits, not {what!r}.").format(what=what))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese as Chinese."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[_csv_value(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(4, len(h) * 2) for h in headers]
    for row in rows:
        sheet.append(row)
        for i, value in enumerate(row):
            if value is not None:
                text = _csv_value(value)
                wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
                widths[i] = min(60, max(widths[i], wide))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(ledger: Ledger, what: str, fmt: str, start: date | None = None,
           until: date | None = None) -> tuple[bytes, int]:
    """The file's bytes and its number of data rows."""
    if fmt not in FORMATS:
        raise FatalError(_("--format takes xlsx or csv, not {fmt!r}.").format(fmt=fmt))
    headers, rows = rows_of(ledger, what, start, until)
    data = write_xlsx(SHEET_TITLES[what], headers, rows) if fmt == "xlsx" else \
        write_csv(headers, rows)
    return data, len(rows)
