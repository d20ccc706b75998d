"""Several stewards, one ledger: share create/auto, clone, sync, hook install-server."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

import typer

from keyledger.cli.common import command, group, open_ledger, plain, say
from keyledger.i18n import _

hook_app = group()
share_app = group()


@command(share_app, "create")
def create(where: str = typer.Argument(..., metavar="URL|PATH",
                                       help=_("A new folder, or ssh://[user@]host[:port]/path."))
           ) -> None:
    """Make this ledger the shared one (a supervisor, once): the shared repository with its
    guard, the ledger pushed into it, and the command each steward runs."""
    from keyledger.sharing import create as make

    target = make(open_ledger(), where)
    say(_("The shared ledger is at {url}, guarded: every record pushed to it is verified.")
        .format(url=target.url))
    say(_("Each steward runs, with their own SSH key (registered with `keyledger steward add`):"))
    plain(f"keyledger clone {shlex.quote(target.url)} --key ~/.ssh/id_ed25519")


@command(share_app, "auto")
def auto(on: Optional[bool] = typer.Option(None, "--on/--off",
                                           help=_("Share each record as it is made, or not.")),
         timeout: Optional[float] = typer.Option(
             None, "--timeout", metavar="SECONDS", min=1, max=600,
             help=_("How long each background sync may take (default 5)."))) -> None:
    """Whether this clone shares each record as it is made, and how long it tries."""
    from keyledger import gitops
    from keyledger.autoshare import settings

    ledger = open_ledger()
    if on is not None:
        gitops.git(ledger.root, "config", "keyledger.autoshare", "true" if on else "false")
    if timeout is not None:
        gitops.git(ledger.root, "config", "keyledger.sharetimeout", f"{timeout:g}")
    enabled, seconds = settings(ledger)
    if not gitops.config_get(ledger.root, "remote.origin.url"):
        say(_("This ledger has no shared ledger yet: `keyledger share create` makes one."))
    elif enabled:
        say(_("Each record is shared as it is made, in the background, trying for {n} s at most.")
            .format(n=f"{seconds:g}"))
    else:
        say(_("Records are shared only by `keyledger sync`."))


def clone(url: str = typer.Argument(..., metavar="URL",
                                    help=_("The address of the shared ledger, e.g. ssh://office/srv/git/ledger.git.")),
          path: Optional[Path] = typer.Argument(
              None, metavar="[PATH]", show_default=False,
              help=_("Where to put it (default: the repository's name, as git clone does).")),
          key: str = typer.Option(..., "--key", help=_("Your SSH key (private key file, or .pub "
                                                       "in ssh-agent)."))) -> None:
    """Set up your own clone of the shared ledger: signing key, allowed signers, hooks."""
    from keyledger.identity import acting_steward
    from keyledger.sync import clone as make

    ledger = make(url, path, key)
    steward = acting_steward(ledger)
    say(_("Cloned into {path}; this clone signs as {name} ({id}).").format(
        path=ledger.root, name=steward.name, id=steward.id))


def sync() -> None:
    """Fetch, verify what came in, fast-forward, replay your own commits, push."""
    from keyledger.sync import sync as run

    done = run(open_ledger())
    if done.resumed:
        say(_("The last sync was interrupted before it finished; nothing of yours was lost, "
              "and this one did its work again."))
    say(_("{n} new commit(s) from the shared ledger, verified.").format(n=done.fetched))
    for subject in done.replayed:
        say(_("replayed: {subject}").format(subject=subject))
    if done.pushed:
        say(_("Pushed to the shared ledger."))
    if done.restored and done.pushed:
        say(_("The shared ledger had lost {n} commit(s) it held at your last sync (it was rolled "
              "back, or restored from an older copy); this sync pushed them back. Tell your "
              "supervisor.").format(n=done.restored))
    if done.explanation:
        say(done.explanation)
        raise typer.Exit(1)


@command(hook_app, "install-server")
def install_server(bare: Path = typer.Argument(..., metavar="BARE_REPO",
                                               help=_("The shared ledger's git repository on the community office's server."))) -> None:
    """Install the guard of a shared bare repository: a pre-receive hook that refuses
    unsigned or forged commits, invalid files or custody, and history rewrites."""
    from keyledger.hooks import install_server

    hook = install_server(bare)
    say(_("Installed {hook}.").format(hook=hook))
