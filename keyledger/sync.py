"""Several stewards, one ledger: clone, sync through a shared remote, and the server's guard.

git is the engine; keyledger makes it safe for custody. `sync` fetches, verifies what came in
before moving anything, fast-forwards, and replays this clone's own commits on top of the
shared ledger through the custody rules, re-signed; an operation the rules now refuse (the
other steward took the key first) stops the replay, is explained, and is kept on a branch.
It never pushes after a failed fetch or verify, and never force-pushes.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from keyledger import faults, gitops, statedir
from keyledger.conflicts import BRANCHES, keep, names, note_path
from keyledger.errors import FatalError, Problem, SigningFailed
from keyledger.i18n import _
from keyledger.identity import acting_steward, keep_movable, refresh_allowed_signers
from keyledger.ledger import Ledger, take_flock
from keyledger.replay import move, replay_one
from keyledger.timeutil import now, zone
from keyledger.verify import Finding, Result, verify_range
from keyledger.walk import Blobs

REMOTE, BRANCH = "origin", "main"
TRACKING = f"{REMOTE}/{BRANCH}"
# Where a fetch lands until it is verified; origin/main moves only once it is.
INCOMING = "refs/keyledger/incoming"


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
            url=url, error=gitops.error_reason(result.stderr)))
    ledger = Ledger(path)
    try:
        use_key(ledger, key)  # the signing key, allowed signers and the pre-push hook
    except FatalError:
        import shutil

        shutil.rmtree(path)
        raise
    _stamp(ledger, Synced())  # as shared as a sync would leave it
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


class Unreachable(FatalError):
    """The shared ledger could not be reached (offline, or no answer in time)."""


class Busy(FatalError):
    """Another sync of this clone is under way."""


@contextmanager
def _one_sync(ledger: Ledger, wait: float) -> Iterator[None]:
    """One sync at a time per clone, apart from the ledger's lock: a sync waiting on the network
    must not keep the steward's next record waiting."""
    with open(ledger.state_dir / "sync.lock", "w") as handle:
        if not take_flock(handle, wait):
            raise Busy(_("Another sync of this ledger is under way; try again in a moment."))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(ledger: Ledger, timeout: float | None = None, wait: float = 60.0,
         background: bool = False) -> Synced:
    """Fetch, verify, replay this clone's own commits, push. With `timeout`, each exchange with
    the shared ledger is given that many seconds at most. What it found is kept for `status`
    and for the next command to tell (`keyledger.autoshare`)."""
    from keyledger import autoshare

    with _one_sync(ledger, wait):
        try:
            done = _sync(ledger, timeout)
        except FatalError as exc:
            if not isinstance(exc, Busy):
                autoshare.record(ledger, exc, None, told=not background)
            raise
        autoshare.record(ledger, None, done, told=not background)
        return done


def _sync(ledger: Ledger, timeout: float | None) -> Synced:
    marker = _marker(ledger)
    done = Synced(resumed=marker.exists())
    marker.touch()
    deadline = None if timeout is None else time.monotonic() + timeout
    # Into quarantine first: origin/main names only what was verified, never a refused commit.
    fetched = gitops.run_bounded(ledger.root, "fetch", "-q", "--prune", "--refmap=", REMOTE,
                                 f"+refs/heads/*:{INCOMING}/*", timeout=timeout)
    if fetched.returncode != 0:
        marker.unlink(missing_ok=True)  # nothing was done: nothing was interrupted
        raise Unreachable(_("Could not reach the shared ledger ({error}); nothing was changed or "
                            "pushed. Your own commits stay here until the next sync.").format(
                                error=gitops.error_reason(fetched.stderr)))
    with ledger.lock():
        ledger.check_clean(["."])
        keep_movable(ledger)
        tip = _integrate(ledger, done)
    if tip is not None:
        push(ledger, tip, None if deadline is None else deadline - time.monotonic())
        done.pushed = True
    _stamp(ledger, done)
    marker.unlink(missing_ok=True)  # not reached when the process is killed: the marker tells
    return done


def _integrate(ledger: Ledger, done: Synced) -> str | None:
    """Verify what came in, bring this clone onto it with its own commits replayed on top;
    the commit to push, if any."""
    remote = _rev(ledger, f"{INCOMING}/{BRANCH}")
    local = gitops.head(ledger.root)
    if remote is None or local is None:  # an empty shared repository: this clone starts it
        return local
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
    mine = gitops.git(ledger.root, "rev-list", "--reverse", f"{remote}..{local}").split()
    if not mine:
        gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", remote)
        if local != remote:
            move(ledger, local, remote)
        refresh_allowed_signers(ledger)
        return None
    if base == remote:  # only local commits: nothing to replay
        gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", remote)
        return local
    # Commit objects only: a signing failure here leaves the clone exactly as it was.
    from keyledger.signing import ready

    ready(ledger, ledger.passphrase)  # a key with a passphrase: asked once, not per commit
    tip = _replay_all(ledger, local, remote, base, mine, done)
    gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", remote)
    move(ledger, local, tip)
    refresh_allowed_signers(ledger)
    return tip if done.replayed else None


def _as_problem(finding: Finding) -> Problem:
    return Problem(finding.commit[:10], None, None, f"{finding.subject}: {finding.message}")


def push(ledger: Ledger, tip: str, timeout: float | None) -> None:
    """`tip` becomes the shared ledger's main (a fast-forward, through its guard)."""
    faults.point("before-push")
    pushed = gitops.run_bounded(ledger.root, "push", "-q", REMOTE, f"{tip}:refs/heads/{BRANCH}",
                                timeout=timeout)
    if pushed.returncode == 124:
        raise Unreachable(_("The shared ledger did not answer in time; your records are safe "
                            "here and go with the next sync."))
    if pushed.returncode != 0:
        raise FatalError(_("The shared ledger refused the push ({error}); your commits are safe "
                           "here: run `keyledger sync` again.").format(
                               error=gitops.error_reason(pushed.stderr)))
    # It holds exactly what this clone verified and pushed: no fetch of anything unverified.
    gitops.git(ledger.root, "update-ref", f"refs/remotes/{TRACKING}", tip)


def _stamp(ledger: Ledger, done: Synced) -> None:
    moment = now(zone(ledger.settings.timezone)).isoformat()
    ledger.write_atomic(str((ledger.state_dir / "last-sync").relative_to(ledger.root)),
                        json.dumps({"at": moment, "pushed": done.pushed}))


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
            message = gitops.git(ledger.root, "log", "-1", "--format=%B", sha)
            try:
                tip = replay_one(ledger, blobs, sha, entry.trailers, message, actor.id, base,
                                 remote, tip)
            except SigningFailed:
                raise  # this clone's own problem: nothing moves, no conflict is made
            except FatalError as exc:  # the rules refuse it now, or its files moved on both sides
                done.conflict_branch, done.explanation = keep(
                    ledger, local, sha, entry, exc.message, base, remote, len(done.replayed))
                break
            done.replayed.append(entry.subject)
            faults.point("after-replay")
    finally:
        blobs.close()
    return tip


def sync_state(ledger: Ledger) -> dict[str, object]:
    """How many local commits are not pushed, when the last sync was, and what it left to do:
    conflict branches nobody has looked at, or a sync that was interrupted."""
    from keyledger.autoshare import last_attempt

    remote = _rev(ledger, TRACKING)
    ahead = gitops.git(ledger.root, "rev-list", f"{remote}..HEAD").split() if remote else []
    path = ledger.state_dir / "last-sync"
    try:
        last = json.loads(statedir.text(path) or "{}").get("at")
    except (ValueError, AttributeError):
        last = None  # damaged: said as never synced
    # Since when: the oldest record the shared ledger has not seen.
    # The commit's date is in the machine's time zone; it is said in the ledger's, as the
    # last sync and the last attempt are.
    since = datetime.fromisoformat(gitops.git(
        ledger.root, "show", "-s", "--format=%cI", ahead[-1]).strip()).astimezone(
            zone(ledger.settings.timezone)).isoformat() if ahead else None
    attempt = last_attempt(ledger) if remote else None
    waiting = [{"name": name, "branch": BRANCHES + name,
                "explanation": str(note_path(ledger, name).relative_to(ledger.root))}
               for name in names(ledger)]
    interrupted = _marker(ledger).exists()
    for c in waiting:
        ledger.notices.append(_(
            "Unresolved conflict {name}: operations the shared ledger refused wait here. "
            "`keyledger conflict show {name}` says what they are; then `keyledger conflict redo "
            "{name}` records them again, or `keyledger conflict drop {name}` drops them.").format(
                name=c["name"]))
    if interrupted:
        ledger.notices.append(_("The last `keyledger sync` was interrupted before it finished; "
                                "your own commits are all here. Run `keyledger sync` again."))
    return {"remote": remote is not None, "unpushed": len(ahead), "unpushed_since": since,
            "last_sync": last, "last_attempt": {k: attempt.get(k) for k in ("at", "kind")}
            if attempt else None, "unpushed_commits": ahead, "conflicts": waiting,
            "sync_interrupted": interrupted}
