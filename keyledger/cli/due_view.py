"""How `due` and `status` show due items: the JSON of one, where its household's keys are, and
the escalations (calls that reached nobody) that `status` puts before everything else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.people import People
    from keyledger.schedules import DueItem, KeyWhere


def due_json(i: "DueItem") -> dict[str, Any]:
    return {"date": i.day.isoformat(), "household": i.household,
            "household_name": i.household_name, "start": i.start.strftime("%H:%M"),
            "end": i.end.strftime("%H:%M") if i.end else None, "purpose": i.purpose,
            "steward": i.steward, "kind": i.kind, "status": i.status, "visits": list(i.visits),
            "keys": [{"key": k.key, "kind": k.kind, "state": k.state, "holder": k.holder,
                      "slot": k.slot} for k in i.keys],
            "calls": [c.isoformat() for c in i.calls],
            "contacts": [{"name": c.name, "relation": c.relation, "phone": c.phone}
                         for c in i.contacts]}


def what_words(item: "DueItem") -> str:
    """What a due item asks for, in words: an owner's request and a visit to the door after
    calls that reached nobody by their kind, a planned item by its purpose."""
    from keyledger import vocab

    if item.kind in ("escalation", "request"):
        return _(item.kind)
    return vocab.name("visit-purpose", item.purpose)


def keys_words(keys: "tuple[KeyWhere, ...]", names: dict[str, str]) -> str:
    """Where the household's keys are, in a cell: a door code as a code, never in a slot;
    whoever holds one by name."""
    from keyledger.whereabouts import where

    return "; ".join(f"{k.key} " + where(k.kind, k.state, k.slot,
                                         names.get(k.holder, k.holder) if k.holder else None,
                                         None) for k in keys) or "—"


def contacts_words(item: "DueItem") -> str:
    return "; ".join(" ".join(x for x in (c.name, c.relation, c.phone) if x)
                     for c in item.contacts) or "—"


def show_escalations(items: "list[DueItem]", clock: Any, names: dict[str, str]) -> None:
    """Calls that reached nobody: go to the door now — first, and on the terminal in red;
    the steward who made the calls by name."""
    from keyledger.cli.common import table

    table([_("calls unanswered"), _("household"), _("steward"), _("emergency contacts"),
           _("keys")],
          [[", ".join(clock(c) for c in i.calls) + ("" if i.status == "due" else
                                                    " " + _(i.status)),
            f"{i.household} {i.household_name}", names.get(i.steward or "", i.steward or "—"),
            contacts_words(i),
            keys_words(i.keys, names)] for i in items],
          title=_("Go to the door now: calls reached nobody"),
          alerts=set(range(len(items))))
