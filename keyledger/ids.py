"""The id rule: an id is a file name, so this is what stands between input and the file system."""

from __future__ import annotations

import re

from keyledger.errors import FatalError
from keyledger.i18n import _

# \w is Unicode-aware: letters of any script (Chinese included), digits and '_'.
_ID = re.compile(r"\w[\w.\-]{0,63}")


def is_valid_id(value: str) -> bool:
    return bool(_ID.fullmatch(value)) and ".." not in value and value.isprintable()


def check_id(value: str, what: str) -> str:
    if not is_valid_id(value):
        raise FatalError(
            _("{what} id {value!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-', "
              "not starting with '.' or '-', without '/' or '..'.").format(what=what, value=value)
        )
    return value


def nearest(value: str, candidates: list[str], n: int = 3) -> list[str]:
    """Existing ids a person probably meant: close spellings, or the same tag number unpadded."""
    import difflib  # only when an id was not found

    close = difflib.get_close_matches(value, candidates, n=n, cutoff=0.6)
    digits = re.sub(r"\D", "", value).lstrip("0")
    same_number = [c for c in candidates if digits and re.sub(r"\D", "", c).lstrip("0") == digits]
    contains = [c for c in candidates if value.lower() in c.lower()]
    return list(dict.fromkeys(close + same_number + contains))[:n]
