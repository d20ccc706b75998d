"""Founding a ledger and choosing which steward this clone signs as: init, use-key, whoami."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from keyledger.cli.common import open_ledger, plain, print_json, say
from keyledger.i18n import _
from keyledger import vocab


def init(
    path: Path = typer.Argument(Path("."), help=_("Folder for the new ledger.")),
    community: str = typer.Option(..., "--community", help=_("Name of the community.")),
    supervisor: str = typer.Option(..., "--supervisor", help=_("Id of the first supervisor.")),
    name: str = typer.Option(..., "--name", help=_("The supervisor's name.")),
    key: str = typer.Option(..., "--key", help=_("The supervisor's SSH key (private key file "
                                                 "with its .pub beside it, or a .pub file "
                                                 "whose key is in ssh-agent).")),
    phone: Optional[str] = typer.Option(None, "--phone", help=_("The supervisor's phone.")),
    timezone: Optional[str] = typer.Option(None, "--timezone",
                                           help=_("The ledger's time zone (Asia/Shanghai).")),
    locale: Optional[str] = typer.Option(None, "--locale",
                                         help=_("The ledger's locale for reports (zh_CN).")),
    settings: Optional[Path] = typer.Option(None, "--settings", metavar="FILE",
                                            help=_("Start from this keyledger.yaml (policies).")),
) -> None:
    """Create a new ledger: a git repository, its settings and its first supervisor."""
    from keyledger.roster import init_ledger

    ledger, sha = init_ledger(path, community, supervisor, name, key, phone, timezone, locale,
                              settings)
    say(_("Created the ledger of {community} in {path}; {name} ({id}) is its supervisor. "
          "Commit {sha} is signed.").format(community=community, path=ledger.root, name=name,
                                             id=supervisor, sha=sha[:10]))


def use_key(
    key: str = typer.Argument(..., help=_("Your SSH key: private key file, or .pub in ssh-agent.")),
) -> None:
    """Sign this clone's commits with your key (set up a steward's clone)."""
    from keyledger.roster import use_key as configure

    steward = configure(open_ledger(), key)
    say(_("This clone now signs as {name} ({id}).").format(name=steward.name, id=steward.id))


def whoami(json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """Which steward this clone's signing key belongs to."""
    from keyledger.identity import whoami as signing_steward

    steward = signing_steward(open_ledger())
    if json:
        print_json(steward)
        return
    plain(f"{steward['id']}\t{steward['name']}\t{vocab.name('role', steward['role'])}\t"
          f"{steward['fingerprint']}")

