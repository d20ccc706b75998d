"""Where a key is, in words that fit its kind: a physical key or a card is in the cabinet (in a
slot), out with a steward, lost or handed back; a door code is never "in the cabinet" — it is
known to some stewards and was last used at some time (DESIGN §1: 密码托管).

One wording for `key show`, `key list`, `status`, `due`, `household show` and the emergency card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.model import Key
from keyledger.timeutil import zone


def state_words(kind: str, state: str) -> str:
    """A key's state as a word for a table's cell: a door code is kept, given, leaked."""
    from keyledger import vocab

    if kind != "code":
        return vocab.name("key-state", state)
    return {"in": _("code kept"), "out": _("code given"), "lost": _("code leaked"),
            "handed-back": _("code handed back")}.get(state, vocab.name("key-state", state))


def where(kind: str, state: str, slot: str | None, holder: str | None,
          since: datetime | None) -> str:
    """Where it is now, in one phrase: `holder` is a name, `since` already in the ledger's zone."""
    when = since.strftime("%Y-%m-%d %H:%M") if since else None
    if kind == "code":
        if state == "in":
            return _("door code kept by the community, last used {when}").format(when=when) \
                if when else _("door code kept by the community")
        if state == "out":
            return _("door code given to {holder} at {when}").format(holder=holder or "—",
                                                                      when=when) \
                if when else _("door code given to {holder}").format(holder=holder or "—")
        if state == "lost":
            return _("door code leaked — to be changed")
        return _("door code handed back to the owner")
    if state == "in":
        return _("in the cabinet, slot {slot}").format(slot=slot) if slot \
            else _("in the cabinet")
    if state == "out":
        return _("out with {holder} since {when}").format(holder=holder or "—", when=when) \
            if when else _("out with {holder}").format(holder=holder or "—")
    if state == "lost":
        return _("LOST — the lock is to be changed")
    return _("handed back to the owner")


@dataclass(frozen=True)
class CodeKnown:
    """Who has been given a door code since it was last set, and when it was last used."""

    told: tuple[str, ...]           # steward ids, in the order they were first given it
    last_used: datetime | None


def code_known(ledger: Ledger, key: Key) -> CodeKnown:
    """The stewards who were given the code (checkout or handover) since it was registered or
    last rotated, from the event index: the key file's commits, newest first, no walk of git."""
    from keyledger import event_index

    db = event_index.fresh(ledger)
    rows = db.execute("SELECT c.action, c.holder, c.steward, c.at FROM touches t "
                      "JOIN commits c ON c.seq = t.seq WHERE t.path = ? ORDER BY t.seq DESC",
                      (ledger.relpath("key", key.id),))
    told: list[str] = []
    last = None
    for action, holder, steward, at in rows:
        if action in ("code-rotate", "key-add"):
            break
        if action in ("checkout", "handover"):
            who = holder or steward or ""
            if who not in told:
                told.append(who)
            if last is None and action == "checkout":
                last = datetime.fromtimestamp(at, zone(ledger.settings.timezone))
    return CodeKnown(tuple(reversed(told)), last)
