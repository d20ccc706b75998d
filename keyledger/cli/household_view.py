"""`household show`: the 一户一档 on one screen and in JSON — people, contacts, flags, away
periods, care list, authorization, schedule in words, keys and where they are, the last
visits, open problems, open requests, money owed and follow-ups to come."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyledger import vocab
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.model import Key, Person, Visit
    from keyledger.profile import Profile


def profile_json(p: "Profile") -> dict[str, Any]:
    from keyledger.cli.household import household_json
    from keyledger.cli.key import key_json
    from keyledger.cli.visit import visit_json

    def known(k: "Key") -> dict[str, Any]:
        code = p.codes.get(k.id)
        return {"known_to": list(code.told) if code else [],
                "last_used": code.last_used.isoformat() if code and code.last_used else None}

    h = p.household
    return {**household_json(h),
            "aged": p.aged(),
            "ages": [person.age(p.today) for person in h.people],
            "authorization_state": p.authorization,
            "keys": [{**key_json(k), **(known(k) if k.kind == "code" else {})} for k in p.keys],
            "recent_visits": [visit_json(v) for v in p.visits],
            "follow_ups": [{"date": f.day.isoformat(), "visit": f.visit, "steward": f.steward}
                           for f in p.follow_ups]}


def render(p: "Profile") -> Any:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from keyledger.cli.common import people, when

    h = p.household
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()

    def row(label: str, value: str) -> None:
        grid.add_row(label, Text(value or "—", overflow="fold"))

    def name(steward: str) -> str:
        return p.names.get(steward, steward)

    row(_("address"), h.address)
    row(_("kind"), vocab.name("household-kind", h.kind))
    if h.living:
        row(_("living"), vocab.name("living", h.living))
    row(_("flags"), _(", ").join([vocab.name("flag", f) for f in h.flags]
                             + ([_("aged {age}+").format(age=p.aged_from)]
                                if p.aged() and "elderly" not in h.flags else [])))
    for person in h.people:
        row(_("person"), _person(person, p))
    for c in h.contacts:
        row(_("contact"), " · ".join(x for x in (c.name, c.relation, c.phone) if x))
    for a in h.away:
        row(_("away"), f"{a.start} → {a.until}" + (f"  {a.note}" if a.note else ""))
    row(_("care"), vocab.names("care", h.care))
    # The pair are the people a supervisor calls about this home: their phones belong here.
    stewards = people()
    row(_("pair"), _("A {a}, B {b}").format(a=stewards.reach(h.pair_a), b=stewards.reach(h.pair_b)))
    row(_("authorization"), _authorization(p))
    for e in h.schedule:
        steward = {"a": h.pair_a, "b": h.pair_b}.get(e.steward, e.steward)
        span = "–".join(t.strftime("%H:%M") for t in (e.start_time, e.end_time) if t)
        row(_("visit plan"), f"{vocab.days_name(e.every)} {span} {vocab.name('visit-purpose', e.purpose)} "
                           f"({name(steward) if steward else '—'})"
            + (_(" while away") if e.while_away else ""))
    for k in p.keys:
        row(_("key"), _key(k, p))
    for v in p.visits:
        row(_("visit"), _visit(v, name))
    for n, problem in enumerate(h.problems, 1):
        row(_("open problem"), f"{n}. " + (f"{vocab.name('care', problem.item)}: " if problem.item else "")
            + f"{problem.note or ''} ({when(problem.since)})")
    for n, request in enumerate(h.requests, 1):
        row(_("open request"), f"{n}. {request.text} ({when(request.received)}, "
                               f"{vocab.name('request-channel', request.via)}, "
                               f"{vocab.name('request-from', request.by)})")
    for n, advance in enumerate(h.advances, 1):
        row(_("money owed"), _("{n}. {amount} yuan for {items} ({when}, {steward})").format(
            n=n, amount=advance.amount, items="、".join(advance.items) or "—",
            when=when(advance.at), steward=name(advance.steward)))
    for f in p.follow_ups:
        row(_("follow-up"), f"{f.day.isoformat()} ({name(f.steward)})")
    row(_("notes"), h.notes)
    return Panel(grid, title=Text(f"{h.id}  {h.name}"), title_align="left", expand=False)


def _person(person: "Person", p: "Profile") -> str:
    age = person.age(p.today)
    details = [person.name,
               _("{age} years old").format(age=age) if age is not None else "",
               _("birthday {day}").format(day=person.birthday.strftime("%m-%d"))
               if person.birthday else "",
               person.phone or "", person.health or "", "、".join(person.interests)]
    return " · ".join(d for d in details if d)


def _authorization(p: "Profile") -> str:
    auth = p.household.authorization
    if auth is None:
        return _("none on file")
    state = {"valid": _("valid until {until}").format(until=auth.until.isoformat()),
             "revoked": _("revoked on {day}").format(
                 day=auth.revoked.isoformat() if auth.revoked else ""),
             "not-in-force": _("not in force ({start} to {until})").format(
                 start=auth.start.isoformat(), until=auth.until.isoformat())}[p.authorization]
    parts = [state, vocab.names("purpose", auth.purposes)]
    parts += list(auth.conditions)
    parts.append(_("letter on file, signed {day}").format(day=auth.signed_on.isoformat())
                 if auth.document else _("no scan of the letter"))
    return " · ".join(parts)


def _key(k: "Key", p: "Profile") -> str:
    from keyledger.whereabouts import where

    code = p.codes.get(k.id)
    since = code.last_used if code else k.since
    text = f"{k.id} {vocab.name('key-kind', k.kind)} {k.label or ''}".rstrip() + " — " + where(
        k.kind, k.state, k.slot, p.names.get(k.holder or "", k.holder), since)
    if code and code.told:
        text += " · " + _("known to {names}").format(
            names="、".join(p.names.get(s, s) for s in code.told))
    return text


def purpose_words(v: "Visit") -> str:
    """What a visit was, a call with its outcome: an unanswered call never reads as a call made."""
    purpose = vocab.name("visit-purpose", v.purpose)
    return _("{purpose} ({outcome})").format(
        purpose=purpose, outcome=vocab.name("call-outcome", v.outcome)) if v.outcome else purpose


def _visit(v: "Visit", name: Any) -> str:
    from keyledger.cli.common import when

    head = f"{when(v.started)} {purpose_words(v)}"
    head += " " + "、".join(name(s) for s in v.stewards)
    found = [f"{vocab.name('care', c.item) if c.item else ''}: {vocab.name('check-result', c.result)}" for c in v.checklist if c.result != "ok"]
    return " · ".join([head, *found, *([v.note] if v.note else [])])
