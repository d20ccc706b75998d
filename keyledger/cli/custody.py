"""Custody: checkout, return, status, history."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from keyledger.cli.visit import (ACTION, ADVANCED, BOUGHT, CHECK, FINDING, FIXED, FOLLOW_UP,
                                 FROM_FILE, INFORMED, LET_IN, PHOTO, PROBLEM, REPAID, REQUEST,
                                 RESOLVE, Record, visit_fields)
from keyledger.cli import completion, words
from keyledger.cli.common import (ask_passphrase, duration, open_ledger,
                                  open_terminal, people, print_json, say, show_once, table, when)
from keyledger.i18n import _
from keyledger import vocab

if TYPE_CHECKING:
    from datetime import datetime

    from keyledger.custody import Change
    from keyledger.ledger import Ledger
    from keyledger.schedules import DueItem


# More due items than this, and `status` gives their count rather than the list.
DUE_LISTED = 10


def checkout(
    key: Optional[str] = typer.Argument(None, metavar="KEY",
                                        autocompletion=completion.keys, callback=words.key,
                                        help=_("The key's tag number, e.g. K-0012; or give "
                                               "--household.")),
    household: Optional[str] = typer.Option(None, "--household", "-H",
                                            autocompletion=completion.households,
                                            help=_("The household, by number, resident's name "
                                                   "or address: its one key.")),
    purpose: str = typer.Option(..., "--purpose", "-p", autocompletion=completion.purposes,
                                callback=words.one("purpose"),
                                help=_("Why: {purposes}.").format(
                                    purposes=vocab.choices("purpose"))),
    expect_back: Optional[str] = typer.Option(None, "--expect-back", metavar="WHEN",
                                              help=_("When it will be back: a duration (3h, "
                                                     "90m) or a time (17:00, tomorrow 9:00); the "
                                                     "ledger's default for the purpose "
                                                     "otherwise.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
    witness: Optional[str] = typer.Option(None, "--witness", autocompletion=completion.stewards,
                                          callback=words.steward,
                                          help=_("A second steward present as witness.")),
    override: Optional[str] = typer.Option(None, "--override", metavar="REASON",
                                           help=_("Supervisor: set the A/B pair rule aside, "
                                                  "saying why.")),
    for_: Optional[str] = typer.Option(None, "--for", metavar="STEWARD",
                                       autocompletion=completion.stewards, callback=words.steward,
                                       help=_("Supervisor: check the key out for this steward.")),
    consent: Optional[str] = typer.Option(None, "--consent",
                                          help=_("Emergency: how the owner agreed, and when.")),
    unreached: Optional[str] = typer.Option(None, "--unreached",
                                            help=_("Emergency: who was called, when, with no "
                                                   "answer.")),
) -> None:
    """Take a key out of the cabinet (one signed commit); a door code is shown once."""
    from keyledger.custody import act

    if (key is None) == (household is None):
        raise typer.BadParameter(_("give the key's tag number or --household, one of them"),
                                 param_hint="KEY")
    ledger = open_ledger()
    if key is None:
        from keyledger.naming import key_of

        key = key_of(ledger, household or "")
    terminal = open_terminal() if ledger.key(key).kind == "code" else None
    done = act(ledger, key, "checkout", purpose=purpose, expect_back=expect_back, note=note,
               witness=witness, override=override, holder=for_, consent=consent,
               unreached=unreached, passphrase=ask_passphrase)
    new = done.outcome.key
    # A door code is told, not taken out of the cabinet: its words say so.
    said = _("The door code of {key} is given to {steward} for {purpose}, to be done with by "
             "{back}. Commit {sha}.") if new.kind == "code" else \
        _("{key} is out with {steward} for {purpose}, expected back {back}. Commit {sha}.")
    say(said.format(key=new.id, steward=(done.holder or done.actor).name,
                    purpose=vocab.name("purpose", purpose), back=when(new.expected_back),
                    sha=done.sha[:10]))
    auth = done.outcome.household.authorization
    if auth and auth.conditions:
        say(_("The owner's conditions: {conditions}").format(conditions="; ".join(auth.conditions)))
    if terminal is not None and done.code is not None:
        show_once(terminal, new.id, done.code)


def return_(
    key: str = typer.Argument(..., metavar="KEY",
                              autocompletion=completion.keys,
                              callback=words.key, help=_("The key's tag number.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record (and the "
                                                              "visit's, with --visit).")),
    witness: Optional[str] = typer.Option(None, "--witness", autocompletion=completion.stewards,
                                          callback=words.steward,
                                          help=_("A second steward present as witness.")),
    override: Optional[str] = typer.Option(None, "--override", metavar="REASON",
                                           help=_("Supervisor: return a key someone else holds.")),
    visit: bool = typer.Option(False, "--visit", help=_("Record the visit in the same commit.")),
    check: list[str] = CHECK, finding: list[str] = FINDING, action: list[str] = ACTION,
    let_in: list[str] = LET_IN, photo: list[Path] = PHOTO, informed: list[str] = INFORMED,
    follow_up: Optional[str] = FOLLOW_UP, from_file: Optional[Path] = FROM_FILE,
    problem: list[str] = PROBLEM, fixed: list[str] = FIXED, resolve: list[str] = RESOLVE,
    request: Optional[str] = REQUEST, bought: list[str] = BOUGHT,
    advanced: Optional[str] = ADVANCED, repaid: bool = REPAID,
) -> None:
    """Put a key back in the cabinet (one signed commit), with the visit it ended if --visit."""
    from keyledger.custody import act

    ledger = open_ledger()
    fields = None
    record = Record(check, finding, action, let_in, informed, follow_up, None, problem, fixed,
                    resolve, request, bought, advanced, repaid)
    if visit or record.given() or photo or from_file:
        household = ledger.household(ledger.key(key).household)
        # The steward's note on returning is the visit's own note: the owner reads it.
        record.note = note
        fields = visit_fields(household, record, form=from_file, ask_purpose=False)
        fields.pop("purpose")  # the visit's purpose is the checkout's, unless the form says
    done = act(ledger, key, "return", note=note, witness=witness, override=override,
               visit=fields, photos=photo, visit_form=from_file)
    back = done.outcome.key
    if back.kind == "code":
        say(_("{steward} is done with the door code of {key}; the community keeps it, and who "
              "was given it knows it until it is changed. Commit {sha}.").format(
                  key=back.id, steward=done.actor.name, sha=done.sha[:10]))
    elif back.slot:
        say(_("{key} is back in the cabinet (slot {slot}). Commit {sha}.").format(
            key=back.id, slot=back.slot, sha=done.sha[:10]))
    else:
        say(_("{key} is back in the cabinet (it has no slot of its own). Commit {sha}.").format(
            key=back.id, sha=done.sha[:10]))
    if done.visit is not None:
        say(_("Visit {id} recorded in the same commit.").format(id=done.visit.id))


def handover(
    key: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                              callback=words.key,
                              help=_("The key's tag number, e.g. K-0012.")),
    to: str = typer.Option(..., "--to", metavar="STEWARD",
                           autocompletion=completion.stewards,
                           callback=words.steward, help=_("Who takes the key over.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
    witness: Optional[str] = typer.Option(None, "--witness", autocompletion=completion.stewards,
                                          callback=words.steward,
                                          help=_("A second steward present as witness.")),
    override: Optional[str] = typer.Option(None, "--override", metavar="REASON",
                                           help=_("Supervisor: set the pair rule aside.")),
) -> None:
    """Pass a key that is out to another steward, without the cabinet (one commit, both named)."""
    from keyledger.custody import act

    done = act(open_ledger(), key, "handover", holder=to, witness=witness, note=note,
               override=override)
    say(_("{key} passed from {old} to {new}. Commit {sha}.").format(
        key=key, old=done.actor.name, new=done.holder.name if done.holder else to,
        sha=done.sha[:10]))


def lost(
    key: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                              callback=words.key,
                              help=_("The key's tag number, e.g. K-0012.")),
    note: str = typer.Option(..., "--note", help=_("What happened.")),
    override: Optional[str] = typer.Option(None, "--override", metavar="REASON",
                                           help=_("Supervisor: set the pair rule aside.")),
) -> None:
    """Mark a key lost; its household is flagged for a lock change."""
    from keyledger.custody import act

    done = act(open_ledger(), key, "lost", note=note, override=override)
    say(_("{key} is marked lost; {household} is flagged for a lock change. Commit {sha}.").format(
        key=key, household=done.outcome.household.id, sha=done.sha[:10]))


def found(
    key: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                              callback=words.key,
                              help=_("The key's tag number, e.g. K-0012.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("Where it was found.")),
) -> None:
    """A lost key is found and back in the cabinet."""
    from keyledger.custody import act

    done = act(open_ledger(), key, "found", note=note)
    say(_("{key} is found and back in the cabinet. Commit {sha}.").format(key=key,
                                                                         sha=done.sha[:10]))


def handback(
    key: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                              callback=words.key,
                              help=_("The key's tag number, e.g. K-0012.")),
    to_owner: bool = typer.Option(False, "--to-owner",
                                  help=_("The owner takes the key back (the only kind of "
                                         "handback; the flag may be left out).")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
) -> None:
    """End custody: the owner took the key back (its file and history stay)."""
    from keyledger.custody import act

    done = act(open_ledger(), key, "handback", note=note)
    say(_("{key} is handed back to its owner; custody has ended. Commit {sha}.").format(
        key=key, sha=done.sha[:10]))


def reserve(
    key: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                              callback=words.key,
                              help=_("The key's tag number, e.g. K-0012.")),
    start: str = typer.Option(..., "--from", metavar="TIME",
                              help=_("Start, e.g. 2026-11-27 09:00 or tomorrow 9:00.")),
    until: str = typer.Option(..., "--until", metavar="TIME",
                              help=_("End, e.g. 2026-11-27 11:00 or tomorrow 11:00.")),
    purpose: str = typer.Option(..., "--purpose", "-p",
                                autocompletion=completion.purposes,
                                callback=words.one("purpose"),
                                help=_("Why: {purposes}.").format(
                                    purposes=vocab.choices("purpose"))),
    for_: Optional[str] = typer.Option(None, "--for", metavar="STEWARD",
                                       autocompletion=completion.stewards, callback=words.steward,
                                       help=_("Reserve for another steward of the pair.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
) -> None:
    """Book a key for an appointment; others cannot check it out in that window."""
    from keyledger.custody import act

    done = act(open_ledger(), key, "reserve", purpose=purpose, start=start, until=until,
               holder=for_, note=note)
    r = done.outcome.event.request
    say(_("{key} is reserved for {purpose} from {start} to {until}. Commit {sha}.").format(
        key=key, purpose=vocab.name("purpose", purpose), start=when(r.start),
        until=when(r.until), sha=done.sha[:10]))


def confirm(commit: str = typer.Argument(..., metavar="COMMIT",
                                         help=_("The record number of the checkout, return or handover (see `history`)."))) -> None:
    """Confirm, as its witness, a checkout, return or handover (your own signed commit)."""
    from keyledger.custody import confirm as witness

    trailers, sha = witness(open_ledger(), commit)
    say(_("You confirmed the {action} of {key}. Commit {sha}.").format(
        action=_(trailers.get("Action", "")), key=trailers.get("Key", ""), sha=sha[:10]))


def status(
    overdue: bool = typer.Option(False, "--overdue",
                                 help=_("Exit with status 1 if any key is overdue or calls "
                                        "reached nobody (for cron).")),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE",
                                        help=_("Also what was recorded since then: a date and "
                                               "time, or last (the last time you ran status).")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Calls that reached nobody first; what is out, with whom, since when, overdue first;
    what is due today and what is still open."""
    from keyledger.cli.due_view import due_json, show_escalations, what_words
    from keyledger.cli.key import key_json
    from keyledger import listing
    from keyledger.custody import changes_since, looked
    from keyledger.custody import status as out_keys
    from keyledger.schedules import due
    from keyledger.service_due import open_counts

    from keyledger.sync import sync_state

    ledger = open_ledger()
    moment, out, booked = out_keys(ledger)
    every = [i for i in due(ledger, [moment.date()]) if i.status != "done"]
    alarms = [i for i in every if i.kind == "escalation"]
    today = [i for i in every if i.kind != "escalation"]
    opened = open_counts(ledger)
    shared = sync_state(ledger)
    offline = _offline(ledger, [o.key.id for o in out], shared["unpushed_commits"])
    late = [o for o in out if o.overdue]
    start, changes = changes_since(ledger, since) if since else (None, [])
    looked(ledger)
    # Stewards by name, read only when a line names one.
    names = functools.cache(lambda: {s.id: s.name for s in ledger.stewards()})
    if json:
        print_json({"now": moment.isoformat(), **({"since": {
            "from": start.isoformat() if start else None,
            "changes": [{"at": c.at.isoformat(), "action": c.action, "key": c.key or None,
                         "household": c.household or None, "steward": c.steward or None,
                         "holder": c.holder or None, "purpose": c.purpose or None,
                         "commit": c.commit} for c in changes]}} if since else {}), "out": [
            {**key_json(o.key), "holder_name": o.holder_name, "household_name": o.household_name,
             "overdue": o.overdue, "witness_unconfirmed": o.unconfirmed_witness,
             "offline": o.key.id in offline} for o in out],
            "sync": {k: v for k, v in shared.items() if k != "unpushed_commits"},
            "reservations_today": [
                {"key": b.key.id, "household": b.key.household, **b.reservation.to_dict(),
                 "key_state": b.key.state, "key_holder": b.key.holder} for b in booked],
            "due_today": [{"household": i.household, "start": i.start.strftime("%H:%M"),
                           "purpose": i.purpose, "steward": i.steward, "status": i.status,
                           "kind": i.kind} for i in today],
            "escalations": [due_json(i) for i in alarms], "open": opened})
    who = people()
    if not json and alarms:
        show_escalations(alarms, lambda c: c.astimezone(moment.tzinfo).strftime("%H:%M"),
                         names())
    # A lost key is in no cabinet: "the keys are in the cabinet" would not be true of it.
    lost = [k for _i, k in sorted(listing.fresh(ledger, ("key",))["key"].part("records").items())
            if k.state == "lost"] if not json else []
    if not json and not out:
        say(_("Nothing is out: the keys are in the cabinet and no door code is given out.")
            if not lost else _("Nothing is out and no door code is given out."))
    if lost:
        say(_("Lost, the lock to be changed: {keys}.").format(keys=_("; ").join(
            f"{k.id} {k.household}" for k in lost)))
    if not json and out:
        rows = []
        for o in out:
            k = o.key
            rows.append([
                ("⚠ " if o.overdue else "") + k.id
                + (" " + _("door code") if k.kind == "code" else "")
                + (_(" (offline, not yet shared)") if k.id in offline else ""),
                f"{k.household} {o.household_name}",
                who.name(k.holder), vocab.name("purpose", k.purpose), when(k.since),
                duration((moment - k.since).total_seconds()) if k.since else "",
                (_("OVERDUE ") if o.overdue else "") + when(k.expected_back),
                _("{witness}, not confirmed").format(witness=who.name(k.witness))
                if o.unconfirmed_witness else (who.name(k.witness) if k.witness else "")])
        table([_("key"), _("household"), _("holder"), _("purpose"), _("since"), _("out for"),
               _("expected back"), _("witness")], rows,
              alerts={i for i, o in enumerate(out) if o.overdue})
        say(_("{n} out, {late} overdue.").format(n=len(out), late=len(late)))
    if not json and booked:
        from keyledger.whereabouts import where

        table([_("reserved"), _("key"), _("household"), _("for"), _("purpose"), _("key now")],
              [[f"{when(b.reservation.start)}–{b.reservation.until:%H:%M}", b.key.id,
                b.key.household, who.name(b.reservation.steward),
                vocab.name("purpose", b.reservation.purpose),
                where(b.key.kind, b.key.state, b.key.slot, who.name(b.key.holder), None)]
               for b in booked], title=_("Today's reservations"))
    if not json and shared["remote"]:
        say(_sharing(shared))
    if not json and len(today) > DUE_LISTED:  # a street office: a count, the list is `due`
        say(_("Due today: {n} items, {missed} of them missed; `keyledger due` lists them.")
            .format(n=len(today), missed=sum(i.status == "missed" for i in today)))
    elif not json and today:
        say(_("Due today: {items}.").format(items="; ".join(
            f"{_due_time(i)} {i.household} {i.household_name} {what_words(i)} "
            f"({names().get(i.steward or '', i.steward or '—')})"
            + (_(", missed") if i.status == "missed" else "") for i in today)))
    if not json and any(opened.values()):
        say(_("Open: {problems} problem(s), {requests} request(s), {advances} errand(s) not "
              "repaid; `keyledger problem list`, `keyledger request list`.").format(**opened))
    if not json and since:
        _changes(start, changes)
    if overdue and (late or alarms):
        raise typer.Exit(1)


def _changes(start: "datetime | None", changes: "list[Change]") -> None:
    """What was recorded since the moment `status --since` was given."""
    if changes:
        table([_("time"), _("action"), _("key"), _("household"), _("steward"), _("holder"),
               _("purpose"), _("commit")],
              [[when(c.at), _(c.action or "?"), c.key, c.household, c.steward, c.holder,
                _(c.purpose) if c.purpose else "", c.commit[:10]] for c in changes],
              title=_("Recorded since {when}").format(when=when(start) if start else "—"))
    say(_("{n} recorded since {when}.").format(n=len(changes),
                                               when=when(start) if start else _("the start")))


def _sharing(shared: dict[str, Any]) -> str:
    """What the shared ledger has not seen yet, since when, and why, in a steward's words."""
    from datetime import datetime

    def moment(text: str | None) -> str:
        return when(datetime.fromisoformat(text)) if text else _("never")

    attempt = shared.get("last_attempt") or {}
    if not shared["unpushed"]:
        return _("Everything is shared; last shared {when}.").format(
            when=moment(shared["last_sync"])) if shared["last_sync"] else \
            _("Everything is shared.")
    why = {"offline": _(" The last try, {at}, could not reach the shared ledger."),
           "signing": _(" The last try, {at}, could not sign."),
           "refused": _(" The last try, {at}, was refused: `keyledger sync` says why."),
           "conflict": _(" The last try, {at}, found a conflict: `keyledger conflict list`.")}
    unshared = _("{n} record(s) not yet shared, the first since {since}; last shared {when}.") \
        if shared["last_sync"] else \
        _("{n} record(s) not yet shared, the first since {since}; nothing shared from here yet.")
    return unshared.format(
        n=shared["unpushed"], since=moment(shared["unpushed_since"]),
        when=moment(shared["last_sync"])) + why.get(attempt.get("kind"), "").format(
            at=moment(attempt.get("at")))


def _offline(ledger: "Ledger", keys: list[str], unpushed: object) -> set[str]:
    """Keys whose checkout is in a commit the shared ledger has not seen yet."""
    from keyledger import event_index

    if not unpushed:
        return set()
    db = event_index.fresh(ledger)
    return {k for k in keys
            if event_index.last_touching(db, ledger.relpath("key", k)) in unpushed}  # type: ignore[operator]


def _due_time(item: "DueItem") -> str:
    if item.kind == "follow-up":
        return _("follow-up")
    if item.kind == "request" and not (item.start.hour or item.start.minute):  # an earlier day's
        return _("received earlier")
    return item.start.strftime("%H:%M") + (f"-{item.end:%H:%M}" if item.end else "")


def history(
    target: str = typer.Argument(..., metavar="KEY|HOUSEHOLD",
                                 autocompletion=completion.keys_and_households,
                                 callback=words.key_or_household,
                                 help=_("A key's tag number, or a household by number, name or address.")),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE",
                                        help=_("Only what happened from then on, e.g. "
                                               "2026-11-25 or 2026-11-25 14:00.")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """The custody record of a key or a household, from git, newest first."""
    from keyledger.custody import history as read, holder
    from keyledger.timeutil import parse_datetime, zone

    ledger = open_ledger()
    start = parse_datetime(since, zone(ledger.settings.timezone)) if since else None
    kind, entries = read(ledger, target, start)
    if json:
        print_json([{"commit": e.sha, "committed": e.committed, "subject": e.subject,
                     "action": e.trailers.get("Action"), "holder": holder(e.trailers),
                     "witness": e.trailers.get("Witness"), "signature": e.signature,
                     "signer": e.signer, "verified": e.verified, "trailers": e.trailers}
                    for e in entries])
        return
    from datetime import datetime

    tz = zone(ledger.settings.timezone)
    who = people()
    # A door code is told and done with, not taken out and put back: its actions say so.
    keys = [ledger.key(target)] if kind == "key" else ledger.keys_of(target)
    codes = {k.id for k in keys if k.kind == "code"}
    code_actions = {"checkout": _("code told"), "return": _("done with the code"),
                    "key-add": _("code registered"), "handover": _("code passed on")}
    rows = []
    for e in entries:
        t = e.trailers
        action = t.get("Action", "?")
        action = code_actions[action] if t.get("Key") in codes and action in code_actions \
            else _(action)
        at = t.get("At") or e.committed
        witness = who.name(t["Witness"]) if t.get("Witness") else ""
        if t.get("Action") == "confirm":
            witness = _("confirms {sha}").format(sha=t.get("Confirms", "")[:10])
        rows.append([when(datetime.fromisoformat(at).astimezone(tz)), action,
                     t.get("Key", ""), who.name(t.get("Steward")),
                     who.name(holder(t)) if holder(t) else "",
                     vocab.name("visit-purpose", t.get("Purpose")), witness, e.sha[:10],
                     _("✓ verified") if e.verified else _("✗ NOT VERIFIED")])
    table([_("time"), _("action"), _("key"), _("steward"), _("holder"), _("purpose"),
           _("witness"), _("commit"), _("signature")], rows,
          alerts={i for i, e in enumerate(entries) if not e.verified})

