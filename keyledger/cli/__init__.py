"""The command line: a thin Typer layer that parses, calls the core and renders.

`main` is the one place where a `FatalError` becomes a message and exit status 2.
"""

from __future__ import annotations

import sys


def _lang_from_argv(argv: list[str]) -> str | None:
    # The language must be known before the command modules build their help texts.
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    from keyledger.i18n import set_language

    set_language(_lang_from_argv(sys.argv[1:]))
    from keyledger.cli.app import app
    from keyledger.cli.common import state
    from keyledger.errors import FatalError

    try:
        app()
    except FatalError as exc:
        from keyledger.cli.common import report_fatal

        report_fatal(exc, debug=state.debug)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
