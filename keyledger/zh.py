"""The Chinese words registers (台账) and the street office's spreadsheets use, in the shape the
register modules read them: a view of the one vocabulary (keyledger/vocab.py), not a list of its
own. The first word of each is the name keyledger writes; all of them are read.
"""

from __future__ import annotations

from keyledger import vocab


def _words(kind: vocab.Kind) -> dict[str, tuple[str, ...]]:
    return {row.code: (row.zh, *row.also) for row in kind.rows}


def _names(kind: vocab.Kind) -> dict[str, str]:
    return {row.code: row.zh for row in kind.rows}


FLAGS = _words(vocab.FLAG)
CARE = _words(vocab.CARE_ITEM)
HOUSEHOLD_KINDS = _words(vocab.HOUSEHOLD_KIND)
PURPOSES = _names(vocab.VISIT_PURPOSE)
KEY_KINDS = _names(vocab.KEY_KIND)
KEY_STATES = _names(vocab.KEY_STATE)
CHECK_RESULTS = _names(vocab.CHECK_RESULT)


def name(table: dict[str, tuple[str, ...]], code: str) -> str:
    """The Chinese name keyledger writes for a code."""
    return table[code][0] if code in table else code


def reverse(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every word, and the code itself, to the code."""
    out = {code: code for code in table}
    for code, names in table.items():
        for n in names:
            out.setdefault(n, code)
    return out
