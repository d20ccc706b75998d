"""Custody intervals read back from the history: who held which key, from when until when.

The commits' trailers are the record (DESIGN §3); the event index (keyledger/event_index.py)
turns them into intervals as it reads each new commit, and this gives them to the reports for
their custody durations (托管时长) and the week's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

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


def read(ledger: Ledger, paths: list[str], since: datetime | None = None,
         code_keys: frozenset[str] = frozenset(),
         until: datetime | None = None) -> tuple[list[Interval], list[Event]]:
    """The custody intervals of the keys whose files are `paths` (`keys` for every key) that
    overlap since..until, and the notable events of their commits in that span, oldest first;
    from the event index, which keeps the intervals as the commits' trailers make them."""
    from keyledger import event_index
    from keyledger.timeutil import zone

    db = event_index.fresh(ledger)
    tz = zone(ledger.settings.timezone)
    begin = int(since.timestamp()) if since else None
    end = int(until.timestamp()) if until else None
    every = "keys" in paths
    keys = sorted({p[len("keys/"):-len(".yaml")] for p in paths
                   if p.startswith("keys/") and p.endswith(".yaml")})
    span = [("stop > ?", begin), ("start < ?", end)]
    where = [clause for clause, value in span if value is not None]
    values = [value for _clause, value in span if value is not None]
    columns = ("SELECT key, household, holder, purpose, start, stop, ended_by, expected, "
               "override, consent, unreached, witness FROM intervals")
    if every:
        rows = list(db.execute(columns + (" WHERE " + " AND ".join(where) if where else ""),
                               values))
    else:
        rows = []
        for part in event_index.chunks(keys):
            rows += db.execute(columns + f" WHERE key IN ({','.join('?' * len(part))})"
                               + "".join(f" AND {c}" for c in where), [*part, *values])

    def moment(value: int | None) -> datetime | None:
        return datetime.fromtimestamp(value, tz) if value is not None else None

    intervals = [Interval(key, household or "", holder or "", purpose or "", moment(start),
                          None if stop == event_index.OPEN else moment(stop),
                          ended_by, moment(expected), purpose == "emergency", override,
                          consent, unreached, witness)
                 for (key, household, holder, purpose, start, stop, ended_by, expected,
                      override, consent, unreached, witness) in rows]
    events = _events(db, keys if not every else None, begin, end, code_keys, moment)
    return sorted(intervals, key=lambda i: i.start), events


def _events(db: Any, keys: list[str] | None, begin: int | None, end: int | None,
            code_keys: frozenset[str], moment: Any) -> list[Event]:
    """Overrides, emergency entries and door codes revealed, among the commits of `keys`
    (every commit if None) within begin..end."""
    from keyledger import event_index

    columns = ("SELECT c.seq, c.sha, c.at, c.action, c.key, c.household, c.steward, c.holder, "
               "c.purpose, json_extract(c.extra, '$.Override'), "
               "json_extract(c.extra, '$.Consent'), json_extract(c.extra, '$.Unreached') ")
    span = [("c.at >= ?", begin), ("c.at < ?", end)]
    where = [clause for clause, value in span if value is not None]
    values = [value for _clause, value in span if value is not None]
    notable = "(c.action = 'checkout' OR json_extract(c.extra, '$.Override') IS NOT NULL)"
    rows: list[Any] = []
    if keys is None:
        rows += db.execute(columns + "FROM commits c WHERE " + " AND ".join(where + [notable]),
                           values)
    else:
        paths = [f"keys/{k}.yaml" for k in keys]
        for part in event_index.chunks(paths):
            rows += db.execute(columns + "FROM touches t JOIN commits c ON c.seq = t.seq "
                               f"WHERE t.path IN ({','.join('?' * len(part))}) AND "
                               + " AND ".join(where + [notable]), [*part, *values])
    events = []
    for (_seq, sha, at, action, key, household, steward, holder, purpose, override, consent,
         unreached) in sorted(set(rows)):
        when, key, household, steward = moment(at), key or "", household or "", steward or ""
        if override:
            events.append(Event(when, "override", key, household, steward, override, sha))
        if action == "checkout" and purpose == "emergency":
            kind = "emergency-consent" if consent else "emergency-unreached" if unreached \
                else "emergency"
            events.append(Event(when, kind, key, household, steward, consent or unreached or "",
                                sha))
        if action == "checkout" and key in code_keys:
            events.append(Event(when, "code-revealed", key, household, holder or steward, "",
                                sha))
    return events


@dataclass(frozen=True)
class Deposit:
    """How long the community held a key (托管): from its registration to its handback."""

    key: str
    household: str
    start: datetime
    end: datetime | None = None     # None while the community holds it
    note: str | None = None         # the handback's own note (业主回家，当面交还)


def deposits(ledger: Ledger, household: str) -> list[Deposit]:
    """Each registration of the household's keys (`key add`) with the handback that ended it,
    oldest first, from the event index (one household's commits)."""
    from keyledger import event_index, gitops
    from keyledger.timeutil import zone

    tz = zone(ledger.settings.timezone)
    held: dict[str, Deposit] = {}
    out: list[tuple[Deposit, str]] = []   # each ended one, with its handback's commit
    for at, action, key, sha in event_index.fresh(ledger).execute(
            "SELECT at, action, key, sha FROM commits WHERE household = ? AND action IN "
            "('key-add', 'handback') ORDER BY seq", (household,)):
        moment = datetime.fromtimestamp(at, tz)
        if action == "key-add":
            held[key] = Deposit(key, household, moment)
        elif key in held:
            out.append((replace(held.pop(key), end=moment), sha))
    # The index keeps no free text: the handbacks' notes from their commits, in one git call.
    notes = {e.sha: e.trailers.get("Note") or None
             for e in gitops.entries(ledger.root, [sha for _d, sha in out])}
    ended = [replace(d, note=notes.get(sha)) for d, sha in out]
    return sorted(ended + list(held.values()), key=lambda d: d.start)
