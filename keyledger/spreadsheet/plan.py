"""What importing a register would do: each row's household added, changed, the same, or in
conflict with the ledger, and the rows that are bad; nothing is written here (importer.py
writes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from keyledger.errors import FatalError, Problem
from keyledger.i18n import _
from keyledger.ids import is_valid_id
from keyledger.ledger import Ledger
from keyledger.model import Household, household_from_data
from keyledger.spreadsheet.columns import QUIET
from keyledger.spreadsheet.layout import Skipped, Table, has_header, lay_out
from keyledger.spreadsheet.merge import Change, describe, merge, same_place, side_by_side
from keyledger.spreadsheet.read import read_grid
from keyledger.spreadsheet.row import (Row, estate_named, household_id, made_address,
                                       sheet_address, values)
from keyledger.timeutil import now, zone

Progress = Callable[[int, int], None]


@dataclass
class Planned:
    row: int
    household: Household
    status: str                      # "add", "change", "same", or "conflict": a change to a
                                     # value the ledger has, made only with --update
    changes: list[Change] = field(default_factory=list)
    ledger_address: str | None = None  # the ledger's address, when the sheet places it elsewhere
    rows: list[int] = field(default_factory=list)  # every row of the sheet for this household

    @property
    def changed(self) -> tuple[str, ...]:
        """The household file's fields that change, in the file's order."""
        order = ("name", "address", "kind", "living", "people", "contacts", "flags", "away",
                 "care", "notes")
        fields = {c.field for c in self.changes}
        return tuple(f for f in order if f in fields)


@dataclass
class Plan:
    file: str
    table: Table
    update: bool = False
    birth_from_id: bool = False                            # the ledger's policy
    items: list[Planned] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)       # columns not imported
    not_stored: list[str] = field(default_factory=list)    # columns never kept (身份证号)
    problems: list[Problem] = field(default_factory=list)  # one per bad row
    conflicts: list[Problem] = field(default_factory=list)  # one per row in conflict
    rejected: dict[int, str] = field(default_factory=dict)  # bad or conflicting row -> why

    @property
    def skipped(self) -> list[Skipped]:
        return self.table.skipped

    def of(self, status: str) -> list[Planned]:
        return [p for p in self.items if p.status == status]

    def writes(self) -> list[Planned]:
        return [p for p in self.items if p.status in ("add", "change") or
                p.status == "conflict" and self.update]

    def refusal(self) -> FatalError | None:
        """Why the import cannot be made as it stands: bad rows, else conflicts."""
        if self.problems:
            return FatalError(_("{file}: {n} bad row(s); nothing was imported. Fix them and run "
                                "the import again, or import the good rows with --skip-bad.")
                              .format(file=self.file, n=len(self.problems)), self.problems)
        if self.conflicts and not self.update:
            return FatalError(
                _("{file}: {n} row(s) would change what the ledger says (shown as ledger and "
                  "sheet); nothing was imported. Check them, and give --update to take the "
                  "sheet's values (notes are added to, never replaced).").format(
                      file=self.file, n=len(self.conflicts)), self.conflicts)
        return None


# Model field (people[0].phone) -> import field, so the model's problems name the sheet's column.
_MODEL_FIELDS = [(r"id", "id"), (r"name", "household_name"), (r"address", "address"),
                 (r"kind", "kind"), (r"people\[\d+\]\.name", "name"),
                 (r"people\[\d+\]\.phone", "phone"),
                 (r"people\[\d+\]\.born", "born"), (r"people\[\d+\]\.health", "health"),
                 (r"people\[\d+\]\.birthday", "birthday"),
                 (r"people\[\d+\]\.interests.*", "interests"), (r"living", "living"),
                 (r"contacts\[\d+\]\.name", "contact"), (r"contacts\[\d+\]\.relation", "relation"),
                 (r"contacts\[\d+\]\.phone", "contact_phone"), (r"flags.*", "flags"),
                 (r"care.*", "care"), (r"away\[\d+\]\.from", "away_from"),
                 (r"away\[\d+\]\.until", "away_until"), (r"away\[\d+\]\.note", "away_note"),
                 (r"notes", "notes")]


def _import_field(model_field: str) -> str:
    for pattern, name in _MODEL_FIELDS:
        if re.fullmatch(pattern, model_field):
            return name
    return model_field


def _blank(ident: str) -> dict[str, Any]:
    return {"schema": 1, "id": ident, "name": None, "address": None, "kind": None,
            "people": [], "contacts": [], "flags": [], "away": [], "care": [],
            "pair": {"a": None, "b": None}, "notes": ""}


def plan_import(ledger: Ledger, path: Path, mapping: dict[str, str], update: bool = False,
                sheet: str | None = None, progress: Progress | None = None) -> Plan:
    """What importing `path` would add and change, with its bad rows and conflicts."""
    table = lay_out(read_grid(path, sheet, lambda rows: has_header(rows, mapping)), mapping)
    settings = ledger.settings
    today = now(zone(settings.timezone)).date()
    plan = Plan(str(path), table, update, settings.birth_year_from_id)
    for column in table.columns:
        if column.field == "id_number":
            plan.not_stored.append(column.header)
        elif column.field is None and column.header and column.header not in QUIET:
            plan.ignored.append(column.header)
    households = set(ledger.ids("household"))
    keys = set(ledger.ids("key"))
    rows = [Row(table.name, table.columns, number, cells) for number, cells in table.rows]
    idents = [_ident(ledger, row, households) for row in rows]
    _estates_left_out(ledger, rows, idents, households)
    existing = {h.id: h for h in ledger.households(sorted({i for i in idents if i in households}))}
    made: dict[str, Planned] = {}
    for done, (row, ident) in enumerate(zip(rows, idents), 1):
        if progress is not None and done % 250 == 0:
            progress(done, len(rows))
        planned = _plan_row(row, ident, existing, made, keys, update, today,
                            settings.birth_year_from_id, plan)
        if row.problems:
            problem = row.problem()
            assert problem is not None
            plan.problems.append(problem)
            plan.rejected[row.number] = row.reason()
        elif planned is not None and planned.status == "conflict" and \
                planned.row == row.number:
            conflicts = [c for c in planned.changes if c.conflict]
            plan.conflicts.append(Problem(table.name, row.number, conflicts[0].column, "; ".join(
                [side_by_side(conflicts[0])] + [describe(c) for c in conflicts[1:]])))
            if not update:
                plan.rejected[row.number] = "; ".join(describe(c) for c in conflicts)
    if progress is not None:
        progress(len(rows), len(rows))
    plan.items = sorted(made.values(), key=lambda p: p.row)
    return plan


def _estates_left_out(ledger: Ledger, rows: list[Row], idents: list[str | None],
                      households: set[str]) -> None:
    """A place written without its estate (3-2-602) among places that name one (花园小区3栋2单元
    501室): the estate of the others when they all name the same, else a bad cell — never an id
    that puts one home of the estate beside the others."""
    named = {estate_named(row) for row in rows} - {None}
    if "" not in named or len(named) < 2:
        return
    estates = sorted(named - {""})
    for i, row in enumerate(rows):
        if idents[i] is None or estate_named(row) != "":
            continue
        if len(estates) == 1:
            row.estate = estates[0]
            idents[i] = _ident(ledger, row, households, estates[0])
        else:
            row.fail("address", _("{address!r} names no estate, and the sheet's other addresses "
                                  "name {estates}: write which").format(
                                      address=row.get("address") or "", estates="、".join(estates)))
            idents[i] = None


def _ident(ledger: Ledger, row: Row, households: set[str], default: str = "") -> str | None:
    ident = household_id(row, default=default)
    if ident is None:
        return None
    short = household_id(row, estate=False)
    if ident not in households and short != ident and short in households and \
            same_place(ledger.household(short).address, sheet_address(row)):
        # A ledger whose households were named without their estate (8-1-401) before: the row
        # is the household already there, not a second file for the same home.
        return short
    return ident


def _plan_row(row: Row, ident: str | None, existing: dict[str, Household],
              made: dict[str, Planned], keys: set[str], update: bool, today: Any,
              birth_from_id: bool, plan: Plan) -> Planned | None:
    if ident is None:
        values(row, today, birth_from_id)  # the row's other bad cells too: fixed in one go
        return None
    if not is_valid_id(ident):
        row.fail("id", _("{id!r} cannot be a household id: use letters, digits, '.', '_' or '-'")
                 .format(id=ident))
        return None
    if ident in keys:
        row.fail("id", _("{id} is a key's id; a household needs an id of its own").format(id=ident))
        return None
    found = values(row, today, birth_from_id)
    if row.problems:
        return None
    earlier = made.get(ident)
    old = existing.get(ident)
    if earlier is not None:  # another row of the same home: more residents, contacts, flags
        data = earlier.household.to_dict()
        changes = merge(row, data, found, False, earlier.status == "add", None, False,
                        cohabit=True)
        differs = [c for c in changes if c.conflict]
        if differs:
            row.fail("id", _("the same household as row {row} ({id}), which says otherwise: "
                             "{what}").format(row=earlier.row, id=ident,
                                              what="; ".join(map(describe, differs))))
            return None
        household = _checked(row, data)
        if household is None:
            return None
        earlier.household = household
        earlier.rows.append(row.number)
        if earlier.status == "same" and changes:
            earlier.status = "change"
        earlier.changes.extend(changes)
        return earlier
    address = sheet_address(row)
    moved = old is not None and address is not None and \
        not same_place(old.address, address, row.estate)
    data = old.to_dict() if old is not None else _blank(ident)
    changes = merge(row, data, found, update, old is None, address, moved)
    if old is None:
        if data["name"] is None:
            data["name"] = found.name
        if data["address"] is None:
            data["address"] = found.address or made_address(row)
        data["kind"] = data["kind"] or "resident"
        if found.name is None and found.household_name is None:
            row.fail("name", _("missing: a new household needs the main resident's name"))
            return None
        if not data["address"]:
            row.fail("address", _("missing: a new household needs its address (a 地址 column, "
                                  "or 楼号, 单元 and 房号)"))
            return None
    household = _checked(row, data)
    if household is None:
        return None
    if old is None:
        status = "add"
    elif any(c.conflict for c in changes):
        status = "conflict"
    else:
        status = "change" if changes else "same"
    planned = Planned(row.number, household, status, changes,
                      old.address if moved and old is not None else None, [row.number])
    made[ident] = planned
    return planned


def _checked(row: Row, data: dict[str, Any]) -> Household | None:
    try:
        return household_from_data(f"households/{data['id']}.yaml", data)
    except FatalError as exc:
        for p in exc.problems:
            row.fail(_import_field(p.field or ""), p.message)
        return None
