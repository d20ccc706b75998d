"""The event index: every commit of the history as the event it records (a custody action, a
visit or call, a change to the roster or a household), by key, household and steward, kept in
.git/keyledger/events.sqlite3 so that `history`, the reports, `status` and `due` cost the events
they show, not the history's length (a path-limited `git log` still walks every commit).

It is derived from git and never trusted over it:
- it names the commit it was made up to (its tip); each command asks git for HEAD and, if HEAD
  moved, reads only what is new with one `rev-list tip..HEAD`. If HEAD is not a descendant of
  the tip (a `git reset`, an amended or rebased history, another branch), the rows after the last
  commit the two histories share are dropped and the new ones read; with no such commit, it is
  made again from the whole history;
- a missing, unreadable, torn or foreign file (one whose rows do not end at the commit it names)
  is made again; it is sqlite (data that cannot run code, never a pickle), written under a lock
  so two commands never write it at once, and each update is one transaction;
- what each commit touched is what git says: `git diff-tree` of its top-level folders for every
  commit, and of every file for any commit but keyledger's custody actions, visits and
  confirmations. Those name in their trailers the one key file they write (the top-level diff
  shows they wrote nothing else outside keys/, visits/ and attachments/), which `verify`, the
  server hook and `sync` hold every commit to (a custody commit is replayed through the rules
  and may write no other file).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.ledger import Ledger

# Bumped whenever what a row holds changes: an index of another version is made again.
VERSION = "2"
FILE = "events.sqlite3"
# An interval still open (the key is still out) ends at this moment, far beyond any date.
OPEN = 1 << 62
# Actions that write exactly the key file their Keyledger-Key trailer names (verify replays
# them through the custody rules); `lost` also flags the household, so it is read from git.
KEY_ONLY = frozenset({"checkout", "return", "handover", "found", "handback", "reserve"})
# Actions that write no key, household or roster file.
NO_RECORD = frozenset({"visit", "confirm"})
# Top-level entries a custody action or a visit may change besides keys/.
BESIDE = frozenset({"visits", "attachments", ".gitattributes"})
# The files the index follows by path (history of a key, a household, a steward).
RECORDS = ("keys/", "households/", "stewards/")
# Trailers kept in columns of their own; `Note` is free text history reads from git itself.
COLUMNS = ("Action", "Key", "Household", "Steward", "Holder", "Purpose", "At", "Expected-Back")
# Past this many new commits an update says how far it has got.
PROGRESS_PAST = 5_000
Progress = Callable[[int, int], None]

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
"""
# Made after a rebuild's rows are in (one sort each, not a million B-tree insertions).
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS commits_sha ON commits(sha);
CREATE INDEX IF NOT EXISTS commits_at ON commits(at);
CREATE INDEX IF NOT EXISTS commits_household ON commits(household, seq);
CREATE INDEX IF NOT EXISTS commits_steward ON commits(steward, seq);
CREATE INDEX IF NOT EXISTS intervals_key ON intervals(key, start);
CREATE INDEX IF NOT EXISTS intervals_stop ON intervals(stop);
CREATE INDEX IF NOT EXISTS visits_started ON visits(started);
CREATE INDEX IF NOT EXISTS visits_household ON visits(household, started);
CREATE INDEX IF NOT EXISTS visits_follow_up ON visits(follow_up) WHERE follow_up IS NOT NULL;
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


def path(ledger: Ledger) -> Path:
    return ledger.state_dir / FILE


def fresh(ledger: Ledger) -> sqlite3.Connection:
    """The index, up to date with HEAD (once per command)."""
    db = getattr(ledger, "event_db", None)
    if db is None:
        db = _bring_up_to_date(ledger)
        ledger.event_db = db
    return db


def _bring_up_to_date(ledger: Ledger) -> sqlite3.Connection:
    head = gitops.head(ledger.root)
    db = _open(ledger)
    if db is not None and _tip(db) == (head or ""):
        return db
    try:
        return _write_up_to_date(ledger, head, db)
    except OSError:  # a read-only disk: this command's own index, in memory
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _fill(ledger, db, head)
        return db


def _write_up_to_date(ledger: Ledger, head: str | None,
                      db: sqlite3.Connection | None) -> sqlite3.Connection:
    with _writing(ledger):
        if db is not None:
            db.close()
        db = _open(ledger)  # another command may have brought it up to date meanwhile
        tip = _tip(db) if db is not None else None
        if db is not None and tip == (head or ""):
            return db
        if db is not None and tip is not None and head is not None:
            try:
                if _follow(ledger, db, tip, head):
                    return db
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # keyledger's own mistake, not a damaged file
            except sqlite3.DatabaseError:
                pass  # damaged under us: made again below
        if db is not None:
            db.close()
        return _rebuild(ledger, head)


def _open(ledger: Ledger) -> sqlite3.Connection | None:
    """The index if it can be read and is whole: its rows end at the commit it names."""
    file = path(ledger)
    try:
        if not stat.S_ISREG(os.lstat(file).st_mode):  # never a link to somewhere else
            return None
    except OSError:
        return None
    db = None
    try:
        db = sqlite3.connect(str(file), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 20000")
        meta = dict(db.execute("SELECT name, value FROM meta"))
        last = db.execute("SELECT seq, sha FROM commits ORDER BY seq DESC LIMIT 1").fetchone()
        whole = meta.get("version") == VERSION and (
            (last is None and meta.get("tip") == "" and meta.get("count") == "0") or
            (last is not None and meta.get("tip") == last[1]
             and meta.get("count") == str(last[0] + 1)))
        if whole:
            return db
    except sqlite3.DatabaseError:
        pass
    if db is not None:
        db.close()
    return None


def _tip(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE name = 'tip'").fetchone()
    return row[0] if row else None


@contextmanager
def _writing(ledger: Ledger) -> Iterator[None]:
    """One writer of the index at a time; a reader never waits for it (it reads the file the
    writer has not yet replaced, or waits for sqlite's transaction)."""
    fd = os.open(ledger.state_dir / "events.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW,
                 0o644)
    with open(fd, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _follow(ledger: Ledger, db: sqlite3.Connection, tip: str, head: str) -> bool:
    """Bring the index from `tip` to `head` without reading the whole history again; False if
    it must be made again (no commit of the index is in head's history)."""
    with _Revs(ledger, [head, "--not", tip]) as revs:
        if not revs.ok:
            return False  # the tip is gone from the repository (pruned): start again
        keep: int | None
        if not revs.count:  # head is behind the tip: a reset, or a checkout of an older commit
            keep = _seq_of(db, head)
            if keep is None:
                return False
        elif tip in revs.first[1]:
            keep = None  # head descends from the tip: only new rows
        else:
            parents = revs.first[1]
            keep = _seq_of(db, parents[0]) if parents else None
            if keep is None:
                return False
        db.execute("BEGIN IMMEDIATE")
        try:
            if keep is not None:
                _truncate(db, keep)
            count = int(db.execute("SELECT value FROM meta WHERE name = 'count'").fetchone()[0])
            _append(ledger, db, revs, count)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return True


def _seq_of(db: sqlite3.Connection, sha: str) -> int | None:
    row = db.execute("SELECT seq FROM commits WHERE sha = ?", (sha,)).fetchone()
    return row[0] if row else None


def _truncate(db: sqlite3.Connection, keep: int) -> None:
    """Forget the commits after `keep` (no longer in the history); intervals they closed are
    open again."""
    for table in ("commits", "touches", "intervals", "visits", "confirms"):
        db.execute(f"DELETE FROM {table} WHERE seq > ?", (keep,))
    db.execute("UPDATE intervals SET stop = ?, stop_seq = NULL, ended_by = NULL "
               "WHERE stop_seq > ?", (OPEN, keep))
    last = db.execute("SELECT sha FROM commits WHERE seq = ?", (keep,)).fetchone()
    _set_meta(db, last[0], keep + 1)


def _set_meta(db: sqlite3.Connection, tip: str, count: int) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   [("version", VERSION), ("tip", tip), ("count", str(count))])


def _fill(ledger: Ledger, db: sqlite3.Connection, head: str | None) -> None:
    """Every row of the history up to `head` into an empty database."""
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    _set_meta(db, "", 0)
    if head:
        with _Revs(ledger, [head]) as revs:
            if not revs.ok:
                raise FatalError(_("git cannot walk the history from {head}.").format(
                    head=head[:10]))
            _append(ledger, db, revs, 0)
    db.execute("COMMIT")
    db.executescript(INDEXES)


def _rebuild(ledger: Ledger, head: str | None) -> sqlite3.Connection:
    """The whole index made again from the history, in a file of its own that takes the
    place of the old one only when complete."""
    file = path(ledger)
    tmp = file.with_name(f"{FILE}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(str(tmp), isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a torn rebuild is thrown away whole
        db.execute("PRAGMA synchronous = OFF")
        _fill(ledger, db, head)
        db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, file)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    opened = _open(ledger)
    if opened is None:
        raise FatalError(_("The index of the ledger's history ({path}) could not be read back "
                           "after it was made.").format(path=file))
    return opened


class _Revs:
    """The commits of a range, oldest first, each with its parents (`git rev-list --parents`),
    kept in a file, not in memory: a first build reads a million."""

    def __init__(self, ledger: Ledger, args: list[str]) -> None:
        self.ledger, self.args = ledger, args
        self.ok, self.count, self.first = False, 0, ("", [""])

    def __enter__(self) -> _Revs:
        import tempfile

        try:
            self.file = tempfile.NamedTemporaryFile(dir=self.ledger.state_dir, prefix="revs")
        except OSError:  # a read-only disk: the system's folder for temporary files
            self.file = tempfile.NamedTemporaryFile(prefix="keyledger-revs")
        result = subprocess.run(gitops._argv(self.ledger.root, "rev-list", "--reverse",
                                             "--topo-order", "--parents", *self.args),
                                stdout=self.file, stderr=subprocess.DEVNULL, env=gitops._env())
        self.ok = result.returncode == 0
        with self.stdin() as lines:
            first = lines.readline().split()
            if first:
                self.first = (first[0].decode(), [p.decode() for p in first[1:]])
                self.count = 1 + sum(chunk.count(b"\n") for chunk in iter(
                    lambda: lines.read(1 << 20), b""))
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def __iter__(self) -> Iterator[tuple[str, list[str]]]:
        with self.stdin() as lines:
            for line in lines:
                sha, *parents = line.decode().split()
                yield sha, parents

    def stdin(self) -> Any:
        """The file, opened again from its start: "<commit> <parent>…" per line is what
        `diff-tree --stdin` reads, and its reader needs an offset of its own."""
        return open(self.file.name, "rb")


def _append(ledger: Ledger, db: sqlite3.Connection, revs: _Revs, first: int) -> None:
    """Index `revs` (oldest first) as rows `first`, `first + 1`, …, written in batches so that
    a million commits are never all in memory."""
    if not revs.count:
        return
    total = revs.count
    report = ledger.progress if ledger.progress and total > PROGRESS_PAST else None
    rows = _Rows(db)
    pending: list[tuple[int, str, dict[str, str]]] = []  # commits whose every file is read
    last = ""
    for n, commit in enumerate(_read(ledger.root, revs, first)):
        last = commit.sha
        explained = _explained(commit)
        rows.add(commit, explained)
        if not explained:
            pending.append((commit.seq, commit.sha, commit.trailers))
        if len(rows.commits) >= 50_000:
            rows.write()
        if report and n % 10_000 == 0:
            report(n, total)
    if pending:
        for (seq, sha, trailers), paths in zip(pending, _paths(ledger.root,
                                                               [p[1] for p in pending])):
            rows.files(seq, sha, trailers, paths)
    rows.visits(ledger.root)
    rows.write()
    _set_meta(db, last, first + total)
    if report:
        report(total, total)


def _explained(commit: Commit) -> bool:
    """Whether the trailers say every key, household and roster file the commit wrote."""
    from keyledger.ids import is_valid_id

    action, top = commit.trailers.get("Action"), set(commit.top)
    if len(commit.parents) != 1:
        return False
    if action in KEY_ONLY:
        return top <= BESIDE | {"keys"} and is_valid_id(commit.trailers.get("Key", ""))
    return action in NO_RECORD and top <= BESIDE


_HEADER = "%H%x1f%ct%x1f%(trailers:only,unfold)"


def _feed(proc: subprocess.Popen, shas: Iterable[str]) -> threading.Thread:
    def write() -> None:
        assert proc.stdin
        try:
            for sha in shas:
                proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _git(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(gitops._argv(root, *args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=gitops._env())


def _tokens(stream: Any) -> Iterator[bytes]:
    """NUL-separated tokens of a stream, read in large pieces."""
    rest = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _read(root: Path, revs: _Revs, first: int) -> Iterator[Commit]:
    """Each commit's time, trailers and changed top-level entries, from one `git diff-tree`
    fed the commits on its standard input."""
    with revs.stdin() as stdin:
        proc = subprocess.Popen(gitops._argv(root, "diff-tree", "--stdin", "--root", "--always",
                                             "--name-only", "-z", f"--format={_HEADER}"),
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=gitops._env())
    expected = iter(revs)  # the commits git is fed, to tell its headers from file names
    current: Commit | None = None
    n = first
    try:
        nxt = next(expected, None)
        for token in _tokens(proc.stdout):
            if nxt is not None and token.startswith(nxt[0].encode() + b"\x1f"):
                if current is not None:
                    yield current
                sha, ct, trailers = token.decode("utf-8", "replace").split("\x1f", 2)
                current = Commit(n, sha, nxt[1], int(ct), gitops.parse_trailers(trailers), [])
                n += 1
                nxt = next(expected, None)
            elif current is not None:
                name = token[1:] if token.startswith(b"\n") else token
                if name:
                    current.top.append(name.decode("utf-8", "replace"))
        if current is not None:
            yield current
    finally:
        expected.close()  # type: ignore[attr-defined]
        proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()
    if nxt is not None or proc.returncode != 0:
        raise FatalError(_("git could read only {n} of the {total} commits of the history.")
                         .format(n=n - first, total=revs.count))


def _paths(root: Path, shas: list[str]) -> Iterator[list[tuple[str, str]]]:
    """Every file each commit changed, as (status, path), from one `git diff-tree -r`."""
    proc = _git(root, "diff-tree", "--stdin", "--root", "--always", "-r", "--name-status",
                "--no-renames", "-z")
    feeder = _feed(proc, shas)
    expected = iter(shas)
    nxt = next(expected, None)
    current: list[tuple[str, str]] | None = None
    status: str | None = None
    try:
        for token in _tokens(proc.stdout):
            text = token.decode("utf-8", "surrogateescape")
            if status is None and nxt is not None and text == nxt:
                if current is not None:
                    yield current
                current, nxt = [], next(expected, None)
            elif status is None:
                status = text
            else:
                assert current is not None
                current.append((status, text))
                status = None
        if current is not None:
            yield current
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()
        feeder.join()
    if nxt is not None or proc.returncode != 0:
        raise FatalError(_("git could not read what {n} commits changed.").format(n=len(shas)))


def _time(text: str | None, fallback: int) -> int:
    if text:
        try:
            return int(datetime.fromisoformat(text).timestamp())
        except (ValueError, TypeError, OverflowError):
            pass
    return fallback


class _Rows:
    """The rows new commits add, the custody intervals carried from one commit to the next."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.commits: list[tuple[Any, ...]] = []
        self.touches: list[tuple[str, int]] = []
        self.confirms: list[tuple[str, int, str]] = []
        self.open: dict[str, list[Any]] = {}     # key -> its open interval's row
        self.closed: list[list[Any]] = []
        self.loaded: set[str] = set()
        self.wanted_visits: list[tuple[int, str, str, dict[str, str]]] = []
        self.visit_rows: list[tuple[Any, ...]] = []

    def add(self, c: Commit, explained: bool) -> None:
        t = c.trailers
        at = _time(t.get("At"), c.committed)
        action = t.get("Action")
        extra = {k: v for k, v in t.items() if k not in COLUMNS and k != "Note"}
        self.commits.append((c.seq, c.sha, at, action, t.get("Key"), t.get("Household"),
                             t.get("Steward"), t.get("Holder"), t.get("Purpose"),
                             _time(t.get("Expected-Back"), 0) or None,
                             json.dumps(extra, ensure_ascii=False) if extra else None))
        if explained:
            if "keys" in c.top and action in KEY_ONLY:
                self.touches.append((f"keys/{t['Key']}.yaml", c.seq))
            if t.get("Visit") and "visits" in c.top:
                visit = t["Visit"]  # its folder is the month it started, the id's first digits
                self.wanted_visits.append((c.seq, c.sha, f"visits/{visit[:4]}/{visit[4:6]}/"
                                                         f"{visit}.yaml", t))
        if action == "confirm" and t.get("Confirms"):
            self.confirms.append((t["Confirms"], c.seq, t.get("Steward", "")))
        if action in ("checkout", "handover", "return", "lost", "handback") and t.get("Key"):
            self._custody(c.seq, at, t)

    def files(self, seq: int, sha: str, t: dict[str, str], paths: list[tuple[str, str]]) -> None:
        """What git says a commit the trailers do not explain wrote."""
        self.touches += [(p, seq) for _s, p in paths
                         if p.startswith(RECORDS) and p.endswith(".yaml")]
        self.wanted_visits += [(seq, sha, p, t) for s, p in paths
                               if p.startswith("visits/") and p.endswith(".yaml") and s != "D"]

    def _custody(self, seq: int, at: int, t: dict[str, str]) -> None:
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
            expected = _time(t.get("Expected-Back"), 0) or (before[9] if before else None)
            self.open[key] = [seq, key, t.get("Household", ""),
                              t.get("Holder") or t.get("Steward", ""), purpose, at, OPEN, None,
                              None, expected, t.get("Override"), t.get("Consent"),
                              t.get("Unreached"), t.get("Witness")]

    def _open_of(self, key: str) -> list[Any] | None:
        if key not in self.loaded:
            self.loaded.add(key)
            row = self.db.execute("SELECT * FROM intervals WHERE key = ? AND stop = ?",
                                  (key, OPEN)).fetchone()
            if row is not None and key not in self.open:
                self.open[key] = list(row)
        return self.open.get(key)

    def visits(self, root: Path) -> None:
        """The visits the new commits recorded, read from their files in git."""
        if not self.wanted_visits:
            return
        wanted, self.wanted_visits = self.wanted_visits, []
        from keyledger import yaml

        names = [f"{sha}:{p}" for _seq, sha, p, _t in wanted]
        for (seq, _sha, p, _t), data in zip(wanted, _blobs(root, names)):
            try:
                record = yaml.load(data.decode("utf-8")) if data is not None else None
            except Exception:  # a broken file is check's and verify's to report
                record = None
            if not isinstance(record, dict):
                continue
            stewards = record.get("stewards")
            started = record.get("started")
            follow = record.get("follow_up")
            self.visit_rows.append((
                seq, str(record.get("id") or Path(p).stem), str(record.get("household") or ""),
                json.dumps([str(s) for s in stewards] if isinstance(stewards, list) else [],
                           ensure_ascii=False),
                _time(str(started) if started else None, 0),
                str(record.get("purpose") or ""), str(follow) if follow else None,
                str(record.get("key")) if record.get("key") else None, p,
                # A call's outcome and the owner's request answered (when it came): what
                # makes a visit count for a due item (keyledger.service_due).
                str(record.get("outcome")) if record.get("outcome") else None,
                _time(str(answered.get("received")), 0) or None
                if isinstance(answered := record.get("request"), dict) else None))

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
        for batch in (self.commits, self.touches, self.confirms, self.visit_rows, self.closed):
            batch.clear()


def _blobs(root: Path, names: list[str]) -> Iterator[bytes | None]:
    """The contents of `rev:path` names, from one `git cat-file --batch`."""
    proc = _git(root, "cat-file", "--batch")
    feeder = _feed(proc, names)
    assert proc.stdout
    try:
        for _name in names:
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                yield None
                continue
            yield proc.stdout.read(int(header[2]) + 1)[:-1]
    finally:
        proc.stdout.close()
        proc.wait()
        feeder.join()


# Reading ---------------------------------------------------------------------------------------

def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """sqlite takes a bounded number of parameters in one statement."""
    for at in range(0, len(items), size):
        yield items[at:at + size]


def touching(db: sqlite3.Connection, paths: list[str],
             since: int | None = None) -> list[tuple[int, str]]:
    """(seq, sha) of the commits that changed any of `paths` (and happened at or after `since`,
    a Unix time), newest first — what `git log -- PATHS` lists."""
    found: dict[int, str] = {}
    for part in _chunks(paths):
        marks = ",".join("?" * len(part))
        query = (f"SELECT c.seq, c.sha FROM touches t JOIN commits c ON c.seq = t.seq "
                 f"WHERE t.path IN ({marks})" + (" AND c.at >= ?" if since is not None else ""))
        found.update(db.execute(query, [*part, *([since] if since is not None else [])]))
    return sorted(found.items(), reverse=True)


def last_touching(db: sqlite3.Connection, path: str) -> str | None:
    row = db.execute("SELECT c.sha FROM touches t JOIN commits c ON c.seq = t.seq "
                     "WHERE t.path = ? ORDER BY t.seq DESC LIMIT 1", (path,)).fetchone()
    return row[0] if row else None


def confirmations(db: sqlite3.Connection, shas: list[str],
                  steward: str | None = None) -> dict[str, list[tuple[int, str]]]:
    """The witnesses' confirm commits of each of `shas`, as (seq, sha), newest first; with
    `steward`, only that steward's."""
    out: dict[str, list[tuple[int, str]]] = {}
    for part in _chunks(shas):
        by = " AND f.steward = ?" if steward is not None else ""
        rows = db.execute(f"SELECT f.target, f.seq, c.sha FROM confirms f JOIN commits c "
                          f"ON c.seq = f.seq WHERE f.target IN ({','.join('?' * len(part))})"
                          f"{by} ORDER BY f.seq DESC", [*part, *([steward] if by else [])])
        for target, seq, sha in rows:
            out.setdefault(target, []).append((seq, sha))
    return out


def signatures(db: sqlite3.Connection, shas: list[str]) -> dict[str, tuple[str, str]]:
    """The signature checks remembered for `shas`: (status, signer's key fingerprint). A
    commit's signature is a property of its bytes, so a check holds for as long as the commit."""
    out: dict[str, tuple[str, str]] = {}
    for part in _chunks(shas):
        rows = db.execute(f"SELECT sha, status, fingerprint FROM signatures "
                          f"WHERE sha IN ({','.join('?' * len(part))})", part)
        out.update((sha, (status, fp)) for sha, status, fp in rows)
    return out


def remember_signatures(ledger: Ledger, checked: dict[str, tuple[str, str]]) -> None:
    if not checked:
        return
    try:
        _remember(ledger, checked)
    except OSError:
        pass  # a read-only disk: checked again next time


def _remember(ledger: Ledger, checked: dict[str, tuple[str, str]]) -> None:
    with _writing(ledger):
        db = _open(ledger)
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO signatures VALUES (?, ?, ?)",
                           [(sha, status, fp) for sha, (status, fp) in checked.items()])
            db.execute("COMMIT")
        except sqlite3.DatabaseError:
            pass  # only slower next time
        finally:
            db.close()
