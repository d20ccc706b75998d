"""Rendering: a document's data (made by `reports`, `card` or `site`) turned into Markdown, plain
text for a chat, or a self-contained HTML page, through Jinja2 templates.

What a document says is decided where its data is gathered; this module decides only how it is
written. Each format has its own templates, `NAME.FORMAT.j2` (`owner.text.j2`,
`weekly.html.j2`), shipped in `keyledger/templates/<lang>/` (language-neutral ones such as the
HTML layout in `keyledger/templates/`); a ledger's own `templates/<lang>/` or `templates/`
override them by name.

Everything a template prints is escaped for its format unless a filter made it for its place:
Markdown-escaped (`md`), kept literal on one line for a chat (`plain`: a chat shows Markdown's
escapes as they are), or HTML-escaped (Jinja's autoescape, with `Markup` for the SVG
timeline). Templates run sandboxed with StrictUndefined: a ledger's templates came from a clone,
not from this machine, and a mistake fails with its file and line instead of printing nothing.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from keyledger import vocab
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.timeutil import zone

SHIPPED = Path(__file__).parent / "templates"
LANGS = ("zh", "en")
FORMATS = ("md", "text", "html")
# The suffixes of -o FILE that name a format.
SUFFIXES = {".md": "md", ".markdown": "md", ".txt": "text", ".text": "text", ".html": "html",
            ".htm": "html"}
_WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


@dataclass(frozen=True)
class Document:
    """What a report says, before it is written in a format: its template's name, its
    language and the data its templates are given."""

    name: str
    lang: str
    context: dict[str, Any]


class Raw(str):
    """Text a filter has already made safe for where it goes."""


class Phone(str):
    """A phone number: a tel: link in HTML (the `phone` test and the `tel` filter)."""


def tel(value: Any) -> str:
    """A phone number as a tel: link's target: digits and a leading +."""
    return re.sub(r"[^0-9+]", "", str(value))


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


def format_for(fmt: str | None, output: Path | None, default: str) -> str:
    """The format asked for, else the one -o FILE's suffix names, else `default`."""
    if fmt is None and output is not None:
        fmt = SUFFIXES.get(output.suffix.lower())
    fmt = fmt or default
    if fmt not in FORMATS:
        raise FatalError(_("--format takes md, text or html, not {value!r}.").format(value=fmt))
    return fmt


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


def _loaders(ledger: Ledger, lang: str) -> tuple[Any, Any]:
    """The ledger's own templates and the shipped ones, each looked up language first."""
    import jinja2

    from keyledger.templating import LedgerLoader

    # A ledger's own are read without following a link (keyledger.templating): a
    # `templates/en/owner.md.j2` linked to a steward's private key is not a template.
    return (LedgerLoader(ledger.root, [f"templates/{lang}", "templates"]),
            jinja2.FileSystemLoader([str(SHIPPED / lang), str(SHIPPED)]))


def environment(ledger: Ledger, lang: str, fmt: str) -> Any:
    import jinja2

    from keyledger.templating import Sandbox

    if lang not in LANGS:
        raise FatalError(_("Reports are written in zh or en, not {lang!r}.").format(lang=lang))
    own, shipped = _loaders(ledger, lang)
    html = fmt == "html"
    # A ledger's own templates came from a clone, not from this machine: they may format, never
    # reach Python's internals (`cycler.__init__.__globals__.os`) nor build something huge, and
    # each rendering is bounded in time and size (keyledger.templating).
    env = Sandbox(loader=jinja2.ChoiceLoader([own, shipped]),
                               undefined=jinja2.StrictUndefined, autoescape=html,
                               finalize=None if html else plain if fmt == "text" else md,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    formats = Formats(lang, zone(ledger.settings.timezone))
    env.filters.update(day=formats.day, clock=formats.clock, when=formats.when,
                       span=formats.span, fulldate=formats.fulldate,
                       duration=formats.duration, iso_minute=formats.iso_minute, md=md,
                       raw=Raw, tel=tel)
    env.tests["phone"] = lambda value: isinstance(value, Phone)
    if html:
        from keyledger.timeline import timeline

        env.globals["timeline"] = lambda *args, **kwargs: timeline(formats, *args, **kwargs)
    env.globals.update(lang=lang, fmt=fmt)
    # The vocabulary's names in the report's language (words.j2): `names_of("care")["plants"]`.
    env.globals["names_of"] = lambda kind: {c: vocab.name(kind, c, lang)
                                            for c in vocab.KINDS[kind].codes}
    return env


class Renderer:
    """Documents of one language in one format, through one environment: the site renders
    thousands of pages, and each environment compiles its templates anew.

    A report's words are written once, in `NAME.md.j2`. Chat text is made from that Markdown
    unless a `NAME.text.j2` exists (the owner's message has one, to keep its own line breaks);
    an HTML page is `NAME.html.j2` (else `report.html.j2`) drawn around that Markdown as HTML
    (`lead`, the title and summary, and `sections`) with whatever the page adds (the weekly's
    timeline). A ledger's own template of either name wins, as for Markdown."""

    def __init__(self, ledger: Ledger, lang: str, fmt: str) -> None:
        self.ledger, self.lang, self.fmt = ledger, lang, fmt
        self.env = environment(ledger, lang, fmt)
        self.markdown = self.env if fmt == "md" else None
        self._markdown_of: dict[str, bool] = {}

    def _template(self, *names: str) -> Any:
        import jinja2

        try:
            return self.env.select_template(names)
        except jinja2.TemplatesNotFound:
            return None

    def _md(self, document: Document) -> str:
        if self.markdown is None:
            self.markdown = environment(self.ledger, self.lang, "md")
        return _run(self.markdown.get_template(f"{document.name}.md.j2"), document.context)

    def __call__(self, document: Document) -> str:
        return _rendered(lambda: self._render(document), document.name)

    def _render(self, document: Document) -> str:
        from markupsafe import Markup

        from keyledger import from_markdown

        name = document.name
        if self.fmt == "md":
            return self._md(document)
        own = self._template(f"{name}.{self.fmt}.j2")
        if self.fmt == "text":
            return _run(own, document.context) if own is not None \
                else from_markdown.to_text(self._md(document), self.lang)
        if own is not None and not self._has_markdown(name):
            return _run(own, document.context)  # a page of its own (the site's board)
        title, lead, sections = from_markdown.to_html(self._md(document))
        page = own or self.env.get_template("report.html.j2")
        # The HTML comes from markdown-it, which escaped every character of the Markdown's text.
        return _run(page, {**document.context, "title": title, "lead": Markup(lead),
                           "sections": Markup(sections)})

    def _has_markdown(self, name: str) -> bool:
        """Whether a Markdown template of this name exists; asked once per name, since the site
        renders a hundred thousand pages through one renderer."""
        import jinja2

        if name not in self._markdown_of:
            try:
                self.env.loader.get_source(self.env, f"{name}.md.j2")
                self._markdown_of[name] = True
            except jinja2.TemplateNotFound:
                self._markdown_of[name] = False
        return self._markdown_of[name]


def render(ledger: Ledger, document: Document, fmt: str) -> str:
    return _rendered(lambda: Renderer(ledger, document.lang, fmt)(document), document.name)


def _run(template: Any, context: dict[str, Any]) -> str:
    """One template rendered within keyledger.templating's bounds, or one sentence naming it:
    the ledger's own by its path in the ledger, a shipped one by its name."""
    from keyledger import templating

    try:
        return templating.render(template, context)
    except (templating.TemplateLimit, OverflowError, RecursionError, MemoryError) as exc:
        why = {OverflowError: _("a range or a number too big"),
               RecursionError: _("it calls itself without end"),
               MemoryError: _("it needs too much memory")}.get(type(exc), str(exc))
        # The template running when it stopped (one may include another), else the one asked.
        frames = [f.filename for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(".j2")] or [template.filename or template.name]
        name = frames[-1] if frames[-1].startswith("templates/") else Path(frames[-1]).name
        raise FatalError(_("The report template {name} was stopped: {why}; a report template "
                           "only formats the ledger's records.").format(name=name, why=why))


def _rendered(make: Any, name: str) -> str:
    import jinja2

    try:
        return str(make())
    except jinja2.TemplateError as exc:
        # Jinja puts the template's own lines into the traceback: name the one that failed.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        where = (f"{frames[-1].filename}:{frames[-1].lineno}" if frames else
                 f"{getattr(exc, 'filename', None) or name}:{getattr(exc, 'lineno', '?')}")
        raise FatalError(_("The report template {where} failed: {error}").format(
            where=where, error=exc.message or exc))


def language(ledger: Ledger, lang: str | None) -> str:
    return lang or ("zh" if ledger.settings.locale.lower().startswith("zh") else "en")
