"""Custody: checkout, return, status, history."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli.common import command, duration, open_ledger, print_json, say, stdout, when
from keyledger.i18n import _
from keyledger.vocab import PURPOSES


def checkout(
    key: str = typer.Argument(..., metavar="KEY", help=_("The key's tag number, e.g. K-0012.")),
    purpose: str = typer.Option(..., "--purpose", "-p",
                                help=_("Why: ") + ", ".join(PURPOSES) + "."),
    expect_back: Optional[str] = typer.Option(None, "--expect-back", metavar="3h|17:00",
                                              help=_("When it will be back: a duration or a time; "
                                                     "the ledger's default for the purpose "
                                                     "otherwise.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
    witness: Optional[str] = typer.Option(None, "--witness",
                                          help=_("A second steward present as witness.")),
) -> None:
    """Take a key out of the cabinet (one signed commit)."""
    from keyledger.custody import checkout as take

    new, event, sha = take(open_ledger(), key, purpose, expect_back, note, witness)
    say(_("{key} is out with {steward} for {purpose}, expected back {back}. Commit {sha}.")
        .format(key=new.id, steward=event.steward, purpose=_(event.purpose or ""),
                back=when(new.expected_back), sha=sha[:10]))


def return_(
    key: str = typer.Argument(..., metavar="KEY", help=_("The key's tag number.")),
    note: Optional[str] = typer.Option(None, "--note", help=_("A note for the record.")),
) -> None:
    """Put a key back in the cabinet (one signed commit)."""
    from keyledger.custody import return_key

    new, event, sha = return_key(open_ledger(), key, note)
    say(_("{key} is back in the cabinet (slot {slot}). Commit {sha}.").format(
        key=new.id, slot=new.slot or "—", sha=sha[:10]))


def status(
    overdue: bool = typer.Option(False, "--overdue",
                                 help=_("Exit with status 1 if any key is overdue (for cron).")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """What is out, with whom, since when; overdue first."""
    from keyledger.cli.key import key_json
    from keyledger.custody import status as out_keys

    moment, out = out_keys(open_ledger())
    late = [o for o in out if o.overdue]
    if json:
        print_json({"now": moment.isoformat(), "out": [
            {**key_json(o.key), "holder_name": o.holder_name, "household_name": o.household_name,
             "overdue": o.overdue} for o in out]})
    elif not out:
        say(_("Every key is in the cabinet."))
    else:
        from rich.table import Table

        table = Table(_("key"), _("household"), _("holder"), _("purpose"), _("since"),
                      _("out for"), _("expected back"), box=None)
        for o in out:
            k = o.key
            table.add_row(
                ("⚠ " if o.overdue else "") + k.id, f"{k.household} {o.household_name}",
                o.holder_name, _(k.purpose or ""), when(k.since),
                duration((moment - k.since).total_seconds()) if k.since else "",
                (_("OVERDUE ") if o.overdue else "") + when(k.expected_back),
                style="bold red" if o.overdue else None)
        stdout().print(table)
        say(_("{n} out, {late} overdue.").format(n=len(out), late=len(late)))
    if overdue and late:
        raise typer.Exit(1)


def history(
    target: str = typer.Argument(..., metavar="KEY|HOUSEHOLD"),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """The custody record of a key or a household, from git, newest first."""
    from keyledger.custody import history as read

    kind, entries = read(open_ledger(), target)
    if json:
        print_json([{"commit": e.sha, "committed": e.committed, "subject": e.subject,
                     "signature": e.signature, "signer": e.signer, "verified": e.verified,
                     "trailers": e.trailers} for e in entries])
        return
    from datetime import datetime

    from rich.table import Table

    table = Table(_("time"), _("action"), _("key"), _("steward"), _("purpose"), _("commit"),
                  _("signature"), box=None)
    for e in entries:
        t = e.trailers
        at = t.get("At") or e.committed
        table.add_row(when(datetime.fromisoformat(at)), _(t.get("Action", "?")), t.get("Key", ""),
                      t.get("Steward", ""), _(t.get("Purpose", "")), e.sha[:10],
                      _("✓ verified") if e.verified else _("✗ NOT VERIFIED"),
                      style=None if e.verified else "bold red")
    stdout().print(table)


def register(app: typer.Typer) -> None:
    command(app)(checkout)
    command(app, "return")(return_)
    command(app)(status)
    command(app)(history)
