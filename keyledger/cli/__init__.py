"""The command line: a thin Typer layer that parses, calls the core and renders.

`run` is the one place where a `FatalError` becomes a message and exit status 2.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyledger.ledger import Ledger


LANGUAGES = ("zh", "en")
# Commands with an option of their own named --lang (a report's language, not the interface's).
_OWN_LANG = ("report",)


def interface_language(argv: list[str]) -> tuple[str | None, list[str]]:
    """The interface language asked for with `--lang`, and the command line with that option
    moved in front of the command: a steward types `keyledger status --lang zh` as readily as
    `keyledger --lang zh status`, but click takes a global option only before the command."""
    lang, rest, command = None, [], None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if command in _OWN_LANG or arg == "--":
            rest += argv[i:]
            break
        if arg == "--lang" and i + 1 < len(argv):
            lang, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.split("=", 1)[1], i + 1
            continue
        if command is None and arg == "-C" and i + 1 < len(argv):
            rest += argv[i:i + 2]
            i += 2
            continue
        if command is None and not arg.startswith("-"):
            command = arg
        rest.append(arg)
        i += 1
    if lang is not None:  # --lang 中文 is --lang zh
        from keyledger import vocab

        lang = vocab.lookup("language", lang) or lang
    return lang, (["--lang", lang] if lang is not None else []) + rest


def run(argv: list[str]) -> int:
    """Run one command line; returns the exit status instead of exiting."""
    from keyledger.i18n import localize_cli, set_language

    # The language must be known before the command modules build their help texts.
    lang, argv = interface_language(argv)
    if lang is not None and not lang.lower().startswith(LANGUAGES):
        set_language(None)
        from keyledger.cli.common import say
        from keyledger.i18n import _

        say(_("keyledger: ") + _("The interface speaks zh or en, not '{lang}'.").format(lang=lang))
        return 2
    set_language(lang)
    from keyledger.cli.app import app

    localize_cli()  # Typer's own words (Usage, Options, Missing option…); nothing in English
    from keyledger.cli.common import report_fatal, say, state
    from keyledger.errors import FatalError

    state.debug = "--debug" in argv
    state.ledger = None
    try:
        app(args=argv, prog_name="keyledger")
    except SystemExit as exc:
        if exc.code == 130:  # Typer turns Ctrl-C into exit 130, silently
            say(_interrupted(state.ledger))
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except FatalError as exc:
        report_fatal(exc, debug=state.debug)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: say what is left of the command, as git says nothing
        say(_interrupted(state.ledger))
        return 130
    except OSError as exc:  # a full disk, a permission: the machine's trouble, said in one line
        from keyledger.errors import os_error

        report_fatal(FatalError(f"{os_error(exc)}: {exc.filename or ''}".rstrip(": ")),
                     debug=state.debug)
        return 2
    finally:
        if state.ledger is not None:
            from keyledger.autoshare import after_command

            try:
                state.ledger.notices += after_command(state.ledger, bool(state.ledger.committed))
            except (FatalError, OSError):
                pass  # sharing is never the reason a command fails
            for notice in state.ledger.notices:
                say(notice)
            state.ledger.save_caches()
        if "keyledger.signing" in sys.modules:  # a private ssh-agent this command started
            from keyledger.signing import release

            release()
        state.passphrase = None
    return 0


def _interrupted(ledger: "Ledger | None") -> str:
    from keyledger.i18n import _

    if ledger is not None and ledger.committed:
        return _("Interrupted; what it did was already recorded (record {sha}).").format(
            sha=ledger.committed[-1][:10])
    if ledger is not None and ledger.undone:
        return _("Interrupted; what it had begun to write was undone, nothing was recorded.")
    return _("Interrupted; nothing was written.")


def main() -> None:
    import os

    if "_KEYLEDGER_COMPLETE" in os.environ:  # a TAB: answered without Typer where it can be
        from keyledger.cli import tab

        status = tab.main()
        if status is not None:
            sys.exit(status)
    sys.exit(run(sys.argv[1:]))
