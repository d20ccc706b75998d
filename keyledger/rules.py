"""The custody rules: a key's state and a request in, the new state and the event out.

Pure functions, no I/O: commands, `verify` and `sync` share them. A refused request raises
`Refused` with one sentence naming the rule and what would allow the request; nothing else
happens. Everything a request carries is in its commit's trailers, so a commit can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from keyledger import people, text
from keyledger.errors import Refused
from keyledger.i18n import _
from keyledger.model import (SERVICE_FIELDS, Authorization, Household, Key, Reservation, Visit,
                             WitnessPolicy)
from keyledger.timeutil import CLOCK_SKEW, iso
from keyledger import vocab
from keyledger.vocab import PURPOSE, PURPOSES, UnknownWord

ACTIONS = ("checkout", "return", "handover", "lost", "found", "handback", "reserve")


@dataclass(frozen=True)
class Actor:
    id: str
    supervisor: bool = False


@dataclass(frozen=True)
class Request:
    """One custody request; each action reads the fields it needs."""

    action: str
    actor: Actor
    at: datetime
    purpose: str | None = None
    expected_back: datetime | None = None
    holder: str | None = None      # checkout for another steward; handover's recipient
    witness: str | None = None
    note: str | None = None
    override: str | None = None    # a supervisor's reason for setting the pair rule aside
    consent: str | None = None     # emergency: how the owner agreed
    unreached: str | None = None   # emergency: who was called and could not be reached
    start: datetime | None = None  # reservation window
    until: datetime | None = None
    # How refusals name stewards: id -> (name, phone) (keyledger.people); verify and sync,
    # which replay trailers, leave it empty and name them by id.
    people: Mapping[str, tuple[str, str | None]] = field(default_factory=dict, compare=False,
                                                         repr=False)


@dataclass(frozen=True)
class Event:
    """What happened, in the words of the commit's trailers (DESIGN §3)."""

    request: Request
    key: str
    household: str
    holder: str | None = None

    def trailers(self) -> list[tuple[str, str]]:
        r = self.request

        def when(moment: datetime | None) -> str:
            return iso(moment) if moment else ""
        return [("Action", r.action), ("Key", self.key), ("Household", self.household),
                ("Steward", r.actor.id), ("Holder", self.holder or ""),
                ("Witness", r.witness or ""), ("Purpose", r.purpose or ""), ("At", when(r.at)),
                ("Expected-Back", when(r.expected_back)), ("From", when(r.start)),
                ("Until", when(r.until)), ("Override", r.override or ""),
                ("Consent", r.consent or ""), ("Unreached", r.unreached or ""),
                ("Note", r.note or "")]


@dataclass(frozen=True)
class Outcome:
    key: Key
    household: Household
    event: Event


def _fmt(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if isinstance(moment, datetime) else moment.isoformat()


def _check_override(request: Request) -> None:
    if request.override is not None and not request.actor.supervisor:
        raise Refused(_("Only a supervisor may use --override; ask your supervisor."))
    if request.override is not None and not request.override.strip():
        raise Refused(_("--override needs the reason, which goes into the record."))


def _check_pair(household: Household, steward: str, request: Request) -> None:
    if steward in household.pair or request.override:
        return
    if not household.pair:
        raise Refused(_("{household} has no A/B pair yet; a supervisor sets it with `keyledger "
                        "household pair`, or acts with --override REASON.").format(
                            household=household.id))
    raise Refused(_("{steward} is not in the A/B pair of {household} ({pair}); only they may "
                    "take its keys, unless a supervisor acts with --override REASON.").format(
                        steward=people.name(request.people, steward), household=household.id,
                        pair=_(", ").join(people.reach(request.people, s) for s in household.pair)))


def _check_steward_of_household(household: Household, request: Request) -> None:
    """Lost, found, handback and reserve: the pair, or a supervisor."""
    if not request.actor.supervisor:
        _check_pair(household, request.actor.id, request)


def _check_holder(key: Key, request: Request) -> None:
    if key.holder == request.actor.id or request.override:
        return
    raise Refused(_("{key} is held by {holder}, not by you ({steward}); only the holder can do "
                    "this, or a supervisor with --override REASON.").format(
                        key=key.id, holder=people.reach(request.people, key.holder),
                        steward=people.name(request.people, request.actor.id)))


def _authorization_problem(household: Household, purpose: str, day: date) -> str | None:
    """Why the owner's authorization does not allow `purpose` on `day`, or None."""
    auth = household.authorization
    problem = None
    if auth is None:
        problem = _("{household} has no owner's authorization (授权书) on file").format(
            household=household.id)
    elif auth.revoked is not None and auth.revoked <= day:
        problem = _("the owner's authorization of {household} was revoked on {day}").format(
            household=household.id, day=auth.revoked.isoformat())
    elif day < auth.start:
        problem = _("the owner's authorization of {household} only begins on {day}").format(
            household=household.id, day=auth.start.isoformat())
    elif day > auth.until:
        problem = _("the owner's authorization of {household} expired on {day}").format(
            household=household.id, day=auth.until.isoformat())
    elif purpose not in auth.purposes and purpose != "follow-up":
        # A follow-up (回访) comes back to what a visit the owner allowed found: any
        # authorization in force covers it.
        problem = _("the owner's authorization of {household} does not allow {purpose} (it "
                    "allows: {allowed})").format(
                        household=household.id, purpose=vocab.name("purpose", purpose),
                        allowed=vocab.names("purpose", auth.purposes) or "—")
    return problem


def _check_authorization(household: Household, purpose: str, day: date,
                         request: Request) -> None:
    problem = _authorization_problem(household, purpose, day)
    if problem is None:
        return
    if purpose == "emergency":
        if request.consent or request.unreached:
            return
        raise Refused(_("An emergency entry without an authorization that allows it ({problem}) "
                        "needs --consent \"how the owner agreed, when\" or --unreached \"who was "
                        "called, when\".").format(problem=problem))
    raise Refused(_("Refused: {problem}. Record the owner's authorization with `keyledger "
                    "household authorize`.").format(problem=problem))


def _check_reservations(key: Key, holder: str, start: datetime, end: datetime,
                        purpose: str, request: Request) -> None:
    if purpose == "emergency":
        return  # a burst pipe does not wait for the gas company's appointment
    for r in key.reservations:
        if r.steward != holder and r.start < end and start < r.until:
            raise Refused(_("{key} is reserved by {steward} for {purpose} from {start} to {until}; "
                            "choose a time outside it, or ask {steward}.").format(
                                key=key.id, steward=people.reach(request.people, r.steward),
                                purpose=vocab.name("purpose", r.purpose),
                                start=_fmt(r.start), until=_fmt(r.until)))


def _pruned(key: Key, at: datetime) -> tuple[Reservation, ...]:
    """Reservations still to come; past ones stay in git's history, not in the file."""
    return tuple(r for r in key.reservations if r.until > at)


def _check_in_custody(key: Key) -> None:
    """A lost or handed-back key cannot be taken or booked; say what would bring it back."""
    if key.state == "lost":
        raise Refused(_("{key} is lost, not in the cabinet; once it is back, record it with "
                        "`keyledger found {key}`.").format(key=key.id))
    if key.state == "handed-back":
        raise Refused(_("{key} is handed-back: its owner has it and custody has ended; if the "
                        "owner leaves it with you again, register it with `keyledger key add "
                        "--household {household} --id {key}`.").format(
                            key=key.id, household=key.household))


def _check_purpose(purpose: str | None) -> str:
    if purpose not in PURPOSES:
        raise Refused(UnknownWord(PURPOSE, str(purpose)).sentence())
    return purpose


def _check_witness(key: Key, household: Household, policy: WitnessPolicy, purpose: str,
                   request: Request, involved: tuple[str | None, ...]) -> None:
    """The two-person rule: a checkout or handover the policies name needs a third steward."""
    if request.witness and request.witness in involved:
        raise Refused(_("A steward cannot witness their own {action}; name another steward.")
                      .format(action=_(request.action)))
    if not request.witness and (policy.requires(purpose, key.kind)
                                or purpose in household.witness_for):
        raise Refused(_("A witness is required for {purpose} with a {kind} key by the policy of "
                        "{where}; add --witness STEWARD.").format(
                            purpose=vocab.name("purpose", purpose),
                            kind=vocab.name("key-kind", key.kind),
                            where=household.id if purpose in household.witness_for
                            else "keyledger.yaml"))


def checkout(key: Key, household: Household, policy: WitnessPolicy, request: Request) -> Outcome:
    purpose = _check_purpose(request.purpose)
    if key.state == "out":
        raise Refused(_("{key} is already out with {holder} since {since}; it must be returned "
                        "(or handed over) first.").format(
                            key=key.id, holder=people.reach(request.people, key.holder),
                            since=_fmt(key.since) if key.since else "?"))
    _check_in_custody(key)
    expected = request.expected_back
    if expected is None or expected <= request.at:
        raise Refused(_("The expected return is not after the checkout; give a later time or a "
                        "duration such as 3h."))
    _check_override(request)
    holder = request.holder or request.actor.id
    if holder != request.actor.id and not request.actor.supervisor:
        raise Refused(_("Only a supervisor may check a key out for another steward."))
    if (request.consent or request.unreached) and purpose != "emergency":
        raise Refused(_("--consent and --unreached are for --purpose emergency only."))
    _check_pair(household, holder, request)
    _check_authorization(household, purpose, request.at.date(), request)
    _check_witness(key, household, policy, purpose, request, (holder, request.actor.id))
    _check_reservations(key, holder, request.at, expected, purpose, request)
    new = replace(key, state="out", holder=holder, since=request.at, purpose=purpose,
                  expected_back=expected, witness=request.witness, note=request.note,
                  reservations=_pruned(key, request.at))
    return Outcome(new, household, Event(request, key.id, household.id, holder))


def return_key(key: Key, household: Household, request: Request) -> Outcome:
    if key.state != "out":
        raise Refused(_("{key} is not out (it is {state}); there is nothing to return.")
                      .format(key=key.id, state=_state(key)))
    _check_override(request)
    _check_holder(key, request)
    if request.witness and request.witness in (request.actor.id, key.holder):
        raise Refused(_("A steward cannot witness their own {action}; name another steward.")
                      .format(action=_(request.action)))
    new = replace(key, state="in", holder=None, since=request.at, purpose=None,
                  expected_back=None, witness=None, note=request.note,
                  reservations=_pruned(key, request.at))
    request = replace(request, purpose=key.purpose)
    return Outcome(new, household, Event(request, key.id, household.id, key.holder))


def handover(key: Key, household: Household, policy: WitnessPolicy,
             request: Request) -> Outcome:
    if key.state != "out":
        raise Refused(_("{key} is not out; a handover passes a key that is out from one steward "
                        "to another.").format(key=key.id))
    _check_override(request)
    _check_holder(key, request)
    to = request.holder
    if not to or to == key.holder:
        raise Refused(_("Name another steward to hand {key} over to, with --to.").format(key=key.id))
    _check_pair(household, to, request)
    _check_witness(key, household, policy, key.purpose or "", request,
                   (to, key.holder, request.actor.id))
    # The key file describes the new holder's custody: the handover's witness, or none.
    new = replace(key, holder=to, since=request.at, witness=request.witness, note=request.note,
                  reservations=_pruned(key, request.at))
    request = replace(request, purpose=key.purpose)
    return Outcome(new, household, Event(request, key.id, household.id, to))


def _state(key: Key) -> str:
    """A key's state in a refusal: a door code is kept or given, never "in the cabinet"."""
    from keyledger.whereabouts import state_words

    return state_words(key.kind, key.state)


def lost(key: Key, household: Household, request: Request) -> Outcome:
    if key.state not in ("in", "out"):
        raise Refused(_("{key} is {state}; only a key in the cabinet or out can be lost.")
                      .format(key=key.id, state=_state(key)))
    _check_override(request)
    if key.state == "out" and not request.actor.supervisor:
        _check_holder(key, request)
    _check_steward_of_household(household, request)
    if not (request.note or "").strip():
        raise Refused(_("Say what happened with --note; the household will need its lock changed."))
    new = replace(key, state="lost", holder=None, since=request.at, purpose=None,
                  expected_back=None, witness=None, note=request.note, reservations=())
    flags = household.flags if "lock-change" in household.flags else household.flags + ("lock-change",)
    return Outcome(new, replace(household, flags=flags),
                   Event(request, key.id, household.id))


def found(key: Key, household: Household, request: Request) -> Outcome:
    if key.state != "lost":
        raise Refused(_("{key} is not lost (it is {state}).").format(
            key=key.id, state=_state(key)))
    _check_override(request)
    _check_steward_of_household(household, request)
    new = replace(key, state="in", since=request.at, note=request.note)
    return Outcome(new, household, Event(request, key.id, household.id))


def handback(key: Key, household: Household, request: Request) -> Outcome:
    if key.state not in ("in", "out"):
        raise Refused(_("{key} is {state}; only a key in the cabinet or out can be handed back "
                        "to its owner.").format(key=key.id,
                                                state=_state(key)))
    _check_override(request)
    if key.state == "out":
        _check_holder(key, request)
    _check_steward_of_household(household, request)
    new = replace(key, state="handed-back", holder=None, since=request.at, purpose=None,
                  expected_back=None, witness=None, note=request.note, reservations=(),
                  code=None, code_recipients=())
    return Outcome(new, household, Event(request, key.id, household.id))


def reserve(key: Key, household: Household, request: Request) -> Outcome:
    purpose = _check_purpose(request.purpose)
    _check_in_custody(key)
    start, until = request.start, request.until
    if start is None or until is None or until <= start:
        raise Refused(_("A reservation needs --from before --until."))
    if until <= request.at:
        raise Refused(_("That reservation window is already over."))
    _check_override(request)
    holder = request.holder or request.actor.id
    _check_pair(household, holder, request)
    _check_authorization(household, purpose, start.date(), request)
    for r in key.reservations:
        if r.start < until and start < r.until:
            raise Refused(_("{key} is already reserved by {steward} from {start} to {until}.")
                          .format(key=key.id, steward=people.reach(request.people, r.steward),
                                  start=_fmt(r.start), until=_fmt(r.until)))
    added = Reservation(start, until, purpose, holder)
    reservations = tuple(sorted(_pruned(key, request.at) + (added,), key=lambda r: r.start))
    new = replace(key, reservations=reservations)
    return Outcome(new, household, Event(request, key.id, household.id, holder))


def apply(key: Key, household: Household, policy: WitnessPolicy, request: Request) -> Outcome:
    """The one entry point commands, `verify` and `sync` call. Typed text is normalised here
    (keyledger.text), so the key file and the commit's trailers say the same words."""
    request = replace(request, note=text.optional(request.note),
                      override=None if request.override is None else text.line(request.override),
                      consent=text.optional(request.consent),
                      unreached=text.optional(request.unreached))
    if request.action == "checkout":
        outcome = checkout(key, household, policy, request)
    elif request.action == "handover":
        outcome = handover(key, household, policy, request)
    else:
        handlers = {"return": return_key, "lost": lost, "found": found, "handback": handback,
                    "reserve": reserve}
        if request.action not in handlers:
            raise Refused(_("{action!r} is not a custody action.").format(action=request.action))
        outcome = handlers[request.action](key, household, request)
    check_order(key, request)  # after the action's own rules, whose refusals say more
    return outcome


def check_order(key: Key, request: Request) -> None:
    """One key's events come in time order: none is dated before the key's last custody event
    (its file's `since`), a few minutes of difference between two machines' clocks aside."""
    if key.since is not None and request.at < key.since - CLOCK_SKEW:
        raise Refused(_("{key}'s last event is dated {since}; a {action} dated {at} cannot come "
                        "after it. If this machine's clock is wrong, set it right.").format(
                            key=key.id, since=_fmt(key.since), action=_(request.action),
                            at=_fmt(request.at)))


def check_not_backdated(household: Household, request: Request,
                        changed_at: Callable[[], datetime | None], latest: datetime) -> None:
    """A checkout or reservation dated before the last change of its household's file, when
    that change forbids it: the authorization as it stands after the change (revoked, ended,
    narrowed) refuses it on the day of the change. Dating a checkout the day before a
    revocation does not get round the revocation.

    When the change was is asked (`changed_at`: it costs a walk of the history) only if the
    authorization refuses the act on the `latest` day the change can have happened: what it
    allows on one day it allows on every later one until it is revoked or ends."""
    if request.action not in ("checkout", "reserve") or \
            (request.purpose == "emergency" and (request.consent or request.unreached)):
        return
    day = request.start.date() if request.action == "reserve" and request.start else \
        request.at.date()
    if _authorization_problem(household, request.purpose or "",
                              max(day, latest.astimezone(request.at.tzinfo).date())) is None:
        return
    changed = changed_at()
    if changed is None or request.at >= changed:
        return
    changed = changed.astimezone(request.at.tzinfo)
    problem = _authorization_problem(household, request.purpose or "", max(day, changed.date()))
    if problem:
        raise Refused(_("it is dated {at}, before {household}'s file changed ({changed}), and "
                        "that change forbids it: {why}").format(
                            at=_fmt(request.at), household=household.id, changed=_fmt(changed),
                            why=problem))


def _revokes(before: Authorization | None, after: Authorization | None) -> bool:
    """`after` is `before` in force until now, ended on some day, and nothing else changed."""
    return (before is not None and after is not None and before.revoked is None
            and after.revoked is not None and replace(after, revoked=None) == before)


def check_household_change(before: Household | None, after: Household, actor: Actor,
                           action: str) -> None:
    """Who may write what in a household file. Its A/B pair, the owner's authorization and its
    witness policy are the community's commitments to the resident, so a supervisor's; an owner
    may cancel through either of their stewards, so revoking is also the A/B pair's. Each
    action is checked the same way by its command and by `verify`, from the file before and after.
    `before` is None for a household being added.

    Whatever the action says it is, a household's own fields (its people and their
    birthdays, how they live, flags, schedule…) are its pair's or a supervisor's to change:
    another steward's commit may change only its open records, which its visit or its
    trailers explain exactly (keyledger.service, checked by `verify`)."""
    if before is not None and action == "household-add":
        raise Refused(_("{household} is already in the ledger; `keyledger household add` "
                        "registers a new household, and `keyledger household edit` changes "
                        "one.").format(household=after.id))
    old = before or Household(after.id, after.name, after.address)
    if action == "household-edit":
        if old.pair != after.pair:
            raise Refused(_("`household edit` does not change the A/B pair of {household}; a "
                            "supervisor sets it with `keyledger household pair`.").format(
                                household=after.id))
        if old.authorization != after.authorization:
            raise Refused(_("`household edit` does not change the owner's authorization of "
                            "{household}; use `keyledger household authorize` or `keyledger "
                            "household revoke`.").format(household=after.id))
        if not actor.supervisor and actor.id not in old.pair:
            raise Refused(_("Only the A/B pair of {household} ({pair}) or a supervisor may edit "
                            "its file; ask one of them.").format(
                                household=after.id, pair=", ".join(old.pair) or "—"))
    if actor.supervisor:
        return
    if old.pair != after.pair:
        raise Refused(_("Only a supervisor assigns a household's A/B pair ({household}): ask "
                        "a supervisor to set it with `keyledger household pair` (a household "
                        "can be added without --pair).").format(household=after.id))
    if old.authorization != after.authorization:
        if not _revokes(old.authorization, after.authorization):
            raise Refused(_("Only a supervisor records or renews the owner's authorization of "
                            "{household} (the community signs it with the resident); ask a "
                            "supervisor to run `keyledger household authorize`.").format(
                                household=after.id))
        if actor.id not in old.pair:
            raise Refused(_("Only a supervisor or the A/B pair of {household} ({pair}) may "
                            "revoke its authorization; ask one of them to run `keyledger "
                            "household revoke {household}`.").format(
                                household=after.id, pair=", ".join(old.pair) or "—"))
    if old.witness_for != after.witness_for:
        raise Refused(_("Only a supervisor sets which purposes need a witness at {household}; "
                        "ask a supervisor to run `keyledger household edit {household} "
                        "--witness-for …`.").format(household=after.id))
    if before is not None and actor.id not in old.pair and _own(old) != _own(after):
        raise Refused(_("Only the A/B pair of {household} ({pair}) or a supervisor may edit "
                        "its file; ask one of them.").format(
                            household=after.id, pair=", ".join(old.pair) or "—"))


def _own(household: Household) -> Household:
    """The household without its open records (problems, requests, money owed)."""
    return replace(household, **{name: () for name in SERVICE_FIELDS})


def is_overdue(key: Key, now: datetime) -> bool:
    return key.state == "out" and key.expected_back is not None and key.expected_back < now


def check_visit_author(visit: Visit, actor: Actor) -> None:
    """A visit is recorded by a steward who made it; a supervisor may enter it for them, and
    the visit then names the supervisor as `entered_by`."""
    if visit.entered_by is None and actor.id in visit.stewards:
        return
    if actor.supervisor and visit.entered_by == actor.id:
        return
    if actor.supervisor:
        raise Refused(_("{id} enters a visit made by {stewards}; a visit a supervisor enters for "
                        "others says so (entered_by: {id}).").format(
                            id=actor.id, stewards=", ".join(visit.stewards) or "—"))
    raise Refused(_("{id} records a visit made by {stewards}; a visit is recorded by one of the "
                    "stewards who made it, or entered by a supervisor.").format(
                        id=actor.id, stewards=", ".join(visit.stewards) or "—"))


def check_confirm(trailers: dict[str, str], actor: Actor) -> None:
    """A witness confirms a checkout, return or handover that names them, and only that."""
    if trailers.get("Action") not in ("checkout", "return", "handover"):
        raise Refused(_("Only a checkout, return or handover can be confirmed by its witness."))
    if trailers.get("Witness") != actor.id:
        raise Refused(_("That commit names {witness} as witness, not you ({steward}).").format(
            witness=trailers.get("Witness") or "—", steward=actor.id))
