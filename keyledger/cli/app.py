"""The Typer application: global options and the command groups, each in its own module."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli import (custody, household, integrity, key, report, schedule, setup, share,
                           steward, visit)
from keyledger.cli import completion, exchange
from keyledger.cli.common import command, state
from keyledger.i18n import _

app = typer.Typer(
    name="keyledger", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=True,
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


setup.register(app)
custody.register(app)
app.add_typer(steward.app, name="steward", help=_("The roster of stewards and supervisors."))
app.add_typer(household.app, name="household", help=_("Household files (one file a household)."))
app.add_typer(key.app, name="key", help=_("Keys, door codes and access cards in the cabinet."))
app.add_typer(key.code_app, name="code", help=_("Door codes: rotate."))
command(app)(key.rekey)
app.add_typer(visit.app, name="visit", help=_("Visits: what was done in each home."))
app.add_typer(schedule.app, name="schedule", help=_("Recurring visits and calls."))
command(app)(schedule.due)
app.add_typer(report.app, name="report", help=_("Markdown reports for owners and supervisors."))
command(app)(integrity.check)
command(app)(integrity.verify)
command(app)(share.clone)
command(app)(share.sync)
app.add_typer(share.hook_app, name="hook", help=_("Guards for the shared repository."))
command(household.app, "import")(exchange.household_import)
command(household.app, "card")(exchange.household_card)
command(schedule.app, "export")(exchange.schedule_export)
command(app, "export")(exchange.export)
