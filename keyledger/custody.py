"""Custody commands — checkout, return, handover, lost, found, handback, reserve, confirm —
what is out now, and the custody record read from git."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from keyledger import gitops, rules, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward, private_key_path
from keyledger.ids import check_id
from keyledger.ledger import Ledger, locked, unknown
from keyledger.model import Key, Reservation, Steward, Visit
from keyledger.rules import Actor, Outcome, Request
from keyledger.people import People
from keyledger.subjects import subject
from keyledger.timeutil import now, parse_datetime, parse_when, zone

# A purpose missing from the ledger's policies still gets a deadline, so nothing is out forever.
_FALLBACK_EXPECTED_BACK = timedelta(hours=2)


@dataclass(frozen=True)
class Done:
    outcome: Outcome
    sha: str
    actor: Steward
    holder: Steward | None
    code: str | None = None  # a door code opened at checkout, for the steward's terminal only
    visit: Visit | None = None


def _subject(ledger: Ledger, o: Outcome, actor: Steward, holder: Steward | None,
             household_name: str) -> str:
    r = o.event.request
    said = {"key": o.key.id, "household": o.household.id, "name": household_name,
            "actor": actor.name, "steward": holder.name if holder else actor.name,
            "purpose": r.purpose}
    match r.action:
        case "checkout" if holder and holder.id != actor.id:
            return subject(ledger, "{actor} checks {key} out for {steward}: {purpose} "
                           "({household} {name})", **said)
        case "checkout":
            return subject(ledger, "{steward} checks out {key}: {purpose} ({household} {name})",
                           **said)
        case "return":
            return subject(ledger, "{actor} returns {key} ({household} {name})", **said)
        case "handover":
            return subject(ledger, "{actor} hands {key} over to {steward} ({household} {name})",
                           **said)
        case "reserve":
            span = f"{r.start:%Y-%m-%d %H:%M}–{r.until:%H:%M}" if r.start and r.until else ""
            return subject(ledger, "{steward} reserves {key}: {purpose}, {span} ({household} "
                           "{name})", span=span, **said)
        case "lost":
            return subject(ledger, "{actor} reports {key} lost ({household} {name})", **said)
        case "found":
            return subject(ledger, "{actor} found {key} ({household} {name})", **said)
        case "handback":
            return subject(ledger, "{actor} hands {key} back to its owner ({household} {name})",
                           **said)
        case _:
            return subject(ledger, "{action} {key} by {actor} ({household} {name})",
                           action=r.action, **said)


@locked
def act(ledger: Ledger, key_id: str, action: str, *, purpose: str | None = None,
        expect_back: str | None = None, holder: str | None = None, witness: str | None = None,
        note: str | None = None, override: str | None = None, consent: str | None = None,
        unreached: str | None = None, start: str | None = None, until: str | None = None,
        passphrase: Callable[[], str] | None = None, visit: dict[str, Any] | None = None,
        photos: list[Path] | None = None, visit_form: Path | None = None) -> Done:
    """Carry out one custody request: the rules decide, then one signed commit records it.

    A return may carry the visit it ended (`visit`, `photos`, `visit_form`): the visit file is
    written in the same commit."""
    key = ledger.key(key_id)
    household = ledger.household(key.household)
    actor = acting_steward(ledger)
    others = {who: ledger.steward(who) for who in (holder, witness) if who}
    for other in others.values():
        if not other.active:
            raise FatalError(_("{name} ({id}) is not an active steward.").format(
                name=other.name, id=other.id))
    tz = zone(ledger.settings.timezone)
    at = now(tz)
    expected = None
    if action == "checkout":
        default = ledger.settings.expected_back.get(purpose or "", _FALLBACK_EXPECTED_BACK)
        expected = parse_when(expect_back, at) if expect_back else at + default
    request = Request(action, Actor(actor.id, actor.role == "supervisor"), at, purpose, expected,
                      holder, witness, note, override, consent, unreached,
                      parse_datetime(start, tz) if start else None,
                      parse_datetime(until, tz) if until else None, People(ledger))
    outcome = rules.apply(key, household, ledger.settings.witness, request)
    code = None
    if action == "checkout" and key.kind == "code" and key.code:
        from keyledger import codes

        identity = codes.load_identity(private_key_path(ledger), passphrase or _no_passphrase)
        code = codes.decrypt(key.code, household.id, key.id, identity)
    files: dict[str, str | bytes | None] = {
        ledger.relpath("key", key.id): yaml.dump(outcome.key.to_dict())}
    if outcome.household != household:
        files[ledger.relpath("household", household.id)] = yaml.dump(outcome.household.to_dict())
    trailers = outcome.event.trailers()
    recorded = None
    if action == "return" and (visit is not None or photos or visit_form):
        from keyledger import service, visits  # only a return that records a visit

        present = [key.holder or actor.id] + ([witness] if witness else [])
        recorded, visit_files = visits.draft(
            ledger, household, {"purpose": key.purpose, **(visit or {})}, photos or [],
            visit_form, key.since or at, at, present, key.id, actor=actor)
        files.update(visit_files)
        trailers.append(("Visit", recorded.id))
        trailers += service.visit_trailers(recorded, returned=True)  # as `visit add` says them
    holder_steward = others.get(outcome.event.holder or "") if outcome.event.holder != actor.id \
        else actor
    message = gitops.format_message(
        _subject(ledger, outcome, actor, holder_steward, household.name), trailers)
    return Done(outcome, ledger.change(files, message), actor, holder_steward, code, recorded)


def _no_passphrase() -> str:
    raise FatalError(_("Your SSH key is protected by a passphrase; run the command on a terminal "
                       "to be asked for it."))


@locked
def confirm(ledger: Ledger, commit: str) -> tuple[dict[str, str], str]:
    """The witness's own signed commit confirming a checkout, return or handover they saw."""
    actor = acting_steward(ledger)
    sha = gitops.git(ledger.root, "rev-parse", "-q", "--verify", commit + "^{commit}",
                     check=False).strip()
    if not sha:
        raise FatalError(_("There is no commit {commit!r} in this ledger.").format(commit=commit))
    entry = gitops.log(ledger.root, [], limit=1, rev=sha)[0]
    rules.check_confirm(entry.trailers, Actor(actor.id, actor.role == "supervisor"))
    if confirmations(ledger, sha, actor.id):
        raise FatalError(_("You have already confirmed {sha}.").format(sha=sha[:10]))
    t = entry.trailers
    message = gitops.format_message(
        subject(ledger, "{actor} confirms witnessing the {action} of {key}",
                actor=actor.name, action=t.get("Action", ""), key=t.get("Key", "")),
        [("Action", "confirm"), ("Key", t.get("Key", "")), ("Household", t.get("Household", "")),
         ("Steward", actor.id), ("Confirms", sha), ("At", now(zone(ledger.settings.timezone))
                                                    .isoformat())])
    return t, ledger.change({}, message)


def confirmations(ledger: Ledger, sha: str, witness: str) -> list[str]:
    """The confirm commits of `witness` for `sha`: those whose own `Keyledger-Confirms` trailer
    names it (the event index keeps a confirm commit's trailer, never a note's words) and whose
    steward is that witness (`verify` refuses a confirmation signed by anyone else)."""
    from keyledger import event_index

    found = event_index.confirmations(event_index.fresh(ledger), [sha], steward=witness)
    return [confirm for _seq, confirm in found.get(sha, [])]


@dataclass(frozen=True)
class OutKey:
    key: Key
    holder_name: str
    household_name: str
    overdue: bool
    unconfirmed_witness: bool


@dataclass(frozen=True)
class Booked:
    key: Key
    reservation: Reservation


def status(ledger: Ledger) -> tuple[datetime, list[OutKey], list[Booked]]:
    """Every key out (overdue first, then by how long), and today's reservations."""
    from keyledger import standing

    moment = now(zone(ledger.settings.timezone))
    names = {s.id: s.name for s in ledger.stewards()}
    out, booked = [], []
    # The event index names the keys out and those booked today (the few hundred of a street
    # office's 20,000 that are not simply in the cabinet); their files say the rest.
    keys = [ledger.key(k) for k in standing.out_or_booked(ledger, moment)
            if ledger.exists("key", k)]
    outside = [k for k in keys if k.state == "out"]
    homes = standing.names(ledger, {k.household for k in keys})
    for key in keys:
        booked += [Booked(key, r) for r in key.reservations if r.start.date() <= moment.date()
                   <= r.until.date()]
    for key in outside:
        out.append(OutKey(key, names.get(key.holder or "", key.holder or "?"),
                          homes.get(key.household, "?"), rules.is_overdue(key, moment),
                          bool(key.witness) and not _witness_confirmed(ledger, key)))
    out.sort(key=lambda o: (not o.overdue, o.key.since or moment, o.key.id))
    booked.sort(key=lambda b: b.reservation.start)
    return moment, out, booked


def _witness_confirmed(ledger: Ledger, key: Key) -> bool:
    from keyledger import event_index

    db = event_index.fresh(ledger)
    last = event_index.last_touching(db, ledger.relpath("key", key.id))
    # The key file's witness is its current custody's: only they confirm it.
    return bool(last and key.witness) and bool(
        event_index.confirmations(db, [last], steward=key.witness))


def history(ledger: Ledger, target: str,
            since: datetime | None = None) -> tuple[str, list[gitops.LogEntry]]:
    """The commits that changed a key's file, or a household's file and all its keys' files
    (those at or after `since`), each with its signature checked in-process against the
    roster's keys; found in the event index, read from git."""
    from keyledger import event_index

    check_id(target, _("key or household"))
    if ledger.exists("key", target):
        kind, paths = "key", [ledger.relpath("key", target)]
    elif ledger.exists("household", target):
        kind, paths = "household", [ledger.relpath("household", target)]
        paths += [ledger.relpath("key", k.id) for k in ledger.keys_of(target)]
    else:
        raise unknown(_("key or household"), target, ledger.ids("key") + ledger.ids("household"))
    db = event_index.fresh(ledger)
    found = event_index.touching(db, paths, int(since.timestamp()) if since else None)
    found = _with_confirmations(db, found)
    return kind, _signed(ledger, db, gitops.entries(ledger.root, [sha for _seq, sha in found]))


def holder(trailers: dict[str, str]) -> str | None:
    """Who holds the key after the commit (a handover's recipient; for a reservation, whom it
    is for); None when the commit leaves nobody holding it or is no custody change."""
    if trailers.get("Action") in ("checkout", "handover", "reserve"):
        return trailers.get("Holder") or trailers.get("Steward")
    return None


def _with_confirmations(db: Any, found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The commits with the witnesses' confirm commits of those witnessed put in their place.
    A confirmation changes no file, so no file's history holds it."""
    from keyledger import event_index

    seqs = [seq for seq, _sha in found]
    witnessed = [sha for (sha,) in db.execute(
        f"SELECT sha FROM commits WHERE seq IN ({','.join('?' * len(seqs))}) "
        f"AND json_extract(extra, '$.Witness') IS NOT NULL", seqs)] if found else []
    confirms = event_index.confirmations(db, witnessed)
    merged = dict(found)
    for rows in confirms.values():
        merged.update(rows)
    return sorted(merged.items(), reverse=True)


def _signed(ledger: Ledger, db: Any, entries: list[gitops.LogEntry]) -> list[gitops.LogEntry]:
    """Each entry with its signature checked against every steward ever registered (active or
    not), as the allowed-signers file holds them; checks are remembered in the event index."""
    from dataclasses import replace

    from keyledger import event_index, sshkeys

    principals = {sshkeys.fingerprint(s.key): s.id for s in ledger.stewards() if s.key}
    # Their replaced keys too, good for commits dated up to the second they were replaced
    # (git dates commits to the second; `verify`, which decides, goes by the roster instead).
    until = {}
    for s in ledger.stewards():
        for old in s.retired_keys:
            principals[sshkeys.fingerprint(old.key)] = s.id
            until[sshkeys.fingerprint(old.key)] = old.until
    known_checks = event_index.signatures(db, [e.sha for e in entries])
    unchecked = [e.sha for e in entries if e.sha not in known_checks]
    checked = _check_signatures(ledger, unchecked)
    event_index.remember_signatures(ledger, checked)
    known_checks.update(checked)
    out = []
    for entry in entries:
        status, fp = known_checks[entry.sha]
        known = status == "G" and fp in principals and (
            fp not in until or datetime.fromisoformat(entry.committed) <= until[fp])
        out.append(replace(entry, signature="G" if known else ("U" if status == "G" else status),
                           signer=principals.get(fp, "") if known else ""))
    return out


def _check_signatures(ledger: Ledger, shas: list[str]) -> dict[str, tuple[str, str]]:
    if not shas:
        return {}
    from keyledger import sshsig
    from keyledger.walk import Blobs

    blobs = Blobs(ledger.root)
    try:
        return {sha: sshsig.check(blobs.raw(sha) or b"") for sha in shas}
    finally:
        blobs.close()


# `status --since last`: since this clone's previous status (上次 is how a steward says it).
LAST = ("last", "上次")


@dataclass(frozen=True)
class Change:
    """An event committed since a moment (`status --since`)."""

    at: datetime
    action: str
    key: str
    household: str
    steward: str
    holder: str
    purpose: str
    commit: str


def changes_since(ledger: Ledger, since: str) -> tuple[datetime | None, list[Change]]:
    """The events committed after `since` — a date and time, or `last`: the last time `status`
    ran on this clone (the start of today, if it never ran) — oldest first. From the event index, so "what happened since I last
    looked" costs what happened."""
    from keyledger import event_index, statedir

    tz = zone(ledger.settings.timezone)
    db = event_index.fresh(ledger)
    last_time = since.strip().lower() in LAST
    seen = statedir.load(ledger.state_dir / "status-seen") if last_time else None
    after_seq, start = None, None
    if last_time:
        if isinstance(seen, dict):
            # What was seen last, or, in a history rewritten since, the last commit both share.
            last = str(seen.get("tip", ""))
            after_seq = event_index.seq_of(db, last) if last else None
            if after_seq is None and last:
                shared = gitops.git(ledger.root, "merge-base", last, "HEAD", check=False).strip()
                after_seq = event_index.seq_of(db, shared) if shared else None
            start = datetime.fromisoformat(str(seen["at"])) if seen.get("at") else None
        if after_seq is None and start is None:  # never looked: what today brought
            start = datetime.combine(now(tz).date(), datetime.min.time(), tz)
    else:
        start = parse_datetime(since, tz)
    rows = db.execute(
        "SELECT at, action, key, household, steward, holder, purpose, sha FROM commits "
        + ("WHERE seq > ? " if after_seq is not None else "WHERE at >= ? ") + "ORDER BY seq",
        (after_seq if after_seq is not None else int(start.timestamp()) if start else 0,))
    changes = [Change(datetime.fromtimestamp(at, tz), action or "", key or "", household or "",
                      steward or "", holder or "", purpose or "", sha)
               for at, action, key, household, steward, holder, purpose, sha in rows]
    return start, changes


def looked(ledger: Ledger) -> None:
    """Remember that `status` showed the ledger as it stands now (`--since last` starts here)."""
    from keyledger import event_index, statedir

    statedir.save(ledger.state_dir / "status-seen", {
        "tip": event_index.tip(event_index.fresh(ledger)) or "",
        "at": now(zone(ledger.settings.timezone)).isoformat()})
