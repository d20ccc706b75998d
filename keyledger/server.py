"""`keyledger-server`: what runs on the machine that holds the shared ledger.

    keyledger-server init PATH          a new bare repository at PATH with its guard and settings
                                        (`keyledger share create ssh://…` runs it over ssh)
    keyledger-server pre-receive REPO   the guard itself, as the repository's pre-receive hook runs it

Narrow on purpose: an account whose login shell is git-shell offers it with a link in
`~/git-shell-commands/`, without offering the whole keyledger command line to every steward.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keyledger.errors import FatalError
from keyledger.i18n import _


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if len(args) == 2 and args[0] == "init":
            from keyledger.hooks import install_server

            install_server(Path(args[1]), create=True)
            sys.stderr.write(_("keyledger: the shared ledger {path} is ready, with its guard.")
                             .format(path=args[1]) + "\n")
            return 0
        if len(args) == 2 and args[0] == "pre-receive":
            from keyledger.server_hook import main as guard

            return guard(Path(args[1]))
    except FatalError as exc:
        sys.stderr.write(_("keyledger: ") + exc.message + "\n")
        return 2
    sys.stderr.write(_("usage: keyledger-server init PATH | keyledger-server pre-receive "
                       "REPOSITORY") + "\n")
    return 2


def run() -> None:
    sys.exit(main())
