"""Several stewards, one ledger: clone, sync through a shared remote, and the server's guard.

git is the engine; keyledger makes it safe for custody. `sync` fetches, verifies what came in
before moving anything, fast-forwards, and replays this clone's own commits on top of the
shared ledger through the custody rules, re-signed; an operation the rules now refuse (the
other steward took the key first) stops the replay, is explained, and is kept on a branch.
It never pushes after a failed fetch or verify, and never force-pushes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

from keyledger import faults, gitops, rules, statedir, yaml
from keyledger.errors import FatalError, Problem, Refused
from keyledger.gitops import ZERO
from keyledger.i18n import _
from keyledger.identity import acting_steward, keep_movable, refresh_allowed_signers
from keyledger.ledger import SETTINGS, Ledger, locked
from keyledger.model import parse_household, parse_key, parse_settings, parse_steward
from keyledger.timeutil import now, zone
from keyledger.verify import CUSTODY, Finding, Result, _request, verify_range
from keyledger.walk import Blobs

REMOTE, BRANCH = "origin", "main"
TRACKING = f"{REMOTE}/{BRANCH}"
# Where a fetch lands until it is verified; origin/main moves only once it is.
INCOMING = "refs/keyledger/incoming"
T = TypeVar("T")


def default_folder(url: str) -> Path:
    """The folder `git clone URL` would make: the repository's name without `.git`."""
    name = url.rstrip("/").removesuffix("/.git").removesuffix(".git")
    return Path(name.replace(":", "/").rstrip("/").rsplit("/", 1)[-1] or "ledger")


def clone(url: str, path: Path | None, key: str) -> Ledger:
    """A steward's clone in one step: the repository, the signing key, the guard hook."""
    from keyledger.roster import use_key

    path = (path or default_folder(url)).expanduser().resolve()
    if path.exists() and any(path.iterdir()):
        raise FatalError(_("{path} is not empty.").format(path=path))
    result = gitops.run(Path.cwd(), "clone", "-q", "--origin", REMOTE, url, str(path))
    if result.returncode != 0:
        raise FatalError(_("Could not clone {url}: {error}").format(
            url=url, error=_reason(result.stderr)))
    ledger = Ledger(path)
    try:
        use_key(ledger, key)  # the signing key, allowed signers and the pre-push hook
    except FatalError:
        import shutil

        shutil.rmtree(path)
        raise
    return ledger


@dataclass
class Synced:
    fetched: int = 0                    # commits that came in
    replayed: list[str] = field(default_factory=list)
    pushed: bool = False
    conflict_branch: str | None = None
    explanation: str | None = None
    restored: int = 0                   # commits the shared ledger had lost and got back
    resumed: bool = False               # the last sync was interrupted; this one did its work


def _rev(ledger: Ledger, rev: str) -> str | None:
    return gitops.git(ledger.root, "rev-parse", "-q", "--verify", rev + "^{commit}",
                      check=False).strip() or None


def _marker(ledger: Ledger) -> Path:
    """Present from the start of a sync to its end: a sync killed in between leaves it."""
    return ledger.state_dir / "sync-running"


@locked
def sync(ledger: Ledger) -> Synced:
    ledger.check_clean(["."])
    keep_movable(ledger)
    marker = _marker(ledger)
    done = Synced(resumed=marker.exists())
    marker.touch()
    try:
        return _sync(ledger, done)
    finally:  # not reached when the process is killed: then the marker tells the next command
        marker.unlink(missing_ok=True)


def _sync(ledger: Ledger, done: Synced) -> Synced:
    # Into quarantine first: origin/main names only what was verified, never a refused commit.
    fetched = gitops.run(ledger.root, "fetch", "-q", "--prune", "--refmap=", REMOTE,
                         f"+refs/heads/*:{INCOMING}/*")
    if fetched.returncode != 0:
        raise FatalError(_("Could not reach the shared ledger ({error}); nothing was changed or "
                           "pushed. Your own commits stay here until the next sync.").format(
                               error=_reason(fetched.stderr)))
    remote = _rev(ledger, f"{INCOMING}/{BRANCH}")
    local = gitops.head(ledger.root)
    if remote is None:  # an empty shared repository: this clone starts it
        _push(ledger)
        done.pushed = True
        return _stamp(ledger, done)
    base = gitops.git(ledger.root, "merge-base", local or remote, remote, check=False).strip() or None
    if base is None:  # no commit in common: not this ledger (its first commit is another)
        raise FatalError(_("The shared ledger's history does not begin with this clone's first "
                           "commit: it is another ledger, or its history was replaced; nothing "
                           "was changed or pushed."))
    result = Result(root="", root_fingerprint="")
    verify_range(ledger.root, base, remote, result)
    if result.findings:
        raise FatalError(_("The shared ledger has commits that fail verification; nothing was "
                           "changed or pushed."), [_as_problem(f) for f in result.findings])
    done.fetched = result.checked
    previous = _rev(ledger, TRACKING)
    if previous and previous != remote and gitops.run(
            ledger.root, "merge-base", "--is-ancestor", remote, previous).returncode == 0:
        done.restored = len(gitops.git(ledger.root, "rev-list", f"{remote}..{previous}").split())
    gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", remote)
    mine = gitops.git(ledger.root, "rev-list", "--reverse", f"{remote}..{local}").split()
    if not mine:
        if local != remote:
            _move(ledger, local, remote)
        refresh_allowed_signers(ledger)
        return _stamp(ledger, done)
    if base == remote:  # only local commits: nothing to replay
        _push(ledger)
        done.pushed = True
        return _stamp(ledger, done)
    tip = _replay_all(ledger, local, remote, base, mine, done)
    _move(ledger, local, tip)
    refresh_allowed_signers(ledger)
    if done.replayed:
        _push(ledger)
        done.pushed = True
    return _stamp(ledger, done)


def _as_problem(finding: Finding) -> Problem:
    return Problem(finding.commit[:10], None, None, f"{finding.subject}: {finding.message}")


# git's own words around the reason, which say nothing a steward can act on.
_GENERIC = ("failed to push some refs", "Could not read from remote repository",
            "Please make sure you have the correct access rights", "and the repository exists",
            "pre-receive hook declined")


def _reason(stderr: str) -> str:
    """The line of git's error output that says why: the shared ledger's own refusal first,
    then git's rejection or fatal error, never its closing boilerplate."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    refusals = [line.removeprefix("remote:").strip() for line in lines
                if line.startswith("remote:") and "refused" in line]
    if refusals:
        return "; ".join(refusals)
    useful = [line for line in lines if not any(g in line for g in _GENERIC)]
    rejected = [line for line in useful if line.startswith("! [")]
    fatal = [line for line in useful if line.lower().startswith(("fatal:", "error:"))]
    return (rejected or fatal or useful or lines or ["?"])[0]


def _push(ledger: Ledger) -> None:
    faults.point("before-push")
    pushed = gitops.run(ledger.root, "push", "-q", REMOTE, f"HEAD:refs/heads/{BRANCH}")
    if pushed.returncode != 0:
        raise FatalError(_("The shared ledger refused the push ({error}); your commits are safe "
                           "here: run `keyledger sync` again.").format(
                               error=_reason(pushed.stderr)))
    # It holds exactly what this clone verified and pushed: no fetch of anything unverified.
    gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", "HEAD")


def _stamp(ledger: Ledger, done: Synced) -> Synced:
    moment = now(zone(ledger.settings.timezone)).isoformat()
    ledger.write_atomic(str((ledger.state_dir / "last-sync").relative_to(ledger.root)),
                        json.dumps({"at": moment, "pushed": done.pushed}))
    return done


def _move(ledger: Ledger, old: str, new: str) -> None:
    """Bring main and the work tree from `old` to `new` as a keyledger command changes files:
    under the ledger's journal, so that a sync killed at any point leaves the clone either
    entirely at `old` (the next command undoes the half-written files) or entirely at `new`."""
    paths = [p for p in gitops.git(ledger.root, "diff", "--name-only", "--no-renames", "-z",
                                   old, new).split("\0") if p]
    ledger.write_atomic(str(ledger._journal.relative_to(ledger.root)),
                        json.dumps({"head": old, "paths": paths}))
    faults.point("after-journal")
    blobs = Blobs(ledger.root)
    try:
        for path in paths:
            ledger.write_atomic(path, blobs.raw(f"{new}:{path}"))
    finally:
        blobs.close()
    faults.point("after-write")
    if paths:  # with no path at all, reset would move HEAD itself
        gitops.git(ledger.root, "reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul",
                   new, input="\0".join(paths))
    faults.point("after-index")
    gitops.git(ledger.root, "update-ref", "-m", "keyledger: sync", "HEAD", new, old)
    faults.point("after-update-ref")
    ledger._journal.unlink()
    ledger.read_paths.clear()
    ledger.commits_since_graph(int(gitops.git(ledger.root, "rev-list", "--count",
                                              f"{old}..{new}").strip() or 0))


def _replay_all(ledger: Ledger, local: str, remote: str, base: str, mine: list[str],
                done: Synced) -> str:
    """The local commits made again on top of the shared ledger, as commit objects only: the
    clone's main and work tree do not move until `_move`, so a kill here loses nothing."""
    actor = acting_steward(ledger)
    tip = remote
    blobs = Blobs(ledger.root)
    try:
        for sha in mine:
            entry = gitops.log(ledger.root, [], limit=1, rev=sha)[0]
            try:
                tip = _replay_one(ledger, blobs, sha, entry, actor.id, base, remote, tip)
            except FatalError as exc:  # the rules refuse it now, or its files moved on both sides
                _keep(ledger, local, sha, entry, exc.message, base, remote, done)
                break
            done.replayed.append(entry.subject)
            faults.point("after-replay")
    finally:
        blobs.close()
    return tip


def _changed(ledger: Ledger, sha: str) -> list[str]:
    return gitops.git(ledger.root, "diff-tree", "--no-commit-id", "--name-only", "-r",
                      "--no-renames", sha).split()


def _parsed(blobs: Blobs, rev: str, path: str, parse: Callable[[str, str, str], T]) -> T:
    text = blobs.get(rev, path)
    if text is None:
        raise Refused(_("{path} is not on the shared ledger").format(path=path))
    return parse(path, text, Path(path).stem)


def _replay_one(ledger: Ledger, blobs: Blobs, sha: str, entry: gitops.LogEntry, actor: str,
                base: str, remote: str, tip: str) -> str:
    """One local commit made again on `tip`, re-signed, under the rules as they stand there:
    the same rules the shared ledger's guard applies, so what is replayed can be pushed."""
    t = entry.trailers
    if t.get("Steward") != actor:
        raise Refused(_("it was made by {other}, and only they can sign it again").format(
            other=t.get("Steward") or "—"))
    paths = _changed(ledger, sha)
    mine = blobs.get(tip, f"stewards/{actor}.yaml")
    me = parse_steward(f"stewards/{actor}.yaml", mine, actor) if mine is not None else None
    if me is None or not me.active:
        raise Refused(_("{id} is no longer an active steward on the shared ledger").format(
            id=actor))
    if me.role != "supervisor" and any(p.startswith("stewards/") or p == SETTINGS for p in paths):
        raise Refused(_("it changes the roster or the policies, and {id} is no longer a "
                        "supervisor on the shared ledger").format(id=actor))
    blob_ids: dict[str, str | None] = {}
    if t.get("Action") in CUSTODY:
        key_path = f"keys/{t.get('Key', '')}.yaml"
        home_path = f"households/{t.get('Household', '')}.yaml"
        key = _parsed(blobs, tip, key_path, parse_key)
        home = _parsed(blobs, tip, home_path, parse_household)
        settings = parse_settings(SETTINGS, blobs.get(tip, SETTINGS) or "")
        outcome = rules.apply(key, home, settings.witness, _request(t, me))
        blob_ids[key_path] = _blob(ledger, yaml.dump(outcome.key.to_dict()))
        if outcome.household != home:
            blob_ids[home_path] = _blob(ledger, yaml.dump(outcome.household.to_dict()))
    blob_ids.update(_service(ledger, blobs, sha, t, paths, tip, me.role == "supervisor"))
    moved = set(gitops.git(ledger.root, "diff", "--name-only", base, remote, "--", *paths).split())
    for path in paths:
        if path in blob_ids:
            continue
        if path in moved:
            raise Refused(_("{path} was also changed on the shared ledger").format(path=path))
        blob_ids[path] = _rev_of(ledger, f"{sha}:{path}")
    made = _commit(ledger, tip, blob_ids, gitops.git(ledger.root, "log", "-1", "--format=%B", sha))
    # Whatever else the guard would refuse (a pair changed by a steward, an invalid file).
    result = Result(root="", root_fingerprint="")
    verify_range(ledger.root, tip, made, result)
    if result.findings:
        raise Refused(result.findings[0].message)
    return made


def _service(ledger: Ledger, blobs: Blobs, sha: str, t: dict[str, str], paths: list[str],
             tip: str, supervisor: bool) -> dict[str, str | None]:
    """A household's open records as this commit's visit or trailers make them on the shared
    ledger's file (keyledger.service): another steward's request or visit in between is kept,
    and a problem or request they closed first makes this one refused."""
    from keyledger import service
    from keyledger.model import parse_visit

    home_path = f"households/{t.get('Household', '')}.yaml"
    visits = [p for p in paths if p.startswith("visits/")]
    if home_path not in paths or not (visits or t.get("Action") in service.ACTIONS):
        return {}
    home = _parsed(blobs, tip, home_path, parse_household)
    visit = _parsed(blobs, sha, visits[0], parse_visit) if visits else None
    after = service.replay(t.get("Action", ""), t, home, supervisor, visit)
    return {home_path: _blob(ledger, yaml.dump(after.to_dict()))}


def _rev_of(ledger: Ledger, name: str) -> str | None:
    return gitops.git(ledger.root, "rev-parse", "-q", "--verify", name, check=False).strip() or None


def _blob(ledger: Ledger, text: str) -> str:
    return gitops.git(ledger.root, "hash-object", "-w", "--stdin", input=text).strip()


def _commit(ledger: Ledger, parent: str, blob_ids: dict[str, str | None], message: str) -> str:
    """A signed commit of `parent`'s tree with `blob_ids` put in (None removes), made in an
    index of its own: the clone's index and work tree are not touched."""
    import subprocess

    env = dict(os.environ, GIT_INDEX_FILE=str(ledger.state_dir / "sync-index"))

    def plumbing(*args: str, input: str | None = None) -> str:
        done = subprocess.run(["git", "-C", str(ledger.root), *args], input=input, env=env,
                              capture_output=True, text=True, encoding="utf-8")
        if done.returncode != 0:
            raise FatalError(_("git {command} failed: {error}").format(
                command=args[0], error=_reason(done.stderr)))
        return done.stdout.strip()

    plumbing("read-tree", parent)
    plumbing("update-index", "-z", "--index-info", input="".join(
        f"100644 {blob}\t{path}\0" if blob else f"0 {ZERO}\t{path}\0"
        for path, blob in blob_ids.items()))
    tree = plumbing("write-tree")
    signed = gitops.run(ledger.root, "commit-tree", "-S", tree, "-p", parent, "-F", "-",
                        input=message)
    if signed.returncode != 0:
        raise FatalError(_("git could not sign the commit ({error}); check `keyledger whoami` "
                           "and that the signing key is readable or in ssh-agent.").format(
                               error=_reason(signed.stderr)))
    return signed.stdout.strip()


def _branch_name(ledger: Ledger, local: str) -> str:
    """A new conflict branch, named after the ledger's clock; a second
    conflict in the same second gets its own name. A branch an interrupted sync already made
    for these very commits is used again rather than doubled."""
    kept = gitops.git(ledger.root, "for-each-ref", "--format=%(refname:short)", "--points-at",
                      local, "refs/heads/keyledger/").split()
    if kept:
        return kept[0]
    stem = f"keyledger/conflict-{now(zone(ledger.settings.timezone)):%Y%m%d-%H%M%S}"
    branch, n = stem, 1
    while _rev(ledger, f"refs/heads/{branch}"):
        n += 1
        branch = f"{stem}-{n}"
    gitops.git(ledger.root, "branch", branch, local)
    return branch


def _keep(ledger: Ledger, local: str, sha: str, entry: gitops.LogEntry, why: str, base: str,
          remote: str, done: Synced) -> None:
    """Stop: keep this clone's operations on a branch, say what happened on both sides."""
    branch = _branch_name(ledger, local)
    t = entry.trailers
    # What the other side did: to the key first, else to this steward's own roster entry.
    theirs: list[gitops.LogEntry] = []
    for path in ([f"keys/{t['Key']}.yaml"] if t.get("Key") else []) + [
            f"stewards/{t.get('Steward', '')}.yaml", *_changed(ledger, sha)]:
        theirs = theirs or gitops.log(ledger.root, [path], limit=1, rev=f"{base}..{remote}")
    other = (_("On the shared ledger, meanwhile: “{subject}” ({sha}, by {who}). ").format(
        subject=theirs[0].subject, sha=theirs[0].sha[:10], who=theirs[0].trailers.get("Steward", "?"))
        if theirs else "")
    done.conflict_branch = branch
    done.explanation = (
        _("Your “{subject}” ({at}) could not be applied to the shared ledger: {why}. ").format(
            subject=entry.subject, at=t.get("At", entry.committed), why=why.rstrip(".。 "))
        + other
        + _("It and the {n} operation(s) after it are kept on branch {branch} — nothing is "
            "lost — and this clone now shows the shared ledger{plus}. Talk to the other steward, "
            "then record what really happened.").format(
                n=len(gitops.git(ledger.root, "rev-list", f"{sha}..{local}").split()),
                branch=branch,
                plus=_(" with your {k} earlier operation(s) added").format(k=len(done.replayed))
                if done.replayed else ""))
    notes = ledger.state_dir / "conflicts"
    notes.mkdir(exist_ok=True)
    ledger.write_atomic(str((notes / f"{branch.split('/')[-1]}.txt").relative_to(ledger.root)),
                        done.explanation + "\n")


def _conflicts(ledger: Ledger) -> list[dict[str, str]]:
    """The conflict branches still here: each one's operations wait for a steward to look."""
    out = []
    for branch in gitops.git(ledger.root, "for-each-ref", "--format=%(refname:short)",
                             "refs/heads/keyledger/").split():
        note = ledger.state_dir / "conflicts" / f"{branch.split('/')[-1]}.txt"
        out.append({"branch": branch, "explanation": str(note.relative_to(ledger.root))
                    if note.is_file() else ""})
    return out


def sync_state(ledger: Ledger) -> dict[str, object]:
    """How many local commits are not pushed, when the last sync was, and what it left to do:
    conflict branches nobody has looked at, or a sync that was interrupted."""
    remote = _rev(ledger, TRACKING)
    ahead = gitops.git(ledger.root, "rev-list", f"{remote}..HEAD").split() if remote else []
    path = ledger.state_dir / "last-sync"
    try:
        last = json.loads(statedir.text(path) or "{}").get("at")
    except (ValueError, AttributeError):
        last = None  # damaged: said as never synced
    waiting = _conflicts(ledger)
    interrupted = _marker(ledger).exists()
    for c in waiting:
        ledger.notices.append(_(
            "Unresolved sync conflict: operations the shared ledger refused are kept on branch "
            "{branch}; why is in {note}, and `git log -p main..{branch}` shows them. Once you "
            "have recorded what really happened, delete it: `git branch -D {branch}`.").format(
                branch=c["branch"], note=c["explanation"] or "—"))
    if interrupted:
        ledger.notices.append(_("The last `keyledger sync` was interrupted before it finished; "
                                "your own commits are all here. Run `keyledger sync` again."))
    return {"remote": remote is not None, "unpushed": len(ahead), "last_sync": last,
            "unpushed_commits": ahead, "conflicts": waiting, "sync_interrupted": interrupted}
