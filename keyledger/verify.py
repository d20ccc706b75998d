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

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, TypeVar

from keyledger import (attachments, code_rights, commit_rules, gitops, rules, sshkeys, sshsig,
                       statedir, text)
from keyledger.errors import FatalError, Refused
from keyledger.i18n import _
from keyledger.ledger import SETTINGS, Ledger
from keyledger.timeutil import now
from keyledger.model import (Household, Settings, Steward, parse_household, parse_key,
                             parse_settings, parse_steward, parse_visit)
from keyledger.walk import Change, Commit, Tree, Walk

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
        try:
            ledger.write_atomic(str(memory.relative_to(ledger.root)), f"{root_fp} {head}\n")
        except FatalError:
            pass  # a read-only disk: the next run checks these commits again
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
                 progress: Callable[[int, int], None] | None = None,
                 ahead: timedelta | None = None) -> None:
    """Check the commits start..end (from the first commit when start is None) into `result`;
    works in any repository, a bare one too (the server's pre-receive hook). With `ahead`,
    nothing may be dated more than that past this machine's clock: the server judges the time
    of what it receives; a steward's clone, whose clock may be wrong, does not."""
    revs = [f"{start}..{end}"] if start else [end]
    total = int(gitops.git(root, "rev-list", "--count", *revs).strip() or 0)
    clock = now(timezone.utc)
    walk, tree = Walk(root, revs), Tree(root, start, clock)
    try:
        state = _state_at(walk, tree)
        for n, commit in enumerate(walk, 1):
            tree.enter(commit)
            _check_commit(walk, tree, state, commit, result)
            result.findings += [Finding(commit.sha, commit.subject, m) for m in
                                commit_rules.times(tree, commit, clock, ahead)]
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
    others = [c.path for c in commit.changes if ((not c.path.startswith(_RECORDS)
              and c.path != SETTINGS) or Path(c.path).name == ".gitattributes")
              and not _lfs_rule(walk, c)]
    if parent is not None and others and not supervisor:
        finding(_("it changes {paths}, which only a supervisor may change (report templates and "
                  "git's settings act on every steward's machine)").format(
                      paths=", ".join(others[:3])))
    for message in commit_rules.files(walk, commit, supervisor):
        finding(message)
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
    for message in commit_rules.visits(walk, tree, commit, signer, supervisor):
        finding(message)
    for path in paths:
        if path.startswith("stewards/") and parent and signer is not None:
            _steward_change(walk, tree, path, finding)
    for path in paths:  # every file the commit writes must be a valid ledger file
        problem = _invalid(walk, path, tree.after(path))
        if problem:
            finding(problem)
    for message in commit_rules.confirmation(walk.root, commit, signer):
        finding(message)
    if parent is not None and signer is not None:
        _service(walk, tree, commit, supervisor, finding)
    if action in CUSTODY and parent is not None and signer is not None:
        _replay(walk, tree, state, t, paths, signer, finding, commit.parents)
    elif action and parent is not None:
        _non_custody_keys(walk, tree, state, action, paths, signer, finding)
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


def _lfs_rule(walk: Walk, change: Change) -> bool:
    """The root `.gitattributes` holding nothing but git-lfs's rule for attachments, as a
    steward's first photo wrote it before that became a supervisor's to do: it converts
    nothing, and histories that hold it still verify."""
    if change.path != ".gitattributes" or change.new is None:
        return False
    return {line for line in (walk.text(change.new) or "").splitlines() if line} <= \
        {attachments.LFS_RULE}


# Where the ledger's records live; anything else in the repository is a supervisor's to change.
_RECORDS = ("stewards/", "households/", "keys/", "visits/", "attachments/")


def _both(walk: Walk, tree: Tree, path: str,
          parse: Callable[..., T]) -> tuple[T | None, T | None]:
    """A file as it was before the commit and as it wrote it, parsed; (None, None) when either
    is not a valid ledger file (that is reported as such)."""
    try:
        return walk.parse(path, tree.before(path), parse), walk.parse(path, tree.after(path), parse)
    except FatalError:
        return None, None


def _non_custody_keys(walk: Walk, tree: Tree, state: _State, action: str, paths: list[str],
                      signer: Steward | None, finding: Callable[[str], None]) -> None:
    """A command that is not a custody action may register a key (in the cabinet) or change a
    door code's ciphertext, nothing else: custody is changed only by replayable actions. A
    code is written only by those who may (code_rights), to exactly the recipients recorded."""
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
            continue
        home_path = f"households/{new.household}.yaml"
        home = _household(walk, home_path, tree.before(home_path) or tree.after(home_path))
        if home is not None and signer is not None:
            try:
                code_rights.check_code_change(old, new, home, state.stewards, signer.id, action)
            except Refused as exc:
                finding(exc.message)


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
            signer: Steward, finding: Callable[[str], None], parents: list[str]) -> None:
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
        request = _request(t, signer)
        rules.check_not_backdated(home, request, lambda: tree.times.of(
            [household_path])[household_path] if tree.times.worth_asking(
                request.at, parents) else None, max(tree.clock, request.at))
        outcome = rules.apply(old, home, state.settings.witness if state.settings
                              else rules.WitnessPolicy(), request)
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
