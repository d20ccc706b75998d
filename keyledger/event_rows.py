"""What each commit adds to the event index (keyledger/event_index.py): its row, the ledger
files it changed, confirmations, custody intervals, visits, and the state of the households
and keys it wrote, as of that commit.

The state of a household or a key file is read from the file in git (its blob) whenever a
commit the trailers do not explain changed it — a registration, an edit, an import, a hand
commit; a custody action changes only a key's custody, which its trailers say. Each state is a
row per version (the commit that wrote it), so that dropping the commits after a reset brings
back the state before them; the `*_now` tables name each file's latest version.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from keyledger.event_index import OPEN

# Trailers kept in columns of their own; `Note` is free text history reads from git itself.
COLUMNS = ("Action", "Key", "Household", "Steward", "Holder", "Purpose", "At", "Expected-Back")
# Actions that change who holds a key (and so its state).
CUSTODY = frozenset({"checkout", "return", "handover", "lost", "found", "handback"})

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE commits (seq INTEGER PRIMARY KEY, sha TEXT NOT NULL, at INTEGER NOT NULL,
    action TEXT, key TEXT, household TEXT, steward TEXT, holder TEXT, purpose TEXT,
    expected INTEGER, extra TEXT);
CREATE TABLE touches (path TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (path, seq))
    WITHOUT ROWID;
CREATE TABLE intervals (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, household TEXT,
    holder TEXT, purpose TEXT, start INTEGER NOT NULL, stop INTEGER NOT NULL, stop_seq INTEGER,
    ended_by TEXT, expected INTEGER, override TEXT, consent TEXT, unreached TEXT, witness TEXT);
CREATE TABLE visits (seq INTEGER NOT NULL, id TEXT NOT NULL, household TEXT, stewards TEXT,
    started INTEGER, purpose TEXT, follow_up TEXT, key TEXT, path TEXT, outcome TEXT,
    answers INTEGER,
    PRIMARY KEY (seq, id)) WITHOUT ROWID;
CREATE TABLE confirms (target TEXT NOT NULL, seq INTEGER NOT NULL, steward TEXT,
    PRIMARY KEY (target, seq)) WITHOUT ROWID;
CREATE TABLE signatures (sha TEXT PRIMARY KEY, status TEXT, fingerprint TEXT) WITHOUT ROWID;
CREATE TABLE homes (id TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT, kind TEXT, pair_a TEXT,
    pair_b TEXT, PRIMARY KEY (id, seq)) WITHOUT ROWID;
CREATE TABLE homes_now (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, pair_a TEXT, pair_b TEXT)
    WITHOUT ROWID;
CREATE TABLE key_files (id TEXT NOT NULL, seq INTEGER NOT NULL, household TEXT, kind TEXT,
    slot TEXT, label TEXT, state TEXT, holder TEXT, PRIMARY KEY (id, seq)) WITHOUT ROWID;
CREATE TABLE keys_now (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, household TEXT,
    custody INTEGER) WITHOUT ROWID;
"""
# Made after a rebuild's rows are in (one sort each, not a million B-tree insertions).
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS commits_sha ON commits(sha);
CREATE INDEX IF NOT EXISTS commits_at ON commits(at);
CREATE INDEX IF NOT EXISTS commits_household ON commits(household, seq);
CREATE INDEX IF NOT EXISTS intervals_key ON intervals(key, start);
CREATE INDEX IF NOT EXISTS intervals_stop ON intervals(stop);
CREATE INDEX IF NOT EXISTS visits_started ON visits(started);
CREATE INDEX IF NOT EXISTS visits_household ON visits(household, started);
CREATE INDEX IF NOT EXISTS visits_follow_up ON visits(follow_up) WHERE follow_up IS NOT NULL;
CREATE INDEX IF NOT EXISTS homes_now_pair_a ON homes_now(pair_a);
CREATE INDEX IF NOT EXISTS homes_now_pair_b ON homes_now(pair_b);
CREATE INDEX IF NOT EXISTS keys_now_household ON keys_now(household);
CREATE INDEX IF NOT EXISTS commits_reserve ON commits(action) WHERE action = 'reserve';
"""


@dataclass
class Commit:
    """One commit as the index reads it from git."""

    seq: int
    sha: str
    parents: list[str]
    committed: int
    trailers: dict[str, str]
    top: list[str]                  # the top-level entries it changed


def unix(text: str | None, fallback: int) -> int:
    """An ISO 8601 time as Unix seconds; `fallback` if there is none or it is no time."""
    if text:
        try:
            return int(datetime.fromisoformat(text).timestamp())
        except (ValueError, TypeError, OverflowError):
            pass
    return fallback


Blobs = Callable[[list[str]], Iterator["bytes | None"]]


class Rows:
    """The rows new commits add, the custody intervals carried from one commit to the next."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.commits: list[tuple[Any, ...]] = []
        self.touches: list[tuple[str, int]] = []
        self.confirms: list[tuple[str, int, str]] = []
        self.open: dict[str, list[Any]] = {}     # key -> its open interval's row
        self.closed: list[list[Any]] = []
        self.loaded: set[str] = set()
        self.custody: dict[str, int] = {}        # key -> its last custody commit
        self.files: list[tuple[int, str, str, str]] = []   # (seq, status, path, blob) to read
        self.visit_rows: list[tuple[Any, ...]] = []

    def add(self, c: Commit, key_only: bool) -> None:
        """A commit's row; `key_only`: its trailers say the one key file it wrote."""
        t = c.trailers
        at = unix(t.get("At"), c.committed)
        action = t.get("Action")
        extra = {k: v for k, v in t.items() if k not in COLUMNS and k != "Note"}
        self.commits.append((c.seq, c.sha, at, action, t.get("Key"), t.get("Household"),
                             t.get("Steward"), t.get("Holder"), t.get("Purpose"),
                             unix(t.get("Expected-Back"), 0) or None,
                             json.dumps(extra, ensure_ascii=False) if extra else None))
        if key_only and "keys" in c.top:
            self.touches.append((f"keys/{t['Key']}.yaml", c.seq))
        if action == "confirm" and t.get("Confirms"):
            self.confirms.append((t["Confirms"], c.seq, t.get("Steward", "")))
        ended = None
        if action in CUSTODY and t.get("Key"):
            self.custody[t["Key"]] = c.seq
            if action != "found":
                ended = self._interval(c.seq, at, t)
        if key_only and t.get("Visit") and "visits" in c.top:
            self._visit_of(c.seq, at, t, ended)

    def _visit_of(self, seq: int, at: int, t: dict[str, str], ended: list[Any] | None) -> None:
        """The visit a commit recorded, as its trailers say it: a visit or call (`visit add`:
        its start, purpose and who went), or the visit a return ended, which began when the key
        was taken out, for the checkout's purpose, by its holder and the witness. Its file is
        not read: finding it in a month's folder of calls costs git a scan of the folder."""
        visit, path = t["Visit"], f"visits/{t['Visit'][:4]}/{t['Visit'][4:6]}/{t['Visit']}.yaml"
        if t.get("Action") == "visit":
            stewards = [t.get("Steward", "")] + [s for s in t.get("With", "").split(",") if s]
            started, purpose, key = at, t.get("Purpose", ""), None
        else:
            stewards = [t.get("Holder") or t.get("Steward", "")] + (
                [t["Witness"]] if t.get("Witness") else [])
            started = ended[5] if ended else at
            purpose = (ended[4] if ended else "") or t.get("Purpose", "")
            key = t.get("Key")
        # A call's outcome and the owner's request answered (when it came): what makes a visit
        # count for a due item (visits.Seen.done).
        self.visit_rows.append((seq, visit, t.get("Household", ""),
                                json.dumps(list(dict.fromkeys(stewards)), ensure_ascii=False),
                                started, purpose, t.get("Follow-Up") or None, key, path,
                                t.get("Outcome") or None, unix(t.get("Answers"), 0) or None))

    def changed(self, seq: int, paths: list[tuple[str, str, str]]) -> None:
        """What git says a commit the trailers do not explain wrote: (status, path, blob)."""
        for status, path, blob in paths:
            if not path.endswith(".yaml"):
                continue
            if path.startswith(("keys/", "households/", "stewards/")):
                self.touches.append((path, seq))
            folder, _sep, name = path.partition("/")
            if folder == "visits" or folder in ("keys", "households") and "/" not in name:
                self.files.append((seq, status, path, blob))

    def _interval(self, seq: int, at: int, t: dict[str, str]) -> list[Any] | None:
        """As custody_log has always read them: a checkout or handover opens an interval (a
        handover continues the purpose and expected return of the one it ends); these and a
        return, loss or handback end the key's open one."""
        key, action = t["Key"], t["Action"]
        previous = self._open_of(key)
        ended = None
        if previous is not None:
            previous[6], previous[7], previous[8] = at, seq, action
            self.closed.append(previous)
            del self.open[key]
            ended = previous
        if action in ("checkout", "handover"):
            before = ended if action == "handover" else None
            purpose = t.get("Purpose") or (before[4] if before else "")
            expected = unix(t.get("Expected-Back"), 0) or (before[9] if before else None)
            self.open[key] = [seq, key, t.get("Household", ""),
                              t.get("Holder") or t.get("Steward", ""), purpose, at, OPEN, None,
                              None, expected, t.get("Override"), t.get("Consent"),
                              t.get("Unreached"), t.get("Witness")]
        return ended

    def _open_of(self, key: str) -> list[Any] | None:
        if key not in self.loaded:
            self.loaded.add(key)
            row = self.db.execute("SELECT * FROM intervals WHERE key = ? AND stop = ?",
                                  (key, OPEN)).fetchone()
            if row is not None and key not in self.open:
                self.open[key] = list(row)
        return self.open.get(key)

    def read_files(self, blobs: Blobs) -> None:
        """The households, keys and visits the new commits wrote, from their files in git."""
        if not self.files:
            return
        from keyledger import yaml

        wanted, self.files = self.files, []
        present = [(seq, path, blob) for seq, status, path, blob in wanted if status != "D"]
        for seq, status, path, _blob in wanted:
            if status == "D" and not path.startswith("visits/"):
                self._state(seq, path, None, "")
        for (seq, path, _blob), data in zip(present, blobs([b for _s, _p, b in present])):
            text = data.decode("utf-8", "replace") if data is not None else ""
            record = None if path.startswith("visits/") else _plain(text)
            if record is None:
                try:
                    record = yaml.load(text)
                except Exception:  # a broken file is check's and verify's to report
                    record = None
            record = record if isinstance(record, dict) else {}
            if path.startswith("visits/"):
                self._visit(seq, path, record)
            else:
                self._state(seq, path, record, text)

    def _visit(self, seq: int, path: str, record: dict[str, Any]) -> None:
        if not record:
            return
        stewards = record.get("stewards")
        started, follow = record.get("started"), record.get("follow_up")
        self.visit_rows.append((
            seq, str(record.get("id") or Path(path).stem), str(record.get("household") or ""),
            json.dumps([str(s) for s in stewards] if isinstance(stewards, list) else [],
                       ensure_ascii=False),
            unix(_iso(started), 0), str(record.get("purpose") or ""), _day(follow),
            _text(record.get("key")), path, _text(record.get("outcome") or None),
            unix(_iso(answered.get("received")), 0) or None
            if isinstance(answered := record.get("request"), dict) else None))

    def _state(self, seq: int, path: str, record: dict[str, Any] | None, text: str) -> None:
        """A household's or key's file as it stands after commit `seq` (None: deleted)."""
        ident = path.split("/", 1)[1][:-len(".yaml")]
        db, r = self.db, record or {}
        if path.startswith("households/"):
            pair = r.get("pair") if isinstance(r.get("pair"), dict) else {}
            db.execute("INSERT OR REPLACE INTO homes VALUES (?,?,?,?,?,?)",
                       (ident, seq, _text(r.get("name")) if record is not None else None,
                        _text(r.get("kind")), _text(pair.get("a")), _text(pair.get("b"))))
            if record is None:
                db.execute("DELETE FROM homes_now WHERE id = ?", (ident,))
            else:
                db.execute("INSERT OR REPLACE INTO homes_now VALUES (?,?,?,?)",
                           (ident, seq, _text(pair.get("a")), _text(pair.get("b"))))
        else:
            db.execute("INSERT OR REPLACE INTO key_files VALUES (?,?,?,?,?,?,?,?)",
                       (ident, seq, _text(r.get("household")) if record is not None else None,
                        _text(r.get("kind")), _text(r.get("slot")), _text(r.get("label")),
                        _text(r.get("state")), _text(r.get("holder"))))
            if record is None:
                db.execute("DELETE FROM keys_now WHERE id = ?", (ident,))
            else:
                db.execute("INSERT OR REPLACE INTO keys_now VALUES (?, ?, ?, NULL)",
                           (ident, seq, _text(r.get("household"))))

    def write(self) -> None:
        """The rows gathered so far into the database (the open intervals stay in memory too,
        written again with the next batch)."""
        db = self.db
        db.executemany("INSERT INTO commits VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.commits)
        db.executemany("INSERT OR IGNORE INTO touches VALUES (?,?)", self.touches)
        db.executemany("INSERT OR IGNORE INTO confirms VALUES (?,?,?)", self.confirms)
        db.executemany("INSERT OR IGNORE INTO visits VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       self.visit_rows)
        db.executemany("INSERT OR REPLACE INTO intervals VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       self.closed + list(self.open.values()))
        # A custody action after the key's file was last written says where it is now.
        db.executemany("UPDATE keys_now SET custody = ? WHERE id = ? AND seq < ?",
                       [(seq, key, seq) for key, seq in self.custody.items()])
        for batch in (self.commits, self.touches, self.confirms, self.visit_rows, self.closed):
            batch.clear()
        self.custody.clear()


# A plain scalar YAML would read as something other than its text (a number, a boolean, null,
# a merge or value key), or not as one scalar: left to the YAML parser.
_SPECIAL = re.compile(r"(?:[-+]?[\d_.]+(?:[eE][-+]?\d+)?|[-+]?0[xob][\da-f_]+|\d{4}-\d\d?-\d\d?.*"
                      r"|[-+]?\.(?:inf|nan)|true|false|yes|no|on|off|y|n|null|~|=|<<|.*:.*"
                      r"|[-?:,#'\"\[\]{}|>&*!%@`].*)$", re.I | re.S)
# Characters YAML does not allow in a file or reads as a line break or a tab: a file holding one
# is parsed by YAML, which says what it makes of it.
_ODD = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                  "\U00010000-\U0010ffff]")
_NAME = re.compile(r"[a-z_]+$")
_FIELDS = ("name", "kind", "household", "slot", "label", "state", "holder")


def _plain(text: str) -> dict[str, Any] | None:
    """The fields the index keeps of a household or key file written as keyledger writes them —
    `field: value` a line, plain or single-quoted scalars, flow lists of plain items, block lists
    and mappings one level deep, literal blocks — or None for anything else, which the YAML
    parser reads: a street office's import is 100,000 files and a year is a million versions of
    key files, and the parser would cost most of building the index. Where it answers, it is
    what the parser gives for these fields (tests/test_event_rows_plain.py), a file the parser
    refuses included: those it leaves to the parser."""
    if _ODD.search(text):
        return None
    out: dict[str, Any] = {}
    lines = [line for line in text.split("\n") if line]
    i = 0
    while i < len(lines):
        entry = _entry(lines[i])
        if entry is None or entry[0] in out:  # a field written twice: the parser refuses it
            return None
        name, value = entry
        j = i + 1
        while j < len(lines) and lines[j][0] in " -":
            j += 1
        block, i = lines[i + 1:j], j
        if name in _FIELDS and (block or value[:1] in ("|", ">")):
            return None  # an indexed value that is not one plain line: the parser's
        if value[:1] in ("|", ">"):
            if value not in ("|", "|-", ">", ">-") or not _literal(block):
                return None
            out[name] = True  # a text the index does not keep
        elif block:
            nested = _nested(block) if not value else None
            if nested is None:
                return None
            out[name] = nested
        elif name in _FIELDS or name == "pair":
            if (scalar := _scalar(value)) is _UNSURE:
                return None
            out[name] = scalar
        elif value and not (_SAFE.match(value) or _CLOSED.match(value)):
            return None
        else:
            out[name] = None  # a value the index does not keep, which parses
    pair = out.get("pair")
    return {**{f: out[f] for f in _FIELDS if f in out},
            "pair": pair if isinstance(pair, dict) else None}


def _entry(line: str) -> tuple[str, str] | None:
    """`name: value` (value stripped, maybe empty), or None if the line is anything else."""
    name, sep, value = line.partition(":")
    if not sep or not _NAME.match(name) or value[:1] not in ("", " ") or " #" in value:
        return None
    return name, value.strip()


def _literal(block: list[str]) -> bool:
    """A literal or folded text's lines: each indented at least as its first."""
    if not block:
        return True
    indent = len(block[0]) - len(block[0].lstrip(" "))
    return indent > 0 and all(line[:indent] == " " * indent and line.strip() for line in block)


def _nested(block: list[str]) -> dict[str, Any] | list[None] | None:
    """A field's block: a list at the field's indentation (`- ...`, an item's further fields
    two spaces in), or a mapping two spaces in; its one-line values must parse. What the index
    needs of it: the mapping's values (the pair's a and b), or that the list is not empty."""
    if block[0].startswith("- "):
        items: list[None] = []
        fields: set[str] | None = None  # the current item's fields, None for a scalar item
        for line in block:
            if line.startswith("- "):
                items.append(None)
                rest = line[2:]
                entry = _entry(rest) if ":" in rest else None
                if entry is not None and entry[1]:
                    if not _parses(entry[1]):
                        return None
                    fields = {entry[0]}
                elif ":" in rest or not _parses(rest):
                    return None
                else:
                    fields = None
            elif line[:2] == "  " and line[2:3] not in (" ", "-"):
                entry = _entry(line[2:])
                if fields is None or entry is None or entry[0] in fields \
                        or not entry[1] or not _parses(entry[1]):
                    return None
                fields.add(entry[0])
            else:
                return None
        return items
    mapping: dict[str, Any] = {}
    for line in block:
        entry = _entry(line[2:]) if line[:2] == "  " and line[2:3] not in (" ", "-") else None
        if entry is None or entry[0] in mapping or not entry[1] or not _parses(entry[1]):
            return None
        mapping[entry[0]] = _scalar(entry[1])
        if mapping[entry[0]] is _UNSURE and entry[0] in ("a", "b"):
            return None
    return mapping


def _parses(value: str) -> bool:
    """A one-line value that is one scalar or flow list to the parser."""
    return bool(_SAFE.match(value) or _CLOSED.match(value))


# A one-line plain scalar the parser reads without error (what it reads it as aside).
_SAFE = re.compile(r"""[^-?:,\[\]{}#&*!|>'"%@`\s](?:(?!: |:$| #)[^\n])*$""")
# A value on one line, closed there: a flow list of plain items, `{}`, a quoted string.
_ITEM = r"""[^-?:,\[\]{}#&*!|>'"%@`\s][^,\[\]{}#:'"]*"""
_CLOSED = re.compile(rf"""(?:\[\s*(?:{_ITEM}(?:,\s*{_ITEM})*)?\]|\{{\}}|'(?:[^']|'')*'"""
                     r"""|"[^"\\]*")$""")


_UNSURE = object()


def _scalar(value: str) -> Any:
    """A field's value as YAML reads it, or _UNSURE where that takes the parser."""
    value = value.strip()
    if value in ("null", "~", "Null", "NULL"):
        return None
    if not value:
        return None
    if len(value) > 1 and value[0] == "'" == value[-1]:
        inner = value[1:-1]
        return inner.replace("''", "'") if "'" not in inner.replace("''", "") else _UNSURE
    if _SPECIAL.match(value):
        return _UNSURE
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else _text(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else _text(value)
