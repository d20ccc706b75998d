"""The history as the event index reads it from git: each commit's time, trailers and
top-level entries from `git diff-tree --stdin`, every file a commit changed, and files' contents
from `git cat-file --batch` — each one process fed on its standard input by a thread, read in
large pieces, so a million commits stream through without a process or a wait per commit.

Only a command that brings the index up to date imports this (keyledger.event_index).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.event_rows import Commit
from keyledger.i18n import _

# Commits one `git diff-tree` reads before a new one takes over (git's memory grows with them).
CHUNK = 50_000


class Revs(Protocol):
    """The commits to read, oldest first, as (sha, parents) (event_index._Revs)."""

    count: int

    def __iter__(self) -> Iterator[tuple[str, list[str]]]: ...


_HEADER = "%H%x1f%ct%x1f%(trailers:only,unfold)"


@contextmanager
def _fed(root: Path, args: list[str], lines: Iterable[str]) -> Iterator[subprocess.Popen]:
    """git run with `args`, fed `lines` on its standard input by a thread (so its answers are
    read while it is asked), closed and waited for when the reader is done."""
    proc = subprocess.Popen(gitops._argv(root, *args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=gitops._env())

    def write() -> None:
        assert proc.stdin
        try:
            for line in lines:
                proc.stdin.write(line.encode() + b"\n")
            proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    feeder = threading.Thread(target=write, daemon=True)
    feeder.start()
    try:
        yield proc
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()
        feeder.join()


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


def read(root: Path, revs: Revs, first: int) -> Iterator[Commit]:
    """Each commit's time, trailers and changed top-level entries, from `git diff-tree` fed the
    commits on its standard input, a new one every CHUNK commits: git keeps every commit it
    has parsed in memory (2.4 GB at a million)."""
    n, chunk = first, []
    for entry in revs:
        chunk.append(entry)
        if len(chunk) == CHUNK:
            yield from _read_chunk(root, chunk, n, revs.count)
            n, chunk = n + len(chunk), []
    if chunk:
        yield from _read_chunk(root, chunk, n, revs.count)


def _read_chunk(root: Path, chunk: list[tuple[str, list[str]]], first: int,
                total: int) -> Iterator[Commit]:
    expected = iter(chunk)  # the commits git is fed, to tell its headers from file names
    current: Commit | None = None
    n, nxt = first, next(expected, None)
    with _fed(root, ["diff-tree", "--stdin", "--root", "--always", "--name-only", "-z",
                     f"--format={_HEADER}"],
              (" ".join([sha, *parents]) for sha, parents in chunk)) as proc:
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
    if nxt is not None or proc.returncode != 0:
        raise FatalError(_("git could read only {n} of the {total} commits of the history.")
                         .format(n=n - first, total=total))


def paths(root: Path, shas: list[str]) -> Iterator[list[tuple[str, str, str]]]:
    """Every file each commit changed, as (status, path, blob id), from one `git diff-tree -r`.
    Its blob is then read by id: naming it as commit:path would make git scan the folder's
    tree, a hundred thousand entries, for each file."""
    expected = iter(shas)
    nxt = next(expected, None)
    current: list[tuple[str, str, str]] | None = None
    meta: list[str] | None = None
    with _fed(root, ["diff-tree", "--stdin", "--root", "--always", "-r", "--raw",
                     "--no-renames", "-z"], shas) as proc:
        for token in _tokens(proc.stdout):
            text = token.decode("utf-8", "surrogateescape")
            if meta is None and nxt is not None and text == nxt:
                if current is not None:
                    yield current
                current, nxt = [], next(expected, None)
            elif meta is None:
                meta = text.split()  # ":old-mode new-mode old-blob new-blob status"
            else:
                assert current is not None
                current.append((meta[4], text, meta[3]))
                meta = None
        if current is not None:
            yield current
    if nxt is not None or proc.returncode != 0:
        raise FatalError(_("git could not read what {n} commits changed.").format(n=len(shas)))


def blobs(root: Path, names: list[str]) -> Iterator[bytes | None]:
    """The contents of `rev:path` names, from one `git cat-file --batch`."""
    with _fed(root, ["cat-file", "--batch"], names) as proc:
        assert proc.stdout
        for _name in names:
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                yield None
                continue
            yield proc.stdout.read(int(header[2]) + 1)[:-1]
