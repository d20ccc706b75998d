"""The custody rules: a key's state and a request in, the new state and the event out.

Pure functions, no I/O: commands, `verify` and `sync` share them. A refused request raises
`Refused` with one sentence saying why and what would allow it; nothing else happens.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from keyledger.errors import Refused
from keyledger.i18n import _
from keyledger.model import Key
from keyledger.vocab import PURPOSES


@dataclass(frozen=True)
class Event:
    """What happened, in the words of the commit's trailers (DESIGN §3)."""

    action: str
    key: str
    household: str
    steward: str
    at: datetime
    purpose: str | None = None
    expected_back: datetime | None = None
    witness: str | None = None
    note: str | None = None

    def trailers(self) -> list[tuple[str, str]]:
        def when(moment: datetime | None) -> str:
            return moment.isoformat(timespec="seconds") if moment else ""
        return [("Action", self.action), ("Key", self.key), ("Household", self.household),
                ("Steward", self.steward), ("Witness", self.witness or ""),
                ("Purpose", self.purpose or ""), ("At", when(self.at)),
                ("Expected-Back", when(self.expected_back)), ("Note", self.note or "")]


@dataclass(frozen=True)
class CheckoutRequest:
    steward: str
    purpose: str
    at: datetime
    expected_back: datetime
    witness: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReturnRequest:
    steward: str
    at: datetime
    note: str | None = None


def checkout(key: Key, request: CheckoutRequest) -> tuple[Key, Event]:
    if request.purpose not in PURPOSES:
        raise Refused(_("{purpose!r} is not a purpose; use one of: {purposes}.").format(
            purpose=request.purpose, purposes=", ".join(PURPOSES)))
    if key.state == "out":
        since = key.since.strftime("%Y-%m-%d %H:%M") if key.since else "?"
        raise Refused(_("{key} is already out with {holder} since {since}; it must be returned "
                        "(or handed over) first.").format(key=key.id, holder=key.holder,
                                                          since=since))
    if key.state != "in":
        raise Refused(_("{key} is {state}, not in the cabinet; it cannot be checked out.")
                      .format(key=key.id, state=_(key.state)))
    if request.expected_back <= request.at:
        raise Refused(_("The expected return {when} is not after the checkout; give a later time "
                        "or a duration such as 3h.").format(
                            when=request.expected_back.strftime("%Y-%m-%d %H:%M")))
    if request.witness == request.steward:
        raise Refused(_("A steward cannot witness their own checkout; name another steward."))
    new = replace(key, state="out", holder=request.steward, since=request.at,
                  purpose=request.purpose, expected_back=request.expected_back,
                  witness=request.witness, note=request.note)
    event = Event("checkout", key.id, key.household, request.steward, request.at,
                  request.purpose, request.expected_back, request.witness, request.note)
    return new, event


def return_key(key: Key, request: ReturnRequest) -> tuple[Key, Event]:
    if key.state != "out":
        raise Refused(_("{key} is not out (it is {state}); there is nothing to return.")
                      .format(key=key.id, state=_(key.state)))
    if key.holder != request.steward:
        raise Refused(_("{key} is held by {holder}, not by you ({steward}); only the holder "
                        "returns it.").format(key=key.id, holder=key.holder,
                                              steward=request.steward))
    new = replace(key, state="in", holder=None, since=request.at, purpose=None,
                  expected_back=None, witness=None, note=request.note)
    event = Event("return", key.id, key.household, request.steward, request.at,
                  purpose=key.purpose, note=request.note)
    return new, event


def is_overdue(key: Key, now: datetime) -> bool:
    return key.state == "out" and key.expected_back is not None and key.expected_back < now
