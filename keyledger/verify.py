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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from keyledger import gitops, rules, sshkeys, sshsig
from keyledger.errors import FatalError, Refused
from keyledger.i18n import _
from keyledger.ledger import SETTINGS, Ledger
from keyledger.model import (Household, Settings, Steward, parse_household, parse_key,
                             parse_settings, parse_steward, parse_visit)

CUSTODY = frozenset(rules.ACTIONS)


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

    def by_fingerprint(self, fp: str) -> Steward | None:
        if self._by_fp is None:
            self._by_fp = {}
            for s in self.stewards.values():
                try:
                    self._by_fp[sshkeys.fingerprint(s.key)] = s
                except FatalError:
                    continue
        return self._by_fp.get(fp)


def _state_at(blobs: Blobs, root: Path, rev: str) -> _State:
    state = _State()
    listing = gitops.git(root, "ls-tree", "--name-only", f"{rev}:stewards", check=False)
    for name in listing.split():
        _load_steward(blobs, state, rev, f"stewards/{name}")
    _load_settings(blobs, state, rev)
    return state


def _load_steward(blobs: Blobs, state: _State, rev: str, path: str) -> None:
    ident = Path(path).stem
    state._by_fp = None
    text = blobs.get(rev, path)
    if text is None:
        state.stewards.pop(ident, None)
        return
    try:
        state.stewards[ident] = parse_steward(path, text, ident)
    except FatalError:
        state.stewards.pop(ident, None)


def _load_settings(blobs: Blobs, state: _State, rev: str) -> None:
    text = blobs.get(rev, SETTINGS)
    try:
        state.settings = parse_settings(SETTINGS, text) if text is not None else None
    except FatalError:
        state.settings = None


_FORMAT = "%x1e%H%x1f%P%x1f%s%x1f%(trailers:only,unfold)%x1f"


def _walk(root: Path, revs: list[str], blobs: Blobs) -> list[tuple[str, str, str, str, str,
                                                                   dict[str, str],
                                                                   list[tuple[str, str]]]]:
    out = gitops.git(root, "log", "--reverse", "--no-renames", "--name-status",
                     f"--format={_FORMAT}", *revs, "--")
    commits = []
    for record in out.split("\x1e")[1:]:
        sha, parents, subject, trailers, rest = record.split("\x1f")
        # Signatures are checked here, in-process, not by one ssh-keygen per commit.
        sig, fp = sshsig.check(blobs.raw(sha) or b"")
        changes = [tuple(line.split("\t", 1)) for line in rest.strip().splitlines() if "\t" in line]
        commits.append((sha, parents, sig, fp, subject, gitops.parse_trailers(trailers),
                        [(c[0], c[1]) for c in changes]))
    return commits  # type: ignore[return-value]


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
    roots = gitops.git(ledger.root, "rev-list", "--max-parents=0", "HEAD").split()
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
    remembered = memory.read_text().split() if memory.is_file() else []
    start = since
    if remembered and remembered[0] != root_fp:
        result.findings.append(Finding(root, "root", _("the first commit is no longer the one "
                                                       "this clone verified before: the history "
                                                       "was rewritten")))
        return result
    if start is None and not full and len(remembered) == 2:
        start = remembered[1]
        if gitops.run(ledger.root, "merge-base", "--is-ancestor", start, "HEAD").returncode != 0:
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
    verify_range(ledger.root, start, "HEAD", result, progress)
    if not result.findings:
        ledger.write_atomic(str(memory.relative_to(ledger.root)),
                            f"{root_fp} {gitops.head(ledger.root)}\n")
    return result


def verify_range(root: Path, start: str | None, end: str, result: Result,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Check the commits start..end (from the first commit when start is None) into `result`;
    works in any repository, a bare one too (the server's pre-receive hook)."""
    blobs = Blobs(root)
    try:
        commits = _walk(root, [f"{start}..{end}"] if start else [end], blobs)
        state = _state_at(blobs, root, start) if start else _State()
        for n, commit in enumerate(commits, 1):
            _check_commit(blobs, state, commit, result)
            result.checked = n
            if progress:
                progress(n, len(commits))
    finally:
        blobs.close()


def _check_commit(blobs: Blobs, state: _State, commit: tuple, result: Result) -> None:  # type: ignore[type-arg]
    sha, parents, sig, fp, subject, t, changes = commit
    parent = parents.split()[0] if parents else None

    def finding(message: str) -> None:
        result.findings.append(Finding(sha, subject, message))

    paths = [p for _status, p in changes]
    if len(parents.split()) > 1:
        finding(_("a merge commit; keyledger histories are linear (sync replays, never merges)"))
    if parent is None:  # the root of trust: its signer registers themselves as supervisor
        for path in paths:
            if path.startswith("stewards/"):
                _load_steward(blobs, state, sha, path)
        _load_settings(blobs, state, sha)
    signer = state.by_fingerprint(fp) if sig in ("G", "U") else None
    if sig not in ("G", "U"):
        finding({"N": _("not signed"), "B": _("a bad signature")}.get(
            sig, _("a signature that cannot be checked")))
    elif signer is None:
        finding(_("signed by {fp}, a key of no steward in the roster at its parent").format(fp=fp))
    elif not signer.active:
        finding(_("signed by {id}, who was not an active steward at its parent").format(
            id=signer.id))
    if not t.get("Action"):
        finding(_("made outside keyledger: it has no Keyledger-Action trailer"))
    elif signer is not None and t.get("Steward") != signer.id:
        finding(_("its trailers name {named} but it was signed by {signer}").format(
            named=t.get("Steward") or "—", signer=signer.id))
    supervisor = signer is not None and signer.role == "supervisor" and signer.active
    touches_roster = any(p.startswith("stewards/") for p in paths)
    if parent is not None and (touches_roster or SETTINGS in paths) and not supervisor:
        finding(_("it changes the roster or the policies but was not signed by a supervisor"))
    for path in paths:
        if path.startswith("households/") and parent and signer is not None:
            new = _household(blobs, sha, path)
            if new is None:
                continue
            try:
                rules.check_household_change(_household(blobs, parent, path), new,
                                             rules.Actor(signer.id, supervisor),
                                             t.get("Action", ""))
            except Refused as exc:
                finding(_("the rules refuse its change to {id}: {why}").format(
                    id=new.id, why=exc.message))
    for path in paths:  # every file the commit writes must be a valid ledger file
        problem = _invalid(blobs, sha, path)
        if problem:
            finding(problem)
    if t.get("Action") in CUSTODY and parent is not None and signer is not None:
        _replay(blobs, state, sha, parent, t, paths, signer, finding)
    if parent is not None:  # the roster and policies as they stand after this commit
        for path in paths:
            if path.startswith("stewards/"):
                _load_steward(blobs, state, sha, path)
        if SETTINGS in paths:
            _load_settings(blobs, state, sha)


def _household(blobs: Blobs, rev: str, path: str) -> Household | None:
    text = blobs.get(rev, path)
    try:
        return parse_household(path, text, Path(path).stem) if text is not None else None
    except FatalError:
        return None


_PARSERS = {"stewards/": parse_steward, "households/": parse_household, "keys/": parse_key,
            "visits/": parse_visit}


def _invalid(blobs: Blobs, sha: str, path: str) -> str | None:
    parse = next((f for prefix, f in _PARSERS.items() if path.startswith(prefix)), None)
    text = blobs.get(sha, path)
    if text is None:
        return None
    try:
        if parse is not None:
            parse(path, text, Path(path).stem)
        elif path == SETTINGS:
            parse_settings(path, text)
    except FatalError as exc:
        detail = "; ".join(f"{p.field or ''} {p.message}".strip() for p in exc.problems)
        return _("{path} is not a valid ledger file: {detail}").format(
            path=path, detail=detail or exc.message)
    return None


def _replay(blobs: Blobs, state: _State, sha: str, parent: str,
            t: dict[str, str], paths: list[str], signer: Steward,
            finding: Callable[[str], None]) -> None:
    key_path = f"keys/{t.get('Key', '')}.yaml"
    household_path = f"households/{t.get('Household', '')}.yaml"
    before, after = blobs.get(parent, key_path), blobs.get(sha, key_path)
    home = _household(blobs, parent, household_path)
    if before is None or after is None or home is None:
        finding(_("its trailers name {key} of {household}, which the commit does not hold")
                .format(key=t.get("Key"), household=t.get("Household")))
        return
    try:
        old = parse_key(key_path, before, Path(key_path).stem)
        written = parse_key(key_path, after, Path(key_path).stem)
        outcome = rules.apply(old, home, state.settings.witness if state.settings
                              else rules.WitnessPolicy(), _request(t, signer))
    except Refused as exc:
        finding(_("the custody rules refuse it: {why}").format(why=exc.message))
        return
    except (FatalError, ValueError) as exc:
        finding(_("its trailers cannot be replayed: {why}").format(why=exc))
        return
    if outcome.key != written:
        finding(_("its trailers do not replay to the key file it wrote"))
    allowed = {key_path} | ({household_path} if outcome.household != home else set())
    extra = [p for p in paths if p not in allowed and not (
        t.get("Visit") and (p.startswith(("visits/", "attachments/")) or p == ".gitattributes"))]
    if extra:
        finding(_("it also changes {paths}, which its action does not explain").format(
            paths=", ".join(extra[:3])))
    if outcome.household != home and _household(blobs, sha, household_path) != outcome.household:
        finding(_("its trailers do not replay to the household file it wrote"))
