"""Household files (一户一档): registering and editing them, their A/B pair and the owner's
authorization."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable

from keyledger import attachments, gitops, rules, text, vocab, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ids import check_id
from keyledger.forms import HOUSEHOLD_WORDS, record_from
from keyledger.ledger import Ledger, locked
from keyledger.model import Authorization, Household, Steward, parse_household
from keyledger.people import People
from keyledger.subjects import subject
from keyledger.timeutil import now, parse_date, zone


def check_pair(ledger: Ledger, household: Household) -> None:
    for steward_id in household.pair:
        steward = ledger.steward(steward_id)
        if not steward.active:
            raise FatalError(_("{name} ({id}) is not an active steward and cannot be in a pair.")
                             .format(name=steward.name, id=steward.id))
    if household.pair_a and household.pair_a == household.pair_b:
        raise FatalError(_("The A and B stewards of a household must be two different people."))


@locked
def add_household(ledger: Ledger, ident: str, given: dict[str, Any],
                  form: Path | None = None) -> tuple[Household, str]:
    check_id(ident, _("household"))
    actor = acting_steward(ledger)
    if ledger.exists("household", ident):
        raise FatalError(_("There is already a household {id!r}; use `keyledger household show "
                           "{id}`.").format(id=ident))
    if ledger.exists("key", ident):
        raise FatalError(_("{id} is a key's id; a household needs an id of its own.").format(id=ident))
    defaults = {"schema": 1, "id": ident, "kind": "resident", "people": [], "contacts": [],
                "flags": [], "away": [], "care": [], "pair": {"a": None, "b": None}, "notes": ""}
    if given.get("away"):
        given = {**given, "away": _away_dates(given["away"], _today(ledger))}
    household = record_from(parse_household, ident, defaults, given, form, HOUSEHOLD_WORDS)
    rules.check_household_change(None, household, _actor(actor), "household-add")
    check_pair(ledger, household)
    relpath = ledger.relpath("household", ident)
    files: dict[str, str | bytes | None] = {relpath: yaml.dump(household.to_dict())}
    document = household.authorization.document if household.authorization else None
    if document and not (ledger.root / document).is_file():
        raise FatalError(_("The authorization's document {path} is not in the ledger; give the "
                           "scan with `household authorize --document`.").format(path=document))
    sha = ledger.change(files, gitops.format_message(
        subject(ledger, "{actor} registers household {household} {name}", actor=actor.name,
                household=ident, name=household.name),
        [("Action", "household-add"), ("Household", ident), ("Steward", actor.id)]))
    return household, sha


def _today(ledger: Ledger) -> date:
    return now(zone(ledger.settings.timezone)).date()


def _away_dates(periods: Any, today: date) -> list[Any]:
    """Periods away with their days as people write them (11月1日, 明年4月15日) as ISO dates."""
    return [{**p, **{k: parse_date(p[k], today).isoformat() for k in ("from", "until")
                     if isinstance(p.get(k), str)}} if isinstance(p, dict) else p
            for p in periods]


def _actor(steward: Steward) -> rules.Actor:
    return rules.Actor(steward.id, steward.role == "supervisor")


def _save(ledger: Ledger, before: Household, household: Household, action: str, said: str,
          trailers: list[tuple[str, str]],
          extra: dict[str, str | bytes | None] | None = None) -> str:
    actor = acting_steward(ledger)
    rules.check_household_change(before, household, _actor(actor), action)
    files: dict[str, str | bytes | None] = {
        ledger.relpath("household", household.id): yaml.dump(household.to_dict()), **(extra or {})}
    return ledger.change(files, gitops.format_message(
        said,
        [("Action", action), ("Household", household.id), ("Steward", actor.id), *trailers]))


@locked
def set_pair(ledger: Ledger, ident: str, a: str, b: str) -> tuple[Household, str]:
    """A supervisor's commit: who the household's A and B stewards are."""
    old = ledger.household(ident)
    household = replace(old, pair_a=check_id(a, _("steward")), pair_b=check_id(b, _("steward")))
    check_pair(ledger, household)
    if household.pair == old.pair:
        raise FatalError(_("{id} already has that pair.").format(id=ident))
    names = People(ledger)
    sha = _save(ledger, old, household, "pair",
                subject(ledger, "A/B pair of {household} {name}: A {a}, B {b}", household=ident,
                        name=old.name, a=names.name(a), b=names.name(b)),
                [("Pair-A", a), ("Pair-B", b)])
    return household, sha


@locked
def authorize(ledger: Ledger, ident: str, start: str, until: str, purposes: list[str],
              conditions: list[str] | None, document: Path | None,
              signed_on: str | None = None) -> tuple[Household, str]:
    """A supervisor's commit: the owner's letter, new or renewed. A renewal keeps the earlier
    letter, and the earlier conditions unless `conditions` is given (an empty list drops them)."""
    old = ledger.household(ident)
    today = now(zone(ledger.settings.timezone)).date()
    begin, end = parse_date(start, today), parse_date(until, today)
    if end < begin:
        raise FatalError(_("--until must not be before --from."))
    chosen = vocab.parse_list("purpose", purposes, "--purpose")
    if not chosen:
        raise FatalError(_("--purpose takes purposes from: {purposes}.").format(
            purposes=vocab.choices("purpose")))
    stored, extra = attachments.store(ledger.root, [document] if document else [],
                                      ledger.settings.attachment_max_bytes, supervisor=True)
    earlier = old.authorization
    relpath = stored[0] if stored else earlier.document if earlier else None
    if conditions is None:
        conditions = list(earlier.conditions) if earlier else []
    else:
        conditions = [c for c in map(text.line, conditions) if c]
    today = now(zone(ledger.settings.timezone)).date()
    auth = Authorization(parse_date(signed_on, today) if signed_on else today, begin, end,
                         tuple(dict.fromkeys(chosen)), tuple(conditions), relpath)
    household = replace(old, authorization=auth)
    sha = _save(ledger, old, household, "authorize",
                subject(ledger, "authorization of {household} {name}, {start} to {until}: "
                        "{purposes}", household=ident, name=old.name, start=begin.isoformat(),
                        until=end.isoformat(), purposes=auth.purposes),
                [("From", begin.isoformat()), ("Until", end.isoformat()),
                 ("Purposes", ",".join(auth.purposes)), ("Document", relpath or "")], extra)
    return household, sha


@locked
def revoke(ledger: Ledger, ident: str, on: date | None = None) -> tuple[Household, str]:
    old = ledger.household(ident)
    auth = old.authorization
    if auth is None or auth.revoked is not None:
        raise FatalError(_("{id} has no authorization in force to revoke.").format(id=ident))
    day = on or now(zone(ledger.settings.timezone)).date()
    household = replace(old, authorization=replace(auth, revoked=day))
    return household, _save(ledger, old, household, "revoke",
                            subject(ledger, "authorization of {household} {name} revoked",
                                    household=ident, name=old.name),
                            [("Until", day.isoformat())])


@dataclass(frozen=True)
class Edit:
    """What `household edit` changes; what it leaves None or empty stays as it is."""

    fields: dict[str, Any]            # name, address, kind, notes: their new values
    phone: str | None = None          # the main resident's
    add_flags: tuple[str, ...] = ()
    remove_flags: tuple[str, ...] = ()
    add_care: tuple[str, ...] = ()
    remove_care: tuple[str, ...] = ()
    add_away: tuple[dict[str, Any], ...] = ()
    remove_away: tuple[str, ...] = ()  # each period by its first day
    witness_for: tuple[str, ...] | None = None
    living: str | None = None
    birthday: str | None = None                 # the main resident's, and their interests
    interests: tuple[str, ...] | None = None


def _without(current: list[Any], gone: tuple[str, ...], what: str, ident: str,
             name: Callable[[Any], str] = str, show: Callable[[str], str] = str) -> list[Any]:
    present = [name(item) for item in current]
    missing = [g for g in gone if g not in present]
    if missing:
        raise FatalError(_("{id} has no {what} {missing} to remove (it has: {present}).").format(
            id=ident, what=what, missing=_(", ").join(map(show, missing)),
            present=_(", ").join(map(show, present)) or "—"))
    return [item for item in current if name(item) not in gone]


def _edited(old: Household, edit: Edit, form: Path | None, today: date) -> Household:
    edit = replace(  # the words typed, as codes; the days, as dates
        edit, add_flags=vocab.parse_list("flag", edit.add_flags, "--add-flag"),
        remove_flags=vocab.parse_list("flag", edit.remove_flags, "--remove-flag"),
        add_care=vocab.parse_list("care", edit.add_care, "--add-care"),
        remove_care=vocab.parse_list("care", edit.remove_care, "--remove-care"),
        witness_for=None if edit.witness_for is None else
        vocab.parse_list("purpose", edit.witness_for, "--witness-for"),
        add_away=tuple(_away_dates(edit.add_away, today)),
        remove_away=tuple(parse_date(d, today).isoformat() for d in edit.remove_away))
    base = record_from(parse_household, old.id, old.to_dict(), edit.fields, form,
                       HOUSEHOLD_WORDS).to_dict()
    main = {k: v for k, v in (("phone", edit.phone), ("birthday", edit.birthday),
                              ("interests", list(edit.interests or ()) or None)) if v is not None}
    if main:
        people = base["people"] or [{"name": base["name"]}]
        base["people"] = [{**people[0], **main}, *people[1:]]
    if edit.living is not None:
        base["living"] = edit.living
    base["flags"] = list(dict.fromkeys(
        _without(base["flags"], edit.remove_flags, vocab.FLAG.label(), old.id,
                 show=lambda f: vocab.name("flag", f)) + list(edit.add_flags)))
    base["care"] = list(dict.fromkeys(
        _without(base["care"], edit.remove_care, vocab.CARE_ITEM.label(), old.id,
                 show=lambda c: vocab.name("care", c)) + list(edit.add_care)))
    base["away"] = _without(base["away"], edit.remove_away, _("period away from"), old.id,
                            lambda a: a["from"]) + list(edit.add_away)
    if edit.witness_for is not None:
        base["witness_for"] = list(dict.fromkeys(edit.witness_for))
    return record_from(parse_household, old.id, base, {}, None)


@locked
def edit_household(ledger: Ledger, ident: str, edit: Edit,
                   form: Path | None = None) -> tuple[Household, list[str], str]:
    """One commit changing a household's own fields; its pair and the owner's authorization
    have commands of their own, and its witness policy is a supervisor's (the rules decide)."""
    old = ledger.household(ident)
    new = _edited(old, edit, form, _today(ledger))
    before, after = old.to_dict(), new.to_dict()
    # A field written only when set (living, the open records) is missing from one side.
    changed = [name for name in {**before, **after} if after.get(name) != before.get(name)]
    if not changed:
        raise FatalError(_("That changes nothing in {id}; give the fields to change, e.g. "
                           "--notes or --add-flag.").format(id=ident))
    sha = _save(ledger, old, new, "household-edit",
                subject(ledger, "household {household} {name} changed: {fields}",
                        household=ident, name=new.name, fields=", ".join(changed)),
                [("Fields", ",".join(changed))])
    return new, changed, sha
