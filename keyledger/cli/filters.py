"""The elderly register's filters (`--flag`, `--living`, `--aged`) as `household list` and
`export households` both take them: one set of options, read by the vocabulary, picking the
same households from the listing index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from keyledger import vocab
from keyledger.cli import completion, words
from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.ledger import Ledger


def living_option(help_text: str) -> Any:
    """`--living` as every command takes it: typed in either language (独居 or alone), its help
    and completion from the vocabulary, so a new way of living cannot drift from them."""
    return typer.Option(None, "--living", metavar="LIVING", callback=words.one("living"),
                        autocompletion=completion.living,
                        help=help_text.format(values=vocab.choices("living")))


def flag_option() -> Any:
    return typer.Option([], "--flag", autocompletion=completion.flags, callback=words.many("flag"),
                        help=_("Only households with this care flag (repeatable: all of them)."))


def aged_option() -> Any:
    return typer.Option(False, "--aged",
                        help=_("Only households with someone 高龄 (at least the ledger's age, "
                               "`policy welfare`)."))


def picked(ledger: "Ledger", flags: list[str], living: str | None,
           aged: bool) -> tuple[dict[str, Any], list[str]]:
    """The listing index's rows, and the ids (in id order) the filters pick."""
    from keyledger import listing
    from keyledger.register import pick

    index = listing.fresh(ledger, ("household",))["household"]
    rows = index.rows()
    # The register's part (who lives how, birthdays) is read only for the filters that ask it:
    # 4.5 MB of JSON, 35 MB in memory, at a street office's size.
    return rows, pick(ledger, rows, index.part("register") if living or aged else {},
                      tuple(flags), living, aged)
