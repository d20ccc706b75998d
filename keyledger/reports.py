"""Reports rendered from Jinja2 templates: the owner's all-is-well message (报平安), a household's
record, and the community's week. Markdown out; a ledger's own templates/ override the shipped ones.

Everything a template prints is Markdown-escaped unless it is `Raw` (made by a filter that knows
its context), so text a user typed cannot break a table or inject a link; templates use
StrictUndefined, so a mistake in one fails loudly instead of printing nothing.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from keyledger import custody_log, standing
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.model import CheckItem, Visit
from keyledger.schedules import DueItem, due, week_days
from keyledger.timeutil import now, zone
from keyledger.visits import recorded_late, seen, visits_between

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


@dataclass(frozen=True)
class VisitView:
    visit: Visit
    steward_names: tuple[str, ...]
    late: bool                      # recorded more than a day after it ended


def _views(ledger: Ledger, visits: list[Visit]) -> list[VisitView]:
    names = _names(ledger)
    return [VisitView(v, tuple(names.get(s, s) for s in v.stewards), recorded_late(v))
            for v in visits]


def _names(ledger: Ledger) -> dict[str, str]:
    return {s.id: s.name for s in ledger.stewards()}


def _base(ledger: Ledger) -> dict[str, Any]:
    return {"community": ledger.settings.community, "generated": now(zone(ledger.settings.timezone))}


def owner(ledger: Ledger, household_id: str, week: str | None, lang: str | None) -> str:
    household = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    moment = now(tz)
    days = week_days(week or _current_week(ledger))
    visits = _views(ledger, visits_between(ledger, days[0], days[-1], household.id))
    problems, resolved = _problems(visits)
    # The message is sent now, so where the keys are is told as of now, whatever the week.
    every_key = ledger.keys_of(household.id)  # a key handed back since may have been used
    keys = [k for k in every_key if k.state != "handed-back"]
    away = [k for k in keys if k.state != "in"]
    names = _names(ledger)
    emergencies = _emergencies(ledger, every_key, days, tz, names)
    return render(ledger, "owner", language(ledger, lang), {
        **_base(ledger), "household": household, "days": days, "visits": visits,
        "photos": sum(len(v.visit.photos) for v in visits),
        "problems": problems, "resolved": resolved, "names": names, "now": moment,
        "keys_away": away, "in_cabinet": bool(keys) and not away, "emergencies": emergencies,
        # "All is well" is a claim: only what a visit saw, with no key out or lost and no
        # emergency entry, supports it.
        "all_well": bool(visits) and not problems and not away and not emergencies,
        # A follow-up already made (a visit that day), or whose day has passed, is no longer a
        # promise the message can make.
        "follow_ups": sorted({v.visit.follow_up for v in visits if v.visit.follow_up
                              and v.visit.follow_up >= moment.date()}
                             - {v.visit.started.astimezone(tz).date() for v in visits}),
        "tz": tz}, chat=True)


@dataclass(frozen=True)
class Emergency:
    """One emergency entry as the owner hears of it: a key handed over within it is still one
    entry, with everyone who held it."""
    start: datetime
    end: datetime | None
    holders: tuple[str, ...]
    consent: str | None
    unreached: str | None


def _emergencies(ledger: Ledger, keys: list[Any], days: list[date], tz: tzinfo,
                 names: dict[str, str]) -> list[Emergency]:
    """The week's emergency entries: an owner must hear of every time their home was entered
    under an emergency, and on what consent, even when no visit was written."""
    if not keys:
        return []
    begin, end = _span_of_days(days[0], days[-1], tz)
    # The whole history of the household's keys (one Bloom-filtered walk each): an emergency
    # may have begun long before the week, and `git log --since` would also stop early at a
    # commit from a machine whose clock was behind.
    intervals = custody_log.read(ledger, [ledger.relpath("key", k.id) for k in keys],
                                 code_keys=_codes(keys))[0]
    entries: list[Emergency] = []
    last: dict[str, tuple[int, custody_log.Interval]] = {}  # key -> its entry, last interval
    for i in sorted((i for i in intervals if i.emergency), key=lambda i: i.start):
        holder = names.get(i.holder, i.holder)
        before = last.get(i.key)
        if before and before[1].ended_by == "handover" and before[1].end == i.start:
            at, entry = before[0], entries[before[0]]
            entries[at] = replace(entry, end=i.end, holders=entry.holders + (holder,))
        else:
            at = len(entries)
            entries.append(Emergency(i.start, i.end, (holder,), i.consent, i.unreached))
        last[i.key] = (at, i)
    return [e for e in entries if e.start < end and (e.end is None or e.end > begin)]


def _problems(visits: list[VisitView]) -> tuple[list[tuple[VisitView, CheckItem]],
                                                list[tuple[VisitView, CheckItem, VisitView]]]:
    """Problems still open at the period's end, and those a later check found ok: the latest
    check of a care item decides, so a leak fixed on the follow-up is not reported as open."""
    open_: dict[str, tuple[VisitView, CheckItem]] = {}
    resolved = []
    for v in visits:
        for c in v.visit.checklist:
            if c.result == "problem":
                open_[c.item] = (v, c)
            elif c.result == "ok" and c.item in open_:
                resolved.append((*open_.pop(c.item), v))
    return list(open_.values()), resolved


def household(ledger: Ledger, household_id: str, start: str | None, until: str | None,
              lang: str | None) -> str:
    from keyledger.timeutil import parse_date

    record = ledger.household(household_id)
    tz = zone(ledger.settings.timezone)
    today = now(tz).date()
    last = parse_date(until) if until else today
    first = parse_date(start) if start else last - timedelta(days=30)
    if last < first:
        raise FatalError(_("--until must not be before --from."))
    keys = ledger.keys_of(record.id)
    paths = [ledger.relpath("key", k.id) for k in keys]
    intervals, events = custody_log.read(ledger, paths, code_keys=_codes(keys)) if paths \
        else ([], [])
    begin, end = _span_of_days(first, last, tz)
    moment = now(tz)
    shown = [i for i in intervals if i.overlaps(begin, end)]
    held = {i: _held(i, begin, end, moment) for i in shown}
    return render(ledger, "household", language(ledger, lang), {
        **_base(ledger), "household": record, "first": first, "last": last, "keys": keys,
        "visits": _views(ledger, visits_between(ledger, first, last, record.id)),
        "custody": shown, "names": _names(ledger), "held": held,
        "overdue": {i for i in shown if _overdue(i, moment)},
        "total": sum(held.values(), timedelta()),
        "clipped": any(i.start < begin or (i.end or moment) > end for i in shown),
        "events": [e for e in events if begin <= e.at < end], "now": moment})


def _span_of_days(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From the first day's midnight to the midnight after the last, in the ledger's zone."""
    return (datetime.combine(first, datetime.min.time(), tz),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tz))


def _held(interval: custody_log.Interval, begin: datetime, end: datetime,
          moment: datetime) -> timedelta:
    """How long the key was held within begin..end: a period's report counts only its part."""
    return max(min(interval.end or moment, end) - max(interval.start, begin), timedelta())


def _overdue(interval: custody_log.Interval, moment: datetime) -> bool:
    """Returned late, or still out after it was due back."""
    return interval.late or bool(interval.end is None and interval.expected_back
                                 and interval.expected_back < moment)


def _codes(keys: list[Any]) -> frozenset[str]:
    return frozenset(k.id for k in keys if k.kind == "code")


def _current_week(ledger: Ledger) -> str:
    from keyledger.schedules import this_week

    return this_week(now(zone(ledger.settings.timezone)).date())


@dataclass(frozen=True)
class Row:
    """One line of a summary table: a steward's or a household's week."""

    id: str
    name: str
    due: int = 0
    done: int = 0
    missed: int = 0
    visits: int = 0
    checkouts: int = 0
    held: timedelta = timedelta()


def weekly(ledger: Ledger, week: str | None, lang: str | None) -> str:
    tz = zone(ledger.settings.timezone)
    days = week_days(week or _current_week(ledger))
    begin, end = _span_of_days(days[0], days[-1], tz)
    moment = now(tz)
    items: list[DueItem] = due(ledger, days)
    visits = seen(ledger, days[0], days[-1])  # counted, never shown one by one
    intervals, events = custody_log.read(ledger, ["keys"], since=begin, until=end,
                                         code_keys=standing.code_keys(ledger))
    week_intervals = [i for i in intervals if i.overlaps(begin, end)]
    names = _names(ledger)
    stewards: dict[str, Row] = {}
    households: dict[str, Row] = {}

    def bump(table: dict[str, Row], ident: str, name: str, **add: Any) -> None:
        row = table.get(ident, Row(ident, name))
        table[ident] = Row(ident, row.name, **{f: getattr(row, f) + add.get(f, type(getattr(row, f))())
                                           for f in ("due", "done", "missed", "visits",
                                                     "checkouts", "held")})

    for item in items:
        counts = {"due": 1, item.status: 1} if item.status != "due" else {"due": 1}
        if item.steward:
            bump(stewards, item.steward, names.get(item.steward, item.steward), **counts)
        bump(households, item.household, item.household_name, **counts)
    # Every household with something in the week has a row, scheduled or not.
    active = {v.household for v in visits} | {i.household for i in week_intervals}
    homes = standing.names(ledger, active - households.keys())
    for v in visits:
        for s in v.stewards:
            bump(stewards, s, names.get(s, s), visits=1)
        bump(households, v.household, homes.get(v.household, ""), visits=1)
    for i in week_intervals:
        counts = {"checkouts": int(i.start >= begin), "held": _held(i, begin, end, moment)}
        bump(stewards, i.holder, names.get(i.holder, i.holder), **counts)
        bump(households, i.household, homes.get(i.household, ""), **counts)
    overdue = [i for i in week_intervals if _overdue(i, moment)]
    follow_ups = [i for i in items if i.kind == "follow-up" and i.status != "done"]
    return render(ledger, "weekly", language(ledger, lang), {
        **_base(ledger), "week": week or _current_week(ledger), "days": days,
        "stewards": sorted(stewards.values(), key=lambda r: r.id),
        "households": sorted(households.values(), key=lambda r: r.id),
        "visits": visits, "items": items, "custody": week_intervals,
        "checkouts": sum(i.start >= begin for i in week_intervals),
        "names": names, "overdue": overdue, "follow_ups": follow_ups,
        "events": [e for e in events if begin <= e.at < end], "now": moment,
        "begin": begin, "end": end})
