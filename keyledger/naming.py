"""Ids as people say them: a key's tag number in any case or width (k-0012, Ｋ－００１２), a
household by its id, its resident's name or its address, a steward by id or name.

Only what is typed goes through here — the CLI's arguments and options — never a reference
inside a file: `check` and `verify` keep ids exact. A name said by two households (or two
stewards) is refused with each one's id, name and address, so the person can say which; an id
that is nowhere gets the same kind of suggestions. Reads only what it must: an exact id is one
`stat`; a name is looked up in the listing index, not in every file.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ids import check_id, is_valid_id, nearest

if TYPE_CHECKING:
    from keyledger.ledger import Ledger


def normal(text: str) -> str:
    """A name or id as it is compared: NFKC, without spaces, case folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _same_id(ledger: "Ledger", kind: str, text: str) -> str | None:
    """The id a text names exactly, or but for case and width."""
    if is_valid_id(text) and ledger.exists(kind, text):
        return text
    wanted = normal(text)
    if not wanted or wanted.startswith("."):
        return None
    found = [i for i in ledger.ids(kind) if normal(i) == wanted]
    return found[0] if len(found) == 1 else None


def _households(ledger: "Ledger") -> dict[str, tuple[str, str]]:
    """Every household's (name, address), from the listing index."""
    from keyledger import listing

    rows = listing.fresh(ledger, ("household",))["household"].rows()
    return {ident: (row[0], row[4]) for ident, row in rows.items()}


def described(ident: str, name: str, address: str) -> str:
    """A household as a person recognizes it: 8-1-401 王秀兰（东升家园8号楼1单元401）."""
    return _("{id} {name} ({address})").format(id=ident, name=name, address=address) \
        if address else f"{ident} {name}".strip()


def household(ledger: "Ledger", text: str) -> str:
    """The id of the household a person named by id, resident's name or address."""
    found = _same_id(ledger, "household", text)
    if found is not None:
        return found
    every = _households(ledger)
    wanted = normal(text)
    by_name = [i for i, (name, _a) in every.items() if normal(name) == wanted]
    by_address = [i for i, (_n, address) in every.items() if normal(address) == wanted]
    within = [i for i, (_n, address) in every.items()
              if len(wanted) >= 3 and wanted in normal(address)]
    for matches in (by_name, by_address, within):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise FatalError(_("{text!r} is more than one household: {households}; say which by "
                               "its number.").format(text=text.strip(), households=_("; ").join(
                                   described(i, *every[i]) for i in matches[:8])))
    close = nearest(text, list(every))
    close += [i for i, (name, _a) in every.items() if close == [] and wanted and
              wanted in normal(name)][:3]
    hint = _(" Did you mean: {households}?").format(
        households=_("; ").join(described(i, *every[i]) for i in close)) if close else ""
    check_id(text, _("household"))  # not a name, and not an id either: say what an id is
    raise FatalError(_("There is no household {text!r} (by number, name or address).").format(
        text=text.strip()) + hint)


def key(ledger: "Ledger", text: str) -> str:
    """The id of a key a person named by its tag number, in any case or width."""
    found = _same_id(ledger, "key", text)
    if found is not None:
        return found
    # A household where a key is asked for (`handback 王秀兰`): its one key, or which of its keys.
    try:
        home = household(ledger, text)
    except FatalError:
        home = None
    if home is not None:
        return key_of(ledger, home)
    from keyledger.ledger import kind_label, unknown

    check_id(text, kind_label("key"))  # a path, a control character: refused as such
    raise unknown(kind_label("key"), text.strip(), ledger.ids("key"))


def key_of(ledger: "Ledger", household_text: str) -> str:
    """A household's one key (`checkout --household 王秀兰`); with several, which to take."""
    ident = household(ledger, household_text)
    keys = [k for k in ledger.keys_of(ident) if k.state != "handed-back"]
    if len(keys) == 1:
        return keys[0].id
    if not keys:
        raise FatalError(_("{household} has no key in custody.").format(
            household=described(ident, *_households(ledger)[ident])))
    from keyledger import vocab

    raise FatalError(_("{household} has {n} keys: {keys}; say which.").format(
        household=described(ident, *_households(ledger)[ident]), n=len(keys),
        keys=_("; ").join(f"{k.id} {vocab.name('key-kind', k.kind)} {k.label or ''}".strip()
                          for k in keys)))


def steward(ledger: "Ledger", text: str) -> str:
    """The id of a steward a person named by id or by name."""
    found = _same_id(ledger, "steward", text)
    if found is not None:
        return found
    roster = ledger.stewards()
    wanted = normal(text)
    named = [s for s in roster if normal(s.name) == wanted]
    if len(named) == 1:
        return named[0].id
    if len(named) > 1:
        raise FatalError(_("{name} is the name of {n} stewards: {ids}; say which by id.").format(
            name=text.strip(), n=len(named), ids=", ".join(s.id for s in named)))
    import difflib

    names = {s.name: s.id for s in roster}
    close = nearest(text, [s.id for s in roster]) + [
        names[n] for n in difflib.get_close_matches(text.strip(), list(names), n=3, cutoff=0.5)]
    hint = _(" Did you mean: {stewards}?").format(stewards=_(", ").join(
        f"{s.name} ({s.id})" for s in roster if s.id in close)) if close else ""
    check_id(text, _("steward"))
    raise FatalError(_("There is no steward {text!r} (by id or name).").format(text=text.strip())
                     + hint)


def key_or_household(ledger: "Ledger", text: str) -> str:
    """`history K-0012` or `history 王秀兰`: a key if one is so named, else a household."""
    found = _same_id(ledger, "key", text)
    return found if found is not None else household(ledger, text)
