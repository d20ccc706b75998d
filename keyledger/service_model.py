"""The service records as data: what a visit found and left open, owners' requests, errands.

A household file keeps what is still open about it — problems found and not yet put right,
requests not yet answered, money advanced on an errand and not yet repaid — the way a key file
keeps its custody state; a visit file keeps what it closed, so a report needs no history to say
it. `keyledger.service` holds the rules that change them; this module only reads and writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from keyledger.i18n import _
from keyledger.timeutil import iso
from keyledger.vocab import CARE, LIVING, REQUEST_CHANNELS, REQUEST_FROM

if TYPE_CHECKING:
    from keyledger.model import _Reader

Where = tuple[str | int, ...]


@dataclass(frozen=True)
class OpenProblem:
    """A problem a visit found (`problem`) that nobody has put right yet: the `n`th entry of
    that visit's checklist, so that it is named exactly when it is closed."""

    visit: str
    n: int
    item: str | None        # a care item, or None for something not on the care list
    note: str | None
    since: datetime

    @property
    def ref(self) -> str:
        return f"{self.visit}#{self.n}"

    def to_dict(self) -> dict[str, Any]:
        return {"visit": self.visit, "n": self.n, "item": self.item, "note": self.note,
                "since": iso(self.since)}


@dataclass(frozen=True)
class Resolved:
    """A problem of an earlier visit that this visit put right, and what was done."""

    visit: str
    n: int
    item: str | None
    note: str | None
    done: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.visit}#{self.n}"

    def to_dict(self) -> dict[str, Any]:
        return {"visit": self.visit, "n": self.n, "item": self.item, "note": self.note,
                "done": self.done}


@dataclass(frozen=True)
class OwnerRequest:
    """Something an owner (or their family, a neighbour) asked for: 帮我看看阳台窗户关没关."""

    received: datetime
    text: str
    via: str = "phone"
    by: str = "owner"
    steward: str = ""       # who took it

    def to_dict(self) -> dict[str, Any]:
        return {"received": iso(self.received), "text": self.text, "via": self.via,
                "by": self.by, "steward": self.steward}


@dataclass(frozen=True)
class Errand:
    """An errand (代买/代办): what was bought or done, the money advanced, whether repaid."""

    items: tuple[str, ...]
    advanced: str | None = None     # yuan, two decimals, as text: never a float
    repaid: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"items": list(self.items), "advanced": self.advanced, "repaid": self.repaid}


@dataclass(frozen=True)
class Advance:
    """Money a steward advanced on an errand and the household has not repaid yet."""

    visit: str
    at: datetime
    amount: str
    items: tuple[str, ...] = ()
    steward: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"visit": self.visit, "at": iso(self.at), "amount": self.amount,
                "items": list(self.items), "steward": self.steward}


def money(value: Any) -> str | None:
    """An amount of yuan as `86.50`; None if it is not one (negative, more than two decimals)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip().removesuffix("元").removeprefix("¥").strip()
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text):
        return None
    try:
        return f"{Decimal(text):.2f}"
    except InvalidOperation:
        return None


def _m() -> Any:
    from keyledger import model  # model imports this module: its checks are read when called

    return model


def _items(reader: _Reader, data: dict[str, Any], name: str) -> list[tuple[Where, dict[str, Any]]]:
    value = data.get(name) or []
    if not isinstance(value, list):
        reader.fail((name,), _("expected a list"))
        return []
    return [((name, i), v) for i, v in enumerate(value)]


def _money(value: Any) -> tuple[bool, Any]:
    amount = money(value)
    return (True, amount) if amount else (False, _("an amount of yuan like 86.50"))


_REQUIRED = object()  # a field the file must have


def _read(reader: _Reader, raw: Any, at: Where, make: Any,
          fields: tuple[tuple[str, Any, Any], ...]) -> Any:
    """One entry as `make(**fields)`: each field by its check, required unless a default is
    given (a default of None is an optional field)."""
    entry = reader.mapping(raw, at, tuple(name for name, _c, _d in fields))
    return make(**{name: reader.get(entry, name, check, at, required=default is _REQUIRED,
                                    default=None if default is _REQUIRED else default)
                   for name, check, default in fields})


def _entries(reader: _Reader, data: dict[str, Any], name: str, make: Any,
             fields: tuple[tuple[str, Any, Any], ...]) -> tuple[Any, ...]:
    return tuple(_read(reader, raw, at, make, fields) for at, raw in _items(reader, data, name))


def _problem_fields() -> tuple[tuple[str, Any, Any], ...]:
    m = _m()
    return (("visit", m._id, _REQUIRED), ("n", m._positive, _REQUIRED), ("item", m._one_of(CARE), None),
            ("note", m._text, None))


def read_problems(reader: _Reader, data: dict[str, Any]) -> tuple[OpenProblem, ...]:
    since = ("since", _m()._datetime, _REQUIRED)
    return _entries(reader, data, "problems", _made(OpenProblem), _problem_fields() + (since,))


def read_requests(reader: _Reader, data: dict[str, Any]) -> tuple[OwnerRequest, ...]:
    return tuple(_request(reader, raw, at) for at, raw in _items(reader, data, "requests"))


def _request(reader: _Reader, raw: Any, at: Where) -> OwnerRequest:
    m = _m()
    return _read(reader, raw, at, _made(OwnerRequest), (
        ("received", m._datetime, _REQUIRED), ("text", m._words, _REQUIRED),
        ("via", m._one_of(REQUEST_CHANNELS), _REQUIRED), ("by", m._one_of(REQUEST_FROM), _REQUIRED),
        ("steward", m._id, _REQUIRED)))


def read_advances(reader: _Reader, data: dict[str, Any]) -> tuple[Advance, ...]:
    m = _m()
    return _entries(reader, data, "advances", _made(Advance), (
        ("visit", m._id, _REQUIRED), ("at", m._datetime, _REQUIRED), ("amount", _money, _REQUIRED),
        ("items", m._list_of(m._text), []), ("steward", m._id, _REQUIRED)))


def read_living(reader: _Reader, data: dict[str, Any]) -> str | None:
    return reader.get(data, "living", _m()._one_of(LIVING), required=False)


def read_resolves(reader: _Reader, data: dict[str, Any]) -> tuple[Resolved, ...]:
    done = ("done", _m()._text, None)
    return _entries(reader, data, "resolves", _made(Resolved), _problem_fields() + (done,))


def _made(cls: Any) -> Any:
    """The record from read fields: lists as tuples, a field the file lacks (already reported)
    as a harmless placeholder, so one bad entry does not hide the problems of the others."""
    def make(**values: Any) -> Any:
        filled = {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items()}
        for k, v in filled.items():
            if v is None and k in _PLACEHOLDERS:
                filled[k] = _PLACEHOLDERS[k]
        return cls(**filled)
    return make


_PLACEHOLDERS: dict[str, Any] = {"visit": "", "n": 1, "since": datetime.min,
                                 "received": datetime.min, "text": "", "via": "phone",
                                 "by": "owner", "steward": "", "at": datetime.min,
                                 "amount": "0.00"}


def read_answered(reader: _Reader, data: dict[str, Any]) -> OwnerRequest | None:
    raw = data.get("request")
    return None if raw is None else _request(reader, raw, ("request",))


def read_errand(reader: _Reader, data: dict[str, Any]) -> Errand | None:
    raw = data.get("errand")
    if raw is None:
        return None
    m = _m()
    at: Where = ("errand",)
    entry = reader.mapping(raw, at, ("items", "advanced", "repaid"))
    errand = Errand(tuple(reader.get(entry, "items", m._list_of(m._words), at, default=[])),
                    reader.get(entry, "advanced", _money, at, required=False),
                    reader.get(entry, "repaid", m._bool, at, required=False, default=False))
    if not errand.items and "items" in entry:
        reader.fail(at + ("items",), _("expected at least one thing bought or done"))
    return errand


def read_birthday(reader: _Reader, entry: dict[str, Any], at: Where) -> date | None:
    return reader.get(entry, "birthday", _m()._date, at, required=False)
