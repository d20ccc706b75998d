"""Free text as the ledger keeps it: one normalisation, applied once where text comes in.

A commit's trailers are single lines, and `verify` replays a custody commit from them into the
key file it wrote; so a note must be the same text in the file and in the trailer. Rather than
escape trailers (unreadable in `git log --grep`), typed text is made single-line at input: every
run of whitespace — a full-width space from a Chinese input method, a tab, a newline — becomes
one space, the ends are trimmed, and control characters (which a terminal would obey) are
dropped. The result is what the file, the trailer, the subject and every report say.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates: they make a line display in another order than it reads.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _kept(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category not in ("Cc", "Cs") and ch not in _BIDI and not _noncharacter(ch)


def _noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


_SPACE = re.compile(r"\s+")


def line(value: str) -> str:
    """`value` as one line: whitespace runs as one space, no control characters, trimmed.
    Idempotent: line(line(x)) == line(x), which is what lets `verify` replay a trailer."""
    kept = "".join(ch for ch in value if ch.isspace() or _kept(ch))
    # \s is Unicode whitespace: U+3000, tabs, newlines, and the separators \x1c-\x1f too.
    return _SPACE.sub(" ", kept).strip(" ")


def optional(value: str | None) -> str | None:
    """`line` for an optional field: text that is only whitespace is no text."""
    if value is None:
        return None
    return line(value) or None


def block(value: str) -> str:
    """Text of several lines (a household's notes from a form): each line as `line`, the
    lines kept, blank lines at the ends dropped."""
    lines = [line(part) for part in value.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


# What a terminal would obey rather than show: control characters (a line's own \n and \t
# aside), bidirectional overrides, and noncharacters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
                     "\ufffe\uffff]")


def printable(value: str) -> str:
    """Text read from a file or a commit, as it may be shown: a name or a note edited by hand,
    or a commit made elsewhere, can hold escape sequences that would retitle a terminal, clear
    it or rewrite what it shows; they are dropped, as `line` drops them from typed text."""
    return _UNSAFE.sub("", value) if _UNSAFE.search(value) else value


def has_nul(value: object) -> bool:
    """Whether a form's value (text, or lists and mappings of it) holds a NUL character: never
    typed, it means a binary file or a broken export, and git cannot carry it in a message."""
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False
