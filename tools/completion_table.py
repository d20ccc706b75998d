"""Write keyledger/cli/tab_table.py: the command line's shape, as the fast TAB path reads it.

    python tools/completion_table.py          # write the table from the application
    python tools/completion_table.py --check  # exit 1 if the table is not what it would write

keyledger.cli.tab answers a TAB without importing Typer; what it needs to know of the command
line — each command's options (flags, options that take a value, and their completion function),
its arguments in order and a group's commands — is taken here from the Typer application itself,
as click would see it (the parameters `get_params` gives a context), so the two never disagree.
The tests run `--check`: a command, option or completion function added without running this
fails them.
"""

from __future__ import annotations

import argparse
import pprint
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "keyledger" / "cli" / "tab_table.py"

HEADER = '''"""The command line's shape for keyledger.cli.tab (a TAB answered without Typer). Written by
tools/completion_table.py from the application; never edit it by hand."""

# Each command, by its words ("" for keyledger itself): its options (None: a flag; "": takes a
# value with no completion function; "*": takes several values; else the completion function of
# keyledger.cli.completion, with ":ctx" when it reads the ledger named on the line), its
# arguments in order as (completion function or "", nargs), and a group's commands.
'''


def completer(param: Any) -> str:
    """The name of the param's completion function in keyledger.cli.completion ("" if none;
    "?" for one elsewhere, which the fast path leaves to Typer)."""
    import inspect

    from keyledger.cli import completion

    custom = getattr(param, "_custom_shell_complete", None)
    if custom is None:
        return ""
    # Typer wraps the function twice: click's hook closes over Typer's wrapper of it.
    cells = [c.cell_contents for c in custom.__closure__ or ()]
    found = [getattr(c, "__wrapped__", None) for c in cells if callable(c)]
    function = next((f for f in found if f is not None), None)
    if function is None or getattr(completion, function.__name__, None) is not function:
        return "?"
    wants_ctx = "ctx" in inspect.signature(function).parameters
    return function.__name__ + (":ctx" if wants_ctx else "")


def shape(command: Any, ctx: Any) -> dict[str, Any]:
    options: dict[str, str | None] = {}
    arguments: list[tuple[str, int]] = []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            arguments.append((completer(param), param.nargs))
            continue
        kind = None if param.is_flag or param.count else "*" if param.nargs != 1 else \
            completer(param)
        for name in [*param.opts, *param.secondary_opts]:
            options[name] = kind
    out: dict[str, Any] = {"options": options, "arguments": arguments}
    if hasattr(command, "list_commands"):
        out["commands"] = sorted(command.list_commands(ctx))
    return out


def table() -> dict[str, dict[str, Any]]:
    import typer

    from keyledger.cli.app import app

    root = typer.main.get_command(app)
    out: dict[str, dict[str, Any]] = {}

    def walk(path: str, command: Any, ctx: Any) -> None:
        out[path] = shape(command, ctx)
        for name in out[path].get("commands", []):
            sub = command.get_command(ctx, name)
            with sub.make_context(name, [], parent=ctx, resilient_parsing=True) as sub_ctx:
                walk(f"{path} {name}".strip(), sub, sub_ctx)

    with root.make_context("keyledger", [], resilient_parsing=True) as ctx:
        walk("", root, ctx)
    return out


def text() -> str:
    from keyledger.i18n import set_language

    set_language("en")  # the table holds no words of a language; one fixed for a stable build
    return HEADER + "COMMANDS = " + pprint.pformat(table(), width=100, sort_dicts=True) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    wanted = text()
    if args.check:
        if not TABLE.exists() or TABLE.read_text(encoding="utf-8") != wanted:
            print("keyledger/cli/tab_table.py is stale: run `python tools/completion_table.py`",
                  file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
