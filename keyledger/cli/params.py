"""Arguments that many commands take, made in one place so that their help, completion and
reading (a household by number, resident's name or address) cannot drift between commands."""

from __future__ import annotations

from typing import Any

import typer

from keyledger.cli import completion, words
from keyledger.i18n import _


def household(metavar: str = "HOUSEHOLD") -> Any:
    """The household a command is about, as people name it."""
    return typer.Argument(..., metavar=metavar, autocompletion=completion.households,
                          callback=words.household,
                          help=_("The household: its number, resident's name or address."))


def household_filter() -> Any:
    """An optional household that narrows a list to it."""
    return typer.Argument(None, metavar="[HOUSEHOLD]", autocompletion=completion.households,
                          callback=words.household,
                          help=_("Only this household: its number, resident's name or address."))


def birthday() -> Any:
    """`--birthday` as household add and edit take it."""
    return typer.Option(None, "--birthday", metavar="DATE",
                        help=_("Birthday of the main resident."))
