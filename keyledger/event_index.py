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
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.event_rows import Commit, Rows
    from keyledger.ledger import Ledger

# An interval still open (the key is still out) ends at this moment, far beyond any date.
# (keyledger.event_rows, which makes the rows, is imported only by a command that brings the
# index up to date: a reader, a TAB, never is.)
OPEN = 1 << 62

# Bumped whenever what a row holds changes: an index of another version is made again.
VERSION = "4"
FILE = "events.sqlite3"
# Actions that write exactly the key file their Keyledger-Key trailer names (verify replays
# them through the custody rules); `lost` also flags the household, so it is read from git.
KEY_ONLY = frozenset({"checkout", "return", "handover", "found", "handback", "reserve"})
# Actions that write no key, household or roster file.
NO_RECORD = frozenset({"visit", "confirm"})
# Top-level entries a custody action or a visit may change besides keys/.
BESIDE = frozenset({"visits", "attachments", ".gitattributes"})
# Past this many new commits an update says how far it has got.
PROGRESS_PAST = 5_000
# Commits read before their rows are written (a batch's rows are all in memory).
BATCH = 20_000
Progress = Callable[[int, int], None]

def path(ledger: Ledger) -> Path:
    return ledger.state_dir / FILE


@overload
def fresh(ledger: Ledger) -> sqlite3.Connection: ...
@overload
def fresh(ledger: Ledger, limit: int) -> sqlite3.Connection | None: ...


def fresh(ledger: Ledger, limit: int | None = None) -> sqlite3.Connection | None:
    """The index, up to date with HEAD (once per command). With `limit`: None if there is no
    index yet, and the index as it is if more than `limit` commits are new."""
    db = getattr(ledger, "event_db", None)
    if db is None:
        db = _bring_up_to_date(ledger, limit)
        if db is None or limit is not None:
            return db
        ledger.event_db = db
    return db


def _bring_up_to_date(ledger: Ledger, limit: int | None = None) -> sqlite3.Connection | None:
    head = gitops.head(ledger.root)
    db = _open(ledger)
    if db is not None and tip(db) == (head or ""):
        return db
    if limit is not None:
        if db is None or _behind(ledger, tip(db), head) > limit:
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
        last = tip(db) if db is not None else None
        if db is not None and last == (head or ""):
            return db
        if db is not None and last is not None and head is not None:
            try:
                if _follow(ledger, db, last, head):
                    return db
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # keyledger's own mistake, not a damaged file
            except sqlite3.DatabaseError:
                pass  # damaged under us: made again below
        if db is not None:
            db.close()
        return _rebuild(ledger, head)


def _behind(ledger: Ledger, last: str | None, head: str | None) -> int:
    """How many commits HEAD has that `last` has not (a great many if git cannot tell)."""
    if not last or not head:
        return 1 << 30
    result = gitops.run(ledger.root, "rev-list", "--count", head, "--not", last)
    return int(result.stdout) if result.returncode == 0 and result.stdout.strip() else 1 << 30


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


def tip(db: sqlite3.Connection) -> str | None:
    """The commit the index was made up to ("" for an empty history)."""
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


def _follow(ledger: Ledger, db: sqlite3.Connection, last: str, head: str) -> bool:
    """Bring the index from `last` to `head` without reading the whole history again; False if
    it must be made again (no commit of the index is in head's history)."""
    with _Revs(ledger, [head, "--not", last]) as revs:
        if not revs.ok:
            return False  # the tip is gone from the repository (pruned): start again
        keep: int | None
        if not revs.count:  # head is behind the tip: a reset, or a checkout of an older commit
            keep = seq_of(db, head)
            if keep is None:
                return False
        elif last in revs.first[1]:
            keep = None  # head descends from the last: only new rows
        else:
            parents = revs.first[1]
            keep = seq_of(db, parents[0]) if parents else None
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


def seq_of(db: sqlite3.Connection, sha: str) -> int | None:
    row = db.execute("SELECT seq FROM commits WHERE sha = ?", (sha,)).fetchone()
    return row[0] if row else None


def _truncate(db: sqlite3.Connection, keep: int) -> None:
    """Forget the commits after `keep` (no longer in the history): intervals they closed are
    open again, and each household's and key's state is its version as of `keep`."""
    homes = [i for (i,) in db.execute("SELECT DISTINCT id FROM homes WHERE seq > ?", (keep,))]
    keys = [i for (i,) in db.execute("SELECT DISTINCT id FROM key_files WHERE seq > ? UNION "
                                     "SELECT id FROM keys_now WHERE custody > ?", (keep, keep))]
    for table in ("commits", "touches", "intervals", "visits", "confirms", "homes",
                  "key_files"):
        db.execute(f"DELETE FROM {table} WHERE seq > ?", (keep,))
    db.execute("UPDATE intervals SET stop = ?, stop_seq = NULL, ended_by = NULL "
               "WHERE stop_seq > ?", (OPEN, keep))
    for ident in homes:
        db.execute("DELETE FROM homes_now WHERE id = ?", (ident,))
        db.execute("INSERT INTO homes_now SELECT h.id, h.seq, h.pair_a, h.pair_b FROM homes h "
                   "WHERE h.id = ? AND h.name IS NOT NULL AND h.seq = (SELECT max(seq) FROM "
                   "homes WHERE id = ?)", (ident, ident))
    for ident in keys:
        db.execute("DELETE FROM keys_now WHERE id = ?", (ident,))
        db.execute("INSERT INTO keys_now SELECT f.id, f.seq, f.household, (SELECT max(t.seq) "
                   "FROM touches t JOIN commits c ON c.seq = t.seq WHERE t.path = ? AND "
                   "t.seq > f.seq AND c.action IN ('checkout', 'return', 'handover', 'lost', "
                   "'found', 'handback')) FROM key_files f WHERE f.id = ? AND f.household IS NOT "
                   "NULL AND f.seq = (SELECT max(seq) FROM key_files WHERE id = ?)",
                   (f"keys/{ident}.yaml", ident, ident))
    last = db.execute("SELECT sha FROM commits WHERE seq = ?", (keep,)).fetchone()
    _set_meta(db, last[0], keep + 1)


def _set_meta(db: sqlite3.Connection, tip: str, count: int) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   [("version", VERSION), ("tip", tip), ("count", str(count))])


def _fill(ledger: Ledger, db: sqlite3.Connection, head: str | None) -> None:
    """Every row of the history up to `head` into an empty database."""
    from keyledger.event_rows import INDEXES, SCHEMA

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
    for stale in file.parent.glob(f"{FILE}.tmp*"):  # of a build that was killed (we hold the lock)
        stale.unlink(missing_ok=True)
    tmp = file.with_name(f"{FILE}.tmp{os.getpid()}")
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

        # One writer at a time (the index's lock): any other such file was left by a command
        # that was killed while it made the index, 80 MB at a million commits.
        for stale in self.ledger.state_dir.glob("revs*"):
            if stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)
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
    from keyledger.event_git import read
    from keyledger.event_rows import Rows

    rows = Rows(db)
    pending: list[tuple[int, str]] = []  # commits whose every file is read
    last = ""
    for n, commit in enumerate(read(ledger.root, revs, first)):
        last = commit.sha
        explained = _explained(commit)
        rows.add(commit, explained)
        if not explained:
            pending.append((commit.seq, commit.sha))
        if len(rows.commits) >= BATCH:
            _flush(ledger, rows, pending)
        if report and n % 10_000 == 0:
            report(n, total)
    _flush(ledger, rows, pending)
    _set_meta(db, last, first + total)
    if report:
        report(total, total)


def _flush(ledger: Ledger, rows: Rows, pending: list[tuple[int, str]]) -> None:
    """The batch's rows, with what git says the commits the trailers do not explain wrote (a
    household's and key's state follows the commits in order)."""
    from keyledger.event_git import blobs, paths

    if pending:
        for (seq, sha), paths in zip(pending, paths(ledger.root, [sha for _s, sha in pending])):
            rows.changed(seq, paths)
        pending.clear()
    rows.read_files(lambda names: blobs(ledger.root, names))
    rows.write()


def _explained(commit: Commit) -> bool:
    """Whether the trailers say every key, household and roster file the commit wrote."""
    from keyledger.ids import is_valid_id

    action, top = commit.trailers.get("Action"), set(commit.top)
    if len(commit.parents) != 1:
        return False
    if action in KEY_ONLY:
        return top <= BESIDE | {"keys"} and is_valid_id(commit.trailers.get("Key", ""))
    return action in NO_RECORD and top <= BESIDE


# Reading ---------------------------------------------------------------------------------------

def chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """sqlite takes a bounded number of parameters in one statement."""
    for at in range(0, len(items), size):
        yield items[at:at + size]


def touching(db: sqlite3.Connection, paths: list[str],
             since: int | None = None) -> list[tuple[int, str]]:
    """(seq, sha) of the commits that changed any of `paths` (and happened at or after `since`,
    a Unix time), newest first — what `git log -- PATHS` lists."""
    found: dict[int, str] = {}
    for part in chunks(paths):
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
    for part in chunks(shas):
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
    for part in chunks(shas):
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
