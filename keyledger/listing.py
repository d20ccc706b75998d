"""The derived index behind the listings (`status`, `due`, `household list`, `key list`): one
row per file of a folder, kept in .git/keyledger/, brought up to date from git and never read
stale.

Rows are made from the files in the work tree. With them the index keeps the tree of the folder
at HEAD they were made from, the files that differed from it then (read again every time) and
the folder's stamp (adding or removing a file changes it). A command asks git what changed
since: `git diff-tree` between that tree and HEAD's, and `git diff-index HEAD` for the work tree
— git's own stat check of every tracked file, in C, with its rule for files changed within the
same tick as the index. Only those files are parsed again; a street office's 100,000 household
files are then one load of the index (keyledger.statedir: JSON, never code), not 100,000 stats
and parses.
"""

from __future__ import annotations

import os
import stat
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from keyledger import gitops, statedir
from keyledger.errors import FatalError
from keyledger.ledger import FOLDERS, Ledger, file_stamp, loading, settled

if TYPE_CHECKING:
    from keyledger.model import Household, Key

# Bumped whenever a row changes shape (keyledger.statedir tells a change of the model's classes).
VERSION = 6
# Files whose stat data git's index has lost before a listing refreshes it.
REFRESH_PAST = 200
Row = tuple[Any, ...]


def key_parts(key: Key) -> dict[str, Any]:
    """What a listing shows of a key (`rows`); the whole record (`records`) only of one out of
    the cabinet or booked, which `status` lists in full."""
    return {"rows": (key.household, key.kind, key.slot, key.state, key.holder, key.label),
            "records": key if key.state != "in" or key.reservations else None}


def household_parts(household: Household) -> dict[str, Any]:
    """What `household list` shows (`rows`); the name alone, for `status` (`names`); for a
    household with a schedule or something open (a problem, a request, money owed), the
    household as `due` and `status` read it (`records`): its name, pair, periods away, schedule
    and open records, the rest left out — it would be most of the cost of loading the scheduled
    thousands."""
    wanted = household.schedule or household.problems or household.requests or household.advances
    record = replace(household, address="", people=(), contacts=(), flags=(), care=(),
                     authorization=None, witness_for=(), notes="") if wanted else None
    return {"rows": (household.name, household.kind, household.flags, household.pair,
                     household.address),
            "names": household.name, "records": record,
            # The elderly register's fields `household list --living/--aged` filter on.
            "register": (household.living, tuple((p.born, p.birthday) for p in household.people))}


PARTS: dict[str, Callable[[Any], dict[str, Any]]] = {"key": key_parts,
                                                     "household": household_parts}
PART_NAMES = {"key": ("rows", "records"),
              "household": ("rows", "names", "records", "register")}


@dataclass
class Index:
    """One kind's index: a small header, and each part (a dict by id) in a file of its own,
    loaded only when a listing asks for it."""

    ledger: Ledger
    kind: str
    tree: str | None = None     # the folder's tree at HEAD the rows were made from
    dirty: frozenset[str] = frozenset()      # ids whose files differed from `tree` then
    untracked: frozenset[str] = frozenset()  # ids of files git does not track
    stamp: tuple[int, ...] | None = None     # the folder's, when the rows were made
    token: str = ""             # names one write of the files, so a torn write is seen
    started: int = 0            # when git was asked what changed, in this command
    young: set[str] = field(default_factory=set)  # read, but changed since git was asked
    _parts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _file(self, part: str) -> str:
        suffix = f"-{part}" if part else ""
        return str(self.ledger.state_dir / f"listing-{self.kind}{suffix}.json")

    def _read(self, part: str) -> dict[str, Any] | None:
        with loading():
            kept = statedir.load(self._file(part), VERSION)
        if not isinstance(kept, list) or len(kept) != 2 or not isinstance(kept[1], dict):
            return None
        token, data = kept
        return data if token == self.token else None

    def part(self, name: str) -> dict[str, Any]:
        """The part `name` (see `key_parts`, `household_parts`), by id in id order for rows."""
        if name not in self._parts:
            data = self._read(name)
            if data is None:  # a write was torn: the header names another
                self.rebuild()
                self.save()
            else:
                self._parts[name] = data
        return self._parts[name]

    def rows(self) -> dict[str, Row]:
        return self.part("rows")

    def loaded(self) -> bool:
        """Every part in memory; False if they had to be rebuilt from the files."""
        for name in PART_NAMES[self.kind]:
            data = self._read(name) if name not in self._parts else self._parts[name]
            if data is None:
                self.rebuild()
                return False
            self._parts[name] = data
        return True

    def rebuild(self) -> None:
        """Every row again, from every file (through the ledger's cache of parsed files)."""
        self._parts = {name: {} for name in PART_NAMES[self.kind]}
        ids = set(self.ledger.ids(self.kind))
        self.untracked = frozenset(ids - _tracked(self.ledger, self.kind, ids))
        self.reread(ids)

    def reread(self, ids: set[str]) -> None:
        """The rows of `ids` from the work tree; a file that is gone loses its row. A file
        changed after git was asked may be put back before the next listing, which nothing
        would then tell: it is read again next time."""
        root, since = self.ledger.root, self.started - 2_000_000_000
        present = []
        for ident in sorted(ids):
            try:
                st = os.lstat(root / self.ledger.relpath(self.kind, ident))
                if stat.S_ISDIR(st.st_mode):
                    raise IsADirectoryError
            except OSError:
                for data in self._parts.values():
                    data.pop(ident, None)
                continue
            present.append(ident)
            if max(st.st_mtime_ns, st.st_ctime_ns) >= since:
                self.young.add(ident)
        if len(present) > 100:  # the cache of parsed files pays for its loading past a few
            records = self.ledger.bulk(self.kind, present, _parsers()[self.kind])
        else:
            records = [getattr(self.ledger, self.kind)(i) for i in present]
        for record in records:
            for name, value in PARTS[self.kind](record).items():
                if value is None:
                    self._parts[name].pop(record.id, None)
                else:
                    self._parts[name][record.id] = value
        if present:
            self._parts["rows"] = dict(sorted(self._parts["rows"].items()))

    def save(self) -> None:
        """The parts first, the header naming them last; an index that cannot be written is
        only slower."""
        self.token = uuid.uuid4().hex
        parts = {**self._parts, "": (VERSION, self.tree, frozenset(self.dirty | self.young),
                                     self.untracked, self.stamp)}
        for part, data in parts.items():
            if not statedir.save(self._file(part), (self.token, data), VERSION):
                return


def _parsers() -> dict[str, Callable[[str, str, str], Any]]:
    from keyledger.model import parse_household, parse_key

    return {"key": parse_key, "household": parse_household}


def fresh(ledger: Ledger, kinds: tuple[str, ...]) -> dict[str, Index]:
    """The indexes of `kinds`, up to date with HEAD and the work tree (once in a command that
    reads them twice, `status` and its due items)."""
    wanted = tuple(k for k in kinds if k not in ledger.listings)
    if wanted:
        ledger.listings.update(_fresh(ledger, wanted))
    return {k: ledger.listings[k] for k in kinds}


def _fresh(ledger: Ledger, kinds: tuple[str, ...]) -> dict[str, Index]:
    folders = [FOLDERS[k] for k in kinds]
    started = time.time_ns()
    trees = {}
    for line in gitops.git(ledger.root, "ls-tree", "HEAD", "--", *folders).splitlines():
        meta, _tab, name = line.partition("\t")
        if meta.split()[1:2] == ["tree"]:
            trees[name] = meta.split()[2]
    changed = _changed(ledger, folders)
    if len(changed) > REFRESH_PAST:
        # Stat data gone stale (a copy of the ledger, `touch`): every such file would be read
        # again each time. Teach git's index the new stamps, as `git status` would, unless a
        # changing command is at work.
        try:
            with ledger.lock(wait=0):
                gitops.git(ledger.root, "update-index", "-q", "--refresh", check=False)
        except FatalError:
            pass
        else:
            changed = _changed(ledger, folders)
    return {kind: _update(ledger, kind, trees.get(FOLDERS[kind]), _ids(changed, FOLDERS[kind]),
                          started) for kind in kinds}


def _changed(ledger: Ledger, folders: list[str]) -> list[str]:
    """Every file differing between HEAD and the work tree, by git's stat check — with git's
    default rules whatever the clone's config says, so that an edit with its modification time
    put back is told by its change time. A glob, not the folder: git 2.39 takes seconds over
    the pathspec of one folder of 100,000 files."""
    return [p for p in gitops.git(ledger.root, "-c", "core.trustctime=true",
                                  "-c", "core.checkStat=default", "diff-index", "--name-only",
                                  "-z", "--no-renames", "HEAD", "--",
                                  *(f"{f}/*.yaml" for f in folders)).split("\0") if p]


def _moved(ledger: Ledger, old: str, new: str) -> tuple[set[str], set[str]] | None:
    """The ids of the files that differ between two trees of a folder, and of those gone from
    the newer; None if the older tree is no longer in the repository (pruned)."""
    if old == new:
        return set(), set()
    try:
        out = gitops.git(ledger.root, "diff-tree", "-r", "--name-status", "-z", "--no-renames",
                         old, new).split("\0")
    except FatalError:
        return None
    pairs = [(status, p[:-5]) for status, p in zip(out[::2], out[1::2])
             if p.endswith(".yaml") and "/" not in p]
    return {i for _status, i in pairs}, {i for status, i in pairs if status == "D"}


def _ids(paths: list[str], folder: str) -> set[str]:
    """The ids of the paths that are files directly in `folder`."""
    prefix = folder + "/"
    return {p[len(prefix):-5] for p in paths
            if p.startswith(prefix) and p.endswith(".yaml") and "/" not in p[len(prefix):]}


def _load(ledger: Ledger, kind: str) -> Index | None:
    index = Index(ledger, kind)
    try:
        index.token, header = statedir.load(index._file(""), VERSION)
        version, index.tree, index.dirty, index.untracked, stamp = header
        index.stamp = tuple(stamp) if stamp else None
    except (TypeError, ValueError):  # nothing kept, or damaged: made again
        return None
    return index if version == VERSION else None


def _update(ledger: Ledger, kind: str, tree: str | None, dirty: set[str],
            started: int) -> Index:
    """The kind's index brought up to date: the files in the tree's diff, in the work tree's
    diff, dirty or untracked the last time, added or removed are read again; without a tree to
    diff from, every file is."""
    try:
        folder_stat: os.stat_result | None = os.stat(ledger.root / FOLDERS[kind])
    except OSError:
        folder_stat = None
    stamp = file_stamp(folder_stat) if folder_stat else None
    index = _load(ledger, kind)
    diff = _moved(ledger, index.tree, tree) if index and index.tree and tree else None
    if index is None or diff is None:
        index = Index(ledger, kind, started=started)
        index.rebuild()
    else:
        index.started = started
        moved, gone_from_tree = diff
        reread = moved | dirty | index.dirty | index.untracked
        renamed = stamp is None or stamp != index.stamp  # a file added or removed, maybe
        if not reread and not renamed and tree == index.tree:
            return index
        if index.loaded():
            added: set[str] = set()
            if renamed:
                ids, known = set(ledger.ids(kind)), set(index.rows())
                added = ids - known - moved - dirty
                reread |= added | (known - ids)
            # Files git does not track: neither diff shows their edits, so they are read every
            # time. A file leaves git's care without leaving the disk by a reset or `rm --cached`.
            maybe = {i for i in (gone_from_tree | index.dirty | index.untracked | added) - dirty
                     if ledger.exists(kind, i)}
            index.untracked = frozenset(maybe - _tracked(ledger, kind, maybe))
            index.reread(reread)
    index.tree = tree
    index.dirty = frozenset(dirty)
    index.stamp = stamp if folder_stat and settled(folder_stat) else None
    index.save()
    return index


def _tracked(ledger: Ledger, kind: str, ids: set[str]) -> set[str]:
    """Which of `ids` git's index holds: named one by one, or the whole folder for many."""
    if not ids:
        return set()
    paths = [ledger.relpath(kind, i) for i in sorted(ids)] if len(ids) <= 100 else \
        [f"{FOLDERS[kind]}/*.yaml"]
    return _ids(gitops.git(ledger.root, "ls-files", "-z", "--", *paths).split("\0"),
                FOLDERS[kind]) & ids
