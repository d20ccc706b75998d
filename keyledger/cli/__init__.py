"""The command line: a thin Typer layer that parses, calls the core and renders.

`run` is the one place where a `FatalError` becomes a message and exit status 2.
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


def run(argv: list[str]) -> int:
    """Run one command line; returns the exit status instead of exiting."""
    from keyledger.i18n import localize_cli, set_language

    set_language(_lang_from_argv(argv))
    from keyledger.cli.app import app

    localize_cli()  # Typer's own words (Usage, Options, Missing option…); nothing in English
    from keyledger.cli.common import report_fatal, say, state
    from keyledger.errors import FatalError

    state.debug = "--debug" in argv
    state.ledger = None
    try:
        app(args=argv, prog_name="keyledger")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except FatalError as exc:
        report_fatal(exc, debug=state.debug)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a full disk, a permission: the machine's trouble, said in one line
        report_fatal(FatalError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
                     debug=state.debug)
        return 2
    finally:
        if state.ledger is not None:
            for notice in state.ledger.notices:
                say(notice)
            state.ledger.save_caches()
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))
