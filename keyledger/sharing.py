"""`share create`: the supervisor's ledger becomes the shared one, in one command.

The shared ledger is a bare git repository, on this machine (a path, a network drive) or on a
server reached by ssh (`ssh://[user@]host[:port]/path`, or git's `host:path`). On a server,
keyledger is installed too: `keyledger-server init PATH` is run there over ssh — the account
may have git-shell as its login shell, with a link to `keyledger-server` in
`~/git-shell-commands/` — and makes the repository with its guard and settings. Then the ledger
is pushed, through the guard, and each steward clones it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger, locked


@dataclass(frozen=True)
class Target:
    url: str                  # what git and the stewards' `keyledger clone` are given
    path: str                 # the repository's folder, on the machine that holds it
    host: str | None = None   # None: this machine
    port: str | None = None


def parse_target(text: str) -> Target:
    """A local path, `ssh://[user@]host[:port]/path` or git's `[user@]host:path`."""
    from urllib.parse import urlsplit

    if text.startswith("ssh://"):
        parts = urlsplit(text)
        path = parts.path
        if path.startswith("/~"):  # ssh://host/~/ledger.git: under the account's home
            path = path[1:]
        if not parts.hostname or not path.strip("/"):
            raise FatalError(_("{url} does not name a server and a folder, as in "
                               "ssh://office/srv/ledger.git.").format(url=text))
        host = f"{parts.username}@{parts.hostname}" if parts.username else parts.hostname
        return Target(text, path, host, str(parts.port) if parts.port else None)
    if "://" in text:
        raise FatalError(_("A shared ledger is a folder or an ssh:// address, not {url}.")
                         .format(url=text))
    head, sep, rest = text.partition(":")
    if sep and "/" not in head and rest:  # git's scp-like syntax: office:srv/ledger.git
        return Target(text, rest, head)
    path = Path(text).expanduser().absolute()
    return Target(str(path), str(path))


def _ssh_command(ledger: Ledger) -> str:
    """The ssh git itself would use: GIT_SSH_COMMAND, core.sshCommand, GIT_SSH, or ssh."""
    return (os.environ.get("GIT_SSH_COMMAND") or gitops.config_get(ledger.root, "core.sshCommand")
            or shlex.quote(os.environ.get("GIT_SSH") or "ssh"))


def _create_remote(ledger: Ledger, target: Target) -> None:
    """`keyledger-server init PATH` on the server, over ssh."""
    remote = f"keyledger-server init {shlex.quote(target.path)}"
    argv = ["sh", "-c", _ssh_command(ledger) + ' "$@"', "ssh",
            *(["-p", target.port] if target.port else []), str(target.host), remote]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        raise FatalError(_("{host} did not answer within two minutes; nothing was set up.")
                         .format(host=target.host))
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise FatalError(_("Could not set up the shared ledger on {host} ({error}). keyledger "
                           "must be installed there, with `keyledger-server` on the PATH of the "
                           "account (or, for an account whose shell is git-shell, linked in its "
                           "~/git-shell-commands/).").format(
                               host=target.host, error=lines[-1] if lines else done.returncode))


@locked
def create(ledger: Ledger, where: str) -> Target:
    """Make the shared bare repository with its guard, and push this ledger into it."""
    from keyledger.hooks import install_server
    from keyledger.identity import acting_steward
    from keyledger.sync import REMOTE, push

    acting_steward(ledger, supervisor=_("set up the shared ledger (`keyledger share create`)"))
    target = parse_target(where)
    existing = gitops.config_get(ledger.root, f"remote.{REMOTE}.url")
    if existing:
        raise FatalError(_("This ledger is already shared at {url}; each steward runs "
                           "`keyledger clone {url} --key …`.").format(url=existing))
    head = ledger.check_clean(["."])
    if head is None:
        raise FatalError(_("The ledger has no commits yet."))
    made_here, existed = None, False
    if target.host is None:
        made_here = Path(target.path)
        existed = made_here.exists()
        install_server(made_here, create=True)
    else:
        _create_remote(ledger, target)
    gitops.git(ledger.root, "remote", "add", REMOTE, target.url)
    try:
        push(ledger, head, None)
    except FatalError:
        gitops.run(ledger.root, "remote", "remove", REMOTE)
        if made_here is not None:  # made by this command: taken away again
            import shutil

            for part in ([made_here] if not existed else list(made_here.iterdir())):
                shutil.rmtree(part, ignore_errors=True)
        raise
    for name, value in (("branch.main.remote", REMOTE), ("branch.main.merge", "refs/heads/main")):
        gitops.git(ledger.root, "config", name, value)
    return target
