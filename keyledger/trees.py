"""A commit's tree, made from its parent's trees and the files a command changed — not from
git's index.

`git write-tree` reads the whole index and writes it back (a street office's 120,000 entries,
80 ms), and what else happens to be staged would go into the commit with it. Here only the trees
along the changed paths are read (`cat-file --batch`), the changed entries spliced into them
(the untouched tail of a 20,000-entry folder is copied as bytes), and the new trees written with
one `hash-object`; the index is then updated for those paths alone.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _

TREE_MODE = b"40000"
Entry = tuple[bytes, bytes] | None  # (mode, binary object id); None takes the entry out


def _key(name: bytes, mode: bytes) -> bytes:
    """git's order of tree entries: a folder sorts as if its name ended with '/'."""
    return name + b"/" if mode == TREE_MODE else name


def _entries(raw: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """The entries of a tree object's content, in order: (start, end, mode, name)."""
    pos, find = 0, raw.find
    while pos < len(raw):
        nul = find(b"\0", pos)
        space = find(b" ", pos, nul)
        yield pos, nul + 21, raw[pos:space], raw[space + 1:nul]
        pos = nul + 21


def splice(raw: bytes, changes: dict[bytes, Entry]) -> bytes:
    """The content of a tree object with the entries named in `changes` put in, replaced or
    taken out, in git's order. Entries are read only up to the last one a change can sort
    before; the rest is copied as it is."""
    if not changes:
        return raw
    last = max(name + b"/" for name in changes)
    kept: list[tuple[bytes, bytes]] = []  # (key, the entry's bytes)
    tail = len(raw)
    for start, end, mode, name in _entries(raw):
        key = _key(name, mode)
        if key > last:
            tail = start
            break
        if name not in changes:
            kept.append((key, raw[start:end]))
    kept += [(_key(name, entry[0]), entry[0] + b" " + name + b"\0" + entry[1])
             for name, entry in changes.items() if entry]
    kept.sort()
    return b"".join(entry for _key_, entry in kept) + raw[tail:]


def _object_id(kind: bytes, content: bytes) -> bytes:
    return hashlib.sha1(kind + b" %d\0" % len(content) + content).digest()


def _has(raw: bytes, name: bytes) -> bool:
    """Whether a tree object's content has an entry called `name`."""
    return any(entry_name == name for _start, _end, _mode, entry_name in _entries(raw))


def _parent_trees(root: Path, parent: str | None, folders: list[str]) -> dict[str, bytes]:
    """The content of each folder's tree in `parent`; empty where the folder is not there. A
    tree that should be there but is not in the repository stops the commit: taken as empty,
    it would take every file beside the changed one out of the ledger."""
    if not parent:
        return {f: b"" for f in folders}
    names = [f"{parent}^{{tree}}" if not f else f"{parent}:{f}" for f in folders]
    out = gitops.git_bytes(root, "cat-file", "--batch",
                           input="".join(n + "\n" for n in names).encode("utf-8"))
    trees, missing, pos = {}, [], 0
    for folder in folders:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        if header[-1] == b"missing":
            trees[folder], pos = b"", end + 1
            missing.append(folder)
            continue
        if header[1] != b"tree":
            raise FatalError(_("{path} is a file in the ledger's history, not a folder.")
                             .format(path=folder))
        size = int(header[2])
        trees[folder], pos = out[end + 1:end + 1 + size], end + 1 + size + 1
    for folder in missing:
        outer, _slash, name = folder.rpartition("/")
        if not folder or _has(trees[outer], name.encode("utf-8")):
            raise FatalError(_("The repository has lost the tree of {path} at {commit}; "
                               "`git fsck` tells what else is missing.").format(
                                   path=folder or "/", commit=parent[:10]))
    return trees


def tree_with(root: Path, parent: str | None, files: dict[str, str | None], scratch: Path) -> str:
    """The id of `parent`'s tree with `files` (path: blob id in hex, None for removed) in it;
    the new trees are written to the repository (through files in `scratch`). Folders left
    empty disappear, as in git."""
    folders = {""}
    for path in files:
        parts = path.split("/")[:-1]
        folders |= {"/".join(parts[:n]) for n in range(1, len(parts) + 1)}
    order = sorted(folders, key=lambda f: (-f.count("/") if f else 1, f))  # deepest first
    raw = _parent_trees(root, parent, order)
    changes: dict[str, dict[bytes, Entry]] = {f: {} for f in order}
    for path, blob in files.items():
        folder, _slash, name = path.rpartition("/")
        # Ledger files are plain files, never programs: not the executable bit a FAT or NTFS
        # drive reports for every file.
        changes[folder][name.encode("utf-8")] = (b"100644", bytes.fromhex(blob)) if blob else None
    written: list[bytes] = []
    tree = b""
    for folder in order:
        content = splice(raw[folder], changes[folder])
        tree = _object_id(b"tree", content)
        if folder:
            outer, _slash, name = folder.rpartition("/")
            key = name.encode("utf-8")
            if changes[outer].get(key):  # a file of that name is written in this change
                if content:
                    raise FatalError(_("{path} cannot be a file and a folder at once.")
                                     .format(path=folder))
            else:
                changes[outer][key] = (TREE_MODE, tree) if content else None
        if content != raw[folder] or not folder:
            written.append(content)
    _write_trees(root, written, scratch)
    return tree.hex()


def _write_trees(root: Path, contents: list[bytes], scratch: Path) -> None:
    """One `hash-object -w` for every new tree, which checks each is a well-formed tree."""
    paths = []
    try:
        for n, content in enumerate(contents):
            path = scratch / f"tree-{os.getpid()}-{n}"
            path.write_bytes(content)
            paths.append(path)
        gitops.git_bytes(root, "hash-object", "-w", "-t", "tree", "--no-filters",
                         "--stdin-paths", input="".join(f"{p}\n" for p in paths).encode())
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
