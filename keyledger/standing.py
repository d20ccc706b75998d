"""Where the ledger stands as committed, from the event index: households' names and pairs,
whose keys are whose, which keys are out or booked — the answers `status`, `household show`,
`steward show`, the reports and completion need, without reading a street office's 100,000
household files or walking its history.

These are the files as HEAD holds them (the signed record); the listings (`household list`,
`key list`) show the work tree, hand edits not yet committed included.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from keyledger import event_index
from keyledger.text import printable

if TYPE_CHECKING:
    from keyledger.ledger import Ledger

def _marks(items: list[Any]) -> str:
    return ",".join("?" * len(items))


def ids(ledger: Ledger, kind: str, prefix: str) -> list[str]:
    """The ids of keys or households at HEAD that start with `prefix`, for a TAB: from the index
    (brought up to date only when a few commits behind: a completion never waits for a history
    to be read), or the folder's listing when there is no index yet."""
    table = {"key": "keys_now", "household": "homes_now"}.get(kind)
    db = event_index.fresh(ledger, limit=event_index.PROGRESS_PAST) if table else None
    if db is None:
        return [i for i in ledger.ids(kind) if i.startswith(prefix)]
    return [i for (i,) in db.execute(f"SELECT id FROM {table} WHERE id >= ? AND id < ? "
                                     f"ORDER BY id", (prefix, prefix + "\U0010ffff"))]


def names(ledger: Ledger, ids: Iterable[str]) -> dict[str, str]:
    """The names of the households `ids` (those that exist at HEAD)."""
    db = event_index.fresh(ledger)
    wanted = sorted(set(ids))
    out: dict[str, str] = {}
    for part in event_index.chunks(wanted):
        out.update((i, _shown(n)) for i, n in db.execute(
            f"SELECT h.id, h.name FROM homes_now n JOIN homes h ON h.id = n.id AND h.seq = n.seq "
            f"WHERE n.id IN ({_marks(part)})", part))
    return out


def _shown(name: str | None) -> str:
    """A name as the model reads it (keyledger.text.printable): the index keeps the file's
    text, and a hand edit may have put a terminal's escape sequence in it."""
    return printable(name or "")


def keys_of(ledger: Ledger, household: str) -> list[str]:
    """The keys whose files say they are the household's, at HEAD."""
    db = event_index.fresh(ledger)
    return [k for (k,) in db.execute("SELECT id FROM keys_now WHERE household = ? ORDER BY id",
                                     (household,))]


def code_keys(ledger: Ledger) -> frozenset[str]:
    """The keys whose files say they are door codes, at HEAD."""
    db = event_index.fresh(ledger)
    return frozenset(k for (k,) in db.execute(
        "SELECT k.id FROM keys_now k JOIN key_files f ON f.id = k.id AND f.seq = k.seq "
        "WHERE f.kind = 'code'"))


def households_of(ledger: Ledger, steward: str) -> list[tuple[str, str, str]]:
    """(id, name, "a" or "b") of the households whose pair names `steward`, at HEAD."""
    db = event_index.fresh(ledger)
    rows = db.execute(
        "SELECT n.id, h.name, CASE WHEN n.pair_a = ? THEN 'a' ELSE 'b' END FROM homes_now n "
        "JOIN homes h ON h.id = n.id AND h.seq = n.seq WHERE n.pair_a = ? OR n.pair_b = ? "
        "ORDER BY n.id", (steward, steward, steward))
    return [(i, _shown(name), side) for i, name, side in rows]


def out_or_booked(ledger: Ledger, moment: datetime) -> list[str]:
    """The keys out at HEAD, and those with a reservation made for a window that meets the day
    of `moment` (what `status` lists; their files say the rest)."""
    db = event_index.fresh(ledger)
    day = moment.date()
    begin = datetime.combine(day, time(0), moment.tzinfo).timestamp()
    end = datetime.combine(day, time(23, 59, 59), moment.tzinfo).timestamp()
    rows = db.execute(
        "SELECT key FROM intervals WHERE stop = ? UNION SELECT key FROM commits "
        "WHERE action = 'reserve' AND unixepoch(json_extract(extra, '$.Until')) >= ? "
        "AND unixepoch(json_extract(extra, '$.From')) <= ?", (event_index.OPEN, begin, end))
    return sorted(k for (k,) in rows if k)
