"""What every command module shares: global options, the ledger, output to stdout and stderr."""

from __future__ import annotations

import inspect
import json
import sys
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any, Callable, TypeVar

from keyledger.errors import FatalError
from keyledger.i18n import _, language

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from keyledger.ledger import Ledger
    from keyledger.people import People


F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    ledger_path: str | None = None
    debug: bool = False
    ledger: "Ledger | None" = None
    passphrase: str | None = None  # asked once per command, forgotten when it ends


state = State()


def open_ledger() -> "Ledger":
    from keyledger.ledger import find

    ledger = find(state.ledger_path)
    ledger.passphrase = ask_passphrase
    state.ledger = ledger
    ledger.progress = _progress()
    ledger.recover_if_needed()
    from keyledger.identity import refresh_allowed_signers, roster_may_have_changed

    # A pull may have brought roster changes: plain `git log --show-signature` must know them.
    if roster_may_have_changed(ledger):
        try:
            refresh_allowed_signers(ledger)
        except (FatalError, OSError):
            pass  # a broken roster file is for the command itself, `check` or `verify` to
            # report; a read-only disk keeps the file as it is
    return ledger


def people() -> "People":
    """The stewards as messages and tables name them (keyledger.people), read when first asked."""
    from keyledger.people import People

    return People(state.ledger)


def _progress() -> Callable[[int, int], None]:
    """How far a long piece of work has got (the first command of a clone reads its whole
    history into the event index): a bar on a terminal, one line otherwise."""
    shown: dict[str, Any] = {}

    def report(done: int, total: int) -> None:
        if not shown:
            shown["task"] = None
            if not sys.stderr.isatty():
                say(_("Reading the ledger's history ({n} commits) into its index; this is done "
                      "once.").format(n=total))
                return
            from rich.progress import Progress

            bar = shown["bar"] = Progress(console=stderr(), transient=True)
            shown["task"] = bar.add_task(_("reading the history"), total=total)
            bar.start()
        if shown["task"] is not None:
            shown["bar"].update(shown["task"], completed=done, total=total)
            if done >= total:
                shown["bar"].stop()
                shown["task"] = None
    return report


def stdout() -> "Console":
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str) -> None:
    """A message for the person at the terminal, on stderr, so stdout stays data. Plain text:
    the commands a steward runs at a door (checkout, return) need not import rich for it."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def plain(line: str) -> None:
    """A line of data for scripts, untouched by rich (tabs stay tabs)."""
    sys.stdout.write(line + "\n")


# Laying out a rich table costs about a millisecond a row: a street office lists 100,000 rows.
RICH_ROWS = 500
# Lines of a piped table written in one piece.
_WRITTEN_AT_ONCE = 5_000


def table(headers: list[str], rows: Iterable[list[str]], alerts: set[int] | None = None,
          title: str | None = None) -> None:
    """Rows of data on stdout. Piped, tab-separated with a header line (for scripts and
    spreadsheets; a tab or newline inside a cell becomes a space), written as the rows come,
    so a hundred thousand households are never all held as text. On a terminal, a rich table,
    the `alerts` rows in red; past RICH_ROWS rows, plain aligned columns."""
    def clean(cell: str) -> str:
        return " ".join(cell.split()) if ("\t" in cell or "\n" in cell) else cell

    if not sys.stdout.isatty():
        lines = ([f"# {title}"] if title else []) + ["\t".join(headers)]
        tabs = len(headers) - 1
        for row in rows:  # clean only the rows that need it
            line = "\t".join(row)
            lines.append(line if line.count("\t") == tabs and "\n" not in line
                         else "\t".join(map(clean, row)))
            if len(lines) >= _WRITTEN_AT_ONCE:
                sys.stdout.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
        return
    rows = list(rows)
    if len(rows) > RICH_ROWS:
        from keyledger.i18n import columns

        widths = [max(columns(clean(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        lines = [title] if title else []
        for row in [headers, *rows]:
            cells = [clean(c) + " " * (w - columns(clean(c))) for c, w in zip(row, widths)]
            lines.append("  ".join(cells).rstrip())
        sys.stdout.write("\n".join(lines) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    # Cells are data: a label typed as "备用 [/] 单元门" is text, not rich markup.
    grid = Table(box=None, title=title and Text(title), title_justify="left")
    for header in headers:
        grid.add_column(Text(header))
    for i, row in enumerate(rows):
        grid.add_row(*map(Text, row), style="bold red" if alerts and i in alerts else None)
    stdout().print(grid)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


WEEKDAYS_ZH = "一二三四五六日"


def when(moment: datetime | None) -> str:
    """A moment as a person reads it, in the interface's language."""
    if moment is None:
        return "—"
    return f"{day(moment)} {moment:%H:%M}"


def day(value: "date") -> str:
    if language() == "zh":
        return f"{value.month}月{value.day}日 周{WEEKDAYS_ZH[value.weekday()]}"
    return value.strftime("%a %d %b")


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, _("{n}d")), (hours, _("{n}h")), (minutes, _("{n}m"))]
    text = "".join(fmt.format(n=n) for n, fmt in parts if n)
    return text or _("{n}m").format(n=0)


def report_fatal(exc: FatalError, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    console = stderr()
    console.print(_("keyledger: ") + exc.message, markup=False, style="bold red")
    for problem in exc.problems:
        console.print(f"  {problem}", markup=False)


def command(app: "typer.Typer", name: str | None = None) -> Callable[[F], F]:
    """Register a command whose help is its docstring, translated (pygettext -D extracts it)."""
    def register(function: F) -> F:
        app.command(name, help=_(inspect.cleandoc(function.__doc__ or "")))(function)
        return function
    return register


def group() -> "typer.Typer":
    """A command group; its name and help are given where the top level lists it (app.py)."""
    import typer

    # Plain help, as at the top level: rich's help rendering would import rich at every --help.
    return typer.Typer(no_args_is_help=True, rich_markup_mode=None)


def open_terminal() -> IO[str]:
    """The steward's own terminal: the only place a door code may appear (never stdout or a log)."""
    try:
        return open("/dev/tty", "w", encoding="utf-8")
    except OSError:
        raise FatalError(_("A door code is shown only on a terminal; run this command in one."))


def show_once(terminal: IO[str], key: str, code: str) -> None:
    with terminal:
        terminal.write(_("Door code of {key}: {code}   (shown once; not stored anywhere)")
                       .format(key=key, code=code) + "\n")


def ask_passphrase() -> str:
    """The passphrase of the steward's key, asked once per command (to sign and to open a door
    code alike), on the terminal, in the interface's language."""
    if state.passphrase is not None:
        return state.passphrase
    import getpass

    from keyledger.signing import has_terminal

    try:
        if not has_terminal():  # getpass would read stdin, with a warning on the screen
            raise EOFError
        state.passphrase = getpass.getpass(_("Passphrase of your SSH key: "))
    except (EOFError, OSError):
        raise FatalError(_("Your SSH key is protected by a passphrase and there is no terminal to "
                           "ask for it."))
    return state.passphrase


def read_code() -> str:
    """A door code typed without echo on a terminal, twice; or one line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(_("Door code: "))
    if getpass.getpass(_("Door code again: ")) != first:
        raise FatalError(_("The two codes differ; nothing was stored."))
    return first
