"""The ledger's files as data, and their validation.

Each `parse_*` takes a file's path and text and returns the record, or raises `FatalError`
carrying every problem found, each with its path, line and field, the way bean-check reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from keyledger import service_model as sm
from keyledger.errors import FatalError, Problem
from keyledger.i18n import _
from keyledger.ids import is_valid_id
from keyledger.ledger import MAX_FILE_BYTES
from keyledger.text import printable
from keyledger.timeutil import iso, parse_duration
from keyledger.vocab import (CALL_OUTCOMES, CARE, CHECK_RESULTS, FLAGS, HOUSEHOLD_KINDS,
                             KEY_KINDS, KEY_STATES, PURPOSES, ROLES, VISIT_PURPOSES, WEEKDAYS)

SCHEMA = 1
_MISSING = object()
# Problems reported for one file: past these, how many more there are.
MAX_PROBLEMS = 100


def too_big(path: str, size: int) -> FatalError:
    return FatalError(_("{path} is {size} KB; a ledger file is at most {limit} KB, so it is not "
                        "read.").format(path=path, size=size // 1024, limit=MAX_FILE_BYTES // 1024),
                      [Problem(path, None, None, _("too big to be a ledger file"))])

# A check turns a raw YAML value into the model's value, or returns what was expected.
Check = Callable[[Any], tuple[bool, Any]]


def _text(value: Any) -> tuple[bool, Any]:
    # What a terminal would obey (an escape sequence typed into a file by hand) is never kept.
    return (True, printable(value)) if isinstance(value, str) else \
        (False, _("text (put numbers in quotes)"))


def _int(value: Any) -> tuple[bool, Any]:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return (True, value) if ok else (False, _("a whole number"))


def _bool(value: Any) -> tuple[bool, Any]:
    return (True, value) if isinstance(value, bool) else (False, _("true or false"))


def _id(value: Any) -> tuple[bool, Any]:
    ok = isinstance(value, str) and is_valid_id(value)
    return (True, value) if ok else (False, _("an id (letters, digits, '.', '_', '-')"))


def _words(value: Any) -> tuple[bool, Any]:
    ok = isinstance(value, str) and bool(printable(value).strip())
    return (True, printable(value).strip()) if ok else (False, _("text that is not empty"))


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> tuple[bool, Any]:
        if value in choices:
            return True, value
        return False, _("one of: {choices}").format(choices=", ".join(choices))
    return check


def _list_of(item: Check) -> Check:
    def check(value: Any) -> tuple[bool, Any]:
        if not isinstance(value, list):
            return False, _("a list")
        out = []
        for element in value:
            ok, converted = item(element)
            if not ok:
                return False, _("a list, each item {expected}").format(expected=converted)
            out.append(converted)
        return True, out
    return check


def _date(value: Any) -> tuple[bool, Any]:
    try:
        return True, date.fromisoformat(value)
    except (TypeError, ValueError):
        return False, _("a date that exists, like 2026-11-25")


def _datetime(value: Any) -> tuple[bool, Any]:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False, _("a date and time with its UTC offset, like 2026-11-25T14:02:00+08:00")
    if moment.tzinfo is None:
        return False, _("a date and time with its UTC offset, like 2026-11-25T14:02:00+08:00")
    return True, moment


def _duration(value: Any) -> tuple[bool, Any]:
    duration = parse_duration(value) if isinstance(value, str) else None
    return (True, duration) if duration else (False, _("a duration like 2h or 90m"))


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."


def field_name(at: tuple[str | int, ...]) -> str:
    """("people", 0, "born") as people[0].born."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in at).lstrip(".")


class _Reader:
    """Collects the problems of one file while its fields are read."""

    def __init__(self, path: str, text: str | None) -> None:
        self.path = path
        self.text = text  # None: data made in memory, whose problems have no line
        self.errors: list[tuple[tuple[str | int, ...], str]] = []

    def fail(self, at: tuple[str | int, ...], message: str) -> None:
        self.errors.append((at, message))

    def get(self, data: dict[str, Any], name: str, check: Check, at: tuple[str | int, ...] = (),
            required: bool = True, default: Any = None, secret: bool = False) -> Any:
        value = data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                expected = check(object())[1]  # every check refuses a bare object: its wording
                self.fail(at + (name,), (_("missing: expected {expected}") if value is _MISSING
                                         else _("empty: expected {expected}"))
                          .format(expected=expected))
            return default
        ok, converted = check(value)
        if not ok:
            self.fail(at + (name,), _("expected {expected}").format(expected=converted) if secret
                      else _("expected {expected}, found {value!r}").format(
                          expected=converted, value=_short(value)))
            return default
        return converted

    def mapping(self, value: Any, at: tuple[str | int, ...], known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(at, _("expected a mapping of fields"))
            return {}
        for name in value:
            if name not in known:
                self.fail(at + (str(name),), _("unknown field; expected one of: {fields}")
                          .format(fields=", ".join(known)))
        return value

    def raise_if_failed(self) -> None:
        if not self.errors:
            return
        from keyledger import yaml

        locator = None if self.text is None else yaml.Locator(self.text)
        problems = []
        for at, message in self.errors[:MAX_PROBLEMS]:
            line = None if locator is None else locator.line(at) if at else 1
            problems.append(Problem(self.path, line, field_name(at) or None, message))
        if len(self.errors) > MAX_PROBLEMS:
            problems.append(Problem(self.path, None, None, _("… and {n} more problems").format(
                n=len(self.errors) - MAX_PROBLEMS)))
        raise FatalError(_("{path} is not valid; fix it and try again.").format(path=self.path),
                         problems)


def _document(path: str, text: str, known: tuple[str, ...]) -> tuple[_Reader, dict[str, Any]]:
    # Imported here: a record decoded from the cache of parsed files needs no YAML (whoami).
    from keyledger import yaml

    reader = _Reader(path, text)
    if len(text) > MAX_FILE_BYTES:  # before any parsing: a push cannot make the checks crawl
        raise too_big(path, len(text.encode("utf-8", "replace")))
    try:
        data = yaml.load(text)
    except RecursionError:
        raise FatalError(_("{path} is nested too deeply to be a ledger file.").format(path=path),
                         [Problem(path, None, None, _("nested too deeply"))])
    except yaml.YAMLError as exc:
        problem = Problem(path, yaml.error_line(exc, text), None,
                          _("not valid YAML: {why}").format(why=yaml.error_message(exc)))
        raise FatalError(_("{path} is not valid YAML; fix it and try again.").format(path=path),
                         [problem])
    data = reader.mapping(data, (), known)
    if not data:
        reader.raise_if_failed()  # an empty file is one problem, not one per missing field
    if data.get("schema") != SCHEMA:
        reader.fail(("schema",), _("expected schema: 1"))
    return reader, data


def _check_file_id(reader: _Reader, data: dict[str, Any], expected_id: str | None) -> str:
    ident = reader.get(data, "id", _id, default="")
    if expected_id is not None and ident and ident != expected_id:
        reader.fail(("id",), _("expected {expected!r}, the file's name (was the file renamed by hand?)")
                    .format(expected=expected_id))
    return ident


@dataclass(frozen=True)
class WitnessPolicy:
    """Purposes and kinds of key whose checkout needs a second steward as witness."""

    purposes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def requires(self, purpose: str, kind: str) -> bool:
        return purpose in self.purposes or kind in self.kinds



@dataclass(frozen=True)
class Publish:
    """What `keyledger site` and the calendars show (policies.publish): health notes and phone
    numbers on the site's pages (neither by default), a reminder this long before each visit
    still to make (None: none), how often a subscribed calendar is read again."""

    health: bool = False
    phones: bool = False
    reminder: timedelta | None = timedelta(minutes=30)
    refresh: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Settings:
    community: str
    timezone: str
    locale: str
    expected_back: dict[str, timedelta]
    policies: dict[str, Any] = field(default_factory=dict)
    witness: WitnessPolicy = WitnessPolicy()
    attachment_max_bytes: int = 10 * 2**20
    # A register's 身份证号 is never stored; with this policy an import reads the year of birth
    # from it (policies: registers: birth_year_from_id: true).
    birth_year_from_id: bool = False
    # Calls that reach nobody the same day before a visit to the door is due (seed 001).
    escalate_after: int = 2
    # The age from which the elderly register counts a person 高龄 (registers: aged_from).
    aged_from: int = 80
    publish: Publish = Publish()

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "community": self.community, "timezone": self.timezone,
                "locale": self.locale, "policies": self.policies}


DEFAULT_EXPECTED_BACK = {"inspection": "2h", "plants": "1h", "pets": "1h", "heating": "2h",
                         "contractor": "4h", "repair": "4h", "emergency": "6h", "delivery": "1h",
                         "other": "2h"}


def parse_settings(path: str, text: str) -> Settings:
    reader, data = _document(path, text, ("schema", "community", "timezone", "locale", "policies"))
    community = reader.get(data, "community", _text, default="")
    timezone = reader.get(data, "timezone", _text, default="Asia/Shanghai")
    locale = reader.get(data, "locale", _text, default="zh_CN")
    policies = reader.mapping(data.get("policies") or {}, ("policies",),
                              ("expected_back", "witness", "attachments", "registers",
                               "publish", "calls"))
    expected = reader.mapping(policies.get("expected_back") or {}, ("policies", "expected_back"),
                              PURPOSES)
    durations = {p: reader.get(expected, p, _duration, ("policies", "expected_back"))
                 for p in expected}
    at = ("policies", "witness")
    witness = reader.mapping(policies.get("witness") or {}, at, ("purposes", "kinds"))
    policy = WitnessPolicy(
        tuple(reader.get(witness, "purposes", _list_of(_one_of(PURPOSES)), at, False, [])),
        tuple(reader.get(witness, "kinds", _list_of(_one_of(KEY_KINDS)), at, False, [])))
    at = ("policies", "attachments")
    limits = reader.mapping(policies.get("attachments") or {}, at, ("max_mb",))
    max_mb = reader.get(limits, "max_mb", _int, at, required=False, default=10)
    at = ("policies", "registers")
    registers = reader.mapping(policies.get("registers") or {}, at,
                               ("birth_year_from_id", "aged_from"))
    from_id = reader.get(registers, "birth_year_from_id", _bool, at, required=False, default=False)
    aged = reader.get(registers, "aged_from", _positive, at, required=False, default=80)
    at = ("policies", "calls")
    calls = reader.mapping(policies.get("calls") or {}, at, ("escalate_after",))
    escalate = reader.get(calls, "escalate_after", _positive, at, required=False, default=2)
    at = ("policies", "publish")
    shown = reader.mapping(policies.get("publish") or {}, at, ("health", "phones", "reminder",
                                                               "refresh"))
    publish = Publish(reader.get(shown, "health", _bool, at, False, False),
                      reader.get(shown, "phones", _bool, at, False, False),
                      None if shown.get("reminder") is False else  # false: no reminder
                      reader.get(shown, "reminder", _duration, at, False, Publish.reminder),
                      reader.get(shown, "refresh", _duration, at, False, Publish.refresh))
    reader.raise_if_failed()
    return Settings(community, timezone, locale, durations, policies, policy, max_mb * 2**20,
                    from_id, escalate, aged, publish)


def _positive(value: Any) -> tuple[bool, Any]:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return (True, value) if ok else (False, _("a whole number from 1"))


@dataclass(frozen=True)
class RetiredKey:
    """A steward's earlier key (a phone or laptop lost or replaced): it signed until `until`,
    and signs nothing after it."""
    key: str
    until: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "until": self.until.isoformat()}


@dataclass(frozen=True)
class Steward:
    id: str
    name: str
    phone: str | None
    role: str
    key: str
    active: bool = True
    retired_keys: tuple[RetiredKey, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "id": self.id, "name": self.name, "phone": self.phone,
                "role": self.role, "key": self.key, "active": self.active,
                **({"retired_keys": [k.to_dict() for k in self.retired_keys]}
                   if self.retired_keys else {})}


def parse_steward(path: str, text: str, expected_id: str | None = None) -> Steward:
    reader, data = _document(path, text, ("schema", "id", "name", "phone", "role", "key", "active",
                                          "retired_keys"))
    steward = Steward(
        id=_check_file_id(reader, data, expected_id),
        name=reader.get(data, "name", _words, default=""),
        phone=reader.get(data, "phone", _text, required=False),
        role=reader.get(data, "role", _one_of(ROLES), default="steward"),
        key=reader.get(data, "key", _text, default=""),
        active=reader.get(data, "active", _bool, default=True),
        retired_keys=tuple(_retired_keys(reader, data.get("retired_keys"))),
    )
    reader.raise_if_failed()
    return steward


def _retired_keys(reader: _Reader, raw: Any) -> list[RetiredKey]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.fail(("retired_keys",), _("expected a list"))
        return []
    out = []
    for i, item in enumerate(raw):
        at = ("retired_keys", i)
        entry = reader.mapping(item, at, ("key", "until"))
        key = reader.get(entry, "key", _text, at)
        until = reader.get(entry, "until", _datetime, at)
        if key and until:
            out.append(RetiredKey(key, until))
    return out


@dataclass(frozen=True)
class Person:
    name: str
    born: int | None = None
    phone: str | None = None
    health: str | None = None
    birthday: date | None = None        # the elderly register's 生日
    interests: tuple[str, ...] = ()     # and its 兴趣爱好

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in (("name", self.name), ("born", self.born), ("phone", self.phone),
                                 ("health", self.health)) if v is not None}
        if self.birthday is not None:
            out["birthday"] = self.birthday.isoformat()
        if self.interests:
            out["interests"] = list(self.interests)
        return out

    def age(self, today: date) -> int | None:
        """Age on `today`: from the birthday when known, else this year's from the year born."""
        if self.birthday is not None:
            before = (today.month, today.day) < (self.birthday.month, self.birthday.day)
            return today.year - self.birthday.year - before
        return today.year - self.born if self.born else None


@dataclass(frozen=True)
class Contact:
    name: str
    relation: str | None = None
    phone: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("name", self.name), ("relation", self.relation),
                                  ("phone", self.phone)) if v is not None}


@dataclass(frozen=True)
class Away:
    start: date
    until: date
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.start.isoformat(), "until": self.until.isoformat()}
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Authorization:
    """The owner's signed letter (授权书): what the stewards may do, and for how long."""

    signed_on: date
    start: date
    until: date
    purposes: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    document: str | None = None  # attachments/<sha256>.<ext>
    revoked: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"signed_on": self.signed_on.isoformat(), "from": self.start.isoformat(),
                "until": self.until.isoformat(), "purposes": list(self.purposes),
                "conditions": list(self.conditions), "document": self.document,
                "revoked": self.revoked.isoformat() if self.revoked else None}

    def state(self, today: date) -> str:
        """`valid`, `revoked`, or `not-in-force` (before its first day or after its last)."""
        if self.revoked is not None:
            return "revoked"
        return "valid" if self.start <= today <= self.until else "not-in-force"


@dataclass(frozen=True)
class ScheduleEntry:
    """A recurring visit or call: "every Wednesday 14:00-17:00, inspection, A steward"."""

    every: tuple[str, ...]      # ("day",) or weekdays ("wed",) or ("mon", "thu")
    start_time: time
    end_time: time | None
    purpose: str
    steward: str                # "a", "b" or a steward id
    start: date | None = None   # active from …
    until: date | None = None   # … until (inclusive)
    while_away: bool = False    # only while the household is away
    # When it was added: nothing is due before it, so a new entry never makes missed items in
    # the past. Entries written before this field existed have none and count as they did.
    since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        at = self.start_time.strftime("%H:%M")
        if self.end_time:
            at += "-" + self.end_time.strftime("%H:%M")
        out = {"every": ",".join(self.every), "at": at, "purpose": self.purpose,
               "steward": self.steward,
               "from": self.start.isoformat() if self.start else None,
               "until": self.until.isoformat() if self.until else None,
               "while_away": self.while_away}
        if self.since is not None:  # older files stay as they were written
            out["since"] = iso(self.since)
        return out


@dataclass(frozen=True)
class Household:
    id: str
    name: str
    address: str
    kind: str = "resident"
    people: tuple[Person, ...] = ()
    contacts: tuple[Contact, ...] = ()
    flags: tuple[str, ...] = ()
    away: tuple[Away, ...] = ()
    care: tuple[str, ...] = ()
    pair_a: str | None = None
    pair_b: str | None = None
    authorization: Authorization | None = None
    witness_for: tuple[str, ...] = ()
    schedule: tuple[ScheduleEntry, ...] = ()
    notes: str = ""
    living: str | None = None                       # alone, empty-nest, with-children…
    # What is still open (keyledger.service changes these, and only through its actions).
    problems: tuple[sm.OpenProblem, ...] = ()
    requests: tuple[sm.OwnerRequest, ...] = ()
    advances: tuple[sm.Advance, ...] = ()

    @property
    def pair(self) -> tuple[str, ...]:
        return tuple(s for s in (self.pair_a, self.pair_b) if s)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "id": self.id, "name": self.name, "address": self.address,
                "kind": self.kind, "people": [p.to_dict() for p in self.people],
                "contacts": [c.to_dict() for c in self.contacts], "flags": list(self.flags),
                "away": [a.to_dict() for a in self.away], "care": list(self.care),
                "pair": {"a": self.pair_a, "b": self.pair_b},
                "authorization": self.authorization.to_dict() if self.authorization else None,
                "witness_for": list(self.witness_for),
                "schedule": [e.to_dict() for e in self.schedule], "notes": self.notes,
                # Written only when there is something: older files stay as they were.
                **({"living": self.living} if self.living else {}),
                **{name: [x.to_dict() for x in getattr(self, name)]
                   for name in SERVICE_FIELDS if getattr(self, name)}}


# The household's open service records: changed only by the service actions.
SERVICE_FIELDS = ("problems", "requests", "advances")


_HOUSEHOLD_FIELDS = ("schema", "id", "name", "address", "kind", "people", "contacts", "flags",
                     "away", "care", "pair", "authorization", "witness_for", "schedule", "notes",
                     "living") + SERVICE_FIELDS


def parse_household(path: str, text: str, expected_id: str | None = None) -> Household:
    reader, data = _document(path, text, _HOUSEHOLD_FIELDS)
    return _household(reader, data, expected_id)


def household_from_data(path: str, data: dict[str, Any]) -> Household:
    """A household made in memory (a register's row), checked as its file would be, without a
    trip through YAML: an import checks thousands. Problems name the field, not a line."""
    reader = _Reader(path, None)
    data = reader.mapping(data, (), _HOUSEHOLD_FIELDS)
    if data.get("schema") != SCHEMA:
        reader.fail(("schema",), _("expected schema: 1"))
    return _household(reader, data, None)


def _household(reader: _Reader, data: dict[str, Any], expected_id: str | None) -> Household:
    def items(name: str) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
        value = data.get(name) or []
        if not isinstance(value, list):
            reader.fail((name,), _("expected a list"))
            return []
        return [((name, i), v) for i, v in enumerate(value)]

    people = []
    for at, raw in items("people"):
        entry = reader.mapping(raw, at, ("name", "born", "phone", "health", "birthday",
                                         "interests"))
        birthday = sm.read_birthday(reader, entry, at)
        born = reader.get(entry, "born", _int, at, required=False)
        if birthday and born and birthday.year != born:
            reader.fail(at + ("born",), _("expected the year of the birthday, {year}").format(
                year=birthday.year))
        people.append(Person(reader.get(entry, "name", _text, at, default=""),
                             born or (birthday.year if birthday else None),
                             reader.get(entry, "phone", _text, at, required=False),
                             reader.get(entry, "health", _text, at, required=False),
                             birthday,
                             tuple(reader.get(entry, "interests", _list_of(_words), at, False,
                                              []))))
    contacts = []
    for at, raw in items("contacts"):
        entry = reader.mapping(raw, at, ("name", "relation", "phone"))
        contacts.append(Contact(reader.get(entry, "name", _text, at, default=""),
                                reader.get(entry, "relation", _text, at, required=False),
                                reader.get(entry, "phone", _text, at, required=False)))
    away = []
    for at, raw in items("away"):
        entry = reader.mapping(raw, at, ("from", "until", "note"))
        start = reader.get(entry, "from", _date, at)
        until = reader.get(entry, "until", _date, at)
        if start and until and until < start:
            reader.fail(at + ("until",), _("expected a date on or after 'from'"))
        away.append(Away(start or date.min, until or date.max,
                         reader.get(entry, "note", _text, at, required=False)))
    pair = reader.mapping(data.get("pair") or {}, ("pair",), ("a", "b"))
    household = Household(
        id=_check_file_id(reader, data, expected_id),
        name=reader.get(data, "name", _words, default=""),
        address=reader.get(data, "address", _words, default=""),
        kind=reader.get(data, "kind", _one_of(HOUSEHOLD_KINDS), default="resident"),
        people=tuple(people), contacts=tuple(contacts),
        flags=tuple(reader.get(data, "flags", _list_of(_one_of(FLAGS)), required=False, default=[])),
        away=tuple(away),
        care=tuple(reader.get(data, "care", _list_of(_one_of(CARE)), required=False, default=[])),
        pair_a=reader.get(pair, "a", _id, ("pair",), required=False),
        pair_b=reader.get(pair, "b", _id, ("pair",), required=False),
        authorization=_authorization(reader, data.get("authorization")),
        witness_for=tuple(reader.get(data, "witness_for", _list_of(_one_of(PURPOSES)),
                                     required=False, default=[])),
        schedule=tuple(_schedule(reader, data.get("schedule"))),
        notes=reader.get(data, "notes", _text, required=False, default=""),
        living=sm.read_living(reader, data),
        problems=sm.read_problems(reader, data), requests=sm.read_requests(reader, data),
        advances=sm.read_advances(reader, data),
    )
    reader.raise_if_failed()
    return household


def _authorization(reader: _Reader, raw: Any) -> Authorization | None:
    if raw is None:
        return None
    at = ("authorization",)
    data = reader.mapping(raw, at, ("signed_on", "from", "until", "purposes", "conditions",
                                    "document", "revoked"))
    start = reader.get(data, "from", _date, at, default=date.min)
    until = reader.get(data, "until", _date, at, default=date.max)
    if until < start:
        reader.fail(at + ("until",), _("expected a date on or after 'from'"))
    return Authorization(
        signed_on=reader.get(data, "signed_on", _date, at, default=start),
        start=start, until=until,
        purposes=tuple(reader.get(data, "purposes", _list_of(_one_of(PURPOSES)), at, default=[])),
        conditions=tuple(reader.get(data, "conditions", _list_of(_text), at, False, [])),
        document=reader.get(data, "document", _text, at, required=False),
        revoked=reader.get(data, "revoked", _date, at, required=False))


@dataclass(frozen=True)
class Reservation:
    start: datetime
    until: datetime
    purpose: str
    steward: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": iso(self.start), "until": iso(self.until), "purpose": self.purpose,
                "steward": self.steward}


@dataclass(frozen=True)
class Key:
    id: str
    household: str
    kind: str = "physical"
    label: str | None = None
    slot: str | None = None
    state: str = "in"
    holder: str | None = None
    since: datetime | None = None
    purpose: str | None = None
    expected_back: datetime | None = None
    witness: str | None = None
    note: str | None = None
    reservations: tuple[Reservation, ...] = ()
    code: str | None = None
    code_recipients: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return iso(moment) if moment else None
        return {"schema": SCHEMA, "id": self.id, "household": self.household, "kind": self.kind,
                "label": self.label, "slot": self.slot, "state": self.state,
                "holder": self.holder, "since": when(self.since), "purpose": self.purpose,
                "expected_back": when(self.expected_back), "witness": self.witness,
                "note": self.note, "reservations": [r.to_dict() for r in self.reservations],
                "code": self.code, "code_recipients": list(self.code_recipients)}


_KEY_FIELDS = ("schema", "id", "household", "kind", "label", "slot", "state", "holder", "since",
               "purpose", "expected_back", "witness", "note", "reservations", "code",
               "code_recipients")


def parse_key(path: str, text: str, expected_id: str | None = None) -> Key:
    reader, data = _document(path, text, _KEY_FIELDS)
    state = reader.get(data, "state", _one_of(KEY_STATES), default="in")
    out = state == "out"
    key = Key(
        id=_check_file_id(reader, data, expected_id),
        household=reader.get(data, "household", _id, default=""),
        kind=reader.get(data, "kind", _one_of(KEY_KINDS), default="physical"),
        label=reader.get(data, "label", _text, required=False),
        slot=reader.get(data, "slot", _words, required=False),
        state=state,
        holder=reader.get(data, "holder", _id, required=out),
        since=reader.get(data, "since", _datetime, required=out),
        purpose=reader.get(data, "purpose", _one_of(PURPOSES), required=out),
        expected_back=reader.get(data, "expected_back", _datetime, required=False),
        witness=reader.get(data, "witness", _id, required=False),
        note=reader.get(data, "note", _text, required=False),
        reservations=tuple(_reservations(reader, data.get("reservations"))),
        code=reader.get(data, "code", _text, required=False, secret=True),
        code_recipients=tuple(reader.get(data, "code_recipients", _list_of(_id), required=False,
                                         default=[])),
    )
    if key.code is not None and not key.code.startswith(AGE_ARMOR):
        reader.fail(("code",), _("expected an age-encrypted code (-----BEGIN AGE ENCRYPTED "
                                 "FILE-----), never a plain one"))
    if not out:
        for name in ("holder", "purpose", "expected_back", "witness"):
            if data.get(name) is not None:
                reader.fail((name,), _("expected null: the key is not out"))
    reader.raise_if_failed()
    return key


AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----"


def _reservations(reader: _Reader, raw: Any) -> list[Reservation]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.fail(("reservations",), _("expected a list"))
        return []
    out = []
    for i, item in enumerate(raw):
        at = ("reservations", i)
        entry = reader.mapping(item, at, ("from", "until", "purpose", "steward"))
        start = reader.get(entry, "from", _datetime, at)
        until = reader.get(entry, "until", _datetime, at)
        if start and until and until <= start:
            reader.fail(at + ("until",), _("expected a time after 'from'"))
        out.append(Reservation(start or datetime.min, until or datetime.max,
                               reader.get(entry, "purpose", _one_of(PURPOSES), at, default="other"),
                               reader.get(entry, "steward", _id, at, default="")))
    return out


def parse_clock(text: str) -> tuple[time, time | None] | None:
    """`14:00` or `14:00-17:00`."""
    parts = text.strip().split("-")
    try:
        times = [time.fromisoformat(p.strip()) for p in parts]
    except ValueError:
        return None
    if len(times) == 1:
        return times[0], None
    if len(times) == 2 and times[1] > times[0]:
        return times[0], times[1]
    return None


def parse_every(text: str) -> tuple[str, ...] | None:
    days = tuple(d.strip().lower()[:3] for d in text.split(",") if d.strip())
    if days == ("day",) or (days and all(d in WEEKDAYS for d in days)):
        return days
    return None


def _checked(parse: Callable[[str], Any], expected: str) -> Check:
    def check(value: Any) -> tuple[bool, Any]:
        result = parse(value) if isinstance(value, str) else None
        return (True, result) if result is not None else (False, expected)
    return check


def _schedule(reader: _Reader, raw: Any) -> list[ScheduleEntry]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.fail(("schedule",), _("expected a list"))
        return []
    entries = []
    for i, item in enumerate(raw):
        at = ("schedule", i)
        data = reader.mapping(item, at, ("every", "at", "purpose", "steward", "from", "until",
                                         "while_away", "since"))
        every = reader.get(data, "every", _checked(parse_every, _("day, or weekdays like wed or "
                                                                  "mon,thu")), at, default=())
        clock = reader.get(data, "at", _checked(parse_clock, _("a time like 10:00 or 14:00-17:00")),
                           at, default=(time(0), None))
        steward = reader.get(data, "steward", _id, at, default="a")
        entries.append(ScheduleEntry(
            every, clock[0], clock[1],
            reader.get(data, "purpose", _one_of(VISIT_PURPOSES), at, default="inspection"),
            steward, reader.get(data, "from", _date, at, required=False),
            reader.get(data, "until", _date, at, required=False),
            reader.get(data, "while_away", _bool, at, required=False, default=False),
            reader.get(data, "since", _datetime, at, required=False)))
    return entries


@dataclass(frozen=True)
class CheckItem:
    """A care item checked (`item` its code), or something found that is not on the care list
    (`item` None, `note` says what): ok, a problem left open, fixed on the spot, or n/a."""

    item: str | None
    result: str
    note: str | None = None
    done: str | None = None     # what was done, for `fixed`

    def to_dict(self) -> dict[str, Any]:
        out = {"item": self.item, "result": self.result, "note": self.note}
        if self.done is not None:
            out["done"] = self.done
        return out


@dataclass(frozen=True)
class LetIn:
    who: str
    company: str | None = None
    did: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"who": self.who, "company": self.company, "did": self.did}


@dataclass(frozen=True)
class Visit:
    """One visit or call, written once and never edited."""

    id: str
    household: str
    stewards: tuple[str, ...]
    started: datetime
    ended: datetime | None
    purpose: str
    recorded: datetime
    key: str | None = None
    checklist: tuple[CheckItem, ...] = ()
    findings: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    let_in: tuple[LetIn, ...] = ()
    informed: tuple[str, ...] = ()
    photos: tuple[str, ...] = ()
    follow_up: date | None = None
    note: str | None = None
    outcome: str | None = None              # a call's: answered, no-answer…
    resolves: tuple[sm.Resolved, ...] = ()  # earlier problems this visit put right
    request: sm.OwnerRequest | None = None  # the owner's request it answered
    errand: sm.Errand | None = None
    consent: str | None = None              # an emergency visit without a key: how the owner
    unreached: str | None = None            # agreed, or who was called without answer
    entered_by: str | None = None  # a supervisor who entered it for its stewards (none: one of them)

    @property
    def reached(self) -> bool:
        """A call that reached someone; every other visit was at the door. A call recorded
        before outcomes existed counts as reached, as it was reported then."""
        from keyledger.vocab import CALL_REACHED

        return self.purpose != "call" or self.outcome is None or self.outcome in CALL_REACHED

    @property
    def answers(self) -> datetime | None:
        """When the owner's request it answered came."""
        return self.request.received if self.request else None

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(), **{name: value for name, value in (
            ("outcome", self.outcome),
            ("resolves", [r.to_dict() for r in self.resolves] or None),
            ("request", self.request.to_dict() if self.request else None),
            ("errand", self.errand.to_dict() if self.errand else None),
            ("consent", self.consent), ("unreached", self.unreached),
            ("entered_by", self.entered_by)) if value is not None}}

    def _base(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "id": self.id, "household": self.household, "key": self.key,
                "stewards": list(self.stewards), "started": iso(self.started),
                "ended": iso(self.ended) if self.ended else None, "purpose": self.purpose,
                "checklist": [c.to_dict() for c in self.checklist],
                "findings": list(self.findings), "actions": list(self.actions),
                "let_in": [x.to_dict() for x in self.let_in], "informed": list(self.informed),
                "photos": list(self.photos),
                "follow_up": self.follow_up.isoformat() if self.follow_up else None,
                "note": self.note, "recorded": iso(self.recorded)}


_VISIT_FIELDS = ("schema", "id", "household", "key", "stewards", "started", "ended", "purpose",
                 "checklist", "findings", "actions", "let_in", "informed", "photos", "follow_up",
                 "note", "recorded", "outcome", "resolves", "request", "errand", "consent",
                 "unreached", "entered_by")


def _photo(value: Any) -> tuple[bool, Any]:
    ok = isinstance(value, str) and re.fullmatch(r"attachments/[0-9a-f]{64}\.[a-z0-9]{1,8}", value)
    return (True, value) if ok else (False, _("attachments/<sha256>.<ext>"))


def parse_visit(path: str, text: str, expected_id: str | None = None) -> Visit:
    reader, data = _document(path, text, _VISIT_FIELDS)
    checklist = []
    for i, item in enumerate(data.get("checklist") or []):
        at = ("checklist", i)
        entry = reader.mapping(item, at, ("item", "result", "note", "done"))
        check = CheckItem(reader.get(entry, "item", _one_of(CARE), at, required=False),
                          reader.get(entry, "result", _one_of(CHECK_RESULTS), at, default=""),
                          reader.get(entry, "note", _text, at, required=False),
                          reader.get(entry, "done", _words, at, required=False))
        if check.item is None and not (check.note or "").strip():
            reader.fail(at + ("note",), _("expected what was found, for something not on the "
                                          "care list"))
        if check.result == "fixed" and not check.done:
            reader.fail(at + ("done",), _("expected what was done, for a problem fixed on the "
                                          "spot"))
        checklist.append(check)
    let_in = []
    for i, item in enumerate(data.get("let_in") or []):
        at = ("let_in", i)
        entry = reader.mapping(item, at, ("who", "company", "did"))
        let_in.append(LetIn(reader.get(entry, "who", _words, at, default=""),
                            reader.get(entry, "company", _text, at, required=False),
                            reader.get(entry, "did", _text, at, required=False)))
    started = reader.get(data, "started", _datetime, default=datetime.min)
    ended = reader.get(data, "ended", _datetime, required=False)
    if ended and started != datetime.min and ended < started:
        reader.fail(("ended",), _("expected a time after 'started'"))
    texts = _list_of(_text)
    visit = Visit(
        id=_check_file_id(reader, data, expected_id),
        household=reader.get(data, "household", _id, default=""),
        stewards=tuple(reader.get(data, "stewards", _list_of(_id), default=[])),
        started=started, ended=ended,
        purpose=reader.get(data, "purpose", _one_of(VISIT_PURPOSES), default="other"),
        recorded=reader.get(data, "recorded", _datetime, default=started),
        key=reader.get(data, "key", _id, required=False),
        checklist=tuple(checklist),
        findings=tuple(reader.get(data, "findings", texts, required=False, default=[])),
        actions=tuple(reader.get(data, "actions", texts, required=False, default=[])),
        let_in=tuple(let_in),
        informed=tuple(reader.get(data, "informed", texts, required=False, default=[])),
        photos=tuple(reader.get(data, "photos", _list_of(_photo), required=False, default=[])),
        follow_up=reader.get(data, "follow_up", _date, required=False),
        note=reader.get(data, "note", _text, required=False),
        outcome=reader.get(data, "outcome", _one_of(CALL_OUTCOMES), required=False),
        resolves=sm.read_resolves(reader, data), request=sm.read_answered(reader, data),
        errand=sm.read_errand(reader, data),
        consent=reader.get(data, "consent", _words, required=False),
        unreached=reader.get(data, "unreached", _words, required=False),
        entered_by=reader.get(data, "entered_by", _id, required=False),
    )
    if visit.outcome and visit.purpose != "call":
        reader.fail(("outcome",), _("expected no outcome: only a call has one"))
    if (visit.consent or visit.unreached) and visit.purpose != "emergency":
        reader.fail(("consent" if visit.consent else "unreached",),
                    _("expected nothing here: only an emergency visit has it"))
    if not visit.stewards and "stewards" in data:
        reader.fail(("stewards",), _("expected at least one steward"))
    reader.raise_if_failed()
    return visit
