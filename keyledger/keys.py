"""Key files: registering keys in the cabinet, and the door codes stored encrypted in them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from keyledger import code_rights, codes, gitops, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward, private_key_path, supervisors
from keyledger.ids import check_id
from keyledger.forms import KEY_WORDS, load_form, record_from
from keyledger.ledger import Ledger, locked
from keyledger.model import Household, Key, Steward, parse_key
from keyledger.subjects import subject
from keyledger.timeutil import iso, now, zone


def next_key_id(ledger: Ledger) -> str:
    numbers = [int(m.group(1)) for m in (re.fullmatch(r"K-(\d+)", i) for i in ledger.ids("key"))
               if m]
    return f"K-{max(numbers, default=0) + 1:04d}"


def slot_holder(ledger: Ledger, slot: str, other_than: str) -> str | None:
    return next((n for n in ledger.grep("key", "slot", slot)
                 if n != other_than and ledger.key(n).slot == slot), None)


def code_readers(ledger: Ledger, household: Household) -> list[Steward]:
    """Who may open a household's door codes: its A/B pair and the supervisors."""
    readers = {s.id: s for s in supervisors(ledger)}
    for ident in household.pair:
        steward = ledger.steward(ident)
        if steward.active:
            readers[steward.id] = steward
    return sorted(readers.values(), key=lambda s: s.id)


def _sealed(ledger: Ledger, key: Key, household: Household, code: str) -> Key:
    readers = code_readers(ledger, household)
    armored = codes.encrypt(code, household.id, key.id, [s.key for s in readers])
    return replace(key, code=armored, code_recipients=tuple(s.id for s in readers))


@locked
def add_key(ledger: Ledger, ident: str | None, given: dict[str, Any], form: Path | None = None,
            read_code: Callable[[], str] | None = None) -> tuple[Key, str]:
    if ident is None and form is not None:
        form_id = load_form(form).get("id")
        if form_id is not None and not isinstance(form_id, str):
            raise FatalError(_("The id in {path} must be text; put it in quotes, like '0012'.")
                             .format(path=form))
        ident = form_id
    ident = check_id(next_key_id(ledger) if ident is None else ident, _("key"))
    actor = acting_steward(ledger)
    if ledger.exists("household", ident):
        raise FatalError(_("{id} is a household's id; a key needs an id of its own.").format(id=ident))
    again = ledger.exists("key", ident)
    if again and ledger.key(ident).state != "handed-back":
        raise FatalError(_("There is already a key {id!r}; choose another tag number.")
                         .format(id=ident))
    defaults = {"schema": 1, "id": ident, "kind": "physical", "state": "in"}
    key = record_from(parse_key, ident, defaults, given, form, KEY_WORDS)
    if key.state != "in" or key.code is not None or key.holder or key.reservations:
        raise FatalError(_("A new key is registered in the cabinet (state: in), without a code "
                           "or reservations; custody starts with `keyledger checkout`."))
    household = ledger.household(key.household)
    if key.slot and (other := slot_holder(ledger, key.slot, ident)):
        raise FatalError(_("Cabinet slot {slot} already holds {other}; choose a free slot.")
                         .format(slot=key.slot, other=other))
    if key.kind == "code":
        code_rights.check_rights("key-add", household, actor.id, actor.role == "supervisor")
        if read_code is None:
            raise FatalError(_("A door code is read from the terminal or standard input."))
        key = _sealed(ledger, key, household, read_code())
    relpath = ledger.relpath("key", ident)
    sha = ledger.change({relpath: yaml.dump(key.to_dict())}, gitops.format_message(
        subject(ledger, "{actor} registers key {key} again ({kind}; {household} {name})"
                if again else "{actor} registers key {key} ({kind}; {household} {name})",
                actor=actor.name, key=ident, kind=key.kind, household=household.id,
                name=household.name),
        [("Action", "key-add"), ("Key", ident), ("Household", household.id),
         ("Steward", actor.id), ("At", iso(now(zone(ledger.settings.timezone))))]))
    return key, sha


@locked
def rotate_code(ledger: Ledger, key_id: str, read_code: Callable[[], str]) -> tuple[Key, str]:
    """A new door code (the owner changed it, or a steward who knew it left)."""
    key = ledger.key(key_id)
    if key.kind != "code" or key.state == "handed-back":
        raise FatalError(_("{key} is not a door code in custody.").format(key=key_id))
    household = ledger.household(key.household)
    actor = acting_steward(ledger)
    code_rights.check_rights("code-rotate", household, actor.id, actor.role == "supervisor")
    new = _sealed(ledger, key, household, read_code())
    sha = ledger.change({ledger.relpath("key", key.id): yaml.dump(new.to_dict())},
                        gitops.format_message(
                            subject(ledger, "{actor} changes the door code of {key} "
                                    "({household} {name})", actor=actor.name, key=key.id,
                                    household=household.id, name=household.name),
                            [("Action", "code-rotate"), ("Key", key.id),
                             ("Household", household.id), ("Steward", actor.id)]))
    return new, sha


@dataclass(frozen=True)
class Rekeyed:
    key: str
    household: str
    added: tuple[str, ...]
    removed: tuple[str, ...]  # they could open the old code: it should be rotated
    replaced: tuple[str, ...] = ()  # their replaced key could open it: it should be rotated


@locked
def rekey(ledger: Ledger, passphrase: Callable[[], str]) -> tuple[list[Rekeyed], str | None]:
    """Re-encrypt every door code to its household's current pair and the supervisors."""
    actor = acting_steward(ledger, supervisor=_("re-encrypt the door codes (`keyledger rekey`)"))
    identity = None
    files: dict[str, str | bytes | None] = {}
    report = []
    roster = ledger.stewards()
    for name in ledger.grep("key", "kind", "code"):
        key = ledger.key(name)
        if key.kind != "code" or not key.code:
            continue
        household = ledger.household(key.household)
        readers = tuple(s.id for s in code_readers(ledger, household))
        # Who can open it now is read from the ciphertext, not from what its file says.
        real = code_rights.real_recipients(key.code, roster)
        if set(readers) == real.stewards and not real.strangers and not real.replaced and \
                readers == key.code_recipients:
            continue
        if identity is None:
            identity = codes.load_identity(private_key_path(ledger), passphrase)
        code = codes.decrypt(key.code, household.id, key.id, identity)
        new = _sealed(ledger, key, household, code)
        files[ledger.relpath("key", key.id)] = yaml.dump(new.to_dict())
        report.append(Rekeyed(key.id, household.id,
                              tuple(r for r in readers
                                    if r not in real.stewards and r not in real.replaced),
                              tuple(sorted(real.stewards - set(readers)))
                              + (_("a key of no steward"),) * real.strangers, real.replaced))
    if not files:
        return [], None
    rotate = sorted(r.key for r in report if r.removed or r.replaced)
    sha = ledger.change(files, gitops.format_message(
        subject(ledger, "{n} door codes encrypted again for who may open them", n=len(files)),
        [("Action", "rekey"), ("Steward", actor.id),
                                           ("Keys", ",".join(r.key for r in report)),
                                           ("Rotate", ",".join(rotate))]))
    return report, sha
