"""The event index reads a household's or key's file without the YAML parser when it is written
as keyledger writes it. Whatever that reader returns must be what the parser makes of the same
fields; where it is not sure it must say so (None) and leave the file to the parser. Shown on
the files keyledger itself writes, on hand-written variants, and on thousands of seeded
mutations of them (a character inserted, a line indented, two lines swapped)."""

from __future__ import annotations

import random
from typing import Any

from conftest import Ledger

from keyledger import yaml
from keyledger.event_rows import _FIELDS, _plain


def _fields(record: Any) -> tuple[Any, ...]:
    """What the index keeps of a parsed file (as event_rows.Rows._state reads it)."""
    r = record if isinstance(record, dict) else {}
    pair = r.get("pair") if isinstance(r.get("pair"), dict) else {}
    text = [None if r.get(f) is None else str(r.get(f)) for f in _FIELDS]
    return (*text, None if pair.get("a") is None else str(pair.get("a")),
            None if pair.get("b") is None else str(pair.get("b")))


def _parsed(text: str) -> tuple[Any, ...]:
    try:
        return _fields(yaml.load(text))
    except Exception:  # a broken file: the index keeps nothing of it
        return _fields(None)


def _agrees(text: str) -> bool:
    plain = _plain(text)
    return plain is None or _fields(plain) == _parsed(text)


HAND = [
    "name: 'it''s'\nkind: resident\n",
    "name: 'it's'\n",
    "name: 12\n", "name: 1_000\n", "name: 0x1f\n", "name: .inf\n", "name: yes\n", "name: No\n",
    "name: ~\n", "name: Null\n", "name: null\n", "name: =\n", "name: <<\n", "name:\n  nested\n",
    "name: a\n  continued\n", "name: a # comment\n", "name: a#b\n", "name:a\n", "name: 'a\n  b'\n",
    "notes: 'a\nname: b'\n", "notes: \"a\nname: b\"\n", "notes: [a,\nname: b]\n",
    "notes: |\n  name: x\nname: y\n", "notes: >\n  a\n", "notes: &a x\nname: *a\n",
    "name: a\nname: b\n", "pair:\n  a: x\n  a: y\n", "pair:\n  a: x\n  b: y\n", "pair:\n",
    "pair: {a: x, b: y}\n", "pair:\n  a:\n    deep\n", "pair:\n- a\n", "pair:\n  a: null\n",
    "schedule: []\n", "schedule:\n", "schedule:\n- weekday: mon\n  steward: a\n",
    "schedule:\n  - x\n", "schedule: {}\n", "schedule: null\n", "  name: indented\n",
    "---\nname: a\n", "name: a\n---\nname: b\n", "name: a\n...\n", "name: a\r\nkind: b\r\n",
    "name: a\tb\n", "\ufeffname: a\n", "name: a\u2028kind: b\n", "name: a\x07\n",
    "'name': a\n", "? name\n: a\n", "name: -a\n", "name: - a\n", "name: 2026-12-01\n",
    "name: 8-1-401\n", "name: 翠柳-12-2-1802\n", "holder: null\nstate: in\n", "name: a: b\n",
    "name: 'a' b\n", "name: '  spaced '\n", "name: !!str 12\n", "flags: [a, b]\nname: x\n",
    "people:\n- name: x\n  born: 1978\nname: y\n", "notes: a\n- b\n",
]


def test_hand_written_variants_agree_with_the_parser() -> None:
    wrong = [text for text in HAND if not _agrees(text)]
    assert wrong == []
    # It is not a reader that gives up on everything: keyledger's own shapes are read.
    assert _plain("name: 'it''s'\nkind: resident\n") == {"name": "it's", "kind": "resident",
                                                             "pair": None}
    assert _plain("pair:\n  a: zhou-lx\n  b: wang-f\nschedule:\n- weekday: mon\n  steward: a\n") == \
        {"pair": {"a": "zhou-lx", "b": "wang-f"}}


def _mutations(text: str, rng: random.Random, n: int) -> list[str]:
    pieces = [" ", "\n", ":", " #", "'", '"', "-", "- ", "  ", "[", "]", "{", "|", ">", "&a ",
              "*a", "!", "?", "\t", "\r", "~", "0", "null", "yes", "---", "'", "''", ",", "."]
    out = []
    for _ in range(n):
        lines = text.split("\n")
        kind = rng.randrange(4)
        if kind == 0:
            at = rng.randrange(len(text) + 1)
            out.append(text[:at] + rng.choice(pieces) + text[at:])
            continue
        i = rng.randrange(len(lines))
        if kind == 1:
            lines[i] = rng.choice(["  ", " ", "- ", "    "]) + lines[i]
        elif kind == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i].lstrip()
        out.append("\n".join(lines))
    return out


def test_mutations_of_the_files_keyledger_writes_agree_with_the_parser(ledger: Ledger) -> None:
    files = sorted((ledger.root / "households").glob("*.yaml")) + \
        sorted((ledger.root / "keys").glob("*.yaml"))
    assert files
    rng = random.Random(15)
    read = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _plain(text) is not None, path.name  # keyledger's own files never need the parser
        assert _agrees(text)
        for variant in _mutations(text, rng, 400):
            assert _agrees(variant), variant
            read += _plain(variant) is not None
    assert read > 0  # some variants are still plain files and read as such
