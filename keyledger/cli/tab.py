"""A TAB answered without Typer.

The completion scripts a steward installed (`keyledger --install-completion`) run `keyledger`
with `_KEYLEDGER_COMPLETE=complete_SHELL` and the line in the environment, once per TAB.
Importing Typer and building the command's options would cost more than the answer, whose floor
is Python's start; so `keyledger.cli.main` asks here first. The line's shape comes from a table
made from the application itself (tab_table.py, written by tools/completion_table.py and held to
the application by the tests); the words are walked as click walks them, and when the word being
completed is the value of an option or an argument that has a completion function, that same
function of keyledger.cli.completion answers, printed as Typer prints it for the shell.

Anything else — command and option names, `--opt=value`, `--`, a word the table does not know,
an option or argument without a completion function — is None here, and the full application
answers it as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

VAR = "_KEYLEDGER_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


class Line:
    """What a completion function reads of click's context: the root command's parameters
    (`-C LEDGER`), as `ctx.find_root().params` gives them."""

    def __init__(self, ledger: str | None) -> None:
        self.params = {"ledger": ledger}

    def find_root(self) -> Line:
        return self


def main(env: Mapping[str, str] = os.environ) -> int | None:
    """Answer the TAB on stdout and return the exit status; None when Typer must answer."""
    found = answer(env)
    if found is None:
        return None
    text, status = found
    if text is not None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    return status


def answer(env: Mapping[str, str]) -> tuple[str | None, int] | None:
    """(what to print, exit status) for the TAB described by `env`, or None for Typer."""
    instruction, _sep, shell = env.get(VAR, "").partition("_")
    if instruction != "complete" or shell not in SHELLS:
        return None
    line = _line(shell, env)
    if line is None:
        return None
    args, incomplete = line
    target = _target(args, incomplete)
    if target is None:
        return None
    name, ledger = target
    from keyledger.cli import completion
    from keyledger.i18n import set_language

    set_language(None)  # the environment's, as `run` sets it for a line without --lang

    function, _colon, ctx = name.partition(":")
    found = getattr(completion, function)(Line(ledger), incomplete) if ctx else \
        getattr(completion, function)(incomplete)
    values = [v for v in found if v.startswith(incomplete)]  # as Typer keeps them
    return _printed(shell, values, env)


def _split(text: str) -> list[str] | None:
    """The words of a command line as click splits them (shlex); None if a quote is left open
    (click keeps the part, Typer answers that)."""
    if not any(c in text for c in "'\"\\"):
        return text.split()
    import shlex

    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    try:
        return list(lex)
    except ValueError:
        return None


def _line(shell: str, env: Mapping[str, str]) -> tuple[list[str], str] | None:
    """The words before the one being completed (without `keyledger`), and that word."""
    if shell == "bash":
        words = _split(env.get("COMP_WORDS", ""))
        try:
            at = int(env.get("COMP_CWORD", ""))
        except ValueError:
            return None
        if words is None:
            return None
        return words[1:at], words[at] if at < len(words) else ""
    typed = env.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(typed)
    if words is None:
        return None
    if shell in ("powershell", "pwsh"):
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        return (words[1:-1] if incomplete else words[1:]), incomplete
    args = words[1:]
    if args and not typed.endswith(" "):
        return args[:-1], args[-1]
    return args, ""


def _target(args: list[str], incomplete: str) -> tuple[str, str | None] | None:
    """The completion function for the word being completed, and the ledger named by `-C`;
    None where the table's walk cannot be sure it is the one click would find."""
    from keyledger.cli.tab_table import COMMANDS

    path, shape, ledger, given = "", COMMANDS[""], None, 0
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-") and word != "-":
            kind = shape["options"].get(word, "?")
            if kind == "?" or kind == "*":
                return None  # `--`, --opt=value, -Cpath, a word of another command: Typer's
            if kind is None:
                i += 1
                continue
            if i + 1 == len(args):  # the word being completed is this option's value
                return (kind, ledger) if kind else None
            value = args[i + 1]
            if value.startswith("-"):
                return None  # click would read it as an option
            if path == "" and word == "-C":
                ledger = value
            i += 2
            continue
        if "commands" in shape:
            path = f"{path} {word}".strip()
            if path not in COMMANDS:
                return None
            shape, given = COMMANDS[path], 0
        else:
            given += 1
        i += 1
    if incomplete.startswith("-") or incomplete == "=" or "commands" in shape:
        return None  # option or command names
    arguments = shape["arguments"]
    if any(nargs != 1 for _name, nargs in arguments[:-1]):
        return None  # click shares the words among them from both ends
    if given < len(arguments):
        name, _nargs = arguments[given]
    elif arguments and arguments[-1][1] == -1:
        name = arguments[-1][0]
    else:
        return None
    return (name, ledger) if name and name != "?" else None


def _printed(shell: str, values: list[str], env: Mapping[str, str]) -> tuple[str | None, int]:
    """The answer as Typer's completion classes print it for `shell` (no help texts: the
    completion functions give none)."""
    if shell == "bash":
        return "\n".join(values), 0
    if shell == "zsh":
        if not values:
            return "_files", 0
        quoted = "\n".join(f'"{_zsh(v)}"' for v in values)
        return f"_arguments '*: :(({quoted}))'", 0
    if shell == "fish":
        action = env.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return None, 0 if values else 1
        return ("\n".join(values) if action == "get-args" else ""), 0
    return "\n".join(f"{v}::: " for v in values), 0


def _zsh(value: str) -> str:
    return (value.replace('"', '""').replace("'", "''").replace("$", "\\$")
            .replace("`", "\\`").replace(":", r"\\:"))
