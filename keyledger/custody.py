"""Taking keys out and putting them back, what is out now, and the custody record from git."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from keyledger import gitops, rules, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward, refresh_allowed_signers
from keyledger.ids import check_id, nearest
from keyledger.ledger import Ledger
from keyledger.model import Key
from keyledger.rules import CheckoutRequest, Event, ReturnRequest
from keyledger.timeutil import now, parse_when, zone


# A purpose missing from the ledger's policies still gets a deadline, so nothing is out forever.
_FALLBACK_EXPECTED_BACK = timedelta(hours=2)


def _subject(event: Event, steward_name: str, household_name: str) -> str:
    where = f"({event.household} {household_name})"
    if event.action == "checkout":
        return f"checkout {event.key} to {steward_name} for {event.purpose} {where}"
    return f"{event.action} {event.key} from {steward_name} {where}"


def _record(ledger: Ledger, key: Key, new: Key, event: Event, steward_name: str) -> str:
    household = ledger.household(key.household)
    message = gitops.format_message(_subject(event, steward_name, household.name),
                                    event.trailers())
    return ledger.change({ledger.relpath("key", key.id): yaml.dump(new.to_dict())}, message)


def checkout(ledger: Ledger, key_id: str, purpose: str, expect_back: str | None = None,
             note: str | None = None, witness: str | None = None) -> tuple[Key, Event, str]:
    key = ledger.key(key_id)
    actor = acting_steward(ledger)
    if witness:
        ledger.steward(witness)
    at = now(zone(ledger.settings.timezone))
    default = ledger.settings.expected_back.get(purpose)
    expected = parse_when(expect_back, at) if expect_back else at + (default or _FALLBACK_EXPECTED_BACK)
    new, event = rules.checkout(key, CheckoutRequest(actor.id, purpose, at, expected, witness,
                                                     note))
    return new, event, _record(ledger, key, new, event, actor.name)


def return_key(ledger: Ledger, key_id: str, note: str | None = None) -> tuple[Key, Event, str]:
    key = ledger.key(key_id)
    actor = acting_steward(ledger)
    at = now(zone(ledger.settings.timezone))
    new, event = rules.return_key(key, ReturnRequest(actor.id, at, note))
    return new, event, _record(ledger, key, new, event, actor.name)


@dataclass(frozen=True)
class OutKey:
    key: Key
    holder_name: str
    household_name: str
    overdue: bool


def status(ledger: Ledger) -> tuple[datetime, list[OutKey]]:
    """Every key that is not in the cabinet, overdue ones first, then by how long they are out."""
    moment = now(zone(ledger.settings.timezone))
    names = {s.id: s.name for s in ledger.stewards()}
    out = []
    for key in ledger.keys():
        if key.state != "out":
            continue
        household = ledger.household(key.household)
        out.append(OutKey(key, names.get(key.holder or "", key.holder or "?"), household.name,
                          rules.is_overdue(key, moment)))
    out.sort(key=lambda o: (not o.overdue, o.key.since or moment, o.key.id))
    return moment, out


def history(ledger: Ledger, target: str) -> tuple[str, list[gitops.LogEntry]]:
    """The commits that changed a key's file, or a household's file and all its keys' files."""
    check_id(target, _("key or household"))
    refresh_allowed_signers(ledger)
    if ledger.exists("key", target):
        return "key", gitops.log(ledger.root, [ledger.relpath("key", target)])
    if not ledger.exists("household", target):
        close = nearest(target, ledger.ids("key") + ledger.ids("household"))
        hint = _(" Did you mean: {ids}?").format(ids=", ".join(close)) if close else ""
        raise FatalError(_("There is no key or household {id!r} in this ledger.").format(id=target)
                         + hint)
    paths = [ledger.relpath("household", target)]
    paths += [ledger.relpath("key", k.id) for k in ledger.keys_of(target)]
    return "household", gitops.log(ledger.root, paths)
