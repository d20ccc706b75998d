"""Reports rendered from Jinja2 templates: the owner's all-is-well message (报平安), a household's
record, and the community's week. Markdown out; a ledger's own templates/ override the shipped ones.

Everything a template prints is Markdown-escaped unless it is `Raw` (made by a filter that knows
its context), so text a user typed cannot break a table or inject a link; templates use
StrictUndefined, so a mistake in one fails loudly instead of printing nothing.
"""

from __future__ import annotations

import re
import traceback
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.timeutil import now, zone

SHIPPED = Path(__file__).parent / "templates"
LANGS = ("zh", "en")
_WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


class Raw(str):
    """Text a filter has already made safe for where it goes."""


# Inline specials; "(" and "!" are harmless once "[" and "]" are escaped, and "&" would make
# "&lt;" typed by a user into "<".
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md(value: Any) -> str:
    """Markdown-escape one value; a line break becomes a space, so a cell stays a cell."""
    if isinstance(value, Raw):
        return value
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # At a line's start, "# ", "- ", "+ " or "1." would make a heading or a list.
    return re.sub(r"^([#+-])", r"\\\1", re.sub(r"^(\d+)\.", r"\1\\.", text))


def plain(value: Any) -> str:
    """Text for a chat, which shows Markdown's escapes as they are: only a line break could
    break the message's shape there, so it becomes a space."""
    if isinstance(value, Raw):
        return value
    return " ".join(str(value).split())


def mermaid(value: Any) -> Raw:
    """A task name inside a Mermaid block: no characters that end a name or a line."""
    return Raw(re.sub(r"[:#;`\n\r<>\[\]{}]", " ", str(value)).strip() or "-")


class Formats:
    """Dates, times and durations in the report's language."""

    def __init__(self, lang: str, tz: tzinfo) -> None:
        self.lang, self.tz = lang, tz

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        if self.lang == "zh":
            return f"{value.month}月{value.day}日 周{_WEEKDAYS['zh'][value.weekday()]}"
        return f"{_WEEKDAYS['en'][value.weekday()]} {value.day} {value:%b}"

    def clock(self, value: datetime | Any) -> str:
        return value.astimezone(self.tz).strftime("%H:%M") if isinstance(value, datetime) \
            else value.strftime("%H:%M")

    def fulldate(self, value: date) -> str:
        """A date with its year, for what lasts longer than a week (an authorization)."""
        if self.lang == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value:%b} {value.year}"

    def when(self, value: datetime) -> str:
        return f"{self.day(value)} {self.clock(value)}"

    def span(self, start: datetime, end: datetime | None) -> str:
        """From start to end; the end's day is written only when it is another day."""
        if end is None:
            return self.when(start)
        same = start.astimezone(self.tz).date() == end.astimezone(self.tz).date()
        return f"{self.when(start)}–{self.clock(end) if same else self.when(end)}"

    def duration(self, value: timedelta | float) -> str:
        seconds = value.total_seconds() if isinstance(value, timedelta) else value
        minutes = int(seconds // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        units = ("天", "小时", "分") if self.lang == "zh" else ("d ", "h ", "m")
        parts = [f"{n}{u}" for n, u in zip((days, hours, minutes), units) if n]
        return ("".join(parts) or f"0{units[2]}").strip()

    def iso_minute(self, value: datetime) -> Raw:
        return Raw(value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"))


def environment(ledger: Ledger, lang: str, chat: bool = False) -> Any:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    if lang not in LANGS:
        raise FatalError(_("Reports are written in zh or en, not {lang!r}.").format(lang=lang))
    own = ledger.root / "templates"
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader([str(own / lang), str(own)]),
                                  jinja2.FileSystemLoader(str(SHIPPED / lang))])
    # A ledger's own templates came from a clone, not from this machine: they may format, never
    # reach Python's internals (`cycler.__init__.__globals__.os`).
    env = SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                               autoescape=False, finalize=plain if chat else md,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    formats = Formats(lang, zone(ledger.settings.timezone))
    env.filters.update(day=formats.day, clock=formats.clock, when=formats.when,
                       span=formats.span, fulldate=formats.fulldate,
                       duration=formats.duration, iso_minute=formats.iso_minute, md=md,
                       mermaid=mermaid, raw=Raw)
    return env


def render(ledger: Ledger, name: str, lang: str, context: dict[str, Any],
           chat: bool = False) -> str:
    import jinja2

    try:
        return environment(ledger, lang, chat).get_template(f"{name}.md.j2").render(**context)
    except jinja2.TemplateError as exc:
        # Jinja puts the template's own lines into the traceback: name the one that failed.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        where = (f"{frames[-1].filename}:{frames[-1].lineno}" if frames else
                 f"{getattr(exc, 'filename', None) or name}:{getattr(exc, 'lineno', '?')}")
        raise FatalError(_("The report template {where} failed: {error}").format(
            where=where, error=exc.message or exc))


def language(ledger: Ledger, lang: str | None) -> str:
    return lang or ("zh" if ledger.settings.locale.lower().startswith("zh") else "en")


def owner(ledger: Ledger, household_id: str, week: str | None, lang: str | None) -> str:
    from keyledger import report_data

    return render(ledger, "owner", language(ledger, lang),
                  report_data.owner(ledger, household_id, week), chat=True)


def household(ledger: Ledger, household_id: str, start: str | None, until: str | None,
              lang: str | None) -> str:
    from keyledger import report_data
    from keyledger.timeutil import parse_date

    today = now(zone(ledger.settings.timezone)).date()
    last = parse_date(until) if until else today
    first = parse_date(start) if start else last - timedelta(days=30)
    if last < first:
        raise FatalError(_("--until must not be before --from."))
    return render(ledger, "household", language(ledger, lang),
                  report_data.household(ledger, household_id, first, last))


def weekly(ledger: Ledger, week: str | None, lang: str | None) -> str:
    from keyledger import report_data

    return render(ledger, "weekly", language(ledger, lang), report_data.weekly(ledger, week))
