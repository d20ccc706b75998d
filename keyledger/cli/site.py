"""site -o DIR: the community office's static site, made again only where the ledger changed."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from keyledger.cli import completion, words
from keyledger.cli.common import open_ledger, print_json, say
from keyledger.i18n import _


def site(output: Path = typer.Option(..., "-o", "--output", metavar="DIR",
                                     help=_("The site's folder (outside the ledger).")),
         lang: Optional[str] = typer.Option(None, "--lang", metavar="zh|en",
                                            callback=words.one("language"),
                                            autocompletion=completion.languages,
                                            help=_("Language of the pages (the ledger's "
                                                   "locale otherwise).")),
         full: bool = typer.Option(False, "--full", help=_("Make every page again, not only "
                                                            "those whose data changed.")),
         json: bool = typer.Option(False, "--json", help=_("Print what was written as JSON."))
         ) -> None:
    """The community office's site as plain files: a board of the keys out and overdue,
    today's and this week's due items with where each key is, a page per household and per
    steward, the weekly reports and calendars to subscribe to. Run it after every sync (from
    cron): it makes again only the pages whose data changed. Never a door code; health notes
    and phone numbers only where `policies.publish` allows."""
    from keyledger.site import build

    built = build(open_ledger(), output, lang, full)
    if json:
        print_json({"written": built.written, "removed": built.removed,
                    "unchanged": built.unchanged, "full": built.full,
                    "households": built.households})
        return
    say(_("Wrote {written} pages, removed {removed}, left {unchanged} unchanged ({how}) in "
          "{path}.").format(written=len(built.written), removed=len(built.removed),
                            unchanged=built.unchanged, path=output,
                            how=_("a full build") if built.full else
                            _("{n} households looked at").format(n=built.households)))
