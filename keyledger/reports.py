"""The reports — the owner's all-is-well message (报平安), a household's record, the community's
week — as `render.Document`s: what they say is gathered by `report_data`; `render` writes each
as Markdown, chat text or HTML.
"""

from __future__ import annotations

from datetime import timedelta

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.render import Document, language
from keyledger.timeutil import now, zone


def owner(ledger: Ledger, household_id: str, week: str | None, lang: str | None) -> Document:
    from keyledger import report_data

    return Document("owner", language(ledger, lang),
                    report_data.owner(ledger, household_id, week))


def household(ledger: Ledger, household_id: str, start: str | None, until: str | None,
              lang: str | None) -> Document:
    from keyledger import report_data
    from keyledger.timeutil import parse_date

    today = now(zone(ledger.settings.timezone)).date()
    last = parse_date(until, today) if until else today
    first = parse_date(start, today) if start else last - timedelta(days=30)
    if last < first:
        raise FatalError(_("--until must not be before --from."))
    return Document("household", language(ledger, lang),
                    report_data.household(ledger, household_id, first, last))


def weekly(ledger: Ledger, week: str | None, lang: str | None) -> Document:
    from keyledger import report_data

    return Document("weekly", language(ledger, lang), report_data.weekly(ledger, week))
