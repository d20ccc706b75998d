"""Conflicts: operations a sync could not apply to the shared ledger, kept for a steward.

A conflict is a branch `keyledger/conflict-<time>` at this clone's commits as they stood when
`sync` stopped, with its explanation in `.git/keyledger/conflicts/<time>.txt`; `<time>` is its
name. Its operations are the branch's commits that today's ledger does not hold — by message:
`sync` replays with the same message what it could apply. `conflict list` and `show` say what
each holds; `drop` takes a conflict away (kept under `refs/keyledger/dropped/`, out of sight);
`redo` records its operations again on today's ledger, dated now, when the rules now allow them:
all of them, or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ids import nearest
from keyledger.ledger import Ledger, locked
from keyledger.replay import changed
from keyledger.timeutil import now, zone

BRANCHES = "keyledger/conflict-"


@dataclass(frozen=True)
class Operation:
    sha: str
    subject: str
    trailers: dict[str, str]
    message: str


@dataclass(frozen=True)
class Conflict:
    name: str
    branch: str
    explanation: str
    operations: list[Operation]

    @property
    def made(self) -> datetime | None:
        """When the sync that kept it ran, from its name (the ledger's clock then)."""
        try:
            return datetime.strptime(self.name[:15], "%Y%m%d-%H%M%S")
        except ValueError:
            return None


def note_path(ledger: Ledger, name: str) -> Path:
    folder = ledger.state_dir / "conflicts"
    folder.mkdir(exist_ok=True)
    return folder / f"conflict-{name}.txt"


def _branch_name(ledger: Ledger, local: str) -> str:
    """A new conflict branch, named after the ledger's clock; a second
    conflict in the same second gets its own name. A branch an interrupted sync already made
    for these very commits is used again rather than doubled."""
    kept = gitops.git(ledger.root, "for-each-ref", "--format=%(refname:short)", "--points-at",
                      local, "refs/heads/keyledger/").split()
    if kept:
        return kept[0]
    stem = f"{BRANCHES}{now(zone(ledger.settings.timezone)):%Y%m%d-%H%M%S}"
    branch, n = stem, 1
    while gitops.git(ledger.root, "rev-parse", "-q", "--verify", f"refs/heads/{branch}",
                     check=False).strip():
        n += 1
        branch = f"{stem}-{n}"
    gitops.git(ledger.root, "branch", branch, local)
    return branch


def keep(ledger: Ledger, local: str, sha: str, entry: gitops.LogEntry, why: str, base: str,
         remote: str, replayed: int) -> tuple[str, str]:
    """Stop a sync: keep this clone's operations as a conflict, and say what happened on both
    sides. Returns the conflict's branch and that explanation."""
    branch = _branch_name(ledger, local)
    t = entry.trailers
    # What the other side did: to the key first, else to this steward's own roster entry.
    theirs: list[gitops.LogEntry] = []
    for path in ([f"keys/{t['Key']}.yaml"] if t.get("Key") else []) + [
            f"stewards/{t.get('Steward', '')}.yaml", *changed(ledger, sha)]:
        theirs = theirs or gitops.log(ledger.root, [path], limit=1, rev=f"{base}..{remote}")
    other = (_("On the shared ledger, meanwhile: “{subject}” ({who}, {at}). ").format(
        subject=theirs[0].subject, who=_name(ledger, theirs[0].trailers.get("Steward", "?")),
        at=_moment(ledger, theirs[0].trailers.get("At") or theirs[0].committed))
        if theirs else "")
    name = branch.removeprefix(BRANCHES)
    explanation = (
        _("Your “{subject}” ({at}) could not be applied to the shared ledger: {why}. ").format(
            subject=entry.subject, at=_moment(ledger, t.get("At") or entry.committed),
            why=why.rstrip(".。 "))
        + other
        + _("It and the {n} operation(s) after it are kept as conflict {name} — nothing is "
            "lost — and this clone now shows the shared ledger{plus}. Talk to the other steward; "
            "then `keyledger conflict redo {name}` records them again once the rules allow, or "
            "`keyledger conflict drop {name}` drops them.").format(
                n=len(gitops.git(ledger.root, "rev-list", f"{sha}..{local}").split()),
                name=name,
                plus=_(" with your {k} earlier operation(s) added").format(k=replayed)
                if replayed else ""))
    ledger.write_atomic(str(note_path(ledger, name).relative_to(ledger.root)), explanation + "\n")
    return branch, explanation


def _name(ledger: Ledger, ident: str) -> str:
    """A steward as the explanation names them: by name (the id when the roster has none)."""
    try:
        return ledger.steward(ident).name
    except FatalError:
        return ident


def _moment(ledger: Ledger, text: str | datetime) -> str:
    """A commit's time in the ledger's zone, as a person reads it (2026-11-25 09:05)."""
    try:
        moment = text if isinstance(text, datetime) else datetime.fromisoformat(text)
        return f"{moment.astimezone(zone(ledger.settings.timezone)):%Y-%m-%d %H:%M}"
    except (ValueError, FatalError):
        return str(text)


def names(ledger: Ledger) -> list[str]:
    return [ref.removeprefix(BRANCHES) for ref in gitops.git(
        ledger.root, "for-each-ref", "--format=%(refname:short)",
        f"refs/heads/{BRANCHES}*").split()]


def _operations(ledger: Ledger, branch: str) -> list[Operation]:
    """The branch's commits that today's ledger does not hold, oldest first."""
    def commits(rev: str) -> list[tuple[str, str]]:
        out = gitops.git(ledger.root, "log", "--reverse", "--format=%H%x1f%B%x1e", rev)
        return [tuple(r.strip("\n").split("\x1f", 1)) for r in out.split("\x1e")  # type: ignore[misc]
                if r.strip()]

    held = {message.strip() for _sha, message in commits(f"{branch}..HEAD")}
    return [Operation(sha, message.strip().splitlines()[0], gitops.parse_trailers(message),
                      message.strip() + "\n")
            for sha, message in commits(f"HEAD..{branch}") if message.strip() not in held]


def conflicts(ledger: Ledger) -> list[Conflict]:
    return [get(ledger, name) for name in names(ledger)]


def get(ledger: Ledger, name: str | None) -> Conflict:
    """A conflict by its name (`20261125-140000`, also as `conflict-…` or its branch); without
    a name, the only one there is."""
    known = names(ledger)
    if name is None:
        if len(known) != 1:
            raise FatalError(_("There are {n} conflicts here; name one: {names}.").format(
                n=len(known), names=", ".join(known) or "—") if known else
                _("There is no conflict here: everything of yours was shared."))
        name = known[0]
    name = name.removeprefix("refs/heads/").removeprefix("keyledger/").removeprefix("conflict-")
    if name not in known:
        close = nearest(name, known)
        raise FatalError(_("There is no conflict {name!r} here.").format(name=name)
                         + (_(" Did you mean: {ids}?").format(ids=", ".join(close)) if close
                            else _(" `keyledger conflict list` shows them.")))
    note = note_path(ledger, name)
    return Conflict(name, BRANCHES + name,
                    note.read_text(encoding="utf-8").strip() if note.is_file() else "",
                    _operations(ledger, BRANCHES + name))


def _put_away(ledger: Ledger, conflict: Conflict, where: str) -> None:
    """The branch and its note go; its commits stay reachable under refs/keyledger/, which no
    listing shows, for an expert who needs them again."""
    tip = gitops.git(ledger.root, "rev-parse", f"refs/heads/{conflict.branch}").strip()
    gitops.git(ledger.root, "update-ref", f"refs/keyledger/{where}/{conflict.name}", tip)
    gitops.git(ledger.root, "update-ref", "-d", f"refs/heads/{conflict.branch}", tip)
    note_path(ledger, conflict.name).unlink(missing_ok=True)


@locked
def drop(ledger: Ledger, name: str | None) -> Conflict:
    conflict = get(ledger, name)
    _put_away(ledger, conflict, "dropped")
    return conflict


def _redated(op: Operation, moment: datetime) -> tuple[dict[str, str], str]:
    """A custody operation's trailers and message dated `moment`, its expected return as far
    after it as it was; the time first recorded is kept in `Keyledger-Redone-From`."""
    t = dict(op.trailers)
    first = t.get("At")
    if not first:
        return t, op.message
    t["At"] = moment.isoformat()
    if t.get("Expected-Back"):
        t["Expected-Back"] = (moment + (datetime.fromisoformat(t["Expected-Back"])
                                        - datetime.fromisoformat(first))).isoformat()
    lines = []
    for line in op.message.rstrip("\n").split("\n"):
        name = line.partition(": ")[0].removeprefix(gitops.TRAILER_PREFIX)
        if line.startswith(gitops.TRAILER_PREFIX) and name in ("At", "Expected-Back"):
            line = f"{gitops.TRAILER_PREFIX}{name}: {t[name]}"
        lines.append(line)
    lines.append(f"{gitops.TRAILER_PREFIX}Redone-From: {first}")
    t["Redone-From"] = first
    return t, "\n".join(lines) + "\n"


@locked
def redo(ledger: Ledger, name: str | None) -> Conflict:
    """The conflict's operations made again on today's ledger, dated now, all or none."""
    from keyledger.errors import SigningFailed
    from keyledger.identity import acting_steward, refresh_allowed_signers
    from keyledger.replay import move, replay_one
    from keyledger.signing import ready
    from keyledger.verify import CUSTODY
    from keyledger.walk import Blobs

    conflict = get(ledger, name)
    head = ledger.check_clean(["."])
    if not conflict.operations or head is None:
        _put_away(ledger, conflict, "redone")
        return conflict
    actor = acting_steward(ledger)
    ready(ledger, ledger.passphrase)  # a key with a passphrase: asked once, not per operation
    moment = now(zone(ledger.settings.timezone))
    base = gitops.git(ledger.root, "merge-base", head, conflict.branch).strip()
    tip = head
    blobs = Blobs(ledger.root)
    try:
        for op in conflict.operations:
            t, message = _redated(op, moment) if op.trailers.get("Action") in CUSTODY else \
                (op.trailers, op.message)
            try:
                tip = replay_one(ledger, blobs, op.sha, t, message, actor.id, base, head, tip)
            except SigningFailed:
                raise
            except FatalError as exc:
                raise FatalError(_("“{subject}” cannot be recorded on today's ledger: {why}. "
                                   "Nothing was recorded; conflict {name} is kept (`keyledger "
                                   "conflict drop {name}` drops it).").format(
                                       subject=op.subject, why=exc.message.rstrip(".。 "),
                                       name=conflict.name))
    finally:
        blobs.close()
    move(ledger, head, tip, "conflict redo")
    refresh_allowed_signers(ledger)
    _put_away(ledger, conflict, "redone")
    ledger.committed.append(tip)  # shared next, as any record
    return conflict
