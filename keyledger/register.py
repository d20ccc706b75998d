"""The elderly register's view of the households (seed 001): who lives alone, who is 高龄 — by
age from the birthday or the year born, at least the ledger's `policies.registers.aged_from` —
for `household list`'s filters, `household show` and the export."""

from __future__ import annotations

from datetime import date
from typing import Any

from keyledger.ledger import Ledger
from keyledger.model import Person
from keyledger.timeutil import now, zone


def aged(births: tuple[tuple[int | None, date | None], ...], today: date, threshold: int) -> bool:
    """Someone of these (year born, birthday) is at least `threshold` years old today."""
    return any((Person("", born=born, birthday=birthday).age(today) or 0) >= threshold
               for born, birthday in births)


def pick(ledger: Ledger, rows: dict[str, Any], register: dict[str, Any], flags: tuple[str, ...],
         living: str | None, only_aged: bool) -> list[str]:
    """The ids of the households (in id order) with every flag of `flags`, living so when
    `living` is given, and someone 高龄 with `only_aged`: from the listing index's rows, no
    household file read."""
    today = now(zone(ledger.settings.timezone)).date()
    threshold = ledger.settings.aged_from
    out = []
    for ident, (_name, _kind, has, _pair, _address) in rows.items():
        lives, births = register.get(ident, (None, ()))
        if any(f not in has for f in flags) or (living and lives != living):
            continue
        if only_aged and not aged(births, today, threshold):
            continue
        out.append(ident)
    return out
