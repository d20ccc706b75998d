"""Key files: registering a key in the cabinet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from keyledger import gitops, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ids import check_id
from keyledger.ledger import Ledger, load_form, record_from
from keyledger.model import Key, parse_key


def next_key_id(ledger: Ledger) -> str:
    numbers = [int(m.group(1)) for m in (re.fullmatch(r"K-(\d+)", i) for i in ledger.ids("key"))
               if m]
    return f"K-{max(numbers, default=0) + 1:04d}"


def slot_holder(ledger: Ledger, slot: str) -> str | None:
    return next((n for n in ledger.grep("key", "slot", slot) if ledger.key(n).slot == slot), None)


def add_key(ledger: Ledger, ident: str | None, given: dict[str, Any],
            form: Path | None = None) -> tuple[Key, str]:
    if ident is None and form is not None:
        form_id = load_form(form).get("id")
        ident = None if form_id is None else str(form_id)
    ident = check_id(next_key_id(ledger) if ident is None else ident, _("key"))
    actor = acting_steward(ledger)
    if ledger.exists("key", ident):
        raise FatalError(_("There is already a key {id!r}; choose another tag number.")
                         .format(id=ident))
    defaults = {"schema": 1, "id": ident, "kind": "physical", "state": "in"}
    key = record_from(parse_key, ident, defaults, given, form)
    if key.state != "in" or key.code is not None:
        raise FatalError(_("A new key is registered in the cabinet (state: in) and without a "
                           "code; custody starts with `keyledger checkout`."))
    household = ledger.household(key.household)
    if key.slot and (other := slot_holder(ledger, key.slot)):
        raise FatalError(_("Cabinet slot {slot} already holds {other}; choose a free slot.")
                         .format(slot=key.slot, other=other))
    relpath = ledger.relpath("key", ident)
    sha = ledger.change({relpath: yaml.dump(key.to_dict())}, gitops.format_message(
        f"add key {ident} ({key.kind}) for {household.id} {household.name}",
        [("Action", "key-add"), ("Key", ident), ("Household", household.id),
         ("Steward", actor.id)]))
    return key, sha
