"""The roster: steward add, edit, deactivate, reactivate, list, show."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from keyledger.cli import completion, words
from keyledger.cli.common import (command, group, open_ledger, print_json, say, stdout,
                                  table)
from keyledger.i18n import _
from keyledger import vocab

if TYPE_CHECKING:
    from keyledger.model import Steward

app = group()


@command(app)
def add(
    ident: str = typer.Argument(..., metavar="ID", help=_("Steward id, e.g. zhou-lx.")),
    name: Optional[str] = typer.Option(None, "--name", help=_("Full name.")),
    phone: Optional[str] = typer.Option(None, "--phone", help=_("Phone number.")),
    key: Optional[str] = typer.Option(None, "--key", help=_("The steward's SSH public key file.")),
    role: Optional[str] = typer.Option(None, "--role",
                                       autocompletion=completion.roles, callback=words.one("role"),
                                       help=_("Role: {roles}.").format(
                                           roles=vocab.choices("role"))),
    from_file: Optional[Path] = typer.Option(None, "--from-file",
                                             help=_("Read the steward from a YAML form.")),
) -> None:
    """Register a steward (a supervisor's commit)."""
    from keyledger.roster import add_steward

    steward, sha = add_steward(open_ledger(), ident, name, key, phone, role, from_file)
    say(_("Added {role} {name} ({id}) in commit {sha}.").format(
        role=vocab.name("role", steward.role), name=steward.name, id=steward.id, sha=sha[:10]))


@command(app)
def deactivate(ident: str = typer.Argument(..., metavar="ID",
                                           autocompletion=completion.stewards,
                                           callback=words.steward,
                                           help=_("The steward: id or name."))) -> None:
    """A steward leaves (a supervisor's commit); their file and signatures stay."""
    from keyledger.roster import deactivate_steward

    steward, sha = deactivate_steward(open_ledger(), ident)
    say(_("{name} ({id}) is no longer active. Commit {sha}. Run `keyledger rekey` so that "
          "they can no longer open door codes.").format(name=steward.name, id=steward.id,
                                                         sha=sha[:10]))


@command(app)
def reactivate(ident: str = typer.Argument(..., metavar="ID",
                                           autocompletion=completion.stewards,
                                           callback=words.steward,
                                           help=_("The steward: id or name."))) -> None:
    """A steward who left is active again (a supervisor's commit)."""
    from keyledger.roster import reactivate_steward

    steward, sha = reactivate_steward(open_ledger(), ident)
    say(_("{name} ({id}) is active again. Commit {sha}. Run `keyledger rekey` so that they "
          "can open the door codes of their households.").format(
              name=steward.name, id=steward.id, sha=sha[:10]))


@command(app, "key")
def key_(ident: str = typer.Argument(..., metavar="ID", autocompletion=completion.stewards,
                                    callback=words.steward, help=_("The steward: id or name.")),
         key: str = typer.Option(..., "--key", metavar="NEW.pub",
                                 help=_("The steward's new SSH public key file."))) -> None:
    """Give a steward a new key in place of a lost or replaced one (a supervisor's commit): what
    the old key signed before stays verified; nothing it signs from now on is accepted."""
    from keyledger import sshkeys
    from keyledger.roster import replace_key

    old, new, sha = replace_key(open_ledger(), ident, key)
    say(_("{name} ({id}) signs with {new} from now on; {old} signed until now and signs nothing "
          "after it. Commit {sha}.").format(name=new.name, id=new.id,
                                           new=sshkeys.fingerprint(new.key),
                                           old=sshkeys.fingerprint(old.key), sha=sha[:10]))
    say(_("Run `keyledger rekey`: door codes move to the new key, and it names those the old "
          "key could open, to rotate. On {name}'s own machine: `keyledger use-key` with the new "
          "key.").format(name=new.name))


@command(app)
def edit(
    ident: str = typer.Argument(..., metavar="ID", autocompletion=completion.stewards,
                                callback=words.steward,
                                help=_("The steward: id or name.")),
    name: Optional[str] = typer.Option(None, "--name", help=_("Full name.")),
    phone: Optional[str] = typer.Option(None, "--phone", help=_("Phone number.")),
    role: Optional[str] = typer.Option(None, "--role", autocompletion=completion.roles,
                                       callback=words.one("role"),
                                       help=_("Role: {roles}.").format(
                                           roles=vocab.choices("role"))),
) -> None:
    """Change a steward's name, phone or role (a supervisor's commit)."""
    from keyledger.roster import edit_steward

    steward, sha = edit_steward(open_ledger(), ident, name, phone, role)
    say(_("{name} ({id}) is now recorded as {role}, phone {phone}. Commit {sha}.").format(
        name=steward.name, id=steward.id, role=vocab.name("role", steward.role),
        phone=steward.phone or "—", sha=sha[:10]))
    if role is not None:  # door codes are encrypted to the supervisors of the day
        say(_("Run `keyledger rekey` so that door codes follow the new role."))


@command(app, "list")
def list_(json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """All stewards and supervisors."""
    ledger = open_ledger()
    stewards = ledger.stewards()
    if json:
        print_json([_steward_json(s) for s in stewards])
        return
    table([_("id"), _("name"), _("role"), _("phone"), _("active")],
          [[s.id, s.name, vocab.name("role", s.role), s.phone or "",
            _("yes") if s.active else _("no")]
           for s in stewards])


@command(app)
def show(ident: str = typer.Argument(..., metavar="ID", autocompletion=completion.stewards,
                                     callback=words.steward,
                                     help=_("The steward: id or name.")),
         json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """One steward, with the households they look after."""
    from keyledger import sshkeys
    from keyledger.standing import households_of

    ledger = open_ledger()
    steward = ledger.steward(ident)
    households = households_of(ledger, ident)
    if json:
        print_json({**_steward_json(steward),
                    "households": [{"id": h, "name": name, "as": side}
                                   for h, name, side in households]})
        return
    lines = [f"{steward.name} ({steward.id}) — {vocab.name('role', steward.role)}"
             + ("" if steward.active else _(" — inactive")),
             _("phone: {phone}").format(phone=steward.phone or "—"),
             _("key: {fp}").format(fp=sshkeys.fingerprint(steward.key)),
             *[_("replaced key: {fp}, until {until}").format(
                 fp=sshkeys.fingerprint(k.key), until=k.until.isoformat())
               for k in steward.retired_keys],
             _("households: {ids}").format(ids=", ".join(
                 f"{h} {name} ({side.upper()})" for h, name, side in households) or "—")]
    stdout().print("\n".join(lines), markup=False)


def _steward_json(s: "Steward") -> dict[str, object]:
    data = s.to_dict()
    data.pop("schema")
    data.setdefault("retired_keys", [])
    return data
