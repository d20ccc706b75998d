"""The derived index behind the listings (`status`, `due`, `household list`, `key list`): one
row per file of a folder, kept in .git/keyledger/, brought up to date from git and never read
stale.

Rows are made from the files in the work tree. With them the index keeps the tree of the folder
at HEAD they were made from, the files that differed from it then (read again every time) and
the folder's stamp (adding or removing a file changes it). A command asks git what changed
since: `git diff-tree` between that tree and HEAD's, and `git diff-index HEAD` for the work tree
— git's own stat check of every tracked file, in C, with its rule for files changed within the
same tick as the index. Only those files are parsed again; a street office's 100,000 household
files are then one load of a pickle, not 100,000 stats and unpickles.
"""

from __future__ import annotations

import os
import pickle
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.ledger import FOLDERS, Ledger, file_stamp, settled, unpickling

if TYPE_CHECKING:
    from keyledger.model import Household, Key

# Bumped whenever a row changes shape or the model's classes do.
VERSION = 1
# Files whose stat data git's index has lost before a listing refreshes it.
REFRESH_PAST = 200
Row = tuple[Any, ...]


def key_row(key: Key) -> tuple[Row, Key | None]:
    """What a listing shows of a key; the whole record only of one out of the cabinet or
    booked, which `status` lists in full."""
    row = (key.household, key.kind, key.slot, key.state, key.holder, key.label)
    return row, key if key.state != "in" or key.reservations else None


def household_row(household: Household) -> tuple[Row, Household | None]:
    """What `household list` shows; for a household with a schedule, the household as `due`
    reads it: people, contacts and notes left out, they would be most of the cost of loading
    the scheduled thousands."""
    row = (household.name, household.kind, household.flags, household.pair, household.address)
    if not household.schedule:
        return row, None
    return row, replace(household, people=(), contacts=(), care=(), authorization=None, notes="")


ROWS: dict[str, Callable[[Any], tuple[Row, Any]]] = {"key": key_row, "household": household_row}


@dataclass
class Index:
    ledger: Ledger
    kind: str
    tree: str | None = None     # the folder's tree at HEAD the rows were made from
    dirty: frozenset[str] = frozenset()      # ids whose files differed from `tree` then
    untracked: frozenset[str] = frozenset()  # ids of files git does not track
    stamp: tuple[int, ...] | None = None     # the folder's, when the rows were made
    token: str = ""             # names one write of the three files, so a torn write is seen
    _rows: dict[str, Row] | None = None
    _extras: dict[str, Any] | None = None

    def _file(self, part: str) -> str:
        return str(self.ledger.state_dir / f"listing-{self.kind}{part}.pickle")

    def _part(self, part: str) -> Any:
        try:
            with open(self._file(part), "rb") as handle, unpickling():
                token, data = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError,
                ImportError, TypeError):
            return None
        return data if token == self.token else None

    def rows(self) -> dict[str, Row]:
        """Every id of the folder with its row, in id order."""
        if self._rows is None:
            self._rows = self._part("-rows")
            if self._rows is None:  # a write was torn: the header names other rows
                self.rebuild()
                self.save()
        assert self._rows is not None
        return self._rows

    def extras(self) -> dict[str, Any]:
        """The records a listing needs whole (see `key_row`, `household_row`), by id."""
        if self._extras is None:
            self._extras = self._part("-extras")
            if self._extras is None:
                self.rebuild()
                self.save()
        assert self._extras is not None
        return self._extras

    def loaded(self) -> bool:
        """Both parts in memory; False if they had to be rebuilt from the files."""
        self._rows, self._extras = self._part("-rows"), self._part("-extras")
        if self._rows is None or self._extras is None:
            self.rebuild()
            return False
        return True

    def rebuild(self) -> None:
        """Every row again, from every file (through the ledger's cache of parsed files)."""
        self._rows, self._extras = {}, {}
        folder = FOLDERS[self.kind]
        ids = set(self.ledger.ids(self.kind))
        tracked = _ids(gitops.git(self.ledger.root, "ls-files", "-z", "--", f"{folder}/*.yaml",
                                  check=False).split("\0"), folder)
        self.untracked = frozenset(ids - tracked)
        self.reread(ids)

    def reread(self, ids: set[str]) -> None:
        """The rows of `ids` from the work tree; a file that is gone loses its row."""
        rows, extras = self.rows(), self.extras()
        present = sorted(i for i in ids if self.ledger.exists(self.kind, i))
        for ident in ids.difference(present):
            rows.pop(ident, None)
            extras.pop(ident, None)
        if len(present) > 100:  # the cache of parsed files pays for its loading past a few
            records = self.ledger.bulk(self.kind, present, _parsers()[self.kind])
        else:
            records = [getattr(self.ledger, self.kind)(i) for i in present]
        for record in records:
            rows[record.id], extra = ROWS[self.kind](record)
            if extra is None:
                extras.pop(record.id, None)
            else:
                extras[record.id] = extra
        if present:
            self._rows = dict(sorted(rows.items()))

    def save(self) -> None:
        """Rows and extras first, the header naming them last; an index that cannot be written
        is only slower."""
        self.token = uuid.uuid4().hex
        parts = {"-rows": self.rows(), "-extras": self.extras(),
                 "": (VERSION, self.tree, self.dirty, self.untracked, self.stamp)}
        for part, data in parts.items():
            path = self._file(part)
            tmp = f"{path}.tmp{os.getpid()}"
            try:
                with open(tmp, "wb") as handle:
                    pickle.dump((self.token, data), handle, protocol=5)
                os.replace(tmp, path)
            except OSError:
                if os.path.exists(tmp):
                    os.unlink(tmp)
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
    trees = {}
    for line in gitops.git(ledger.root, "ls-tree", "HEAD", "--", *folders,
                           check=False).splitlines():
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
    return {kind: _update(ledger, kind, trees.get(FOLDERS[kind]), _ids(changed, FOLDERS[kind]))
            for kind in kinds}


def _changed(ledger: Ledger, folders: list[str]) -> list[str]:
    """Every file differing between HEAD and the work tree, by git's stat check. A glob, not the
    folder: git 2.39 takes seconds over the pathspec of one folder of 100,000 files."""
    return [p for p in gitops.git(ledger.root, "diff-index", "--name-only", "-z", "--no-renames",
                                  "HEAD", "--", *(f"{f}/*.yaml" for f in folders),
                                  check=False).split("\0") if p]


def _ids(paths: list[str], folder: str) -> set[str]:
    """The ids of the paths that are files directly in `folder`."""
    prefix = folder + "/"
    return {p[len(prefix):-5] for p in paths
            if p.startswith(prefix) and p.endswith(".yaml") and "/" not in p[len(prefix):]}


def _load(ledger: Ledger, kind: str) -> Index | None:
    index = Index(ledger, kind)
    try:
        with open(index._file(""), "rb") as handle:
            index.token, header = pickle.load(handle)
        version, index.tree, index.dirty, index.untracked, index.stamp = header
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return None
    return index if version == VERSION else None


def _update(ledger: Ledger, kind: str, tree: str | None, dirty: set[str]) -> Index:
    """The kind's index brought up to date: the files in the tree's diff, in the work tree's
    diff, dirty or untracked the last time, added or removed are read again; without a tree to
    diff from, every file is."""
    try:
        folder_stat: os.stat_result | None = os.stat(ledger.root / FOLDERS[kind])
    except OSError:
        folder_stat = None
    stamp = file_stamp(folder_stat) if folder_stat else None
    index = _load(ledger, kind)
    if index is None or index.tree is None or tree is None:
        index = Index(ledger, kind)
        index.rebuild()
    else:
        moved: set[str] = set()
        if index.tree != tree:
            moved = {p[:-5] for p in gitops.git(ledger.root, "diff-tree", "-r", "--name-only",
                                                "-z", index.tree, tree, check=False).split("\0")
                     if p.endswith(".yaml") and "/" not in p}
        reread = moved | dirty | index.dirty | index.untracked
        renamed = stamp is None or stamp != index.stamp  # a file added or removed, maybe
        if not reread and not renamed and tree == index.tree:
            return index
        if index.loaded():
            untracked = set(index.untracked) - moved
            if renamed:
                ids, known = set(ledger.ids(kind)), set(index.rows())
                added = ids - known - moved - dirty
                if added:
                    listed = gitops.git(ledger.root, "ls-files", "-z", "--",
                                        *(ledger.relpath(kind, i) for i in sorted(added)),
                                        check=False).split("\0")
                    untracked |= added - _ids(listed, FOLDERS[kind])
                untracked &= ids
                reread |= added | (known - ids)
            index.untracked = frozenset(untracked)
            index.reread(reread)
    index.tree = tree
    index.dirty = frozenset(dirty)
    index.stamp = stamp if folder_stat and settled(folder_stat) else None
    index.save()
    return index
