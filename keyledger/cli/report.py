"""Reports: report owner, household, weekly — Markdown, chat text or HTML, to stdout or -o FILE."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from keyledger.cli import completion, params, words
from keyledger.cli.common import command, group, open_ledger, say
from keyledger.errors import os_error
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.ledger import Ledger
    from keyledger.render import Document

app = group()

LANG = typer.Option(None, "--lang", metavar="zh|en", callback=words.one("language"),
                    autocompletion=completion.languages, help=_("Language of the report (the "
                                                            "ledger's locale otherwise)."))
OUT = typer.Option(None, "-o", "--output", metavar="FILE", help=_("Write the report to FILE."))
FORMAT = typer.Option(None, "--format", metavar="md|text|html", autocompletion=completion.formats,
                      callback=words.one("report-format"),
                      help=_("Markdown, plain text for a chat, or a printable HTML page; from "
                             "the name of FILE otherwise."))


def _emit(ledger: "Ledger", document: "Document", fmt: str | None, output: Path | None,
          default: str) -> None:
    import sys

    from keyledger.render import format_for, render

    text = render(ledger, document, format_for(fmt, output, default))
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        from keyledger.errors import FatalError

        raise FatalError(_("Cannot write {path}: {error}.").format(path=output,
                                                                  error=os_error(exc)))
    say(_("Wrote {path}.").format(path=output))


@command(app)
def owner(household: str = params.household(),
          week: Optional[str] = typer.Option(None, "--week", metavar="WEEK",
                                             help=_("The week: 2026-W48, 48, this week or next week (this week by default).")),
          lang: Optional[str] = LANG, output: Optional[Path] = OUT,
          fmt: Optional[str] = FORMAT) -> None:
    """The short all-is-well message (报平安) for the owner, to paste into a chat: plain text
    unless --format or FILE's name asks for Markdown or HTML."""
    from keyledger import reports

    ledger = open_ledger()
    _emit(ledger, reports.owner(ledger, household, week, lang), fmt, output, "text")


@command(app)
def household(household: str = params.household(),
              start: Optional[str] = typer.Option(None, "--from", metavar="DATE",
                                                  help=_("The first day (30 days before the "
                                                         "last by default).")),
              until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                                  help=_("The last day (today by default).")),
              lang: Optional[str] = LANG, output: Optional[Path] = OUT,
              fmt: Optional[str] = FORMAT) -> None:
    """A household's full visit and custody record, with custody durations (托管时长)."""
    from keyledger import reports

    ledger = open_ledger()
    _emit(ledger, reports.household(ledger, household, start, until, lang), fmt, output, "md")


@command(app)
def weekly(week: Optional[str] = typer.Option(None, "--week", metavar="WEEK",
                                              help=_("The week: 2026-W48, 48, this week or next week (this week by default).")),
           lang: Optional[str] = LANG, output: Optional[Path] = OUT,
           fmt: Optional[str] = FORMAT) -> None:
    """The community's week, per steward and per household, with a custody timeline."""
    from keyledger import reports

    ledger = open_ledger()
    _emit(ledger, reports.weekly(ledger, week, lang), fmt, output, "md")
