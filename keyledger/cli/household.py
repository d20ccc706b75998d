"""Household files: household add, edit, pair, authorize, revoke, list, show."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from keyledger.cli import completion, params, words
from keyledger.cli.common import (command, group, open_ledger, people, print_json, say,
                                  stdout, table)
from keyledger.cli.exchange import household_card, household_import
from keyledger.cli.filters import aged_option, flag_option, living_option, picked
from keyledger.i18n import _
from keyledger import vocab

if TYPE_CHECKING:
    from keyledger.model import Household

app = group()


def _split(value: str, size: int) -> list[str | None]:
    """`a,b,c` into `size` fields; the last keeps any further commas (a note may have them)."""
    parts: list[str | None] = [p.strip() or None for p in value.split(",", size - 1)]
    return parts + [None] * (size - len(parts))


@command(app)
def add(
    ident: str = typer.Argument(..., metavar="ID", help=_("Household id, e.g. 8-1-401.")),
    name: Optional[str] = typer.Option(None, "--name", help=_("Main resident, or the shop's name.")),
    address: Optional[str] = typer.Option(None, "--address", help=_("Address.")),
    kind: Optional[str] = typer.Option(None, "--kind",
                                       autocompletion=completion.household_kinds,
                                       callback=words.one("household-kind"),
                                       help=_("Kind of household: {kinds}.").format(
                                           kinds=vocab.choices("household-kind"))),
    pair: Optional[str] = typer.Option(None, "--pair", metavar="A,B",
                                       autocompletion=completion.pairs, callback=words.pair,
                                       help=_("The A and B stewards by name or id, e.g. 周丽霞,王德厚.")),
    phone: Optional[str] = typer.Option(None, "--phone", help=_("Phone of the main resident.")),
    born: Optional[int] = typer.Option(None, "--born", help=_("Year of birth of the main resident.")),
    health: Optional[str] = typer.Option(None, "--health", help=_("Health notes of the main resident.")),
    contact: list[str] = typer.Option([], "--contact", metavar="NAME,RELATION,PHONE",
                                      help=_("An emergency contact (repeatable).")),
    flag: list[str] = typer.Option([], "--flag",
                                   autocompletion=completion.flags, callback=words.many("flag"),
                                   help=_("A flag (repeatable): {flags}.").format(
                                       flags=vocab.choices("flag"))),
    care: list[str] = typer.Option([], "--care",
                                   autocompletion=completion.care, callback=words.many("care"),
                                   help=_("Something to look after on visits (repeatable): "
                                          "{items}.").format(items=vocab.choices("care"))),
    away: list[str] = typer.Option([], "--away", metavar="FROM,UNTIL[,NOTE]",
                                   help=_("A period away, e.g. 2026-11-01,2027-04-15 (repeatable).")),
    notes: Optional[str] = typer.Option(None, "--notes", help=_("Free notes.")),
    living: Optional[str] = living_option(_("How they live: {values}.")),
    birthday: Optional[str] = params.birthday(),
    interest: list[str] = typer.Option([], "--interest",
                                       help=_("An interest of the main resident, e.g. 京剧 "
                                              "(repeatable).")),
    from_file: Optional[Path] = typer.Option(None, "--from-file",
                                             help=_("Read the household from a YAML form.")),
) -> None:
    """Register a household (一户一档)."""
    from keyledger.households import add_household

    given: dict[str, Any] = {"name": name, "address": address, "kind": kind, "notes": notes,
                             "living": living}
    about = {k: v for k, v in (("born", born), ("phone", phone), ("health", health),
                               ("birthday", _birthday(birthday)),
                               ("interests", [i for i in interest if i.strip()] or None))
             if v is not None}
    if about and not name:
        raise typer.BadParameter(_("--phone, --born, --health, --birthday and --interest "
                                   "describe the main resident; give their --name too."),
                                 param_hint="--name")
    if about:
        given["people"] = [{"name": name, **about}]
    if contact:
        given["contacts"] = [dict(zip(("name", "relation", "phone"), _split(c, 3)))
                             for c in contact]
    if away:
        given["away"] = [dict(zip(("from", "until", "note"), _split(a, 3))) for a in away]
    if flag:
        given["flags"] = flag
    if care:
        given["care"] = care
    if pair:
        a, b = _split(pair, 2)
        given["pair"] = {"a": a, "b": b}
    household, sha = add_household(open_ledger(), ident, given, from_file)
    say(_("Added household {id} {name} in commit {sha}.").format(
        id=household.id, name=household.name, sha=sha[:10]))


@command(app)
def edit(
    ident: str = params.household("ID"),
    name: Optional[str] = typer.Option(None, "--name", help=_("Main resident, or the shop's name.")),
    address: Optional[str] = typer.Option(None, "--address", help=_("Address.")),
    kind: Optional[str] = typer.Option(None, "--kind",
                                       autocompletion=completion.household_kinds,
                                       callback=words.one("household-kind"),
                                       help=_("Kind of household: {kinds}.").format(
                                           kinds=vocab.choices("household-kind"))),
    phone: Optional[str] = typer.Option(None, "--phone", help=_("Phone of the main resident.")),
    add_flag: list[str] = typer.Option([], "--add-flag", metavar="FLAG",
                                       autocompletion=completion.flags, callback=words.many("flag"),
                                       help=_("Add a flag (repeatable).")),
    remove_flag: list[str] = typer.Option([], "--remove-flag", metavar="FLAG",
                                          autocompletion=completion.flags,
                                          callback=words.many("flag"),
                                          help=_("Remove a flag (repeatable).")),
    add_care: list[str] = typer.Option([], "--add-care", metavar="ITEM",
                                       autocompletion=completion.care, callback=words.many("care"),
                                       help=_("Add to the care list (repeatable).")),
    remove_care: list[str] = typer.Option([], "--remove-care", metavar="ITEM",
                                          autocompletion=completion.care,
                                          callback=words.many("care"),
                                          help=_("Remove from the care list (repeatable).")),
    add_away: list[str] = typer.Option([], "--add-away", metavar="FROM,UNTIL[,NOTE]",
                                       help=_("Add a period away (repeatable).")),
    remove_away: list[str] = typer.Option([], "--remove-away", metavar="FROM",
                                          help=_("Remove the period away that begins on FROM "
                                                 "(repeatable).")),
    notes: Optional[str] = typer.Option(None, "--notes", help=_("Free notes (replaces them).")),
    living: Optional[str] = living_option(_("How they live: {values}.")),
    birthday: Optional[str] = params.birthday(),
    interest: list[str] = typer.Option([], "--interest",
                                       help=_("The main resident's interests (repeatable; "
                                              "they replace the ones on file).")),
    witness_for: Optional[str] = typer.Option(None, "--witness-for", metavar="P,P…",
                                              autocompletion=completion.purposes,
                                              callback=words.many("purpose"),
                                              help=_("Supervisor: the purposes whose checkout "
                                                     "needs a witness here (empty for none).")),
    from_file: Optional[Path] = typer.Option(None, "--from-file",
                                             help=_("Read the whole household from a YAML form "
                                                    "(options given win over it).")),
) -> None:
    """Change a household's file (one signed commit; its pair and authorization have their own
    commands)."""
    from keyledger.households import Edit, edit_household

    change = Edit({"name": name, "address": address, "kind": kind, "notes": notes}, phone,
                  tuple(add_flag), tuple(remove_flag), tuple(add_care), tuple(remove_care),
                  tuple(dict(zip(("from", "until", "note"), _split(a, 3))) for a in add_away),
                  tuple(remove_away),
                  None if witness_for is None else
                  tuple(p.strip() for p in witness_for.split(",") if p.strip()),
                  living, _birthday(birthday),
                  tuple(i for i in interest if i.strip()) or None)
    household, changed, sha = edit_household(open_ledger(), ident, change, from_file)
    say(_("{id} {name}: changed {fields}. Commit {sha}.").format(
        id=household.id, name=household.name, fields=", ".join(changed), sha=sha[:10]))


@command(app)
def pair(ident: str = params.household("ID"),
         a: str = typer.Option(..., "--a", metavar="STEWARD",
                               autocompletion=completion.stewards,
                               callback=words.steward, help=_("The A steward.")),
         b: str = typer.Option(..., "--b", metavar="STEWARD",
                               autocompletion=completion.stewards, callback=words.steward,
                               help=_("The B steward."))) -> None:
    """Set a household's A/B pair (a supervisor's commit)."""
    from keyledger.households import set_pair

    household, sha = set_pair(open_ledger(), ident, a, b)
    say(_("{id}: A {a}, B {b}. Commit {sha}. If the household has door codes, run `keyledger "
          "rekey`.").format(id=household.id, a=people().name(a), b=people().name(b),
                            sha=sha[:10]))


@command(app)
def authorize(
    ident: str = params.household("ID"),
    start: str = typer.Option(..., "--from", metavar="DATE", help=_("First day it is valid.")),
    until: str = typer.Option(..., "--until", metavar="DATE", help=_("Last day it is valid.")),
    purpose: list[str] = typer.Option(..., "--purpose", metavar="P,P…",
                                      autocompletion=completion.purposes,
                                      callback=words.many("purpose"),
                                      help=_("The purposes the owner allows: {purposes}.").format(
                                          purposes=vocab.choices("purpose"))),
    condition: list[str] = typer.Option([], "--condition",
                                        help=_("A condition, e.g. \"video call with owner\" "
                                               "(repeatable); a renewal keeps the earlier ones "
                                               "otherwise.")),
    no_conditions: bool = typer.Option(False, "--no-conditions",
                                       help=_("Renewal: drop the earlier conditions.")),
    document: Optional[Path] = typer.Option(None, "--document",
                                            help=_("The scanned letter (stored once, by hash); "
                                                   "a renewal keeps the earlier one otherwise.")),
    signed_on: Optional[str] = typer.Option(None, "--signed-on", metavar="DATE",
                                            help=_("When the owner signed; today otherwise.")),
) -> None:
    """Record or renew the owner's authorization (授权书): a supervisor's commit."""
    from keyledger.households import authorize as record

    if condition and no_conditions:
        raise typer.BadParameter(_("--condition and --no-conditions contradict each other."),
                                 param_hint="--no-conditions")
    household, sha = record(open_ledger(), ident, start, until, purpose,
                            [] if no_conditions else condition or None, document, signed_on)
    auth = household.authorization
    assert auth is not None
    say(_("{id} is authorized from {start} to {until} for {purposes}. Commit {sha}.").format(
        id=ident, start=auth.start, until=auth.until,
        purposes=vocab.names("purpose", auth.purposes), sha=sha[:10]))
    if document is None and auth.document:
        say(_("The earlier letter {path} is kept; give --document for a new one.").format(
            path=auth.document))
    if not condition and auth.conditions:
        say(_("The earlier conditions are kept: {conditions} (--no-conditions drops them).")
            .format(conditions="; ".join(auth.conditions)))


@command(app)
def revoke(ident: str = params.household("ID")) -> None:
    """End the owner's authorization today (a supervisor, or the household's A/B steward)."""
    from keyledger.households import revoke as end

    household, sha = end(open_ledger(), ident)
    say(_("The authorization of {id} is revoked. Commit {sha}.").format(id=ident, sha=sha[:10]))


@command(app, "list")
def list_(
    flag: list[str] = flag_option(),
    living: Optional[str] = living_option(_("Only households living so: {values}.")),
    aged: bool = aged_option(),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """All households, or those the elderly register's filters pick."""
    ledger = open_ledger()
    rows, wanted = picked(ledger, flag, living, aged)
    if json:
        print_json([household_json(h) for h in ledger.households(wanted)])
        return
    # A street office lists 100,000 households with a handful of kinds and sets of flags.
    shown = functools.cache(_)
    flags_shown = functools.cache(lambda flags: " ".join(map(_, flags)))
    table([_("id"), _("name"), _("kind"), _("flags"), _("pair"), _("address")],
          ([ident, name, shown(kind), flags_shown(tuple(flags)), "/".join(pair), address]
           for ident in wanted for name, kind, flags, pair, address in (rows[ident],)))


def _birthday(text: str | None) -> str | None:
    """`--birthday` as the file writes it (a date in any form `--from` takes)."""
    if text is None:
        return None
    from keyledger.timeutil import now, parse_date, zone

    today = now(zone(open_ledger().settings.timezone)).date()
    day = parse_date(text, today)
    if day > today:
        raise typer.BadParameter(_("{day} is still to come; a birthday is a day past").format(
            day=day.isoformat()), param_hint="--birthday")
    return day.isoformat()


@command(app)
def show(ident: str = params.household("ID"),
         json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """The household's whole file (一户一档): people, contacts, flags, away periods, care list,
    authorization, schedule, keys and where they are, the last visits, what is open and the
    follow-ups to come."""
    from keyledger.cli.household_view import profile_json, render
    from keyledger.profile import gather

    profile = gather(open_ledger(), ident)
    if json:
        print_json(profile_json(profile))
        return
    stdout().print(render(profile))


def household_json(h: "Household") -> dict[str, Any]:
    """The household file's fields, with every detail of a person, contact or period away present
    (null when unknown): the file leaves empty ones out, a reader of JSON wants one shape."""
    data = h.to_dict()
    data.pop("schema")
    data["people"] = [{"name": p.name, "born": p.born, "phone": p.phone, "health": p.health,
                       "birthday": p.birthday.isoformat() if p.birthday else None,
                       "interests": list(p.interests)} for p in h.people]
    data["living"] = h.living
    for name in ("problems", "requests", "advances"):
        data[name] = [x.to_dict() for x in getattr(h, name)]
    data["contacts"] = [{"name": c.name, "relation": c.relation, "phone": c.phone}
                        for c in h.contacts]
    data["away"] = [{"from": a.start.isoformat(), "until": a.until.isoformat(), "note": a.note}
                    for a in h.away]
    return data


command(app, "import")(household_import)
command(app, "card")(household_card)
