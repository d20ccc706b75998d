"""Keys in the cabinet: key add, list, show."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from keyledger.cli import completion, words
from keyledger.cli.common import (ask_passphrase, command, group, open_ledger, people, print_json,
                                  read_code, say, stdout, table, when)
from keyledger.i18n import _
from keyledger import vocab

if TYPE_CHECKING:
    from keyledger.model import Key

app = group()


@command(app)
def add(
    household: Optional[str] = typer.Option(None, "--household",
                                            autocompletion=completion.households,
                                            callback=words.household,
                                            help=_("The household the key opens.")),
    ident: Optional[str] = typer.Option(None, "--id", help=_("Tag number; the next free K-NNNN "
                                                             "when left out.")),
    kind: Optional[str] = typer.Option(None, "--kind",
                                       autocompletion=completion.key_kinds,
                                       callback=words.one("key-kind"),
                                       help=_("Kind of key: {kinds}.").format(
                                           kinds=vocab.choices("key-kind"))),
    slot: Optional[str] = typer.Option(None, "--slot", help=_("Cabinet slot, e.g. A-03.")),
    label: Optional[str] = typer.Option(None, "--label", help=_("What the key is, e.g. 入户门钥匙.")),
    from_file: Optional[Path] = typer.Option(None, "--from-file",
                                             help=_("Read the key from a YAML form.")),
) -> None:
    """Register a key in the cabinet; prints the number to write on its tag.

    For a door code (--kind code) the code is read without echo, or from standard input.
    """
    from keyledger.keys import add_key

    if household is None and from_file is None:
        raise typer.BadParameter(_("give --household (or --from-file)"), param_hint="--household")
    key, sha = add_key(open_ledger(), ident,
                       {"household": household, "kind": kind, "slot": slot, "label": label},
                       from_file, read_code=read_code)
    say(_("Registered {id} for household {household} in commit {sha}.").format(
        id=key.id, household=key.household, sha=sha[:10]))
    say(_("Write this number on the key's tag:"))
    stdout().print(key.id, markup=False)


@command(app, "list")
def list_(json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """All keys and where they are."""
    from keyledger import listing

    ledger = open_ledger()
    if json:
        print_json([key_json(k) for k in ledger.keys()])
        return
    rows = listing.fresh(ledger, ("key",))["key"].rows()
    from keyledger.whereabouts import state_words

    who = people()
    table([_("key"), _("household"), _("kind"), _("slot"), _("state"), _("holder"), _("label")],
          [[ident, household, vocab.name("key-kind", kind), slot or "", state_words(kind, state),
            who.name(holder) if holder else "", label or ""]
           for ident, (household, kind, slot, state, holder, label) in rows.items()])


@command(app)
def show(ident: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                                     callback=words.key,
                                     help=_("The key's tag number, e.g. K-0012.")),
         json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """One key: what it opens, where it is, who has it."""
    ledger = open_ledger()
    key = ledger.key(ident)
    household = ledger.household(key.household)
    if json:
        print_json({**key_json(key), "household_name": household.name})
        return
    lines = [f"{key.id}  {household.id} {household.name} — {vocab.name('key-kind', key.kind)} {key.label or ''}"]
    if key.kind == "code":  # a code is in no slot: who was given it, when it was last used
        from keyledger.timeutil import zone
        from keyledger.whereabouts import code_known, where

        known = code_known(ledger, key)
        names = {s.id: s.name for s in ledger.stewards()}
        since = known.last_used if key.state == "in" else \
            key.since.astimezone(zone(ledger.settings.timezone)) if key.since else None
        lines.append(where(key.kind, key.state, key.slot,
                           names.get(key.holder or "", key.holder), since))
        lines.append(_("known to {names}").format(
            names="、".join(names.get(s, s) for s in known.told) or "—"))
    else:
        lines += [_("slot: {slot}").format(slot=key.slot or "—"),
                  _("state: {state}").format(state=vocab.name("key-state", key.state))]
    if key.state == "out" and key.kind != "code":
        lines += [_("holder: {holder}, since {since}, for {purpose}").format(
                      holder=people().reach(key.holder), since=when(key.since),
                      purpose=vocab.name("purpose", key.purpose)),
                  _("expected back: {when}").format(when=when(key.expected_back))]
    if key.note:
        lines.append(_("note: {note}").format(note=key.note))
    stdout().print("\n".join(lines), markup=False)


def key_json(k: "Key") -> dict[str, Any]:
    data = k.to_dict()
    data.pop("schema")
    data["code"] = "encrypted" if k.code else None  # the ciphertext is of no use to a reader
    return data


code_app = group()


@command(code_app, "rotate")
def rotate(ident: str = typer.Argument(..., metavar="KEY", autocompletion=completion.keys,
                                       callback=words.key,
                                       help=_("The key's tag number, e.g. K-0012."))) -> None:
    """Record a new door code (read like `key add --kind code`)."""
    from keyledger.keys import rotate_code

    key, sha = rotate_code(open_ledger(), ident, read_code)
    say(_("New code of {key} stored, encrypted to {readers}. Commit {sha}.").format(
        key=key.id, readers=", ".join(key.code_recipients), sha=sha[:10]))


def rekey() -> None:
    """Re-encrypt door codes to each household's current pair and the supervisors."""
    from keyledger.keys import rekey as reencrypt

    report, sha = reencrypt(open_ledger(), ask_passphrase)
    if sha is None:
        say(_("Every door code is already encrypted to the right stewards."))
        return
    for r in report:
        added, removed = ", ".join(r.added), ", ".join(r.removed)
        changes = ([_("now also for {added}").format(added=added)] if added else []) + \
            ([_("no longer for {removed}").format(removed=removed)] if removed else []) + \
            ([_("for the new key of {who}").format(who=", ".join(r.replaced))]
             if r.replaced else [])
        say(_("{key} ({household}): {change}.").format(key=r.key, household=r.household,
                                                       change="; ".join(changes)))
    for r in report:
        if r.removed:
            say(_("Rotate the code of {key}: {who} knew it and can no longer open it here.")
                .format(key=r.key, who=", ".join(r.removed)))
        elif r.replaced:
            say(_("Rotate the code of {key}: the replaced key of {who} could open it, wherever "
                  "that key is now.").format(key=r.key, who=", ".join(r.replaced)))
    say(_("Re-encrypted {n} codes. Commit {sha}.").format(n=len(report), sha=sha[:10]))
