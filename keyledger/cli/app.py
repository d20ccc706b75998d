"""The Typer application: global options, and the commands loaded only when they are run.

Building every command's options costs more than most commands themselves (a steward waits at a
door), so the top level knows each command by name and a short help, and imports the module of
the one command being run — `keyledger --help` and `whoami` import none of the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from keyledger.cli import completion
from keyledger.cli.common import command, state
from keyledger.i18n import _

# name: (module in keyledger.cli, attribute: a command function or a Typer group, short help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("setup", "init", _("Create a new ledger.")),
    "use-key": ("setup", "use_key", _("Sign this clone's commits with your SSH key.")),
    "whoami": ("setup", "whoami", _("Which steward this clone signs as.")),
    "steward": ("steward", "app", _("The roster of stewards and supervisors.")),
    "household": ("household", "app", _("Household files (one file a household).")),
    "policy": ("policy", "app", _("The ledger's policies (a supervisor's commits).")),
    "key": ("key", "app", _("Keys, door codes and access cards in the cabinet.")),
    "code": ("key", "code_app", _("Door codes: rotate.")),
    "rekey": ("key", "rekey", _("Re-encrypt door codes to the current readers.")),
    "checkout": ("custody", "checkout", _("Take a key out of the cabinet.")),
    "return": ("custody", "return_", _("Put a key back, optionally with the visit.")),
    "handover": ("custody", "handover", _("Pass a key that is out to another steward.")),
    "lost": ("custody", "lost", _("Mark a key lost.")),
    "found": ("custody", "found", _("A lost key was found.")),
    "handback": ("custody", "handback", _("Give a key back to its owner.")),
    "reserve": ("custody", "reserve", _("Book a key for an appointment.")),
    "confirm": ("custody", "confirm", _("Confirm, as witness, a checkout or return.")),
    "status": ("custody", "status", _("What is out, overdue, reserved and due today.")),
    "history": ("custody", "history", _("The custody record of a key or household.")),
    "visit": ("visit", "app", _("Visits: what was done in each home.")),
    "request": ("service", "request_app", _("Owners' requests: due until a visit answers.")),
    "problem": ("service", "problem_app", _("Problems found on visits and still open.")),
    "errand": ("service", "errand_app", _("Money advanced on errands (代买/代办).")),
    "schedule": ("schedule", "app", _("Recurring visits and calls.")),
    "due": ("schedule", "due", _("What is due, who goes, where the key is.")),
    "report": ("report", "app", _("Reports for owners and supervisors: text, Markdown, HTML.")),
    "site": ("site", "site", _("The office's site: board, households, calendars.")),
    "check": ("integrity", "check", _("Validate every file of the ledger.")),
    "verify": ("integrity", "verify", _("Check every commit's signature and rules.")),
    "share": ("share", "share_app", _("Set up the shared ledger; share records as made.")),
    "clone": ("share", "clone", _("Set up your own clone of the shared ledger.")),
    "sync": ("share", "sync", _("Exchange commits with the shared repository.")),
    "hook": ("share", "hook_app", _("Guards for the shared repository.")),
    "conflict": ("conflict", "app", _("What a sync could not share: list, show, drop, redo.")),
    "export": ("exchange", "export", _("Households, keys or visits as a spreadsheet.")),
}


def load(name: str, localize: bool = True) -> Any:
    """The click command `name`, built from its module on first use (`localize`: with the
    words that stand for values in the interface's language; tools/i18n.py takes them raw)."""
    module, attribute, short = COMMANDS[name]
    target = getattr(importlib.import_module(f"keyledger.cli.{module}"), attribute)
    if isinstance(target, typer.Typer):
        built = typer.main.get_group(target)
        built.name, built.help = name, short
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        command(single, name)(target)
        built = typer.main.get_command(single)
    if localize:
        for each in [built, *getattr(built, "commands", {}).values()]:
            localize_metavars(each.params)
    return built


def metavar(param: Any) -> str | None:
    """The word that stands for an option's or argument's value in help and usage: the one it
    was given (DATE, KEY), else its name in capitals (NOTE, WITNESS) where Typer would print
    `<str>`; None for a flag. A msgid: tools/i18n.py extracts every one."""
    if param.param_type_name not in ("option", "argument") or getattr(param, "is_flag", False) \
            or getattr(param, "count", False):
        return None
    # Once localized, the word shown is a translation; the msgid stays beside it.
    return getattr(param, "msgid", None) or param.metavar or (param.name or "").upper()


def localize_metavars(params: list[Any]) -> None:
    for param in params:
        word = metavar(param)
        if word:
            param.msgid = word
            param.metavar = _(word)


class _Loaded(Mapping[str, Any]):
    """`COMMANDS` as click's name-to-command mapping, each built when it is looked up."""

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        return load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class Commands(TyperGroup):
    """The top-level group: knows every command, builds only the one asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Loaded()  # type: ignore[assignment]
        localize_metavars(self.params)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, short) for name, (_m, _a, short) in COMMANDS.items()])


app = typer.Typer(
    name="keyledger", cls=Commands, no_args_is_help=True, pretty_exceptions_enable=False,
    add_completion=True,
    # Plain help text: rich's Markdown rendering of help would import markdown-it at every --help.
    rich_markup_mode=None,
    help=_("A signed, plain-file ledger of the house keys and door codes that community key "
           "stewards hold for residents."),
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    ledger: Optional[str] = typer.Option(None, "-C", metavar="LEDGER",
                                         help=_("Run on the ledger at LEDGER.")),
    lang: Optional[str] = typer.Option(None, "--lang", metavar="zh|en",
                                       autocompletion=completion.languages,
                                       help=_("Language of the interface.")),
    debug: bool = typer.Option(False, "--debug", help=_("Show the traceback of an error.")),
) -> None:
    state.ledger_path = ledger
    state.debug = debug
