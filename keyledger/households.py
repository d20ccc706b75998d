"""Household files (一户一档): registering and editing them, their A/B pair and the owner's
authorization."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable

from keyledger import attachments, gitops, rules, text, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ids import check_id
from keyledger.forms import record_from
from keyledger.ledger import Ledger, locked
from keyledger.model import Authorization, Household, Steward, parse_household
from keyledger.timeutil import now, parse_date, zone
from keyledger.vocab import PURPOSES


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
    household = record_from(parse_household, ident, defaults, given, form)
    rules.check_household_change(None, household, _actor(actor), "household-add")
    check_pair(ledger, household)
    relpath = ledger.relpath("household", ident)
    files: dict[str, str | bytes | None] = {relpath: yaml.dump(household.to_dict())}
    document = household.authorization.document if household.authorization else None
    if document and not (ledger.root / document).is_file():
        raise FatalError(_("The authorization's document {path} is not in the ledger; give the "
                           "scan with `household authorize --document`.").format(path=document))
    sha = ledger.change(files, gitops.format_message(
        f"add household {ident} {household.name}",
        [("Action", "household-add"), ("Household", ident), ("Steward", actor.id)]))
    return household, sha


def _actor(steward: Steward) -> rules.Actor:
    return rules.Actor(steward.id, steward.role == "supervisor")


def _save(ledger: Ledger, before: Household, household: Household, action: str, subject: str,
          trailers: list[tuple[str, str]],
          extra: dict[str, str | bytes | None] | None = None) -> str:
    actor = acting_steward(ledger)
    rules.check_household_change(before, household, _actor(actor), action)
    files: dict[str, str | bytes | None] = {
        ledger.relpath("household", household.id): yaml.dump(household.to_dict()), **(extra or {})}
    return ledger.change(files, gitops.format_message(
        f"{subject} ({household.id} {household.name})",
        [("Action", action), ("Household", household.id), ("Steward", actor.id), *trailers]))


@locked
def set_pair(ledger: Ledger, ident: str, a: str, b: str) -> tuple[Household, str]:
    """A supervisor's commit: who the household's A and B stewards are."""
    old = ledger.household(ident)
    household = replace(old, pair_a=check_id(a, _("steward")), pair_b=check_id(b, _("steward")))
    check_pair(ledger, household)
    if household.pair == old.pair:
        raise FatalError(_("{id} already has that pair.").format(id=ident))
    sha = _save(ledger, old, household, "pair", f"pair of {ident}: A {a}, B {b}",
                [("Pair-A", a), ("Pair-B", b)])
    return household, sha


@locked
def authorize(ledger: Ledger, ident: str, start: str, until: str, purposes: list[str],
              conditions: list[str] | None, document: Path | None,
              signed_on: str | None = None) -> tuple[Household, str]:
    """A supervisor's commit: the owner's letter, new or renewed. A renewal keeps the earlier
    letter, and the earlier conditions unless `conditions` is given (an empty list drops them)."""
    old = ledger.household(ident)
    begin, end = parse_date(start), parse_date(until)
    if end < begin:
        raise FatalError(_("--until must not be before --from."))
    chosen = [p.strip() for item in purposes for p in item.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PURPOSES]
    if unknown or not chosen:
        raise FatalError(_("--purpose takes purposes from: {purposes}.").format(
            purposes=", ".join(PURPOSES)))
    stored, extra = attachments.store(ledger.root, [document] if document else [],
                                      ledger.settings.attachment_max_bytes)
    earlier = old.authorization
    relpath = stored[0] if stored else earlier.document if earlier else None
    if conditions is None:
        conditions = list(earlier.conditions) if earlier else []
    else:
        conditions = [c for c in map(text.line, conditions) if c]
    today = now(zone(ledger.settings.timezone)).date()
    auth = Authorization(parse_date(signed_on) if signed_on else today, begin, end,
                         tuple(dict.fromkeys(chosen)), tuple(conditions), relpath)
    household = replace(old, authorization=auth)
    sha = _save(ledger, old, household, "authorize",
                f"authorization of {ident} {begin}..{end}: {', '.join(auth.purposes)}",
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
    return household, _save(ledger, old, household, "revoke", f"authorization of {ident} revoked",
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
             name: Callable[[Any], str] = str) -> list[Any]:
    present = [name(item) for item in current]
    missing = [g for g in gone if g not in present]
    if missing:
        raise FatalError(_("{id} has no {what} {missing} to remove (it has: {present}).").format(
            id=ident, what=what, missing=", ".join(missing), present=", ".join(present) or "—"))
    return [item for item in current if name(item) not in gone]


def _edited(old: Household, edit: Edit, form: Path | None) -> Household:
    unknown = [p for p in edit.witness_for or () if p not in PURPOSES]
    if unknown:
        raise FatalError(_("--witness-for takes purposes from: {purposes}.").format(
            purposes=", ".join(PURPOSES)))
    base = record_from(parse_household, old.id, old.to_dict(), edit.fields, form).to_dict()
    main = {k: v for k, v in (("phone", edit.phone), ("birthday", edit.birthday),
                              ("interests", list(edit.interests or ()) or None)) if v is not None}
    if main:
        people = base["people"] or [{"name": base["name"]}]
        base["people"] = [{**people[0], **main}, *people[1:]]
    if edit.living is not None:
        base["living"] = edit.living
    base["flags"] = list(dict.fromkeys(
        _without(base["flags"], edit.remove_flags, _("flag"), old.id) + list(edit.add_flags)))
    base["care"] = list(dict.fromkeys(
        _without(base["care"], edit.remove_care, _("care item"), old.id) + list(edit.add_care)))
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
    new = _edited(old, edit, form)
    before, after = old.to_dict(), new.to_dict()
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        raise FatalError(_("That changes nothing in {id}; give the fields to change, e.g. "
                           "--notes or --add-flag.").format(id=ident))
    sha = _save(ledger, old, new, "household-edit", f"edit {', '.join(changed)} of {ident}",
                [("Fields", ",".join(changed))])
    return new, changed, sha
