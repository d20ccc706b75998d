"""The rules of a steward's key, pure: shared by `steward key`, `verify`, the server hook and
`sync` (through verify's rules), so that a replaced key can neither come back nor be forgotten.

A steward's file names the key they sign with and, under `retired_keys`, every key they signed
with before, each with the moment it was replaced. The list only grows: a replaced key moves
there when the new one is written, in the same commit, and stays — the derived allowed-signers
file keeps it (with `valid-before`), so the commits it signed still verify with plain git.
"""

from __future__ import annotations

from keyledger.errors import Refused
from keyledger.i18n import _
from keyledger.model import Steward


def _same(a: str, b: str) -> bool:
    return a.split()[:2] == b.split()[:2]


def check_steward_change(before: Steward | None, after: Steward) -> None:
    """Refused (one sentence) unless the change keeps every earlier key and retires the one it
    replaces; `before` is None for a steward being added."""
    retired = [k.key for k in after.retired_keys]
    if any(_same(after.key, k) for k in retired):
        raise Refused(_("{id}'s key is one of their replaced keys; a replaced key signs nothing "
                        "again.").format(id=after.id))
    if before is None:
        if retired:
            raise Refused(_("a new steward {id} has no replaced keys.").format(id=after.id))
        return
    kept = before.retired_keys
    if after.retired_keys[:len(kept)] != kept:
        raise Refused(_("it removes or changes a replaced key of {id}; they stay, so that the "
                        "records signed with them still verify.").format(id=after.id))
    added = after.retired_keys[len(kept):]
    if _same(before.key, after.key):
        if added:
            raise Refused(_("it retires a key of {id} without replacing it.").format(id=after.id))
        return
    if len(added) != 1 or not _same(added[0].key, before.key):
        raise Refused(_("it replaces {id}'s key without keeping the old one under retired_keys, "
                        "with the time it was replaced.").format(id=after.id))
