"""A ledger on disk: finding it, reading its files, and changing them in one signed commit."""

from __future__ import annotations

import errno
import fcntl
import functools
import gc
import json
import os
import re
import stat
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Concatenate, Iterator, ParamSpec, TypeVar

from keyledger import faults, gitlock, gitops, statedir
from keyledger.errors import FatalError, Problem, os_error
from keyledger.i18n import _
from keyledger.ids import check_id, nearest

if TYPE_CHECKING:
    from keyledger.model import Household, Key, Settings, Steward

SETTINGS = "keyledger.yaml"
# A ledger file is a few kilobytes (a household with its people, schedule and notes; a key with
# its encrypted code); anything bigger is refused before it is read or parsed.
MAX_FILE_BYTES = 1 << 20
# Bumped whenever what the cache of parsed files keeps changes (keyledger.statedir tells a
# change of the model's classes by itself).
_CACHE_VERSION = 4
FOLDERS = {"steward": "stewards", "household": "households", "key": "keys"}
# Commits between two background writes of git's commit-graph: a layer costs a fraction of a
# second per hundred commits, and `git log -- FILE` reads commits past the graph one by one.
GRAPH_EVERY = 200
# A change of more files than this is written without an fsync each, then flushed at once.
BULK_FILES = 64
T = TypeVar("T")


def file_stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file's content changed without reading it. The change time too: an edit can
    keep the size and put the modification time back (touch -r, cp -p); the change time no one
    can set."""
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


def settled(st: os.stat_result) -> bool:
    """Whether a file is old enough for its stamp to be trusted later. As git does with its
    index: a second edit within the same clock tick (two seconds on FAT) would leave the stamp
    as it is, so what rests on a younger file is not kept."""
    return time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > 2_000_000_000


@contextmanager
def loading() -> Iterator[None]:
    """Loading a hundred thousand records makes as many objects, none of them in a cycle; the
    cyclic collector would walk them all again and again (it doubles the time of a load). They
    live as long as the command, so once loaded they are put where it never looks."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


def read_plain(root: Path, relpath: str, limit: int) -> bytes | None:
    """A file of the ledger by its path inside it, never through a symbolic link (each folder
    on the way is looked at, the file opened with O_NOFOLLOW): None when there is no such file;
    at most `limit` + 1 bytes, so a caller tells a file that is too big without reading it all."""
    path = root
    parts = relpath.split("/")
    for n, part in enumerate(parts):
        path = path / part
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if stat.S_ISLNK(st.st_mode):
            where = "/".join(parts[:n + 1])
            if not path.resolve().is_relative_to(root.resolve()):
                raise FatalError(_("{path} leads outside the ledger (a symbolic link); ledger "
                                   "files must be plain files inside it.").format(path=where))
            raise FatalError(_("{path} is a symbolic link; ledger files and templates must be "
                               "plain files inside the ledger.").format(path=where))
        if n < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(st.st_mode):  # a pipe or a device: never opened, it could block
        raise OSError(errno.EINVAL, _("not a plain file"), str(path))
    with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
        return handle.read(limit + 1)


def find(explicit: str | None) -> "Ledger":
    """The ledger named by -C, else KEYLEDGER_DIR, else the nearest folder upward holding one."""
    start = explicit or os.environ.get("KEYLEDGER_DIR")
    if start:
        root = Path(start).expanduser().resolve()
        if not (root / SETTINGS).is_file():
            raise FatalError(_("{path} is not a keyledger ledger (no keyledger.yaml there).")
                             .format(path=root))
        return Ledger(root)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS).is_file():
            return Ledger(folder)
    raise FatalError(_("No ledger here: run inside one, pass -C LEDGER, set KEYLEDGER_DIR, "
                       "or create one with `keyledger init`."))


P = ParamSpec("P")
R = TypeVar("R")


def locked(function: Callable[Concatenate["Ledger", P], R]) -> Callable[Concatenate["Ledger", P], R]:
    """A changing command holds the ledger's lock from its first read to its commit."""
    @functools.wraps(function)
    def wrapper(ledger: "Ledger", *args: P.args, **kwargs: P.kwargs) -> R:
        with ledger.lock():
            return function(ledger, *args, **kwargs)
    return wrapper


def take_flock(handle: IO[str], wait: float) -> bool:
    """An exclusive lock on an open file, waiting up to `wait` seconds; False if not had."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def kind_label(kind: str) -> str:
    labels = {"steward": _("steward"), "household": _("household"), "key": _("key")}
    return labels.get(kind, kind)


def unknown(what: str, ident: str, candidates: list[str]) -> FatalError:
    """The refusal for an id that is not in the ledger, with the ids a person probably meant."""
    close = nearest(ident, candidates)
    hint = _(" Did you mean: {ids}?").format(ids=", ".join(close)) if close else ""
    return FatalError(_("There is no {what} {ident!r} in this ledger.").format(
        what=what, ident=ident) + hint)


class Ledger:
    def __init__(self, root: Path) -> None:
        self.root = root
        # Every file a command's decision rests on; it must match HEAD when the command commits,
        # so an uncommitted edit (to the roster, a pair, a policy) cannot lend it authority.
        self.read_paths: set[str] = set()
        self._lock_depth = 0
        self.notices: list[str] = []  # what the command repaired, for the CLI to say
        # The commits this command made: what Ctrl-C left, and what is shared next (autoshare).
        self.committed: list[str] = []
        self.undone = False  # a change this command began was put back (Ctrl-C, an error)
        self._caches: dict[str, dict[str, tuple[str, str]]] = {}
        self._dirty_caches: set[str] = set()
        self._all_keys: list[Key] | None = None
        self._decoded: dict[str, Any] = {}  # records of the caches this command asked for
        self.listings: dict[str, Any] = {}  # the listing indexes this command brought up to date
        self.event_db: Any = None  # the event index, once brought up to date (event_index)
        # Told how far a long piece of work has got (done, total); set by the CLI.
        self.progress: Callable[[int, int], None] | None = None
        self.clone_settings: dict[str, str] | None = None  # identity.clone_settings, once
        # Asks the steward for their key's passphrase (the CLI's prompt); None: nobody to ask.
        self.passphrase: Callable[[], str] | None = None

    @cached_property
    def git_dir(self) -> Path:
        dot_git = self.root / ".git"
        if dot_git.is_dir():
            statedir.check_owner(self.root, dot_git)
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: .git names the real folder
            target = dot_git.read_text(encoding="utf-8").partition("gitdir:")[2].strip()
            git_dir = (self.root / target).resolve()
            statedir.check_owner(self.root, git_dir)
            return git_dir
        raise FatalError(_("{path} has a keyledger.yaml but is not a git repository of its own; "
                           "ledgers are made with `keyledger init` or `git clone`.")
                         .format(path=self.root))

    @property
    def state_dir(self) -> Path:
        """keyledger's own derived data, inside .git so it is never committed."""
        path = self.git_dir / "keyledger"
        try:
            path.mkdir(exist_ok=True)
        except OSError:
            pass  # a read-only disk: nothing derived is kept, reading commands still answer
        return path

    # Reading ---------------------------------------------------------------------------------

    def read_text(self, relpath: str) -> str:
        self.read_paths.add(relpath)
        try:
            data = read_plain(self.root, relpath, MAX_FILE_BYTES)
        except OSError as exc:
            raise FatalError(_("{path} cannot be read: {error}.").format(path=relpath,
                                                                        error=os_error(exc)))
        if data is None:
            raise FatalError(_("{path} does not exist.").format(path=relpath))
        if len(data) > MAX_FILE_BYTES:  # not read any further
            from keyledger.model import too_big

            raise too_big(relpath, os.lstat(self.root / relpath).st_size)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FatalError(_("{path} is not UTF-8 text; save it as UTF-8 and try again.")
                             .format(path=relpath),
                             [Problem(relpath, line, None, _("not UTF-8 at byte {n}")
                                      .format(n=exc.start))])

    @cached_property
    def settings(self) -> Settings:
        from keyledger.model import parse_settings

        return parse_settings(SETTINGS, self.read_text(SETTINGS))

    def ids(self, kind: str) -> list[str]:
        folder = self.root / FOLDERS[kind]
        if not folder.is_dir():
            return []
        return sorted(e.name[:-5] for e in os.scandir(folder)
                      if e.name.endswith(".yaml") and not e.name.startswith("."))

    def relpath(self, kind: str, ident: str) -> str:
        return f"{FOLDERS[kind]}/{ident}.yaml"

    def exists(self, kind: str, ident: str) -> bool:
        return (self.root / self.relpath(kind, ident)).is_file()

    def _read(self, kind: str, ident: str, parse: Callable[[str, str, str], T]) -> T:
        # A command that has loaded the cache of parsed files (a listing) reads through it; one
        # that reads a few files never loads it.
        if kind in self._caches:
            return self.bulk(kind, [check_id(ident, kind_label(kind))], parse)[0]
        return self._parse_file(kind, ident, parse)

    def _parse_file(self, kind: str, ident: str, parse: Callable[[str, str, str], T]) -> T:
        check_id(ident, kind_label(kind))
        relpath = self.relpath(kind, ident)
        if not (self.root / relpath).exists() and not (self.root / relpath).is_symlink():
            raise unknown(kind_label(kind), ident, self.ids(kind))
        return parse(relpath, self.read_text(relpath), ident)

    # The model is imported when a record is read, not with the ledger: `whoami` reads none.
    def steward(self, ident: str) -> Steward:
        from keyledger.model import parse_steward

        return self._read("steward", ident, parse_steward)

    def household(self, ident: str) -> Household:
        from keyledger.model import parse_household

        return self._read("household", ident, parse_household)

    def key(self, ident: str) -> Key:
        from keyledger.model import parse_key

        return self._read("key", ident, parse_key)

    def stewards(self) -> list[Steward]:
        from keyledger.model import parse_steward

        return self.bulk("steward", self.ids("steward"), parse_steward)

    def households(self, ids: list[str] | None = None) -> list[Household]:
        from keyledger.model import parse_household

        return self.bulk("household", self.ids("household") if ids is None else ids,
                         parse_household)

    def keys(self) -> list[Key]:
        from keyledger.model import parse_key

        # status and due both list every key in one command: the second asks no file system.
        if self._all_keys is None:
            self._all_keys = self.bulk("key", self.ids("key"), parse_key)
        return self._all_keys

    def bulk(self, kind: str, ids: list[str], parse: Callable[[str, str, str], T],
             folder: str | None = None) -> list[T]:
        """Many records at once, through a cache of parsed files kept in .git/keyledger/.

        An entry is used only while the file's size, modification and change times and inode
        are what they were when it was parsed, so a hand edit is always seen; a command that
        reads one file never loads the cache. Each record is kept encoded on its own
        (keyledger.statedir: data, never code) and decoded only when asked for: `due` reads
        the scheduled few thousand of a street office's households."""
        cache = self._cache(kind)
        out = []
        root = str(self.root)
        prefix = folder or FOLDERS[kind]
        with loading():
            for ident in ids:
                relpath = f"{prefix}/{ident}.yaml"
                self.read_paths.add(relpath)
                try:
                    st = os.lstat(f"{root}/{relpath}")
                except OSError:
                    st = None
                stamp = " ".join(map(str, file_stamp(st))) if st else None
                hit = cache.get(relpath)
                if stamp and hit and hit[0] == stamp:
                    record = self._decoded.get(relpath)
                    if record is None:
                        try:
                            record = self._decoded[relpath] = statedir.loads(hit[1])
                        except Exception:  # a damaged entry: the file is parsed again
                            record = None
                    if record is not None:
                        out.append(record)
                        continue
                record = self._parse_file(kind, ident, parse) if folder is None else \
                    parse(relpath, self.read_text(relpath), ident)
                if st and stamp and settled(st):
                    cache[relpath] = (stamp, statedir.dumps(record))
                    self._decoded[relpath] = record
                    self._dirty_caches.add(kind)
                out.append(record)
        return out

    def _cache(self, kind: str) -> dict[str, tuple[str, str]]:
        if kind not in self._caches:
            with loading():
                self._caches[kind] = statedir.load_table(self.state_dir / f"cache-{kind}",
                                                         _CACHE_VERSION)
        return self._caches[kind]

    def save_caches(self) -> None:
        """Keep what this command parsed; a cache that cannot be written is only slower."""
        for kind in self._dirty_caches:
            statedir.save_table(self.state_dir / f"cache-{kind}", self._caches[kind],
                                _CACHE_VERSION)
        self._dirty_caches.clear()

    def grep(self, kind: str, field: str, value: str, indent: str = "") -> list[str]:
        """Ids of the files whose `field` line may hold `value`, found by git grep, not by parsing
        every file; callers parse the few candidates to confirm."""
        pattern = f"^{indent}{field}: ['\"]?{re.escape(value)}['\"]?$"
        out = gitops.git(self.root, "grep", "-l", "--untracked", "-E", "-e", pattern, "--",
                         FOLDERS[kind] + "/", check=False)
        return sorted(Path(line).name[:-5] for line in out.splitlines() if line.endswith(".yaml"))

    def keys_of(self, household: str) -> list[Key]:
        """The household's keys: those the event index finds at HEAD, read from their files."""
        from keyledger import standing

        return [k for k in map(self.key, [i for i in standing.keys_of(self, household)
                                          if self.exists("key", i)]) if k.household == household]

    # Changing --------------------------------------------------------------------------------

    @contextmanager
    def lock(self, wait: float = 20.0) -> Iterator[None]:
        """One changing command at a time on a clone, held from its first read to its commit;
        a second one waits, then says the ledger is busy. Re-entrant within one command."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        try:
            handle = open(self.state_dir / "lock", "w")
        except OSError as exc:  # a read-only disk: reading commands go on without the lock
            raise FatalError(_("The ledger cannot be changed here: {error}.").format(
                error=os_error(exc)))
        with handle:
            if not take_flock(handle, wait):
                raise FatalError(_("The ledger is busy with another keyledger command; try "
                                   "again in a moment."))
            self._lock_depth = 1
            try:
                self._recover()
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write_atomic(self, relpath: str, content: str | bytes | None, sync: bool = True) -> None:
        """Write through a temporary file and a rename: a crash never leaves half a file.
        Without `sync` the caller flushes the file system once for many files."""
        self._all_keys = None
        self.listings.clear()
        path = self.root / relpath
        if content is None:
            path.unlink(missing_ok=True)
            return
        data = content.encode("utf-8") if isinstance(content, str) else content
        if not sync:
            try:  # a new file of a bulk change: the journal removes it if the command dies
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "xb") as handle:
                    handle.write(data)
                return
            except FileExistsError:
                pass
            except OSError as exc:
                raise FatalError(_("Cannot write {path}: {error}.").format(path=relpath,
                                                                          error=os_error(exc)))
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(data)
                if sync:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise FatalError(_("Cannot write {path}: {error}.").format(path=relpath,
                                                                      error=os_error(exc)))

    def check_clean(self, paths: list[str]) -> str | None:
        """HEAD, once `paths` are known to hold what HEAD holds."""
        if paths == ["."]:
            dirty, head = gitops.dirty_paths(self.root, paths), gitops.head(self.root)
        else:
            head, dirty = gitops.head_and_dirty(self.root, paths)
        if dirty:
            raise FatalError(_("{path} has changes that were never committed (a hand edit, or a "
                               "command that was interrupted): look at `git diff`, then commit "
                               "or discard them (`git checkout -- {path}`).").format(path=dirty[0]))
        return head

    @property
    def _journal(self) -> Path:
        return self.state_dir / "journal"

    def recover_if_needed(self) -> None:
        """A command that was killed leaves its journal; the next one, even a reading one,
        puts the ledger back as it was at the last commit before it reads anything."""
        if self._journal.exists():
            with self.lock():
                pass

    def _recover(self) -> None:
        try:
            began = os.lstat(self._journal).st_mtime  # when the interrupted command wrote it
        except FileNotFoundError:
            return
        try:
            journal = json.loads(statedir.text(self._journal) or "{}")
            journal = journal if isinstance(journal, dict) else {}
        except ValueError:
            journal = {}  # damaged: nothing to undo can be read from it
        # Only files of the ledger: the journal is data, it never names a path outside it.
        paths = [p for p in journal.get("paths", []) if isinstance(p, str) and p
                 and not p.startswith("/") and ".." not in p.split("/")]
        # A git process of the killed command may outlive it for a moment, holding the index;
        # a lock it left behind is removed, one that is not provably its own is named.
        if not gitlock.clear_own(self.git_dir, began - 1):
            raise gitlock.error(self.git_dir)
        for relpath in paths:  # temporary files of an interrupted write
            for tmp in (self.root / relpath).parent.glob(f".{Path(relpath).name}.tmp*"):
                tmp.unlink(missing_ok=True)
        if gitops.head(self.root) == (journal.get("head") or None) and paths:
            tracked = set(gitops.git(self.root, "ls-tree", "-r", "--name-only", "HEAD", "--",
                                     *paths, check=False).split()) if journal.get("head") else set()
            for relpath in paths:
                if relpath in tracked:
                    gitops.git(self.root, "checkout", "HEAD", "--", relpath)
                else:
                    gitops.git(self.root, "rm", "-q", "-f", "--cached", "--ignore-unmatch", "--",
                               relpath)
                    (self.root / relpath).unlink(missing_ok=True)
            self.notices.append(_("An interrupted keyledger command was undone; nothing of it "
                                  "was recorded: {paths}.").format(paths=", ".join(paths)))
        self._journal.unlink()

    def change(self, files: dict[str, str | bytes | None], message: str) -> str:
        """Write `files` (None deletes) and record them in one signed commit, or change nothing.

        A journal names the files before they are written and goes once the commit is in
        place, so a command killed at any point is undone by the next one."""
        paths = sorted(files)
        with self.lock():
            parent = self.check_clean(sorted(set(paths) | self.read_paths))
            before = {p: (self.root / p).read_bytes() if (self.root / p).is_file() else None
                      for p in paths}
            self.write_atomic(str(self._journal.relative_to(self.root)), json.dumps(
                {"head": parent or "", "paths": paths}))
            faults.point("after-journal")
            # An import writes thousands of files: one flush of the file system for all of them
            # costs what a few fsyncs do (12,000 fsyncs took 25 s).
            bulk = len(files) > BULK_FILES
            try:
                from keyledger.signing import ready

                ready(self, self.passphrase)  # a key with a passphrase: asked once, here
                for relpath, text in files.items():
                    self.write_atomic(relpath, text, sync=not bulk)
                if bulk:
                    os.sync()
                faults.point("after-write")
                sha = gitops.commit(self.root, paths, message, parent, self.state_dir,
                                    files if bulk else None)
            except BaseException:
                moved = gitops.head(self.root)
                if moved is not None and moved != parent:
                    # Interrupted once git had recorded it (Ctrl-C while update-ref ran): the
                    # commit stands with its files, as after a Ctrl-C past this step.
                    self.committed.append(moved)
                    raise
                for relpath, text in before.items():
                    self.write_atomic(relpath, text)
                self._journal.unlink(missing_ok=True)
                self.undone = True
                raise
            self.committed.append(sha)
            faults.point("after-update-ref")
            self._journal.unlink()
            self.commits_since_graph(1)
            return sha

    def commits_since_graph(self, new: int) -> None:
        """Count commits not yet in git's commit-graph; every GRAPH_EVERY of them, write a new
        layer of it (with changed-path Bloom filters, which keep `history KEY` fast at a million
        commits) in a process of its own that the steward does not wait for."""
        counter = self.state_dir / "graph-pending"
        try:
            pending = int(counter.read_text() or 0) + new
        except (OSError, ValueError):
            pending = new
        if pending >= GRAPH_EVERY:
            gitops.write_commit_graph_later(self.root)
            pending = 0
        counter.write_text(str(pending))
