"""Stewards as a steward reads them: by name, with the id only where two share a name, and with
their phone where the next step is to call them ("K-0001 在 李金双（13900000003）手里").

The roster is read on first use only — a refusal or a listing — so a command that names nobody
reads no steward's file for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.ledger import Ledger


class People(Mapping[str, tuple[str, "str | None"]]):
    """Steward id → (the name to show, the phone), read from the ledger's roster when first
    asked. An id the roster does not know is shown as it is."""

    def __init__(self, ledger: "Ledger | None") -> None:
        self._ledger = ledger
        self._people: dict[str, tuple[str, str | None]] | None = None

    def _load(self) -> dict[str, tuple[str, str | None]]:
        if self._people is None:
            roster = self._ledger.stewards() if self._ledger is not None else []
            count: dict[str, int] = {}
            for s in roster:
                count[s.name] = count.get(s.name, 0) + 1
            self._people = {s.id: (f"{s.name} ({s.id})" if count[s.name] > 1 else s.name,
                                   s.phone) for s in roster}
        return self._people

    def __getitem__(self, ident: str) -> tuple[str, str | None]:
        return self._load()[ident]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def name(self, ident: str | None) -> str:
        """A steward by name ("—" for nobody)."""
        return name(self, ident)

    def reach(self, ident: str | None) -> str:
        """A steward by name and phone: someone to call."""
        return reach(self, ident)

    def names(self, idents: Iterable[str | None]) -> str:
        return _(", ").join(self.name(i) for i in idents if i)


def name(people: Mapping[str, tuple[str, str | None]], ident: str | None) -> str:
    if not ident:
        return "—"
    return people[ident][0] if ident in people else ident


def reach(people: Mapping[str, tuple[str, str | None]], ident: str | None) -> str:
    if not ident:
        return "—"
    if ident not in people:
        return ident
    shown, phone = people[ident]
    return _("{name} ({phone})").format(name=shown, phone=phone) if phone else shown
