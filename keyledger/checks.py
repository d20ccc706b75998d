"""`check`: every file of the ledger validated, every reference followed; problems as data.

Like bean-check, nothing stops at the first problem: each is collected with its path and line,
so a steward who broke a file by hand sees all of it at once.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, TypeVar

from keyledger import code_rights, sshkeys, yaml
from keyledger.errors import FatalError, Problem
from keyledger.i18n import _
from keyledger.text import printable
from keyledger.ledger import FOLDERS, SETTINGS, Ledger
from keyledger.model import (Household, Key, Steward, Visit, field_name, parse_household,
                             parse_key, parse_steward, parse_visit)

T = TypeVar("T")
_ATTACHMENT = re.compile(r"([0-9a-f]{64})\.[a-z0-9]{1,8}")


@dataclass
class Found:
    problems: list[Problem] = field(default_factory=list)
    stewards: dict[str, Steward] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # record id → its file
    broken: set[str] = field(default_factory=set)        # "folder:id" of files that did not parse

    def add(self, path: str, line: int | None, message: str, field_name: str | None = None) -> None:
        self.problems.append(Problem(path, line, field_name, message))


def _line_of(ledger: Ledger, relpath: str, path: tuple[str | int, ...],
             locators: dict[str, yaml.Locator]) -> int | None:
    """The line of a field; each file is composed once however many problems it has."""
    if relpath not in locators:
        try:
            locators[relpath] = yaml.Locator(ledger.read_text(relpath))
        except FatalError:
            return None
    return locators[relpath].line(path)


def _entries(folder: str, relfolder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Everything under a folder but its real subfolders, symbolic links not followed; as plain
    strings, since pathlib's objects cost more than the cached parse on a large ledger."""
    for entry in os.scandir(folder):
        relpath = f"{relfolder}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _entries(entry.path, relpath)
        else:
            yield relpath, entry


def _read_all(ledger: Ledger, found: Found, kind: str, folder: str,
              parse: Callable[[str, str, str], T], into: dict[str, T]) -> None:
    base = ledger.root / folder
    if base.is_symlink():
        found.add(folder, None, _("a symbolic link; the ledger's folders must be inside it"))
        return
    if not base.is_dir():
        return
    for relpath, entry in sorted(_entries(str(base), folder), key=lambda pair: pair[0]):
        ident, suffix = os.path.splitext(entry.name)
        if entry.name.startswith(".") and ".tmp" in entry.name:
            found.add(relpath, None, _("a temporary file left by an interrupted command; "
                                       "remove it"))
            continue
        if suffix != ".yaml" or not ident:
            found.add(relpath, None, _("not a ledger file: only <id>.yaml belongs in {folder}/")
                      .format(folder=folder))
            continue
        if entry.is_symlink():
            found.add(relpath, None, _("a symbolic link; ledger files must be plain files"))
            continue
        try:
            # Through the ledger's cache: a file unchanged since it last parsed is not re-read.
            record = ledger.bulk(kind, [ident], parse, os.path.dirname(relpath))[0]
        except FatalError as exc:
            found.problems.extend(exc.problems or [Problem(relpath, None, None, exc.message)])
            found.broken.add(f"{folder}:{ident}")
            continue
        if ident in into:
            found.add(relpath, 2, _("duplicate id {id!r}, also in {other}").format(
                id=ident, other=found.paths.get(f"{folder}:{ident}")), "id")
            continue
        into[ident] = record
        found.paths[f"{folder}:{ident}"] = relpath


def _check_attachments(ledger: Ledger, found: Found) -> set[str]:
    present = set()
    base = ledger.root / "attachments"
    if not base.is_dir():
        return present
    for path in sorted(base.iterdir()):
        relpath = f"attachments/{path.name}"
        match = _ATTACHMENT.fullmatch(path.name)
        if path.is_symlink() or not path.is_file() or not match:
            found.add(relpath, None, _("not an attachment: expected a plain file named "
                                       "<sha256>.<ext>"))
            continue
        data = path.read_bytes()
        if data.startswith(b"version https://git-lfs"):
            present.add(relpath)  # an LFS pointer whose content was not fetched: git-lfs checks it
            continue
        if hashlib.sha256(data).hexdigest() != match.group(1):
            found.add(relpath, None, _("its content does not match its name (the file was "
                                       "changed after it was stored)"))
            continue
        present.add(relpath)
    return present


def check_ledger(ledger: Ledger) -> list[Problem]:
    """Every problem of the ledger's files. A ledger found clean is remembered by the stamp of
    every file it read: run again with none of them changed, nothing is parsed."""
    from keyledger import statedir

    memory = ledger.state_dir / "check-clean"
    stamps = _stamps(ledger)
    if stamps is not None and statedir.load(memory) == stamps:
        return []
    problems = _check(ledger)
    if stamps is not None and not problems:
        statedir.save(memory, stamps)
    return problems


def _stamps(ledger: Ledger) -> str | None:
    """A digest of the path and stamp (modification and change times, size, inode, mode) of
    every file `check` reads, of the folders holding them (a folder replaced by a link to a copy
    keeps its files' stamps), and of keyledger's code (an upgrade may check more); None if one
    is younger than two seconds, when a second edit in the same tick would leave its stamp."""
    digest = hashlib.sha256()
    now = time.time_ns()
    code = os.path.dirname(__file__)
    sources: list[tuple[str, str | os.DirEntry[str]]] = [
        (f"code/{name}", os.path.join(code, name)) for name in sorted(os.listdir(code))
        if name.endswith(".py")]
    sources.append((SETTINGS, str(ledger.root / SETTINGS)))
    for folder in ("stewards", "households", "keys", "visits", "attachments"):
        sources.append((folder, str(ledger.root / folder)))
        if os.path.isdir(ledger.root / folder) and not os.path.islink(ledger.root / folder):
            sources += sorted(_entries(str(ledger.root / folder), folder),
                              key=lambda pair: pair[0])
    for relpath, where in sources:
        try:
            st = where.stat(follow_symlinks=False) if isinstance(where, os.DirEntry) \
                else os.lstat(where)
        except OSError:
            digest.update(f"{relpath}\0absent\n".encode())
            continue
        if now - max(st.st_mtime_ns, st.st_ctime_ns) < 2_000_000_000:
            return None
        digest.update(f"{relpath}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_size}\0"
                      f"{st.st_ino}\0{st.st_mode}\n".encode())
    return digest.hexdigest()


def _check(ledger: Ledger) -> list[Problem]:
    found = Found()
    try:
        settings = ledger.settings
    except FatalError as exc:
        found.problems.extend(exc.problems or [Problem(SETTINGS, None, None, exc.message)])
        settings = None
    _read_all(ledger, found, "steward", FOLDERS["steward"], parse_steward, found.stewards)
    _read_all(ledger, found, "household", FOLDERS["household"], parse_household, found.households)
    _read_all(ledger, found, "key", FOLDERS["key"], parse_key, found.keys)
    _read_all(ledger, found, "visit", "visits", parse_visit, found.visits)
    attachments = _check_attachments(ledger, found)
    _check_references(ledger, found, attachments)
    if settings is not None and not any(s.role == "supervisor" and s.active
                                        for s in found.stewards.values()):
        found.add("stewards", None, _("no active supervisor: nobody can change the roster"))
    return sorted(found.problems, key=lambda p: (p.path, p.line or 0))


def _check_references(ledger: Ledger, found: Found, attachments: set[str]) -> None:
    stewards, households = found.stewards, found.households
    locators: dict[str, yaml.Locator] = {}

    def wrong(path: str, at: tuple[str | int, ...], message: str) -> None:
        # The line is looked up only here: parsing a file again to find it costs a millisecond,
        # which on a large ledger with nothing wrong would be most of the run.
        found.add(path, _line_of(ledger, path, at, locators), message, field_name(at))

    def steward_ok(path: str, at: tuple[str | int, ...], ident: str | None, active: bool = True) -> None:
        if ident is None or ident in ("a", "b") and at[0] == "schedule" \
                or f"stewards:{ident}" in found.broken:
            return
        if ident not in stewards:
            wrong(path, at, _("unknown steward {id!r}").format(id=ident))
        elif active and not stewards[ident].active:
            wrong(path, at, _("{id} is not an active steward").format(id=ident))

    keys_by_fp: dict[str, str] = {}
    for ident, s in stewards.items():
        path = found.paths[f"stewards:{ident}"]
        try:
            fp = sshkeys.fingerprint(s.key)
        except FatalError as exc:
            wrong(path, ("key",), exc.message)
            continue
        if fp in keys_by_fp:
            wrong(path, ("key",), _("the same SSH key as {other}; every steward signs with "
                                    "their own").format(other=keys_by_fp[fp]))
        keys_by_fp[fp] = ident
    for ident, h in households.items():
        path = found.paths[f"households:{ident}"]
        steward_ok(path, ("pair", "a"), h.pair_a)
        steward_ok(path, ("pair", "b"), h.pair_b)
        if h.pair_a and h.pair_a == h.pair_b:
            wrong(path, ("pair", "b"), _("the A and B stewards are the same person"))
        for n, entry in enumerate(h.schedule):
            steward_ok(path, ("schedule", n, "steward"), entry.steward)
        document = h.authorization.document if h.authorization else None
        if document and document not in attachments:
            wrong(path, ("authorization", "document"),
                  _("the document {doc} is not in attachments/").format(doc=document))
        if ident in found.keys:
            found.add(path, 2, _("{id} is also a key's id").format(id=ident), "id")
    slots: dict[str, str] = {}
    for ident, k in found.keys.items():
        path = found.paths[f"keys:{ident}"]
        if k.household not in households and f"households:{k.household}" not in found.broken:
            wrong(path, ("household",), _("unknown household {id!r}").format(id=k.household))
        if k.state == "out":
            steward_ok(path, ("holder",), k.holder, active=False)
        steward_ok(path, ("witness",), k.witness, active=False)
        for n, r in enumerate(k.reservations):
            steward_ok(path, ("reservations", n, "steward"), r.steward)
        if k.kind != "code" and k.code is not None:
            wrong(path, ("code",), _("only a code key has a code"))
        if k.kind == "code" and k.state in ("in", "out") and k.code is None:
            wrong(path, ("code",), _("a door code key without its encrypted code"))
        if k.code is not None:  # who can open it, read from the ciphertext (code_rights)
            real = code_rights.real_recipients(k.code, stewards.values())
            if real.replaced or real.strangers or real.stewards != set(k.code_recipients):
                wrong(path, ("code_recipients",), _(
                    "the code is encrypted to {real}, not to the {recorded} this file names; "
                    "a supervisor runs `keyledger rekey`").format(
                        real=real.named(), recorded=", ".join(k.code_recipients) or "—"))
        if k.slot and k.state in ("in", "out"):
            if k.slot in slots:
                wrong(path, ("slot",), _("cabinet slot {slot} is also {other}'s").format(
                    slot=k.slot, other=slots[k.slot]))
            slots[k.slot] = ident
    for ident, v in found.visits.items():
        path = found.paths[f"visits:{ident}"]
        expected = f"visits/{v.started:%Y}/{v.started:%m}/{ident}.yaml"
        if path != expected:
            found.add(path, None, _("a visit of {day} belongs in {folder}").format(
                day=v.started.date(), folder=os.path.dirname(expected)))
        if v.household not in households and f"households:{v.household}" not in found.broken:
            wrong(path, ("household",), _("unknown household {id!r}").format(id=v.household))
        if v.key and f"keys:{v.key}" in found.broken:
            pass
        elif v.key and v.key not in found.keys:
            wrong(path, ("key",), _("unknown key {id!r}").format(id=v.key))
        elif v.key and found.keys[v.key].household != v.household:
            wrong(path, ("key",), _("{key} belongs to {other}, not to {household}").format(
                key=v.key, other=found.keys[v.key].household, household=v.household))
        for n, s in enumerate(v.stewards):
            steward_ok(path, ("stewards", n), s, active=False)
        for n, photo in enumerate(v.photos):
            if photo not in attachments:
                wrong(path, ("photos", n),
                      _("the photo {photo} is not in attachments/").format(photo=photo))


def source_line(ledger: Ledger, problem: Problem) -> str | None:
    """The offending line itself, shown under the problem like bean-check does (never a code's:
    a plain door code must not be printed even when it is the mistake)."""
    if problem.line is None or (problem.field or "").startswith("code"):
        return None
    try:
        lines = ledger.read_text(problem.path).splitlines()
    except FatalError:
        return None
    if not 0 < problem.line <= len(lines) or lines[problem.line - 1].lstrip().startswith("code"):
        return None
    return printable(lines[problem.line - 1])  # never an escape sequence a hand put there

