"""Operations made again on another commit: `sync` replays a clone's own commits on top of the
shared ledger, `conflict redo` a conflict's operations on today's ledger.

Custody commits go through the custody rules from their trailers; other commits carry their
files, if nobody else changed them meanwhile. Each is re-signed and checked by `verify`'s own
rules (those of the shared ledger's guard), as commit objects only: the clone's main and work
tree move once, at the end (`move`), under the ledger's journal.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Callable, TypeVar

from keyledger import faults, gitops, rules, yaml
from keyledger.errors import FatalError, Refused, SigningFailed
from keyledger.gitops import ZERO
from keyledger.i18n import _
from keyledger.people import People
from keyledger.ledger import SETTINGS, Ledger
from keyledger.model import parse_household, parse_key, parse_settings, parse_steward
from keyledger.verify import CUSTODY, Result, _request, verify_range
from keyledger.walk import Blobs

T = TypeVar("T")


def changed(ledger: Ledger, sha: str) -> list[str]:
    return gitops.git(ledger.root, "diff-tree", "--no-commit-id", "--name-only", "-r",
                      "--no-renames", sha).split()


def _parsed(blobs: Blobs, rev: str, path: str, parse: Callable[[str, str, str], T]) -> T:
    text = blobs.get(rev, path)
    if text is None:
        raise Refused(_("{path} is not on the shared ledger").format(path=path))
    return parse(path, text, Path(path).stem)


def replay_one(ledger: Ledger, blobs: Blobs, sha: str, t: dict[str, str], message: str,
               actor: str, base: str, remote: str, tip: str) -> str:
    """One local commit made again on `tip`, re-signed, under the rules as they stand there:
    the same rules the shared ledger's guard applies, so what is replayed can be pushed. `t`
    and `message` are its trailers and message, as recorded or as `conflict redo` dates them."""
    if t.get("Steward") != actor:
        raise Refused(_("it was made by {other}, and only they can sign it again").format(
            other=t.get("Steward") or "—"))
    paths = changed(ledger, sha)
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
        # A refusal read by the steward who redoes a conflict names people by name and phone.
        request = replace(_request(t, me), people=People(ledger))
        outcome = rules.apply(key, home, settings.witness, request)
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
    made = _commit(ledger, tip, blob_ids, message)
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
    # A visit's household is made again even when the visit changed nothing of it here: on
    # the shared ledger, what it finds or puts right may open or close a record.
    if not visits and (home_path not in paths or t.get("Action") not in service.ACTIONS):
        return {}
    home = _parsed(blobs, tip, home_path, parse_household)
    visit = _parsed(blobs, sha, visits[0], parse_visit) if visits else None
    after = service.replay(t.get("Action", ""), t, home, supervisor, visit)
    if after == home:  # the shared ledger's file as it is, not this clone's
        return {home_path: _rev_of(ledger, f"{tip}:{home_path}")} if home_path in paths else {}
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
                command=args[0], error=gitops.error_reason(done.stderr)))
        return done.stdout.strip()

    plumbing("read-tree", parent)
    plumbing("update-index", "-z", "--index-info", input="".join(
        f"100644 {blob}\t{path}\0" if blob else f"0 {ZERO}\t{path}\0"
        for path, blob in blob_ids.items()))
    tree = plumbing("write-tree")
    signed = gitops.run(ledger.root, "commit-tree", "-S", tree, "-p", parent, "-F", "-",
                        input=message)
    if signed.returncode != 0:
        raise SigningFailed(_("Your records could not be signed again on top of the shared "
                              "ledger ({error}); nothing was changed or shared. Check `keyledger "
                              "whoami`, and that your key is readable or in ssh-agent.").format(
                                  error=gitops.error_reason(signed.stderr)))
    return signed.stdout.strip()


def move(ledger: Ledger, old: str, new: str, reason: str = "sync") -> None:
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
    gitops.git(ledger.root, "update-ref", "-m", f"keyledger: {reason}", "HEAD", new, old)
    faults.point("after-update-ref")
    ledger._journal.unlink()
    ledger.read_paths.clear()
    ledger.commits_since_graph(int(gitops.git(ledger.root, "rev-list", "--count",
                                              f"{old}..{new}").strip() or 0))
