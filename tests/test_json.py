"""`--json` on every command that lists or shows: the exact fields and their types, against one
table (the README's "JSON output" documents the same shapes), on a ledger where no list is empty."""

from __future__ import annotations

import json
import subprocess
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import Ledger

NOW = "2026-11-25T10:00:00+08:00"  # a Wednesday


@dataclass(frozen=True)
class Opt:
    """The value, or null."""
    of: Any


@dataclass(frozen=True)
class Map:
    """An object with free keys (trailer names), every value of one type."""
    of: Any


def _moment(value: Any) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _day(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(date.fromisoformat(value))
    except ValueError:
        return False


DATETIME = _moment  # ISO 8601 with its UTC offset
DATE = _day         # 2026-11-25


def CLOCK(value: Any) -> bool:  # noqa: N802 — a type of the table, named like one
    return isinstance(value, str) and re.fullmatch(r"\d\d:\d\d", value) is not None


def SHA(value: Any) -> bool:  # noqa: N802
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{40}", value) is not None


RESERVATION = {"from": DATETIME, "until": DATETIME, "purpose": str, "steward": str}
KEY = {"id": str, "household": str, "kind": str, "label": Opt(str), "slot": Opt(str),
       "state": str, "holder": Opt(str), "since": Opt(DATETIME), "purpose": Opt(str),
       "expected_back": Opt(DATETIME), "witness": Opt(str), "note": Opt(str),
       "reservations": [RESERVATION], "code": Opt(str), "code_recipients": [str]}
STEWARD = {"id": str, "name": str, "phone": Opt(str), "role": str, "key": str, "active": bool,
           "retired_keys": [{"key": str, "until": DATETIME}]}
SCHEDULE = {"every": str, "at": str, "purpose": str, "steward": str, "from": Opt(DATE),
            "until": Opt(DATE), "while_away": bool, "since": Opt(DATETIME)}
PROBLEM = {"visit": str, "n": int, "item": Opt(str), "note": Opt(str), "since": DATETIME}
REQUEST = {"received": DATETIME, "text": str, "via": str, "by": str, "steward": str}
ADVANCE = {"visit": str, "at": DATETIME, "amount": str, "items": [str], "steward": str}
HOUSEHOLD = {
    "id": str, "name": str, "address": str, "kind": str,
    "people": [{"name": str, "born": Opt(int), "phone": Opt(str), "health": Opt(str),
                "birthday": Opt(DATE), "interests": [str]}],
    "contacts": [{"name": str, "relation": Opt(str), "phone": Opt(str)}],
    "flags": [str], "away": [{"from": DATE, "until": DATE, "note": Opt(str)}], "care": [str],
    "pair": {"a": Opt(str), "b": Opt(str)},
    "authorization": Opt({"signed_on": DATE, "from": DATE, "until": DATE, "purposes": [str],
                          "conditions": [str], "document": Opt(str), "revoked": Opt(DATE)}),
    "witness_for": [str], "schedule": [SCHEDULE], "notes": str, "living": Opt(str),
    "problems": [PROBLEM], "requests": [REQUEST], "advances": [ADVANCE]}
VISIT = {"id": str, "household": str, "key": Opt(str), "stewards": [str], "started": DATETIME,
         "ended": Opt(DATETIME), "purpose": str,
         "checklist": [{"item": Opt(str), "result": str, "note": Opt(str), "done": Opt(str)}],
         "findings": [str], "actions": [str],
         "let_in": [{"who": str, "company": Opt(str), "did": Opt(str)}],
         "informed": [str], "photos": [str], "follow_up": Opt(DATE), "note": Opt(str),
         "recorded": DATETIME, "outcome": Opt(str),
         "resolves": [{"visit": str, "n": int, "item": Opt(str), "note": Opt(str),
                       "done": Opt(str)}],
         "request": Opt(REQUEST),
         "errand": Opt({"items": [str], "advanced": Opt(str), "repaid": bool}),
         "consent": Opt(str), "unreached": Opt(str)}

DUE = {"date": DATE, "household": str, "household_name": str, "start": CLOCK, "end": Opt(CLOCK),
       "purpose": str, "steward": Opt(str), "kind": str, "status": str, "visits": [str],
       "keys": [{"key": str, "kind": str, "state": str, "holder": Opt(str), "slot": Opt(str)}],
       "calls": [DATETIME], "contacts": [{"name": str, "relation": Opt(str), "phone": Opt(str)}]}

CONFLICT = {"name": str, "branch": str, "made": Opt(str), "explanation": str,
            "operations": [{"commit": SHA, "subject": str, "action": Opt(str), "key": Opt(str),
                            "household": Opt(str), "at": Opt(DATETIME), "steward": Opt(str)}]}

# Command line -> the shape of its JSON. The README's "JSON output" section says the same.
SHAPES: dict[tuple[str, ...], Any] = {
    ("whoami",): {"id": str, "name": str, "role": str, "fingerprint": str},
    ("steward", "list"): [STEWARD],
    ("steward", "show", "zhou-lx"): {**STEWARD, "households": [{"id": str, "name": str,
                                                                "as": str}]},
    ("household", "list"): [HOUSEHOLD],
    ("household", "show", "7-1-201"): {
        **HOUSEHOLD, "keys": [KEY], "aged": bool, "ages": [Opt(int)],
        "authorization_state": str, "recent_visits": [VISIT],
        "follow_ups": [{"date": DATE, "visit": str, "steward": str}]},
    ("household", "card", "7-1-201"): {
        "household": str, "name": str, "address": str, "kind": str, "flags": [str],
        "care": [str], "away_now": Opt({"from": DATE, "until": DATE, "note": Opt(str)}),
        "away_next": Opt({"from": DATE, "until": DATE, "note": Opt(str)}),
        "people": [{"name": str, "born": Opt(int), "age": Opt(int), "phone": Opt(str),
                    "health": Opt(str)}],
        "contacts": [{"name": str, "relation": Opt(str), "phone": Opt(str)}],
        "stewards": [{"role": str, "id": Opt(str), "name": Opt(str), "phone": Opt(str),
                      "active": Opt(bool)}],
        "keys": [{"id": str, "kind": str, "label": Opt(str), "state": str, "slot": Opt(str),
                  "holder": Opt(str), "holder_name": Opt(str), "holder_phone": Opt(str),
                  "since": Opt(DATETIME)}],
        "authorization": Opt({"state": str, "from": DATE, "until": DATE, "purposes": [str],
                              "conditions": [str], "revoked": Opt(DATE)}),
        "emergency_needs_consent": bool, "witness_for": [str], "notes": str,
        "community": str, "printed": DATETIME},
    ("household", "import", "REGISTER", "--dry-run"): {
        "file": str, "sheet": Opt(str), "dry_run": bool, "commit": Opt(SHA),
        "ignored_columns": [str], "not_stored_columns": [str],
        "skipped": [{"row": int, "reason": str, "text": str}],
        "households": [{"row": int, "rows": [int], "action": str, "id": str, "name": str,
                        "address": str, "ledger_address": Opt(str), "fields": [str],
                        "changes": [{"field": str, "column": str, "ledger": Opt(str),
                                     "sheet": str, "conflict": bool}]}],
        "errors": [{"row": int, "column": str, "message": str}],
        "rejected": [{"row": int, "reason": str}], "rejected_file": Opt(str)},
    ("key", "list"): [KEY],
    ("key", "show", "K-0012"): {**KEY, "household_name": str},
    ("status",): {
        "now": DATETIME,
        "out": [{**KEY, "holder_name": str, "household_name": str, "overdue": bool,
                 "witness_unconfirmed": bool, "offline": bool}],
        "sync": {"remote": bool, "unpushed": int, "unpushed_since": Opt(DATETIME),
                 "last_sync": Opt(DATETIME), "last_attempt": Opt({"at": DATETIME, "kind": str}),
                 "conflicts": [{"name": str, "branch": str, "explanation": Opt(str)}],
                 "sync_interrupted": bool},
        "reservations_today": [{"key": str, "household": str, **RESERVATION, "key_state": str,
                                "key_holder": Opt(str)}],
        "due_today": [{"household": str, "start": CLOCK, "purpose": str, "steward": Opt(str),
                       "status": str, "kind": str}],
        "escalations": [DUE], "open": {"problems": int, "requests": int, "advances": int}},
    ("history", "K-0012"): [{"commit": SHA, "committed": DATETIME, "subject": str,
                             "action": Opt(str), "holder": Opt(str), "witness": Opt(str),
                             "signature": str, "signer": str, "verified": bool,
                             "trailers": Map(str)}],
    ("visit", "list"): [VISIT],
    ("request", "list"): [{"household": str, "number": int, **REQUEST}],
    ("problem", "list"): [{"household": str, "number": int, "ref": str, **PROBLEM}],
    ("schedule", "list", "7-1-201"): [SCHEDULE],
    ("due",): [DUE],
    ("policy", "witness"): {"purposes": [str], "kinds": [str]},
    ("policy", "publish"): {"health": bool, "phones": bool, "reminder_minutes": Opt(int),
                            "refresh_minutes": int},
    ("site", "-o", "SITE"): {"written": [str], "removed": [str], "unchanged": int, "full": bool,
                             "households": int},
    ("policy", "welfare"): {"escalate_after": int, "aged_from": int},
    ("check",): [{"path": str, "line": Opt(int), "field": Opt(str), "message": str}],
    ("conflict", "list"): [CONFLICT],
    ("conflict", "show", "20261125-1000"): CONFLICT,
    ("verify",): {"root": SHA, "root_fingerprint": str, "from": Opt(SHA), "checked": int,
                  "findings": [{"commit": SHA, "subject": str, "message": str}]},
}
# The commands that find problems here on purpose (a bad row, a stray file, an unsigned
# commit), so that their lists of problems are not empty: they exit 1 or 2 and print JSON.
EXIT = {("household", "import", "REGISTER", "--dry-run"): 2, ("check",): 1, ("verify",): 1}


class Mismatch(AssertionError):
    pass


def conform(value: Any, shape: Any, at: str, seen: set[str]) -> None:
    """Raise Mismatch unless `value` has exactly the shape; note in `seen` each list of
    objects that held one (a field renamed inside an empty list would go unnoticed)."""
    if isinstance(shape, Opt):
        if value is not None:
            conform(value, shape.of, at, seen)
        return
    if isinstance(shape, Map):
        if not isinstance(value, dict):
            raise Mismatch(f"{at}: expected an object, found {value!r}")
        for k, v in value.items():
            conform(v, shape.of, f"{at}.{k}", seen)
        return
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise Mismatch(f"{at}: expected an object, found {value!r}")
        if set(value) != set(shape):
            raise Mismatch(f"{at}: fields {sorted(value)}, expected {sorted(shape)}")
        for k, sub in shape.items():
            conform(value[k], sub, f"{at}.{k}", seen)
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise Mismatch(f"{at}: expected a list, found {value!r}")
        if value and isinstance(shape[0], dict):
            seen.add(at)
        for i, item in enumerate(value):
            conform(item, shape[0], f"{at}[]", seen)
        return
    if shape in (str, int, bool):
        ok = isinstance(value, shape) and (shape is bool or not isinstance(value, bool))
    else:
        ok = shape(value)
    if not ok:
        raise Mismatch(f"{at}: expected {getattr(shape, '__name__', shape)}, found {value!r}")


def object_lists(shape: Any, at: str) -> set[str]:
    """Every list of objects in a shape, named as `conform` names them."""
    if isinstance(shape, Opt):
        return object_lists(shape.of, at)
    if isinstance(shape, dict):
        return {p for k, sub in shape.items() for p in object_lists(sub, f"{at}.{k}")}
    if isinstance(shape, list):
        inner = object_lists(shape[0], f"{at}[]")
        return inner | {at} if isinstance(shape[0], dict) else inner
    return set()


@pytest.fixture
def busy(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Ledger:
    """The fixture's ledger with something in every list: a household with people, contacts
    and a period away; a schedule, a visit with its checklist and a follow-up today, a
    reservation today, a witnessed checkout, a witness policy, a sync conflict."""
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)
    ledger.ok("household", "add", "7-1-201", "--name", "赵建国", "--address", "春晖家园7号楼1单元201",
              "--pair", "zhou-lx,wang-dh", "--phone", "13800000107", "--born", "1938",
              "--health", "心脏支架术后", "--flag", "lives-alone", "--care", "pets",
              "--contact", "赵小红,女儿,13900000207", "--away", "2026-12-01,2027-03-01,去海南",
              "--notes", "家里有一只猫", as_="liu-sj")
    ledger.ok("household", "authorize", "7-1-201", "--from", "2026-01-01", "--until",
              "2027-12-31", "--purpose", "inspection,pets", "--condition", "进门前先给女儿打电话")
    ledger.ok("key", "add", "--household", "7-1-201", "--id", "K-0071", "--slot", "B-01")
    ledger.ok("policy", "witness", "--purpose", "emergency")
    ledger.ok("schedule", "add", "7-1-201", "--every", "wed", "--at", "14:00-17:00",
              "--purpose", "inspection", "--from", "2026-11-01")
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--at", "2026-11-24 09:00",
              "--check", "plants=ok", "--finding", "阳台花盆干了", "--action", "浇了水",
              "--let-in", "张师傅,燃气公司,抄表", "--informed", "微信告知女儿",
              "--follow-up", "2026-11-25", "--note", "电话问候", as_="zhou-lx")
    # Open records: a problem put right and one left open, a request answered and one waiting,
    # money advanced on an errand and owed.
    ledger.ok("visit", "add", "7-1-201", "--purpose", "inspection", "--at", "2026-11-23 10:00",
              "--check", "pets=problem:猫粮快没了", "--let-in", "李医生,宠物医院,给猫打疫苗",
              as_="zhou-lx")
    ledger.ok("request", "add", "7-1-201", "帮我买猫粮", "--via", "微信", "--by", "家属",
              "--at", "2026-11-23 12:00")
    ledger.ok("request", "add", "7-1-201", "看看窗户", "--at", "2026-11-23 12:30")
    ledger.ok("visit", "add", "7-1-201", "--purpose", "errand", "--at", "2026-11-23 15:00",
              "--check", "pets=fixed:猫粮快没了=>买了猫粮", "--problem", "阳台门锁有点松",
              "--request", "1", "--bought", "猫粮一袋", "--advanced", "59",
              "--follow-up", "2026-11-27")
    # Two calls this morning that reached nobody: a visit to the door is due.
    for at in ("2026-11-25 09:00", "2026-11-25 09:30"):
        ledger.ok("visit", "add", "7-1-201", "--purpose", "call", "--outcome", "no-answer",
                  "--at", at)
    ledger.ok("reserve", "K-0012", "--from", "2026-11-25 15:00", "--until", "2026-11-25 16:00",
              "--purpose", "inspection")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", "--witness", "sun-yp")
    ledger.ok("reserve", "K-0071", "--from", "2026-11-26 09:00", "--until", "2026-11-26 10:00",
              "--purpose", "pets")
    ledger.ok("checkout", "K-0071", "--purpose", "pets")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "zhou2")],
                   check=True)
    ledger.ok("steward", "key", "zhou-lx", "--key", str(tmp_path / "zhou2.pub"), as_="liu-sj")
    # A conflict branch, as a sync that could not replay an operation leaves it.
    kept = ledger.git("commit-tree", "HEAD^{tree}", "-p", "HEAD~1", "-m",
                      "checkout K-0012 to 王德厚 for plants\n\nKeyledger-Action: checkout\n"
                      "Keyledger-Key: K-0012\nKeyledger-Household: 7-1-201\n"
                      "Keyledger-Steward: wang-dh\nKeyledger-At: 2026-11-25T10:00:00+08:00").strip()
    ledger.git("branch", "keyledger/conflict-20261125-1000", kept)
    notes = ledger.root / ".git" / "keyledger" / "conflicts"
    notes.mkdir(parents=True, exist_ok=True)
    (notes / "conflict-20261125-1000.txt").write_text("已被他人取走", encoding="utf-8")
    return ledger


def test_every_json_output_has_its_documented_shape(busy: Ledger, tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text("户号,姓名,电话,地址,性别\n"
                        "8-1-401,王秀兰,13800000101,,女\n"
                        "8-1-402,李四,13800000111,东升家园8号楼1单元402,男\n"
                        "8-1-403,,1380013800,东升家园8号楼1单元403,男\n"
                        "合计,共3户,,,\n", encoding="utf-8")
    (busy.root / "keys" / "stray.txt").write_text("?", encoding="utf-8")  # a finding for check
    seen: set[str] = set()
    expected: set[str] = set()
    for args, shape in SHAPES.items():
        if args == ("verify",):  # a commit not signed: a finding for verify
            (busy.root / "keys" / "stray.txt").unlink()
            busy.git("-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "x")
        line = [str(register) if a == "REGISTER" else str(tmp_path / "site") if a == "SITE"
                else a for a in args]
        result = busy.run(*line, "--json")
        assert result.code == EXIT.get(args, 0), (args, result.err)
        try:
            conform(json.loads(result.out), shape, " ".join(args), seen)
        except Mismatch as exc:
            raise AssertionError(f"keyledger {' '.join(args)} --json: {exc}") from None
        expected |= object_lists(shape, " ".join(args))
    assert expected - seen == set(), "lists of objects left empty: their fields went unchecked"


def test_every_command_with_json_is_in_the_table() -> None:
    """A new `--json` must be added to SHAPES and to the README's "JSON output"."""
    import typer.main

    from keyledger.cli.app import app

    def walk(command: Any, path: tuple[str, ...]) -> set[tuple[str, ...]]:
        found = {path} if any("--json" in getattr(p, "opts", ()) for p in command.params) else set()
        for name, sub in getattr(command, "commands", {}).items():
            found |= walk(sub, path + (name,))
        return found

    groups = ("steward", "household", "key", "visit", "schedule", "policy", "request", "problem",
              "conflict")
    tabled = {args[:2] if args[0] in groups else args[:1] for args in SHAPES}
    assert walk(typer.main.get_command(app), ()) == tabled
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    for command in tabled:
        assert f"| `{' '.join(command)}" in section, command
