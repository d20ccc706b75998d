"""A row's values over a household as the ledger has it, without losing a word: an empty field
takes the sheet's value; a field the ledger has and the sheet says otherwise is a *conflict*,
changed only with --update; lists (people, contacts, flags, care, periods away) only grow;
free text the ledger already holds (a shorter note) changes nothing, and with --update the
sheet's differing text is added after the ledger's, never put in its place."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from keyledger import vocab
from keyledger.i18n import _
from keyledger.spreadsheet.address import places
from keyledger.spreadsheet.cells import same_name
from keyledger.spreadsheet.row import Contact, Resident, Row, Values


@dataclass(frozen=True)
class Change:
    field: str            # the household file's field: name, address, people, contacts, …
    column: str           # the sheet's header it comes from (备注, 紧急联系人/联系电话)
    ledger: str | None    # as the ledger has it; None: nothing there yet
    sheet: str            # as the sheet has it
    conflict: bool        # the ledger's value would be changed (only with --update)


def _plain(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def same_place(first: str | None, second: str | None, estate: str = "") -> bool:
    """Two addresses of one home: the same text, or the same estate, building, unit and room
    however written (花园小区3栋2单元501室 is 花园小区3-2-501). `estate`: the one the sheet's
    address is in when it names none (3-2-501 in a register of 花园小区's)."""
    if _plain(first).removesuffix("室") == _plain(second).removesuffix("室"):
        return True
    one, other = places(first or ""), places(second or "")
    if other is not None and not other[0] and estate:
        other = (estate, *other[1:])
    return one is not None and one == other


class Merger:
    """Collects the changes of one row to one household's data (as its YAML holds it)."""

    def __init__(self, row: Row, data: dict[str, Any], update: bool, new: bool,
                 cohabit: bool) -> None:
        self.row, self.data, self.update, self.new = row, data, update, new
        self.cohabit = cohabit  # another row of the sheet made this household: a new name is
                                # another resident of it, not a conflict
        self.changes: list[Change] = []

    def scalar(self, target: dict[str, Any], key: str, value: Any, field: str, column: str,
               shown: str | None = None, free_text: bool = False, same: bool = False,
               kind: str | None = None) -> None:
        """`target[key]` becomes `value` if it is empty; a different value is a conflict. A
        code of the vocabulary's `kind` is shown by its Chinese name, the ledger's as the
        sheet's."""
        if value is None:
            return
        old = target.get(key)
        if kind is not None:
            shown = vocab.name(kind, value, "zh")
        if old == value or same:
            return
        if old in (None, ""):
            target[key] = value
            if not self.new:
                self.changes.append(Change(field, column, None, shown or str(value), False))
            return
        if free_text:
            if _plain(str(value)) in _plain(str(old)):
                return  # the ledger says it already, and maybe more: nothing to lose or add
            if _plain(str(old)) in _plain(str(value)):
                target[key] = value  # the sheet's text adds to the ledger's and keeps all of it
                self.changes.append(Change(field, column, str(old), str(value), False))
                return
        self.changes.append(Change(field, column, vocab.name(kind, old, "zh") if kind else str(old),
                                   shown or str(value), True))
        if self.update:
            target[key] = f"{old}\n{value}" if free_text else value


def merge(row: Row, data: dict[str, Any], found: Values, update: bool, new: bool,
          address: str | None, moved: bool, cohabit: bool = False) -> list[Change]:
    """Apply `found` to `data` (a new household's or the ledger's), returning what changes."""
    m = Merger(row, data, update, new, cohabit)
    if not _people(m, found):
        return m.changes  # another resident at this id: the rest of the row is theirs
    m.scalar(data, "name", found.household_name, "name", row.header("household_name"))
    m.scalar(data, "kind", found.kind, "kind", row.header("kind"), kind="household-kind")
    m.scalar(data, "living", found.living, "living", row.header("living"), kind="living")
    if moved:  # the ledger places the household elsewhere: a conflict, whatever the sheet says
        m.changes.append(Change("address", row.header("address"), data["address"], address or "",
                                True))
        if update:
            data["address"] = address
    elif found.address is not None and not same_place(data.get("address"), found.address,
                                                      row.estate):
        m.scalar(data, "address", found.address, "address", row.header("address"))
    for resident in found.residents:
        _resident(m, resident)
    for contact in found.contacts:
        _contact(m, contact)
    _words(m, "flags", found.flags, "flag")
    _words(m, "care", found.care, "care")
    _away(m, found)
    m.scalar(data, "notes", found.notes, "notes", row.header("notes"), free_text=True)
    return m.changes


def _people(m: Merger, found: Values) -> bool:
    """The row's resident over the household's people; False when the ledger has another
    resident there (a conflict) and the row is not to be laid over theirs."""
    data, row = m.data, m.row
    people: list[dict[str, Any]] = data["people"]
    if found.name is None and found.phone is None and found.born is None and \
            found.health is None and not found.interests:
        return True
    index = 0
    if not people:
        people.append({"name": found.name or data.get("name")})
        if not m.new:
            m.changes.append(Change("people", row.header("name"), None, found.name or "", False))
    elif found.name is not None:
        index = next((i for i, p in enumerate(people) if same_name(p.get("name"), found.name)),
                     -1)
    if index == -1 and m.cohabit:  # a second row of one home in the sheet: another resident
        people.append({"name": found.name})
        index = len(people) - 1
    elif index == -1:
        m.changes.append(Change("people", row.header("name"), people[0].get("name"),
                                found.name or "", True))
        if not m.update:
            return False
        if data.get("name") == people[0].get("name") and found.household_name is None:
            data["name"] = found.name  # a household named after its resident follows them
        people[0] = {"name": found.name}
        index = 0
    person = people[index]
    m.scalar(person, "phone", found.phone, "people", row.header("phone"))
    old_born = person.get("born")
    m.scalar(person, "born", found.born, "people",
             row.header("age" if found.born_from_age else "born"),
             same=found.born_from_age and old_born is not None and found.born is not None
             and abs(old_born - found.born) <= 1)  # an age is a year of birth give or take one
    _birthday(m, person, found)
    m.scalar(person, "health", found.health, "people", row.header("health"), free_text=True)
    _interests(m, person, found.interests)
    return True


def _birthday(m: Merger, person: dict[str, Any], found: Values) -> None:
    """The 生日 of a person whose year born it agrees with; beside a year born the ledger keeps
    (a conflict not taken), it is shown as a conflict too, never written into a file it would
    contradict."""
    if found.birthday is None:
        return
    day, column = found.birthday.isoformat(), m.row.header("birthday")
    if person.get("born") in (None, found.birthday.year):
        m.scalar(person, "birthday", day, "people", column)
    elif person.get("birthday") != day:
        m.changes.append(Change("people", column, person.get("birthday"), day, True))


def _interests(m: Merger, person: dict[str, Any], found: list[str] | None) -> None:
    """兴趣爱好 only grow, as flags do: the sheet's new ones are added after the ledger's."""
    old: list[str] = person.get("interests") or []
    added = [i for i in found or () if not any(_plain(i) == _plain(o) for o in old)]
    if not added:
        return
    person["interests"] = old + added
    if not m.new:
        m.changes.append(Change("people", m.row.header("interests"), "、".join(old) or None,
                                "、".join(old + added), False))


def _resident(m: Merger, found: Resident) -> None:
    """Another person of the household (同住人): the ledger's of the same name, else added."""
    people: list[dict[str, Any]] = m.data["people"]
    column = m.row.header("residents")
    person = next((p for p in people if same_name(p.get("name"), found.name)), None)
    if person is None:
        people.append({k: v for k, v in (("name", found.name), ("born", found.born),
                                         ("phone", found.phone), ("health", found.health))
                       if v is not None})
        if not m.new:
            m.changes.append(Change("people", column, None, resident_text(found), False))
        return
    m.scalar(person, "born", found.born, "people", column)
    m.scalar(person, "phone", found.phone, "people", column)
    m.scalar(person, "health", found.health, "people", column, free_text=True)


def resident_text(person: dict[str, Any] | Resident) -> str:
    """A person past the first as the export's 同住人 writes one: 白雪（1992，健康：高血压）
    13800000115."""
    if isinstance(person, Resident):
        name, born, phone, health = person.name, person.born, person.phone, person.health
    else:
        name, born, phone, health = (person.get(k) for k in ("name", "born", "phone", "health"))
    inside = "，".join([str(born)] * bool(born) + [f"健康：{health}"] * bool(health))
    return f"{name}" + (f"（{inside}）" if inside else "") + (f" {phone}" if phone else "")


def contact_text(contact: dict[str, Any] | Contact) -> str:
    if isinstance(contact, Contact):
        name, relation, phone = contact.name, contact.relation, contact.phone
    else:
        name, relation, phone = contact.get("name"), contact.get("relation"), contact.get("phone")
    return f"{name}" + (f"（{relation}）" if relation else "") + (f" {phone}" if phone else "")


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def _contact(m: Merger, found: Contact) -> None:
    """A contact is the ledger's of the same name (李晓梅（女儿）is 李晓梅), else of the same phone;
    else a new one, added."""
    contacts: list[dict[str, Any]] = m.data["contacts"]
    entry = next((c for c in contacts if same_name(c.get("name"), found.name)), None)
    if entry is None and found.phone:
        entry = next((c for c in contacts if _digits(c.get("phone")) == _digits(found.phone)),
                     None)
        if entry is not None:
            m.scalar(entry, "name", found.name, "contacts", found.column)
    if entry is None:
        entry = {k: v for k, v in (("name", found.name), ("relation", found.relation),
                                   ("phone", found.phone)) if v is not None}
        contacts.append(entry)
        if not m.new:
            m.changes.append(Change("contacts", found.column, None, contact_text(found), False))
        return
    m.scalar(entry, "relation", found.relation, "contacts", found.relation_column or found.column)
    m.scalar(entry, "phone", found.phone, "contacts", found.phone_column or found.column)


def _words(m: Merger, key: str, found: list[str] | None, kind: str) -> None:
    """Flags and care items are added, never taken away (household edit does that)."""
    if not found:
        return
    old: list[str] = m.data[key]
    added = [w for w in found if w not in old]
    if not added:
        return
    order = list(vocab.KINDS[kind].codes)
    merged = sorted(dict.fromkeys(old + added), key=lambda w: order.index(w) if w in order
                    else len(order))
    if not m.new:
        m.changes.append(Change(key, m.row.header(key), vocab.names(kind, old, "zh")
                                or None, vocab.names(kind, merged, "zh"), False))
    m.data[key] = merged


def _away(m: Merger, found: Values) -> None:
    start, until, note = found.away
    if start is None or until is None:
        return
    periods: list[dict[str, Any]] = m.data["away"]
    period = next((a for a in periods if a["from"] == start.isoformat()), None)
    shown = f"{start.isoformat()} – {until.isoformat()}"
    if period is None:
        periods.append({"from": start.isoformat(), "until": until.isoformat(),
                        **({"note": note} if note else {})})
        periods.sort(key=lambda a: a["from"])
        if not m.new:
            m.changes.append(Change("away", m.row.header("away_from"), None,
                                    shown + (f" {note}" if note else ""), False))
        return
    m.scalar(period, "until", until.isoformat(), "away", m.row.header("away_until"))
    m.scalar(period, "note", note, "away", m.row.header("away_note"), free_text=True)


def side_by_side(change: Change) -> str:
    """A conflict's two values: the ledger's beside the sheet's."""
    return _("the ledger has {ledger!r}, the sheet {sheet!r}").format(ledger=change.ledger,
                                                                      sheet=change.sheet)


def describe(change: Change) -> str:
    return f"{change.column}: {side_by_side(change)}"
