"""The history as `verify` walks it: the commits of a range, oldest first, each with the files
it wrote, read from git in two streaming processes; and which blob each path holds along the way.

Shared by `verify`, the server hook and `sync` (through `verify_range`). Whatever a push holds,
the walk's memory is bounded: a file bigger than a ledger file may be is read through in pieces
and judged by its size, never kept.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Callable, TypeVar

from keyledger import attachments, gitops, sshsig, text, time_order
from keyledger.errors import FatalError
from keyledger.ledger import MAX_FILE_BYTES, SETTINGS
from keyledger.model import too_big

T = TypeVar("T")


class Blobs:
    """One `git cat-file --batch` for the whole walk: files as they were at any commit."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def get(self, rev: str, path: str) -> str | None:
        data = self.raw(f"{rev}:{path}")
        return data.decode("utf-8", errors="replace") if data is not None else None

    def raw(self, name: str, limit: int | None = None) -> bytes | None:
        """The object's bytes; None when it is missing, or bigger than `limit` (read through,
        never held: a pushed file of gigabytes costs time, not memory)."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{name}\n".encode())
        self.proc.stdin.flush()
        return _read_object(self.proc.stdout, limit)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def _read_object(stream: IO[bytes], limit: int | None = None,
                 hasher: "hashlib._Hash | None" = None) -> bytes | None:
    """One object of `git cat-file --batch`: its bytes, or None when it is missing or bigger
    than `limit` — then it is read in pieces (fed to `hasher`) and nothing of it is kept."""
    header = stream.readline().split()
    if len(header) < 3 or header[1] == b"missing":
        return None
    size = int(header[2])
    if limit is None or size <= limit:
        return stream.read(size + 1)[:-1]
    left = size
    while left > 0:
        piece = stream.read(min(left, 1 << 20))
        if not piece:
            break
        if hasher is not None:
            hasher.update(piece)
        left -= len(piece)
    stream.read(1)
    return None



@dataclass(frozen=True)
class Change:
    path: str
    old: str | None  # blob id at the parent, None when the commit adds the file
    new: str | None  # blob id the commit writes, None when it deletes the file
    mode: str = "100644"  # what it writes: 120000 a symbolic link, 160000 another repository


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: list[str]
    subject: str
    trailers: dict[str, str]
    changes: list[Change]
    signature: str  # sshsig.check's status: G good, N none, B bad, E cannot be checked
    fingerprint: str
    committed: str = ""  # git's committer time, ISO 8601

    @property
    def when(self) -> datetime:
        return time_order.moment(self.trailers, self.committed)


_FORMAT = "%x1e%H%x1f%P%x1f%cI%x1f%s%x1f%(trailers:only,unfold)%x1f"


def _parse_record(record: str) -> tuple[str, list[str], str, str, dict[str, str], list[Change]]:
    sha, parents, committed, subject, trailers, rest = record.split("\x1f")
    changes = []
    # With -z every path comes as it is, after its ":100644 100644 <old> <new> M" entry: a
    # quoted path ("stewards/x\"y.yaml") would slip past every rule that looks at its folder.
    tokens = rest.split("\0")
    for meta, path in zip(tokens, tokens[1:]):
        meta = meta.lstrip("\n")
        if not meta.startswith(":"):
            continue
        _mode_a, mode, old, new, _status = meta[1:].split()
        changes.append(Change(path, None if old == gitops.ZERO else old,
                              None if new == gitops.ZERO else new, mode))
    return (sha, parents.split(), committed, text.printable(subject),
            gitops.parse_trailers(trailers), changes)



class Walk:
    """The commits of a range, oldest first, each with the files it wrote.

    One `git log --raw` names every commit and the blobs it writes; a feeder thread asks one
    `git cat-file --batch` for each commit object (its signature is checked in-process) and each
    new blob in the same order, so no request waits for the one before it. Files are parsed once
    per blob id: the key file a checkout writes is the one its return reads."""

    def __init__(self, root: Path, revs: list[str]) -> None:
        import queue
        import threading

        self.root = root
        self.log = subprocess.Popen(
            ["git", "-C", str(root), *gitops.FIXED_CONFIG, "-c", "log.showRoot=true", "log",
             "--reverse", "--no-renames", "--raw", "-z", "--no-abbrev", f"--format={_FORMAT}",
             *revs, "--"],
            stdout=subprocess.PIPE, encoding="utf-8", errors="replace")
        self.cat = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.records: queue.Queue[tuple | None] = queue.Queue()  # type: ignore[type-arg]
        self.blobs = Blobs(root)  # files the walk did not see written: read when first asked
        self.texts: dict[str, str] = {}
        self.digests: dict[str, str | None] = {}  # an attachment blob's sha256, as its name says
        self.parsed: dict[tuple[str, str], object] = {}
        self.failure: Exception | None = None
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        assert self.log.stdout and self.cat.stdin
        try:
            pending: list[str] = []  # pieces of a record not yet ended: joined once it ends
            for chunk in iter(lambda: self.log.stdout.read(1 << 16), ""):  # type: ignore[union-attr]
                if "\x1e" not in chunk:
                    pending.append(chunk)  # a long message: no splitting it again and again
                    continue
                first, *complete, rest = chunk.split("\x1e")
                self._send("".join(pending) + first)
                for record in complete:
                    self._send(record)
                pending = [rest]
            self._send("".join(pending))
        except (ValueError, OSError) as exc:  # a record that does not parse: said, not skipped
            self.failure = exc
        finally:
            self.records.put(None)
            self.cat.stdin.close()

    def _send(self, record: str) -> None:
        if not record.strip():
            return
        parsed = _parse_record(record)
        # Queued before its objects are asked for: a commit that writes thousands of files asks
        # for more than a pipe holds, and cat-file's answers must be read while it is asked.
        self.records.put(parsed)
        names = [parsed[0]] + [c.new for c in parsed[5] if c.new]
        self.cat.stdin.write("".join(f"{n}\n" for n in names).encode())  # type: ignore[union-attr]
        self.cat.stdin.flush()  # type: ignore[union-attr]

    def __iter__(self) -> Iterator[Commit]:
        assert self.cat.stdout
        out = self.cat.stdout
        while (item := self.records.get()) is not None:
            sha, parents, committed, subject, trailers, changes = item
            # Commit objects and ledger files are small; what is bigger is read through and
            # judged by its size, so one push cannot hold the server's memory.
            signature, fingerprint = sshsig.check(_read_object(out, MAX_FILE_BYTES) or b"")
            if len(self.texts) > _TEXTS_KEPT:  # a street office's history: keep memory bounded
                self.texts.clear()
                self.parsed.clear()
                self.digests.clear()
            for change in changes:
                if not change.new:
                    continue
                if change.path.endswith(".yaml"):  # photos are never read as text
                    data = _read_object(out, MAX_FILE_BYTES)
                    self.texts[change.new] = _TOO_BIG if data is None else \
                        data.decode("utf-8", "replace")
                elif change.path.startswith(attachments.FOLDER + "/"):
                    hasher = hashlib.sha256()
                    data = _read_object(out, MAX_FILE_BYTES, hasher)
                    self.digests[change.new] = hasher.hexdigest() if data is None else \
                        attachments.content_digest(data)
                else:
                    _read_object(out, 0)
            yield Commit(sha, parents, subject, trailers, changes, signature, fingerprint,
                         committed)

    def text(self, blob: str | None) -> str | None:
        if blob is None:
            return None
        if blob not in self.texts:
            if len(self.texts) > _TEXTS_KEPT:  # a street office's history: keep memory bounded
                self.texts.clear()
            raw = self.blobs.raw(blob, MAX_FILE_BYTES)
            self.texts[blob] = raw.decode("utf-8", "replace") if raw is not None else _TOO_BIG
        return self.texts[blob]

    def parse(self, path: str, blob: str | None, parse: Callable[..., T]) -> T | None:
        """The file `path` as blob `blob`, parsed (FatalError if it is not valid)."""
        if blob is None:
            return None
        found = self.parsed.get((path, blob))
        if found is None:
            if len(self.parsed) > _TEXTS_KEPT:
                self.parsed.clear()
            try:
                text = self.text(blob)
                if text is _TOO_BIG:
                    raise too_big(path, MAX_FILE_BYTES + 1)
                found = parse(path, text, Path(path).stem)
            except FatalError as exc:
                found = exc
            self.parsed[(path, blob)] = found
        if isinstance(found, FatalError):
            raise found
        return found  # type: ignore[return-value]

    def close(self) -> None:
        self.log.kill()
        self.log.wait()
        if self.cat.stdout:
            self.cat.stdout.close()
        self.cat.kill()
        self.cat.wait()
        self.feeder.join(timeout=5)
        self.blobs.close()


# A file too big to be a ledger file (or missing), as the walk keeps it: never parsed.
_TOO_BIG = "\0"

# Blobs kept in memory while walking: a checkout's key file is read again at its return, some
# thousands of commits later in a busy community.
_TEXTS_KEPT = 200_000



# Files of one folder looked up one by one before the folder is listed whole.
LOOKUPS_BEFORE_LISTING = 16


class Tree:
    """Which blob each path holds at the commit being checked (its parent) and after it.

    Only the roster and the settings are listed at the start; any other file the range reads
    without writing it first is asked of git when first needed (`start:path`, one
    `cat-file --batch-check`), and a folder asked about often is listed once: listing the
    whole tree of a street office, 120,000 files, would be most of a short `verify --since`."""

    def __init__(self, root: Path, start: str | None, clock: datetime) -> None:
        self.clock = clock  # this machine's, when the walk began
        self.root, self.start = root, start
        self.ids: dict[str, str | None] = {}  # None: no such file
        self.changes: dict[str, Change] = {}
        self.times = time_order.LastChanges(root, start)
        self.when: datetime | None = None
        self._ask: subprocess.Popen[bytes] | None = None
        self._asked: dict[str, int] = {}  # folder: files looked up one by one
        self._listed: set[str] = set()  # folders listed whole
        if start:
            self._list("stewards", SETTINGS)

    def stewards(self) -> list[tuple[str, str]]:
        """The roster's files at the start, with their blobs."""
        return [(p, b) for p, b in self.ids.items() if p.startswith("stewards/") and b]

    def _id(self, path: str) -> str | None:
        if path in self.ids:
            return self.ids[path]
        folder = path.split("/", 1)[0]
        if not self.start or folder in self._listed or path == SETTINGS:
            return None  # listed at the start, or there is no start
        # Each lookup makes git read the folder's tree (100,000 entries for households/): past
        # a few, the folder is listed once instead.
        self._asked[folder] = self._asked.get(folder, 0) + 1
        if self._asked[folder] > LOOKUPS_BEFORE_LISTING:
            self._list(folder)
            return self.ids.setdefault(path, None)
        self.ids[path] = self._lookup(path)
        return self.ids[path]

    def _list(self, *paths: str) -> None:
        """The files under `paths` at the start; those the range changed since keep the later
        blob they hold."""
        listing = gitops.git(self.root, "ls-tree", "-r", "-z", "--full-tree", str(self.start),
                             "--", *paths)
        for entry in listing.split("\0"):
            if "\t" in entry:
                meta, path = entry.split("\t", 1)
                self.ids.setdefault(path, meta.split()[2])
        self._listed.update(p.split("/", 1)[0] for p in paths)

    def _lookup(self, path: str) -> str | None:
        if "\n" in path or "\0" in path:  # not a line cat-file can be asked: asked alone
            found = gitops.run(self.root, "rev-parse", "-q", "--verify",
                               f"{self.start}:{path}")
            return found.stdout.strip() or None if found.returncode == 0 else None
        if self._ask is None:
            self._ask = subprocess.Popen(["git", "-C", str(self.root), "cat-file",
                                          "--batch-check"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        assert self._ask.stdin and self._ask.stdout
        self._ask.stdin.write(f"{self.start}:{path}\n".encode())
        self._ask.stdin.flush()
        answer = self._ask.stdout.readline().decode("utf-8", "replace").split()
        return answer[0] if len(answer) == 3 and answer[1] == "blob" else None

    def enter(self, commit: Commit) -> None:
        self.changes = {c.path: c for c in commit.changes}
        self.when = commit.when
        self.sha, self.committed = commit.sha, datetime.fromisoformat(commit.committed)

    def before(self, path: str) -> str | None:
        change = self.changes.get(path)
        return change.old if change else self._id(path)

    def after(self, path: str) -> str | None:
        change = self.changes.get(path)
        return change.new if change else self._id(path)

    def leave(self) -> None:
        for path, change in self.changes.items():
            self.ids[path] = change.new  # None once deleted: never asked of the start again
        if self.when is not None:  # what the time rules ask about: households' and keys' files
            self.times.changed([p for p in self.changes if p.startswith(("households/", "keys/"))],
                               self.when)
            self.times.walked(self.sha, self.committed)
        self.changes = {}

    def close(self) -> None:
        if self._ask is not None:
            assert self._ask.stdin
            self._ask.stdin.close()
            self._ask.wait()
