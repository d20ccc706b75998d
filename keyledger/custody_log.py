"""Custody intervals read back from git: who held which key, from when until when.

The commits' trailers are the record (DESIGN §3); this turns them into intervals for the reports'
custody durations (托管时长) and the week's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from keyledger import gitops
from keyledger.ledger import Ledger


@dataclass(frozen=True)
class Interval:
    key: str
    household: str
    holder: str
    purpose: str
    start: datetime
    end: datetime | None           # None while the key is still out
    ended_by: str | None = None    # return, handover, lost, handback
    expected_back: datetime | None = None
    emergency: bool = False
    override: str | None = None
    consent: str | None = None
    unreached: str | None = None
    witness: str | None = None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and (self.end is None or self.end > start)

    @property
    def late(self) -> bool:
        return bool(self.end and self.expected_back and self.end > self.expected_back)


@dataclass(frozen=True)
class Event:
    """A commit worth a supervisor's attention: an override, an emergency, a code revealed."""

    at: datetime
    action: str
    key: str
    household: str
    steward: str
    detail: str
    commit: str

    @property
    def emergency(self) -> bool:
        return self.action.startswith("emergency")


def _at(entry: gitops.LogEntry) -> datetime:
    return datetime.fromisoformat(entry.trailers.get("At") or entry.committed)


@dataclass(frozen=True)
class Deposit:
    """How long the community held a key (托管): from its registration to its handback."""

    key: str
    household: str
    start: datetime
    end: datetime | None = None     # None while the community holds it
    note: str | None = None         # the handback's


@dataclass(frozen=True)
class Custody:
    intervals: list[Interval]
    events: list[Event]
    deposits: list[Deposit]


def read(ledger: Ledger, paths: list[str], since: str | None = None,
         code_keys: frozenset[str] = frozenset()) -> tuple[list[Interval], list[Event]]:
    """Intervals and notable events of the commits touching `paths` (oldest first)."""
    found = read_all(ledger, paths, since, code_keys)
    return found.intervals, found.events


def read_all(ledger: Ledger, paths: list[str], since: str | None = None,
             code_keys: frozenset[str] = frozenset()) -> Custody:
    """Intervals, notable events and deposits of the commits touching `paths`, in one walk."""
    open_: dict[str, Interval] = {}
    closed: list[Interval] = []
    events: list[Event] = []
    held: dict[str, Deposit] = {}
    deposits: list[Deposit] = []
    for entry in reversed(gitops.log(ledger.root, paths, since=since)):
        t = entry.trailers
        action, key = t.get("Action", ""), t.get("Key", "")
        at = _at(entry)
        if action == "key-add":
            held[key] = Deposit(key, t.get("Household", ""), at)
        elif action == "handback" and key in held:
            deposits.append(replace(held.pop(key), end=at, note=t.get("Note")))
        ended = None  # a handover continues the interval it ends, of the same key
        if action in ("checkout", "handover", "return", "lost", "handback") and key in open_:
            ended = replace(open_.pop(key), end=at, ended_by=action)
            closed.append(ended)
        if action in ("checkout", "handover"):
            previous = ended if action == "handover" else None
            purpose = t.get("Purpose") or (previous.purpose if previous else "")
            expected = t.get("Expected-Back")
            open_[key] = Interval(key, t.get("Household", ""), t.get("Holder") or t.get("Steward", ""),
                                  purpose, at, None, None,
                                  datetime.fromisoformat(expected) if expected else
                                  (previous.expected_back if previous else None),
                                  purpose == "emergency", t.get("Override"), t.get("Consent"),
                                  t.get("Unreached"), t.get("Witness"))
        steward, household = t.get("Steward", ""), t.get("Household", "")
        if t.get("Override"):
            events.append(Event(at, "override", key, household, steward, t["Override"], entry.sha))
        if action == "checkout" and t.get("Purpose") == "emergency":
            detail = t.get("Consent") or t.get("Unreached") or ""
            kind = "emergency-consent" if t.get("Consent") else "emergency-unreached" \
                if t.get("Unreached") else "emergency"
            events.append(Event(at, kind, key, household, steward, detail, entry.sha))
        if action == "checkout" and key in code_keys:
            events.append(Event(at, "code-revealed", key, household,
                                t.get("Holder") or steward, "", entry.sha))
    return Custody(sorted(closed + list(open_.values()), key=lambda i: i.start), events,
                   sorted(deposits + list(held.values()), key=lambda d: d.start))
