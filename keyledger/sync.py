"""Several stewards, one ledger: clone, sync through a shared remote, and the server's guard.

git is the engine; keyledger makes it safe for custody. `sync` fetches, verifies what came in
before moving anything, fast-forwards, and replays this clone's own commits on top of the
shared ledger through the custody rules, re-signed; an operation the rules now refuse (the
other steward took the key first) stops the replay, is explained, and is kept on a branch.
It never pushes after a failed fetch or verify, and never force-pushes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from keyledger import gitops, rules, yaml
from keyledger.errors import FatalError, Problem, Refused
from keyledger.i18n import _
from keyledger.identity import acting_steward, refresh_allowed_signers
from keyledger.ledger import Ledger, locked
from keyledger.model import parse_household, parse_key
from keyledger.timeutil import now, zone
from keyledger.verify import CUSTODY, Finding, Result, _request, verify_range

REMOTE, BRANCH = "origin", "main"
TRACKING = f"{REMOTE}/{BRANCH}"


def clone(url: str, path: Path, key: str) -> Ledger:
    """A steward's clone in one step: the repository, the signing key, the guard hook."""
    from keyledger.roster import use_key

    path = path.expanduser().resolve()
    if path.exists() and any(path.iterdir()):
        raise FatalError(_("{path} is not empty.").format(path=path))
    result = gitops.run(Path.cwd(), "clone", "-q", "--origin", REMOTE, url, str(path))
    if result.returncode != 0:
        raise FatalError(_("Could not clone {url}: {error}").format(
            url=url, error=gitops._last_line(result.stderr)))
    ledger = Ledger(path)
    try:
        use_key(ledger, key)
    except FatalError:
        import shutil

        shutil.rmtree(path)
        raise
    hook = ledger.git_dir / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\n# keyledger: nothing unverifiable leaves this clone.\n"
                    f"exec {sys.executable} -m keyledger -C \"$(git rev-parse --show-toplevel)\" "
                    f"verify >&2\n", encoding="utf-8")
    hook.chmod(0o755)
    return ledger


@dataclass
class Synced:
    fetched: int = 0                    # commits that came in
    replayed: list[str] = field(default_factory=list)
    pushed: bool = False
    conflict_branch: str | None = None
    explanation: str | None = None


def _rev(ledger: Ledger, rev: str) -> str | None:
    return gitops.git(ledger.root, "rev-parse", "-q", "--verify", rev + "^{commit}",
                      check=False).strip() or None


@locked
def sync(ledger: Ledger) -> Synced:
    ledger.check_clean(["."])
    fetched = gitops.run(ledger.root, "fetch", "-q", REMOTE)
    if fetched.returncode != 0:
        raise FatalError(_("Could not reach the shared ledger ({error}); nothing was changed or "
                           "pushed. Your own commits stay here until the next sync.").format(
                               error=gitops._last_line(fetched.stderr)))
    remote = _rev(ledger, TRACKING)
    local = gitops.head(ledger.root)
    done = Synced()
    if remote is None:  # an empty shared repository: this clone starts it
        _push(ledger)
        done.pushed = True
        return _stamp(ledger, done)
    base = gitops.git(ledger.root, "merge-base", local or remote, remote, check=False).strip() or None
    result = Result(root="", root_fingerprint="")
    verify_range(ledger.root, base, remote, result)
    if result.findings:
        raise FatalError(_("The shared ledger has commits that fail verification; nothing was "
                           "changed or pushed."), [_as_problem(f) for f in result.findings])
    done.fetched = result.checked
    mine = gitops.git(ledger.root, "rev-list", "--reverse", f"{remote}..{local}").split()
    if not mine:
        if local != remote:
            gitops.git(ledger.root, "merge", "-q", "--ff-only", remote)
        refresh_allowed_signers(ledger)
        return _stamp(ledger, done)
    if base == remote:  # only local commits: nothing to replay
        _push(ledger)
        done.pushed = True
        return _stamp(ledger, done)
    _replay_all(ledger, local, remote, base, mine, done)
    refresh_allowed_signers(ledger)
    if done.replayed:
        _push(ledger)
        done.pushed = True
    return _stamp(ledger, done)


def _as_problem(finding: Finding) -> Problem:
    return Problem(finding.commit[:10], None, None, f"{finding.subject}: {finding.message}")


def _push(ledger: Ledger) -> None:
    pushed = gitops.run(ledger.root, "push", "-q", REMOTE, f"HEAD:refs/heads/{BRANCH}")
    if pushed.returncode != 0:
        raise FatalError(_("The shared ledger refused the push ({error}); your commits are safe "
                           "here: run `keyledger sync` again.").format(
                               error=gitops._last_line(pushed.stderr)))
    gitops.run(ledger.root, "fetch", "-q", REMOTE)


def _stamp(ledger: Ledger, done: Synced) -> Synced:
    moment = now(zone(ledger.settings.timezone)).isoformat()
    ledger.write_atomic(str((ledger.state_dir / "last-sync").relative_to(ledger.root)),
                        json.dumps({"at": moment, "pushed": done.pushed}))
    return done


def _replay_all(ledger: Ledger, local: str, remote: str, base: str, mine: list[str],
                done: Synced) -> None:
    actor = acting_steward(ledger)
    # Until the replay is done, this ref keeps the local commits reachable whatever happens.
    gitops.git(ledger.root, "update-ref", "refs/keyledger/before-sync", local)
    gitops.git(ledger.root, "reset", "-q", "--hard", remote)
    ledger.read_paths.clear()
    for sha in mine:
        entry = gitops.log(ledger.root, [], limit=1, rev=sha)[0]
        try:
            _replay_one(ledger, sha, entry, actor.id, base, remote)
        except FatalError as exc:  # the rules refuse it now, or its files moved on both sides
            _keep(ledger, local, sha, entry, exc.message, base, remote, done)
            break
        done.replayed.append(entry.subject)
    gitops.git(ledger.root, "update-ref", "-d", "refs/keyledger/before-sync")


def _changed(ledger: Ledger, sha: str) -> list[str]:
    return gitops.git(ledger.root, "diff-tree", "--no-commit-id", "--name-only", "-r",
                      "--no-renames", sha).split()


def _replay_one(ledger: Ledger, sha: str, entry: gitops.LogEntry, actor: str, base: str,
                remote: str) -> None:
    t = entry.trailers
    if t.get("Steward") != actor:
        raise Refused(_("it was made by {other}, and only they can sign it again").format(
            other=t.get("Steward") or "—"))
    message = gitops.git(ledger.root, "log", "-1", "--format=%B", sha)
    paths = _changed(ledger, sha)
    files: dict[str, str | bytes | None] = {}
    custody = t.get("Action") in CUSTODY
    key_path = f"keys/{t.get('Key', '')}.yaml"
    if custody:
        home_path = f"households/{t.get('Household', '')}.yaml"
        key = parse_key(key_path, ledger.read_text(key_path), t.get("Key", ""))
        home = parse_household(home_path, ledger.read_text(home_path), t.get("Household", ""))
        me = ledger.steward(actor)
        if not me.active:
            raise Refused(_("{id} is no longer an active steward on the shared ledger").format(
                id=actor))
        outcome = rules.apply(key, home, ledger.settings.witness, _request(t, me))
        files[key_path] = yaml.dump(outcome.key.to_dict())
        if outcome.household != home:
            files[home_path] = yaml.dump(outcome.household.to_dict())
    moved = set(gitops.git(ledger.root, "diff", "--name-only", base, remote, "--", *paths).split())
    for path in paths:
        if path in files:
            continue
        if path in moved:
            raise Refused(_("{path} was also changed on the shared ledger").format(path=path))
        blob = gitops.run(ledger.root, "cat-file", "-e", f"{sha}:{path}")
        files[path] = _bytes(ledger, sha, path) if blob.returncode == 0 else None
    ledger.change(files, message)


def _bytes(ledger: Ledger, sha: str, path: str) -> bytes:
    import subprocess

    return subprocess.run(["git", "-C", str(ledger.root), "cat-file", "blob", f"{sha}:{path}"],
                          capture_output=True, check=True).stdout


def _keep(ledger: Ledger, local: str, sha: str, entry: gitops.LogEntry, why: str, base: str,
          remote: str, done: Synced) -> None:
    """Stop: keep this clone's operations on a branch, say what happened on both sides."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    branch = f"keyledger/conflict-{stamp}"
    gitops.git(ledger.root, "branch", "-f", branch, local)
    t = entry.trailers
    theirs = gitops.log(ledger.root, [f"keys/{t.get('Key', '')}.yaml"] if t.get("Key") else [],
                        limit=1, rev=f"{base}..{remote}") if t.get("Key") else []
    other = (_("On the shared ledger, meanwhile: “{subject}” ({sha}, by {who}). ").format(
        subject=theirs[0].subject, sha=theirs[0].sha[:10], who=theirs[0].trailers.get("Steward", "?"))
        if theirs else "")
    done.conflict_branch = branch
    done.explanation = (
        _("Your “{subject}” ({at}) could not be applied to the shared ledger: {why}. ").format(
            subject=entry.subject, at=t.get("At", entry.committed), why=why)
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
    (notes / f"{branch.split('/')[-1]}.txt").write_text(done.explanation + "\n", encoding="utf-8")


def sync_state(ledger: Ledger) -> dict[str, object]:
    """How many local commits are not pushed, and when the last sync was."""
    remote = _rev(ledger, TRACKING)
    ahead = gitops.git(ledger.root, "rev-list", f"{remote}..HEAD").split() if remote else []
    path = ledger.state_dir / "last-sync"
    last = json.loads(path.read_text(encoding="utf-8")).get("at") if path.is_file() else None
    return {"remote": remote is not None, "unpushed": len(ahead), "last_sync": last,
            "unpushed_commits": ahead}


def install_server_hook(bare: Path) -> Path:
    """A pre-receive hook in the shared bare repository that refuses what verify would flag."""
    bare = bare.expanduser().resolve()
    if gitops.run(bare, "rev-parse", "--is-bare-repository").stdout.strip() != "true":
        raise FatalError(_("{path} is not a bare git repository.").format(path=bare))
    hook = bare / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\n# keyledger: the shared ledger's guard (keyledger hook install-server)\n"
                    f"exec {sys.executable} -m keyledger.server_hook\n", encoding="utf-8")
    hook.chmod(0o755)
    gitops.git(bare, "config", "receive.denyNonFastForwards", "true")
    gitops.git(bare, "config", "receive.denyDeletes", "true")
    return hook
