"""Shell completion: the ids in the ledger and the vocabulary's words, for `autocompletion=`.

Ids of keys and households come from the event index (those that start with what was typed,
found in its sorted ids, not in a folder of 100,000 files), stewards' from their folder, in
the ledger named by `-C` on the line being completed, else KEYLEDGER_DIR, else the one found
upward from the current folder. A completion never fails: outside a ledger it offers nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keyledger.ledger import Ledger


def _ledger(ctx: Any) -> "Ledger | None":
    from keyledger.errors import FatalError
    from keyledger.ledger import find

    root = None
    if ctx is not None:
        root = ctx.find_root().params.get("ledger")
    try:
        return find(root)
    except (FatalError, OSError):
        return None


def _ids(ctx: Any, incomplete: str, *kinds: str) -> list[str]:
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    from keyledger.standing import ids

    return [i for kind in kinds for i in ids(ledger, kind, incomplete)]


def _words(words: tuple[str, ...], incomplete: str) -> list[str]:
    # A repeatable "a,b" option completes the part after the last comma.
    head, _sep, tail = incomplete.rpartition(",")
    prefix = head + "," if _sep else ""
    return [prefix + w for w in words if w.startswith(tail)]


def _vocabulary(kind: str, incomplete: str) -> list[str]:
    """A value of the vocabulary, named in the interface's language (or the code or synonym
    that begins with what was typed); after a comma or 、, the next one of a list."""
    from keyledger import vocab  # not for ids: a TAB pays only for what it completes

    cut = max(incomplete.rfind(","), incomplete.rfind("，"), incomplete.rfind("、")) + 1
    head, tail = incomplete[:cut], incomplete[cut:]
    return [head + w for w in vocab.complete(kind, tail)]


def stewards(ctx: Any, incomplete: str) -> list[str]:
    return _ids(ctx, incomplete, "steward")


def households(ctx: Any, incomplete: str) -> list[str]:
    return _ids(ctx, incomplete, "household")


def keys(ctx: Any, incomplete: str) -> list[str]:
    return _ids(ctx, incomplete, "key")


def keys_and_households(ctx: Any, incomplete: str) -> list[str]:
    return _ids(ctx, incomplete, "key", "household")


def assignees(ctx: Any, incomplete: str) -> list[str]:
    """`--steward a|b|ID` of a schedule."""
    return [w for w in ("a", "b") if w.startswith(incomplete)] + stewards(ctx, incomplete)


def pairs(ctx: Any, incomplete: str) -> list[str]:
    """`--pair A,B`."""
    head, sep, tail = incomplete.rpartition(",")
    return [head + sep + i for i in stewards(ctx, tail) if i not in head.split(",")]


def purposes(incomplete: str) -> list[str]:
    return _vocabulary("purpose", incomplete)


def visit_purposes(incomplete: str) -> list[str]:
    return _vocabulary("visit-purpose", incomplete)


def call_outcomes(incomplete: str) -> list[str]:
    return _vocabulary("call-outcome", incomplete)


def yes_no(incomplete: str) -> list[str]:
    return _vocabulary("yes-no", incomplete)


def request_channels(incomplete: str) -> list[str]:
    return _vocabulary("request-channel", incomplete)


def requesters(incomplete: str) -> list[str]:
    return _vocabulary("request-from", incomplete)


def flags(incomplete: str) -> list[str]:
    return _vocabulary("flag", incomplete)


def care(incomplete: str) -> list[str]:
    return _vocabulary("care", incomplete)


def living(incomplete: str) -> list[str]:
    return _vocabulary("living", incomplete)


def household_kinds(incomplete: str) -> list[str]:
    return _vocabulary("household-kind", incomplete)


def key_kinds(incomplete: str) -> list[str]:
    return _vocabulary("key-kind", incomplete)


def roles(incomplete: str) -> list[str]:
    return _vocabulary("role", incomplete)


def weekdays(incomplete: str) -> list[str]:
    """`--every`: 每天, 工作日, then the weekdays."""
    return _vocabulary("days", incomplete) + _vocabulary("weekday", incomplete)


def languages(incomplete: str) -> list[str]:
    return _vocabulary("language", incomplete)


def exports(incomplete: str) -> list[str]:
    return _vocabulary("export", incomplete)


def sheet_formats(incomplete: str) -> list[str]:
    return _words(("xlsx", "csv"), incomplete)


def formats(incomplete: str) -> list[str]:
    """A report's or the card's --format."""
    return _vocabulary("report-format", incomplete)


def import_fields(incomplete: str) -> list[str]:
    """`--map COLUMN=FIELD`: the fields (named in the interface's language), once the column is
    typed."""
    from keyledger import vocab

    column, sep, field = incomplete.partition("=")
    if not sep:
        return []
    return [f"{column}={f}" for f in vocab.complete("import-field", field)
            + (["-"] if "-".startswith(field) else [])]
