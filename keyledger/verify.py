"""`verify`: the history, commit by commit, against the ledger's own rules of trust (DESIGN §4).

For each commit: it is signed; the signing key belonged to an active steward in the roster as it
stood at the commit's parent; that steward is the one its trailers name; a change to the roster
or the policies was signed by a supervisor, and a household file's change (its pair, the
owner's authorization, its witness policy) is one the rules allow its signer; a custody
commit's trailers, replayed through the custody rules on its parent's files, give exactly the
key file it wrote; no key file holds a plain door code. Every finding is collected; the last
commit verified without one is remembered in .git/keyledger/, so the next run reads only what
is new.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

from keyledger import gitops, rules, sshkeys, sshsig, statedir, text
from keyledger.errors import FatalError, Refused
from keyledger.i18n import _
from keyledger.ledger import SETTINGS, Ledger
from keyledger.model import (Household, Settings, Steward, parse_household, parse_key,
                             parse_settings, parse_steward, parse_visit)

CUSTODY = frozenset(rules.ACTIONS)
T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    commit: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.commit[:10]} {self.subject}: {self.message}"


@dataclass
class Result:
    root: str
    root_fingerprint: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    start: str | None = None


class Blobs:
    """One `git cat-file --batch` for the whole walk: files as they were at any commit."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def get(self, rev: str, path: str) -> str | None:
        data = self.raw(f"{rev}:{path}")
        return data.decode("utf-8", errors="replace") if data is not None else None

    def raw(self, name: str) -> bytes | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{name}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            return None
        return self.proc.stdout.read(int(header[2]) + 1)[:-1]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


@dataclass
class _State:
    """The roster and the policies as they stood at a commit."""

    stewards: dict[str, Steward] = field(default_factory=dict)
    settings: Settings | None = None
    _by_fp: dict[str, Steward] | None = None  # made again whenever the roster changes

    def retired(self, fp: str) -> dict[str, str] | None:
        """Whose replaced key this is, and when it was replaced (for the finding's words)."""
        for s in self.stewards.values():
            for old in s.retired_keys:
                try:
                    if sshkeys.fingerprint(old.key) == fp:
                        return {"id": s.id, "until": old.until.isoformat()}
                except FatalError:
                    continue
        return None

    def by_fingerprint(self, fp: str) -> Steward | None:
        if self._by_fp is None:
            self._by_fp = {}
            for s in self.stewards.values():
                try:
                    self._by_fp[sshkeys.fingerprint(s.key)] = s
                except FatalError:
                    continue
        return self._by_fp.get(fp)


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None  # blob id at the parent, None when the commit adds the file
    new: str | None  # blob id the commit writes, None when it deletes the file


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: list[str]
    subject: str
    trailers: dict[str, str]
    changes: list[Change]
    signature: str  # sshsig.check's status: G good, N none, B bad, E cannot be checked
    fingerprint: str


_FORMAT = "%x1e%H%x1f%P%x1f%s%x1f%(trailers:only,unfold)%x1f"


def _parse_record(record: str) -> tuple[str, list[str], str, dict[str, str], list[Change]]:
    sha, parents, subject, trailers, rest = record.split("\x1f")
    changes = []
    # With -z every path comes as it is, after its ":100644 100644 <old> <new> M" entry: a
    # quoted path ("stewards/x\"y.yaml") would slip past every rule that looks at its folder.
    tokens = rest.split("\0")
    for meta, path in zip(tokens, tokens[1:]):
        meta = meta.lstrip("\n")
        if not meta.startswith(":"):
            continue
        _mode_a, _mode_b, old, new, _status = meta[1:].split()
        changes.append(Change(path, None if old == gitops.ZERO else old,
                              None if new == gitops.ZERO else new))
    return sha, parents.split(), subject, gitops.parse_trailers(trailers), changes


class Walk:
    """The commits of a range, oldest first, each with the files it wrote.

    One `git log --raw` names every commit and the blobs it writes; a feeder thread asks one
    `git cat-file --batch` for each commit object (its signature is checked in-process) and each
    new blob in the same order, so no request waits for the one before it. Files are parsed once
    per blob id: the key file a checkout writes is the one its return reads."""

    def __init__(self, root: Path, revs: list[str]) -> None:
        import queue
        import threading

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
        self.parsed: dict[tuple[str, str], object] = {}
        self.failure: Exception | None = None
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        assert self.log.stdout and self.cat.stdin
        try:
            pending = ""
            for chunk in iter(lambda: self.log.stdout.read(1 << 16), ""):  # type: ignore[union-attr]
                pending += chunk
                *complete, pending = pending.split("\x1e")
                for record in complete:
                    self._send(record)
            self._send(pending)
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
        names = [parsed[0]] + [c.new for c in parsed[4] if c.new]
        self.cat.stdin.write("".join(f"{n}\n" for n in names).encode())  # type: ignore[union-attr]
        self.cat.stdin.flush()  # type: ignore[union-attr]

    def _read_object(self) -> bytes:
        assert self.cat.stdout
        header = self.cat.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            return b""
        return self.cat.stdout.read(int(header[2]) + 1)[:-1]

    def __iter__(self) -> Iterator[Commit]:
        while (item := self.records.get()) is not None:
            sha, parents, subject, trailers, changes = item
            signature, fingerprint = sshsig.check(self._read_object())
            if len(self.texts) > _TEXTS_KEPT:  # a street office's history: keep memory bounded
                self.texts.clear()
                self.parsed.clear()
            for change in changes:
                if change.new:
                    data = self._read_object()
                    if change.path.endswith(".yaml"):  # photos are never read as text
                        self.texts[change.new] = data.decode("utf-8", "replace")
            yield Commit(sha, parents, subject, trailers, changes, signature, fingerprint)

    def text(self, blob: str | None) -> str | None:
        if blob is None:
            return None
        if blob not in self.texts:
            if len(self.texts) > _TEXTS_KEPT:  # a street office's history: keep memory bounded
                self.texts.clear()
            raw = self.blobs.raw(blob)
            self.texts[blob] = raw.decode("utf-8", "replace") if raw is not None else ""
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
                found = parse(path, self.text(blob), Path(path).stem)
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

    def __init__(self, root: Path, start: str | None) -> None:
        self.root, self.start = root, start
        self.ids: dict[str, str | None] = {}  # None: no such file
        self.changes: dict[str, Change] = {}
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

    def before(self, path: str) -> str | None:
        change = self.changes.get(path)
        return change.old if change else self._id(path)

    def after(self, path: str) -> str | None:
        change = self.changes.get(path)
        return change.new if change else self._id(path)

    def leave(self) -> None:
        for path, change in self.changes.items():
            self.ids[path] = change.new
        self.changes = {}

    def close(self) -> None:
        if self._ask is not None:
            assert self._ask.stdin
            self._ask.stdin.close()
            self._ask.wait()


def _state_at(walk: Walk, tree: Tree) -> _State:
    state = _State()
    for path, blob in tree.stewards():
        _load_steward(walk, state, path, blob)
    _load_settings(walk, state, tree.ids.get(SETTINGS))
    return state


def _load_steward(walk: Walk, state: _State, path: str, blob: str | None) -> None:
    ident = Path(path).stem
    state._by_fp = None
    try:
        steward = walk.parse(path, blob, parse_steward)
    except FatalError:
        steward = None
    if steward is None:
        state.stewards.pop(ident, None)
    else:
        state.stewards[ident] = steward


def _load_settings(walk: Walk, state: _State, blob: str | None) -> None:
    try:
        state.settings = walk.parse(SETTINGS, blob, lambda p, t, _i: parse_settings(p, t))
    except FatalError:
        state.settings = None


def _request(t: dict[str, str], actor: Steward) -> rules.Request:
    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(t[name]) if t.get(name) else None
    holder = t.get("Holder") if t.get("Action") in ("checkout", "handover", "reserve") else None
    return rules.Request(t.get("Action", ""), rules.Actor(actor.id, actor.role == "supervisor"),
                         when("At") or datetime.min, t.get("Purpose") or None, when("Expected-Back"),
                         holder if holder != actor.id else None, t.get("Witness"), t.get("Note"),
                         t.get("Override"), t.get("Consent"), t.get("Unreached"), when("From"),
                         when("Until"))


def verify(ledger: Ledger, since: str | None = None, pin: str | None = None, full: bool = False,
           progress: Callable[[int, int], None] | None = None) -> Result:
    # One commit for the whole run: a pull in another terminal must not be recorded unchecked.
    head = gitops.head(ledger.root)
    if head is None:
        raise FatalError(_("The ledger has no commits yet."))
    roots = _roots(ledger, head)
    if len(roots) != 1:
        raise FatalError(_("The history has {n} first commits; a ledger has exactly one.")
                         .format(n=len(roots)))
    root = roots[0]
    root_fp = sshsig.check(gitops.git(ledger.root, "cat-file", "commit", root).encode())[1]
    result = Result(root, root_fp)
    if pin and pin != root_fp:
        result.findings.append(Finding(root, "root", _("the first commit is signed by {fp}, not "
                                                       "by the pinned {pin}: this is not the "
                                                       "same ledger").format(fp=root_fp, pin=pin)))
        return result
    memory = ledger.state_dir / "verified"
    remembered = (statedir.text(memory) or "").split()
    start = since
    if remembered and remembered[0] != root_fp:
        result.findings.append(Finding(root, "root", _("the first commit is no longer the one "
                                                       "this clone verified before: the history "
                                                       "was rewritten")))
        return result
    if start is None and not full and len(remembered) == 2:
        start = remembered[1]
        if gitops.run(ledger.root, "merge-base", "--is-ancestor", start, head).returncode != 0:
            result.findings.append(Finding(start, "history", _(
                "the last commit this clone verified is no longer in the history: it was "
                "rewritten (or reset) under this clone")))
            return result
    if start is not None:
        resolved = gitops.git(ledger.root, "rev-parse", "-q", "--verify", start + "^{commit}",
                              check=False).strip()
        if not resolved:
            raise FatalError(_("There is no commit {commit!r} in this ledger.").format(commit=start))
        start = resolved
    result.start = start
    verify_range(ledger.root, start, head, result, progress)
    # Remembered only when the range reaches back to what was verified before: `--since` a
    # later commit leaves the commits before it unchecked.
    continuous = start is None or (len(remembered) == 2 and gitops.run(
        ledger.root, "merge-base", "--is-ancestor", start, remembered[1]).returncode == 0)
    if not result.findings and continuous:
        ledger.write_atomic(str(memory.relative_to(ledger.root)),
                            f"{root_fp} {head}\n")
    return result


def _roots(ledger: Ledger, head: str) -> list[str]:
    """The first commits of `head`'s history, as git says. Finding them walks the whole history
    (seconds at a million commits), so the answer is kept for the commit it was asked of: the
    first commits of a later head are those and any first commits among the new ones, which
    only the new commits are walked for."""
    memory = ledger.state_dir / "roots"
    known = (statedir.text(memory) or "").split()
    if len(known) >= 2 and gitops.run(ledger.root, "merge-base", "--is-ancestor", known[0],
                                      head).returncode == 0:
        roots = sorted(set(known[1:]) | set(gitops.git(
            ledger.root, "rev-list", "--max-parents=0", head, "--not", known[0]).split()))
    else:
        roots = sorted(gitops.git(ledger.root, "rev-list", "--max-parents=0", head).split())
    statedir.write_text(memory, " ".join([head, *roots]) + "\n")
    return roots


def verify_range(root: Path, start: str | None, end: str, result: Result,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Check the commits start..end (from the first commit when start is None) into `result`;
    works in any repository, a bare one too (the server's pre-receive hook)."""
    revs = [f"{start}..{end}"] if start else [end]
    total = int(gitops.git(root, "rev-list", "--count", *revs).strip() or 0)
    walk, tree = Walk(root, revs), Tree(root, start)
    try:
        state = _state_at(walk, tree)
        for n, commit in enumerate(walk, 1):
            tree.enter(commit)
            _check_commit(walk, tree, state, commit, result)
            tree.leave()
            result.checked = n
            if progress:
                progress(n, total)
    finally:
        walk.close()
        tree.close()
    if result.checked != total or walk.failure is not None:
        # A commit message can hold the separators of git's output; never a silent pass.
        result.findings.append(Finding(end, "history", _(
            "only {n} of the {total} commits could be read and checked ({why})").format(
                n=result.checked, total=total, why=walk.failure or "?")))


# What a command other than a custody action may change in a key's file (DESIGN §5: custody
# changes only through the rules, so that `verify` can replay them).
_CODE_FIELDS = ("code", "code_recipients")


def _check_commit(walk: Walk, tree: Tree, state: _State, commit: Commit, result: Result) -> None:
    sha, parent, t = commit.sha, (commit.parents[0] if commit.parents else None), commit.trailers

    def finding(message: str) -> None:
        result.findings.append(Finding(sha, commit.subject, message))

    paths = [c.path for c in commit.changes]
    if len(commit.parents) > 1:
        finding(_("a merge commit; keyledger histories are linear (sync replays, never merges)"))
    if parent is None:  # the root of trust: its signer registers themselves as supervisor
        for path in paths:
            if path.startswith("stewards/"):
                _load_steward(walk, state, path, tree.after(path))
        _load_settings(walk, state, tree.after(SETTINGS))
    sig, fp = commit.signature, commit.fingerprint
    signer = state.by_fingerprint(fp) if sig in ("G", "U") else None
    if sig not in ("G", "U"):
        finding({"N": _("not signed"), "B": _("a bad signature")}.get(
            sig, _("a signature that cannot be checked")))
    elif signer is None and state.retired(fp):
        finding(_("signed with a key of {id} that was replaced on {until}: a replaced key signs "
                  "nothing after that").format(**state.retired(fp)))  # type: ignore[arg-type]
    elif signer is None:
        finding(_("signed by {fp}, a key of no steward in the roster at its parent").format(fp=fp))
    elif not signer.active:
        finding(_("signed by {id}, who was not an active steward at its parent").format(
            id=signer.id))
    action = t.get("Action")
    if not action:
        finding(_("made outside keyledger: it has no Keyledger-Action trailer"))
    elif signer is not None and t.get("Steward") != signer.id:
        finding(_("its trailers name {named} but it was signed by {signer}").format(
            named=t.get("Steward") or "—", signer=signer.id))
    supervisor = signer is not None and signer.role == "supervisor" and signer.active
    touches_roster = any(p.startswith("stewards/") for p in paths)
    if parent is not None and (touches_roster or SETTINGS in paths) and not supervisor:
        finding(_("it changes the roster or the policies but was not signed by a supervisor"))
    others = [c.path for c in commit.changes if not c.path.startswith(_RECORDS)
              and c.path != SETTINGS and not _lfs_attributes(walk, c)]
    if parent is not None and others and not supervisor:
        finding(_("it changes {paths}, which only a supervisor may change (report templates and "
                  "git's settings act on every steward's machine)").format(
                      paths=", ".join(others[:3])))
    for change in commit.changes:
        if change.new is None and change.path.startswith(("keys/", "households/", "visits/")):
            finding(_("it deletes {path}; a ledger's files stay, with their history").format(
                path=change.path))
        elif change.old is not None and change.path.startswith("visits/"):
            finding(_("it edits {path}; a visit's record is written once, never edited").format(
                path=change.path))
    for path in paths:
        if path.startswith("households/") and parent and signer is not None:
            new = _household(walk, path, tree.after(path))
            if new is None:
                continue
            try:
                rules.check_household_change(_household(walk, path, tree.before(path)), new,
                                             rules.Actor(signer.id, supervisor),
                                             t.get("Action", ""))
            except Refused as exc:
                finding(_("the rules refuse its change to {id}: {why}").format(
                    id=new.id, why=exc.message))
    for path in paths:
        if path.startswith("stewards/") and parent and signer is not None:
            _steward_change(walk, tree, path, finding)
    for path in paths:  # every file the commit writes must be a valid ledger file
        problem = _invalid(walk, path, tree.after(path))
        if problem:
            finding(problem)
    if parent is not None and signer is not None:
        _service(walk, tree, commit, supervisor, finding)
    if action in CUSTODY and parent is not None and signer is not None:
        _replay(walk, tree, state, t, paths, signer, finding)
    elif action and parent is not None:
        _non_custody_keys(walk, tree, action, paths, finding)
    if parent is not None:  # the roster and policies as they stand after this commit
        for path in paths:
            if path.startswith("stewards/"):
                _load_steward(walk, state, path, tree.after(path))
        if touches_roster and not any(s.role == "supervisor" and s.active
                                      for s in state.stewards.values()):
            finding(_("it leaves the ledger without an active supervisor: nobody could change "
                      "the roster or the policies again"))
        if SETTINGS in paths:
            _load_settings(walk, state, tree.after(SETTINGS))


# Where the ledger's records live; anything else in the repository is a supervisor's to change.
_RECORDS = ("stewards/", "households/", "keys/", "visits/", "attachments/")


def _lfs_attributes(walk: Walk, change: Change) -> bool:
    """`.gitattributes` holding nothing but the rule that stores attachments with git-lfs, as
    the first photo of a ledger writes it on a machine that has git-lfs."""
    from keyledger.attachments import LFS_RULE

    if change.path != ".gitattributes" or change.new is None:
        return False
    return {line for line in (walk.text(change.new) or "").splitlines() if line} <= {LFS_RULE}


def _both(walk: Walk, tree: Tree, path: str,
          parse: Callable[..., T]) -> tuple[T | None, T | None]:
    """A file as it was before the commit and as it wrote it, parsed; (None, None) when either
    is not a valid ledger file (that is reported as such)."""
    try:
        return walk.parse(path, tree.before(path), parse), walk.parse(path, tree.after(path), parse)
    except FatalError:
        return None, None


def _non_custody_keys(walk: Walk, tree: Tree, action: str, paths: list[str],
                      finding: Callable[[str], None]) -> None:
    """A command that is not a custody action may register a key (in the cabinet) or change a
    door code's ciphertext, nothing else: custody is changed only by replayable actions."""
    for path in [p for p in paths if p.startswith("keys/")]:
        old, new = _both(walk, tree, path, parse_key)
        if new is None:
            continue  # reported as an invalid file, or a deletion
        if action == "key-add" and (old is None or old.state == "handed-back"):
            # As `key add` writes it: in the cabinet, no custody, no reservation.
            allowed = (new.state, new.holder, new.since, new.purpose, new.expected_back,
                       new.witness, new.reservations) == ("in", None, None, None, None, None, ())
        elif action in ("code-rotate", "rekey") and old is not None:
            allowed = replace(new, **{f: getattr(old, f) for f in _CODE_FIELDS}) == old
        else:
            allowed = False
        if not allowed:
            finding(_("it changes the key file {path}, which a {action} commit does not write "
                      "(custody changes only through checkout, return and the other custody "
                      "actions)").format(path=path, action=action))


def _steward_change(walk: Walk, tree: Tree, path: str, finding: Callable[[str], None]) -> None:
    """A steward's keys: a replaced one is kept, and never comes back (roster_rules)."""
    from keyledger.roster_rules import check_steward_change

    before, after = _both(walk, tree, path, parse_steward)
    if after is None:
        return  # reported as an invalid file, or a deletion
    try:
        check_steward_change(before, after)
    except Refused as exc:
        finding(_("the rules refuse its change to {id}: {why}").format(id=after.id,
                                                                         why=exc.message))


def _service(walk: Walk, tree: Tree, commit: Commit, supervisor: bool,
             finding: Callable[[str], None]) -> None:
    """A household's open problems, requests and money owed change only as its visit, or the
    trailers of `request add`, `problem close` and `errand repaid`, explain (keyledger.service)."""
    from keyledger import service

    action = commit.trailers.get("Action", "")
    visits = []
    for change in commit.changes:
        if change.path.startswith("visits/") and change.new and change.old is None:
            try:
                visits.append(walk.parse(change.path, change.new, parse_visit))
            except FatalError:
                continue  # reported as an invalid file
    homes = {c.path for c in commit.changes if c.path.startswith("households/")}
    homes |= {f"households/{v.household}.yaml" for v in visits if v is not None}
    for path in sorted(homes):
        before = _household(walk, path, tree.before(path))
        after = _household(walk, path, tree.after(path))
        mine = [v for v in visits if v is not None and after is not None and v.household == after.id]
        if after is None or (not mine and action not in service.ACTIONS):
            if after is not None and not service.untouched(before, after):
                finding(_("it changes the open problems, requests or money owed of {id}, which "
                          "only a visit, `request add`, `problem close` or `errand repaid` "
                          "changes").format(id=after.id))
            continue
        if before is None:
            finding(_("it records a service for {id}, a household that does not exist before "
                      "it").format(id=after.id))
            continue
        if path not in tree.changes and action not in service.ACTIONS and not any(
                v.resolves or v.request or v.errand for v in mine):
            continue  # a visit recorded before households kept their open records
        try:
            expected = before
            for visit in mine or [None]:
                expected = service.replay(action, commit.trailers, expected, supervisor, visit)
        except Refused as exc:
            finding(_("the rules refuse it: {why}").format(why=exc.message))
            continue
        except (ValueError, TypeError) as exc:  # a time in a trailer that does not parse
            finding(_("its trailers cannot be replayed: {why}").format(why=exc))
            continue
        if expected != after:
            finding(_("the household file {path} it wrote is not what its visit or its "
                      "trailers explain").format(path=path))


def _household(walk: Walk, path: str, blob: str | None) -> Household | None:
    try:
        return walk.parse(path, blob, parse_household)
    except FatalError:
        return None


_PARSERS = {"stewards/": parse_steward, "households/": parse_household, "keys/": parse_key,
            "visits/": parse_visit}


def _invalid(walk: Walk, path: str, blob: str | None) -> str | None:
    parse = next((f for prefix, f in _PARSERS.items() if path.startswith(prefix)), None)
    if parse is None and path == SETTINGS:
        parse = lambda p, t, _i: parse_settings(p, t)  # noqa: E731
    if parse is None or blob is None:
        return None
    try:
        walk.parse(path, blob, parse)
    except FatalError as exc:
        detail = "; ".join(f"{p.field or ''} {p.message}".strip() for p in exc.problems)
        return _("{path} is not a valid ledger file: {detail}").format(
            path=path, detail=detail or exc.message)
    return None


def _replay(walk: Walk, tree: Tree, state: _State, t: dict[str, str], paths: list[str],
            signer: Steward, finding: Callable[[str], None]) -> None:
    key_path = f"keys/{t.get('Key', '')}.yaml"
    household_path = f"households/{t.get('Household', '')}.yaml"
    home = _household(walk, household_path, tree.before(household_path))
    try:
        old = walk.parse(key_path, tree.before(key_path), parse_key)
        written = walk.parse(key_path, tree.after(key_path), parse_key)
    except FatalError as exc:
        finding(_("its trailers cannot be replayed: {why}").format(why=exc))
        return
    if old is None or written is None or home is None:
        finding(_("its trailers name {key} of {household}, which the commit does not hold")
                .format(key=t.get("Key"), household=t.get("Household")))
        return
    try:
        outcome = rules.apply(old, home, state.settings.witness if state.settings
                              else rules.WitnessPolicy(), _request(t, signer))
    except Refused as exc:
        finding(_("the custody rules refuse it: {why}").format(why=exc.message))
        return
    except (FatalError, ValueError, TypeError) as exc:  # TypeError: a time without its offset
        finding(_("its trailers cannot be replayed: {why}").format(why=exc))
        return
    # The note as typed: commits made before input was normalised (keyledger.text) kept a
    # full-width space or a tab in the file and folded it in the trailer; the words are the same.
    if outcome.key != replace(written, note=text.optional(written.note)):
        finding(_("its trailers do not replay to the key file it wrote"))
    allowed = {key_path} | ({household_path} if outcome.household != home else set())
    extra = [p for p in paths if p not in allowed and not (
        t.get("Visit") and (p.startswith(("visits/", "attachments/")) or p == ".gitattributes"
                            or p == household_path))]  # the visit's: checked by _service
    if extra:
        finding(_("it also changes {paths}, which its action does not explain").format(
            paths=", ".join(extra[:3])))
    if outcome.household != home and \
            _household(walk, household_path, tree.after(household_path)) != outcome.household:
        finding(_("its trailers do not replay to the household file it wrote"))
