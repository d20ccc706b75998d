"""The trust rules of one commit that stand beside the custody replay in `verify` (and so in
the server hook and `sync`'s replay, which walk with it): time order, files that are evidence
or that act on a machine, visits, confirmations. Each returns what it finds, as sentences.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from keyledger import attachments, gitops, rules, service, time_order
from keyledger.errors import FatalError, Refused
from keyledger.i18n import _
from keyledger.model import Steward, Visit, parse_visit

if TYPE_CHECKING:
    from keyledger.walk import Change, Commit, Tree, Walk


# The actions whose `At` is the moment in the world they record (see `times`).
_EVENTS = frozenset((*rules.ACTIONS, "visit", "confirm", *service.ACTIONS))


def times(tree: Tree, commit: Commit, clock: datetime, ahead: timedelta | None) -> list[str]:
    """Nothing dated more than `ahead` past this machine's clock (when it is the server's);
    a household's file changed in time order."""
    found = []
    for when in {commit.when, datetime.fromisoformat(commit.committed)} if ahead else ():
        problem = time_order.ahead(when, clock, ahead)
        if problem:
            found.append(problem)
    homes = [c.path for c in commit.changes if c.path.startswith("households/")]
    # An event that says when it happened in the world (a checkout, a visit, an owner's request,
    # made offline) may be recorded after later changes of the file, and is replayed so by sync;
    # its order is its key's (rules.check_order) and the forbidding change's (check_not_backdated),
    # and what it may write to the household file is what its trailers explain (verify._service).
    # An edit's moment is its commit's own, whatever trailer it carries: that one comes in order.
    if commit.trailers.get("Action") in _EVENTS or not homes or \
            not tree.times.worth_asking(commit.when, commit.parents):
        return found
    for path, last in tree.times.of(homes).items():
        if time_order.out_of_order(commit.when, last):
            found.append(_("it changes {household} dated {when}, before that household's previous "
                           "change ({last}): a household's events come in time order").format(
                               household=Path(path).stem,
                               when=commit.when.isoformat(timespec="minutes"),
                               last=last.isoformat(timespec="minutes") if last else "—"))
    return found


def files(walk: Walk, commit: Commit, supervisor: bool) -> list[str]:
    """No symbolic link and no other repository anywhere; attachments as evidence."""
    found = []
    for change in commit.changes:
        if change.new is not None and change.mode in ("120000", "160000"):
            found.append(_("it writes {path} as a symbolic link (or another repository); a "
                           "ledger holds plain files only").format(path=change.path))
        elif change.path.startswith(attachments.FOLDER + "/"):
            problem = _attachment(walk, change, supervisor)
            if problem:
                found.append(problem)
    return found


def _attachment(walk: Walk, change: Change, supervisor: bool) -> str | None:
    """Attachments are evidence: added once under the name of their content's sha256, never
    changed; removing one (a photo that should not have been taken) is a supervisor's."""
    stem = attachments.name_digest(change.path)
    if stem is None:
        return _("it writes {path}, which is not an attachment: attachments/ holds only "
                 "<sha256>.<ext> files").format(path=change.path)
    if change.new is not None:
        if change.old is not None:
            return _("it changes the attachment {path}; an attachment is written once and never "
                     "changed").format(path=change.path)
        digest = walk.digests.get(change.new)
        if digest != stem:
            return _("it adds {path}, whose content does not match its name (sha256 {digest})"
                     ).format(path=change.path, digest=(digest or "?")[:12])
        return None
    if not supervisor:
        return _("it removes the attachment {path}, which only a supervisor may do").format(
            path=change.path)
    return None


def visits(walk: Walk, tree: Tree, commit: Commit, signer: Steward | None,
           supervisor: bool) -> list[str]:
    """A visit is recorded by one of the stewards who made it, or entered by a supervisor; by
    a visit's commit or a return's, one visit a commit, at a household of the ledger; and its
    commit's trailers say what its file says (`git log --grep`, the history, the event index
    and a conflict's explanation read them)."""
    found = []
    added = [c for c in commit.changes if c.path.startswith("visits/") and c.old is None
             and c.new is not None]
    if len(added) > 1:
        found.append(_("it adds {n} visits; a commit records one visit").format(n=len(added)))
    for change in added:
        try:
            visit = walk.parse(change.path, change.new, parse_visit)
        except FatalError:
            continue  # reported as an invalid file
        if visit is None:
            continue
        if signer is not None:
            try:
                rules.check_visit_author(visit, rules.Actor(signer.id, supervisor))
            except Refused as exc:
                found.append(exc.message)
        found += _visit_told(tree, commit.trailers, visit)
    return found


def _visit_told(tree: Tree, t: dict[str, str], visit: Visit) -> list[str]:
    action = t.get("Action")
    if action not in ("visit", "return"):
        return [_("it adds the visit {id} as a {action} commit, which only a visit or a return "
                  "records").format(id=visit.id, action=action or "—")]
    if tree.after(f"households/{visit.household}.yaml") is None:
        return [_("it records a visit at {household}, which is not in the ledger").format(
            household=visit.household)]
    truth = {"Visit": visit.id, "Household": visit.household,
             **dict(service.visit_trailers(visit, returned=action == "return"))}
    if action == "visit":  # the event index reads a visit from these (event_rows)
        truth.update(Purpose=visit.purpose, At=visit.started.isoformat(),
                     With=",".join(visit.stewards[1:]))
    else:
        truth["Key"] = visit.key or ""
    found = []
    for name, value in truth.items():
        said = t.get(name, "")
        if name == "At" and said:
            try:
                same = datetime.fromisoformat(said) == visit.started
            except (ValueError, TypeError):
                same = False
        else:
            same = said == value
        if not same:
            found.append(_("its trailers say {name} {said}, but the visit it adds says {value}")
                         .format(name=name, said=said or "—", value=value or "—"))
    return found


def confirmation(root: Path, commit: Commit, signer: Steward | None) -> list[str]:
    """A confirmation is the witness's own: an empty commit, signed by the steward its
    confirmed checkout, return or handover names as witness, after that commit; no other
    commit carries `Keyledger-Confirms`."""
    t = commit.trailers
    if t.get("Action") != "confirm":
        return [_("it carries a Keyledger-Confirms trailer, which only a witness's own confirm "
                  "commit does")] if t.get("Confirms") else []
    if not commit.parents or signer is None:
        return []
    found = []
    confirmed = t.get("Confirms", "")
    if commit.changes:
        found.append(_("a confirm commit changes no file, but it changes {paths}").format(
            paths=", ".join(c.path for c in commit.changes[:3])))
    earlier = len(confirmed) in (40, 64) and gitops.run(
        root, "merge-base", "--is-ancestor", confirmed, commit.parents[0]).returncode == 0
    if not earlier:
        return found + [_("it confirms {sha}, which is not a commit before it").format(
            sha=confirmed[:10] or "—")]
    named = gitops.parse_trailers(gitops.git(root, "log", "-1", "--format=%(trailers:only,unfold)",
                                             confirmed))
    try:
        rules.check_confirm(named, rules.Actor(signer.id))
    except Refused:
        found.append(_("it confirms {sha}, which only the witness named in it ({witness}) may "
                       "confirm, not {id}").format(sha=confirmed[:10], id=signer.id,
                                                   witness=named.get("Witness") or "—"))
    return found
