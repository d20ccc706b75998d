"""Where the ledger stands as committed, from the event index: households' names and pairs,
whose keys are whose and where each key is, and what is due on a day — the answers `status`,
`due`, `household show`, `steward show` and the reports need, without reading a street office's
100,000 household files or walking its history.

These are the files as HEAD holds them (the signed record); the listings (`household list`,
`key list`) show the work tree, hand edits not yet committed included.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from keyledger import event_index

if TYPE_CHECKING:
    from keyledger.ledger import Ledger
    from keyledger.schedules import DueItem, KeyWhere

# A key's state after each custody action (the last one since its file was written decides).
_AFTER = {"checkout": "out", "handover": "out", "return": "in", "found": "in", "lost": "lost",
          "handback": "handed-back"}


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
        out.update(db.execute(
            f"SELECT h.id, h.name FROM homes_now n JOIN homes h ON h.id = n.id AND h.seq = n.seq "
            f"WHERE n.id IN ({_marks(part)})", part))
    return out


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
    return [tuple(r) for r in rows]


def where(ledger: Ledger, households: Iterable[str] | None = None) -> dict[str, list[KeyWhere]]:
    """Each household's keys (not handed back), by id, with where each is: its file's state,
    or what the last custody action since it was written did."""
    from keyledger.schedules import KeyWhere

    db = event_index.fresh(ledger)
    query = ("SELECT k.household, k.id, f.state, f.holder, f.slot, c.action, c.holder, "
             "c.steward FROM keys_now k JOIN key_files f ON f.id = k.id AND f.seq = k.seq "
             "LEFT JOIN commits c ON c.seq = k.custody")
    if households is None:
        rows = list(db.execute(query + " ORDER BY k.id"))
    else:
        rows = []
        for part in event_index.chunks(sorted(set(households))):
            rows += db.execute(query + f" WHERE k.household IN ({_marks(part)})", part)
        rows.sort(key=lambda r: r[1])
    out: dict[str, list[KeyWhere]] = {}
    for household, key, state, holder, slot, action, by, steward in rows:
        if action in _AFTER:
            state = _AFTER[action]
            holder = (by or steward) if state == "out" else None
        if state != "handed-back":
            out.setdefault(household, []).append(KeyWhere(key, state or "in", holder, slot))
    return out


_OCCURS = (
    "SELECT s.id, h.name, s.start_time, s.end_time, s.purpose, CASE s.steward "
    "WHEN 'a' THEN h.pair_a WHEN 'b' THEN h.pair_b ELSE s.steward END, s.since "
    "FROM homes_now n JOIN homes h ON h.id = n.id AND h.seq = n.seq "
    "JOIN schedules s ON s.id = n.id AND s.seq = n.seq "
    "WHERE n.scheduled AND (s.mask >> ?) & 1 AND (s.first IS NULL OR s.first <= ?) "
    "AND (s.last IS NULL OR s.last >= ?) AND (s.since_day IS NULL OR s.since_day <= ?) "
    "AND (NOT s.while_away OR EXISTS (SELECT 1 FROM away a WHERE a.id = s.id "
    "AND a.seq = s.seq AND a.start <= ? AND a.until >= ?)) ORDER BY s.id, s.n")


def _occurring(db: Any, day: date) -> Any:
    """The schedule entries that occur on `day` (schedules.occurs, in the index's columns)."""
    d = day.isoformat()
    return db.execute(_OCCURS, (day.weekday(), d, d, d, d, d))


def due(ledger: Ledger, days: list[date], moment: datetime, tz: tzinfo,
        only: set[str] | None = None) -> list[DueItem]:
    """What is due on `days` (for the households `only`, or all), as `schedules.due_items`
    decides it for the households at HEAD: the schedule entries that occur on each day are
    selected in the index by their weekday mask and dates, not by reading each household."""
    from keyledger.schedules import Wanted, items_of
    from keyledger.visits import seen

    db = event_index.fresh(ledger)
    asking = seen(ledger, days[0], days[-1], follow_up_on=days)
    visits = sorted({v.path: v for v in seen(ledger, days[0], days[-1]) + asking}.values(),
                    key=lambda v: (v.started, v.id))
    wanted: dict[str, list[Wanted]] = {}
    homes: dict[str, str] = {}
    for day in days:
        for ident, name, start, end, purpose, steward, since in _occurring(db, day):
            if only is not None and ident not in only:
                continue
            homes[ident] = name
            wanted.setdefault(ident, []).append(Wanted(
                day, time.fromisoformat(start), time.fromisoformat(end) if end else None,
                purpose, steward, "scheduled",
                datetime.fromtimestamp(since, tz) if since is not None else None))
    following = {v.household for v in asking if only is None or v.household in only}
    homes.update(names(ledger, following - homes.keys()))
    return items_of(homes, wanted, days, visits, where(ledger, homes), moment, tz)


def due_count(ledger: Ledger, day: date, moment: datetime, tz: tzinfo) -> tuple[int, int]:
    """How many items of `day` are not done, and how many of them were missed — what `due`
    would list, counted: only the households with a visit that day are matched item by item."""
    from keyledger.visits import seen

    db = event_index.fresh(ledger)
    visited = {v.household for v in seen(ledger, day, day)}
    asking = seen(ledger, day, day, follow_up_on=[day])
    now_s = moment.timestamp()
    deadlines: dict[str | None, float] = {}
    count = missed = 0
    for ident, _name, _start, end, _purpose, _steward, since in _occurring(db, day):
        if ident in visited:
            continue
        if end not in deadlines:
            deadlines[end] = datetime.combine(day, time.fromisoformat(end) if end else
                                              time(23, 59, 59), tz).timestamp()
        if since is not None and deadlines[end] < since:
            continue  # over before the entry was added
        count += 1
        missed += deadlines[end] < now_s
    end_of_day = datetime.combine(day, time(23, 59, 59), tz)
    for v in asking:
        if v.household not in visited:
            count += 1
            missed += end_of_day < moment
    if visited:
        items = due(ledger, [day], moment, tz, only=visited)
        count += sum(i.status != "done" for i in items)
        missed += sum(i.status == "missed" for i in items)
    return count, missed



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
