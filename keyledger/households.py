"""Household files: registering a household (一户一档) and reading them back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keyledger import gitops, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ids import check_id
from keyledger.ledger import Ledger, record_from
from keyledger.model import Household, parse_household


def check_pair(ledger: Ledger, household: Household) -> None:
    for steward_id in household.pair:
        steward = ledger.steward(steward_id)
        if not steward.active:
            raise FatalError(_("{name} ({id}) is not an active steward and cannot be in a pair.")
                             .format(name=steward.name, id=steward.id))
    if household.pair_a and household.pair_a == household.pair_b:
        raise FatalError(_("The A and B stewards of a household must be two different people."))


def add_household(ledger: Ledger, ident: str, given: dict[str, Any],
                  form: Path | None = None) -> tuple[Household, str]:
    check_id(ident, _("household"))
    actor = acting_steward(ledger)
    if ledger.exists("household", ident):
        raise FatalError(_("There is already a household {id!r}; use `keyledger household show "
                           "{id}`.").format(id=ident))
    defaults = {"schema": 1, "id": ident, "kind": "resident", "people": [], "contacts": [],
                "flags": [], "away": [], "care": [], "pair": {"a": None, "b": None}, "notes": ""}
    household = record_from(parse_household, ident, defaults, given, form)
    check_pair(ledger, household)
    relpath = ledger.relpath("household", ident)
    sha = ledger.change({relpath: yaml.dump(household.to_dict())}, gitops.format_message(
        f"add household {ident} {household.name}",
        [("Action", "household-add"), ("Household", ident), ("Steward", actor.id)]))
    return household, sha
