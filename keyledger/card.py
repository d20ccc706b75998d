"""The household's emergency card (应急联系卡): one printable page with what a responder needs at
the door — who lives there and their health, whom to call, the A/B stewards and their phones,
the address, the keys and where they are now, and flags such as lives-alone.

The card is built once as plain data (`Card`) and rendered through the templates `card.md.j2`,
`card.text.j2` and `card.html.j2` (see `render`), which escape typed text for their format. Door
codes never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from keyledger import render as rendering
from keyledger import vocab
from keyledger.i18n import _, language, set_language
from keyledger.ledger import Ledger
from keyledger.model import Away, Household, Key, Steward
from keyledger.render import Phone
from keyledger.timeutil import iso, now, zone

# Flags a responder must see first.
URGENT = ("lives-alone", "disabled", "elderly", "pet", "lock-change")


Cell = str


@dataclass
class Section:
    title: str
    headers: list[str] | None            # None: a list of "label: value" lines
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""


@dataclass
class Card:
    title: str
    flags: str                           # the flags a responder must see first, or ""
    warnings: list[str]
    sections: list[Section]
    footer: str


@dataclass
class Facts:
    """What the card says, gathered once: the rendered card and its JSON are both made from it."""

    household: Household
    community: str
    printed: datetime
    stewards: dict[str, Steward]
    keys: list[Key]
    flags: list[str]                    # the urgent ones first
    away_now: Away | None
    away_next: Away | None
    team: list[tuple[str, str | None]]  # (role: a, b or supervisor; steward id)
    authorization: str                  # valid, revoked, not-in-force or none
    emergency_needs_consent: bool       # the authorization does not allow emergency entry


def gather(ledger: Ledger, household_id: str) -> Facts:
    household: Household = ledger.household(household_id)
    moment = now(zone(ledger.settings.timezone))
    today = moment.date()
    stewards = {s.id: s for s in ledger.stewards()}
    keys = [k for k in ledger.keys_of(household.id) if k.state != "handed-back"]
    flags = [f for f in URGENT if f in household.flags] + \
        [f for f in household.flags if f not in URGENT]
    team: list[tuple[str, str | None]] = [("a", household.pair_a), ("b", household.pair_b)]
    team += [("supervisor", s.id) for s in sorted(stewards.values(), key=lambda s: s.id)
             if s.role == "supervisor" and s.active and s.id not in household.pair]
    auth = household.authorization
    state = auth.state(today) if auth else "none"
    return Facts(
        household, ledger.settings.community, moment, stewards, keys, flags,
        next((a for a in household.away if a.start <= today <= a.until), None),
        next((a for a in household.away if a.start > today), None), team, state,
        not (auth is not None and auth.revoked is None and "emergency" in auth.purposes))


def _person(steward: Steward | None, ident: str | None) -> list[Cell]:
    if steward is None:
        return [ident or "—", ""]
    return [f"{steward.name} ({steward.id})" + ("" if steward.active else _(" — inactive")),
            Phone(steward.phone) if steward.phone else ""]


def _where(key: Key, stewards: dict[str, Steward], tz: tzinfo) -> str:
    from keyledger.whereabouts import where

    holder = stewards.get(key.holder or "")
    name = f"{holder.name} ({holder.id})" if holder else key.holder or "—"
    since = key.since.astimezone(tz) if key.since else None
    return where(key.kind, key.state, key.slot, name, since) + \
        (f" · {holder.phone}" if key.state == "out" and holder and holder.phone else "")


def build(facts: Facts) -> Card:
    household = facts.household
    tz = facts.printed.tzinfo
    assert tz is not None
    today = facts.printed.date()
    stewards = facts.stewards

    warnings = []
    away = facts.away_now
    if away is not None:
        warnings.append(_("Away now, until {until}; the home should be empty.").format(
            until=away.until.isoformat()) + (f" {away.note}" if away.note else ""))
    elif facts.away_next is not None:
        warnings.append(_("At home; away from {start} to {until}.").format(
            start=facts.away_next.start.isoformat(), until=facts.away_next.until.isoformat()))

    home = Section(_("Home"), None, [[_("Address"), household.address],
                                     [_("Kind"), vocab.name("household-kind", household.kind)]])
    if household.care:
        home.rows.append([_("Look after"), vocab.names("care", household.care)])

    people = Section(_("People"), [_("Name"), _("Born"), _("Phone"), _("Health")],
                     empty=_("No one recorded."))
    for p in household.people:
        born = _("{year} (age {age})").format(year=p.born, age=today.year - p.born) \
            if p.born else ""
        people.rows.append([p.name, born, Phone(p.phone) if p.phone else "", p.health or ""])

    contacts = Section(_("Emergency contacts"), [_("Name"), _("Relation"), _("Phone")],
                       empty=_("No emergency contact recorded."))
    for c in household.contacts:
        contacts.rows.append([c.name, c.relation or "", Phone(c.phone) if c.phone else ""])

    team = Section(_("Stewards"), [_("Role"), _("Name"), _("Phone")])
    roles = {"a": _("A steward"), "b": _("B steward"), "supervisor": _("Supervisor")}
    for role, ident in facts.team:
        team.rows.append([roles[role], *_person(stewards.get(ident or ""), ident)])

    key_section = Section(_("Keys"), [_("Key"), _("Kind"), _("What"), _("Where now")],
                          empty=_("No key in custody."))
    for k in facts.keys:
        what = k.label or ""
        if k.kind == "code":
            what = (what + " " if what else "") + _("(door code: kept encrypted; the A/B "
                                                    "stewards and supervisors can open it)")
        key_section.rows.append([k.id, vocab.name("key-kind", k.kind), what,
                                 _where(k, stewards, tz)])

    sections = [home, people, contacts, team, key_section]
    auth = household.authorization
    rules = Section(_("Entry"), None)
    if auth is None:
        rules.rows.append([_("Owner's authorization"), _("none on file")])
    else:
        state = {"valid": lambda: _("valid until {until}").format(until=auth.until.isoformat()),
                 "revoked": lambda: _("revoked on {day}").format(
                     day=auth.revoked.isoformat() if auth.revoked else ""),
                 "not-in-force": lambda: _("not in force ({start} to {until})").format(
                     start=auth.start.isoformat(), until=auth.until.isoformat())}
        rules.rows.append([_("Owner's authorization"), state[facts.authorization]()])
        rules.rows.append([_("Allows"), vocab.names("purpose", auth.purposes)])
        if auth.conditions:
            rules.rows.append([_("Conditions"), "; ".join(auth.conditions)])
    if facts.emergency_needs_consent:
        rules.rows.append([_("Emergency entry"), _("record how the owner agreed (--consent) or "
                                                  "whom you called without answer (--unreached)")])
    if household.witness_for:
        rules.rows.append([_("Witness needed for"),
                           vocab.names("purpose", household.witness_for)])
    sections.append(rules)
    if household.notes:
        sections.append(Section(_("Notes"), None, [["", household.notes]]))

    title = _("Emergency card: {id} {name}").format(id=household.id, name=household.name)
    footer = _("{community} · printed {when} · keyledger").format(
        community=facts.community, when=facts.printed.strftime("%Y-%m-%d %H:%M"))
    return Card(title, " · ".join(vocab.name("flag", f) for f in facts.flags), warnings, sections,
                footer)


def to_json(facts: Facts) -> dict[str, Any]:
    """The card's data, in codes rather than words (the README's "JSON output" documents it)."""
    h = facts.household
    tz = facts.printed.tzinfo

    def steward(role: str, ident: str | None) -> dict[str, Any]:
        s = facts.stewards.get(ident or "")
        return {"role": role, "id": ident, "name": s.name if s else None,
                "phone": s.phone if s else None, "active": s.active if s else None}

    def key(k: Key) -> dict[str, Any]:
        holder = facts.stewards.get(k.holder or "")
        return {"id": k.id, "kind": k.kind, "label": k.label, "state": k.state, "slot": k.slot,
                "holder": k.holder, "holder_name": holder.name if holder else None,
                "holder_phone": holder.phone if holder else None,
                "since": iso(k.since.astimezone(tz)) if k.since else None}

    auth = h.authorization
    return {
        "household": h.id, "name": h.name, "address": h.address, "kind": h.kind,
        "flags": facts.flags, "care": list(h.care),
        "away_now": facts.away_now.to_dict() if facts.away_now else None,
        "away_next": facts.away_next.to_dict() if facts.away_next else None,
        "people": [{"name": p.name, "born": p.born,
                    "age": facts.printed.year - p.born if p.born else None,
                    "phone": p.phone, "health": p.health} for p in h.people],
        "contacts": [{"name": c.name, "relation": c.relation, "phone": c.phone}
                     for c in h.contacts],
        "stewards": [steward(role, ident) for role, ident in facts.team],
        "keys": [key(k) for k in facts.keys],
        "authorization": None if auth is None else {
            "state": facts.authorization, "from": auth.start.isoformat(),
            "until": auth.until.isoformat(), "purposes": list(auth.purposes),
            "conditions": list(auth.conditions),
            "revoked": auth.revoked.isoformat() if auth.revoked else None},
        "emergency_needs_consent": facts.emergency_needs_consent,
        "witness_for": list(h.witness_for), "notes": h.notes,
        "community": facts.community, "printed": iso(facts.printed)}


def render(ledger: Ledger, household_id: str, fmt: str, lang: str | None = None) -> str:
    """The card as Markdown, chat text or HTML in `lang`, else in the ledger's locale: like the reports it
    is a document for others (responders), not the interface, which keeps its own language for
    the messages around it."""
    facts = gather(ledger, household_id)
    interface = language()
    lang = rendering.language(ledger, lang)
    set_language(lang)
    try:
        # The card's words are the interface's, already translated: its templates are the same
        # for every language ("{label}:" too, which is "{label}：" in Chinese).
        document = rendering.Document("card", lang, {"card": build(facts), "colon": _("{label}:")})
        return rendering.render(ledger, document, fmt)
    finally:
        set_language(interface)
