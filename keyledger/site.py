"""`keyledger site -o DIR`: the community office's site, as plain files any web server or shared
folder can serve — a board of the keys out and overdue with today's due items, the week's due
items with where each key is, a page per household (一户一档) and per steward, the weekly
reports, and calendars to subscribe to (`calendar/<steward>.ics`, `calendar/all.ics`).

Incremental, so that it can run from cron after every sync: DIR/.keyledger-site.json remembers
the commit the site was made from, a fingerprint of each page's data and when time alone will
change a household's page. A run asks git which files changed since that commit and makes again
only the households they touch (and those whose time has come); every page is rendered only if
its data's fingerprint changed and written only if its bytes did. Settings, roster or template
changes make every page again. What the ledger's `policies.publish` keeps off the site (health
notes, phone numbers) is never gathered into a page; no door code ever is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.timeutil import now, zone

VERSION = 1
STATE = ".keyledger-site.json"
LOCK = ".keyledger-site.lock"
CALENDAR_WEEKS = 4        # this week and the next three
ONE_PAGE = 2000           # households listed on one index page; more are grouped by estate


@dataclass
class Built:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    full: bool = False
    households: int = 0    # household pages looked at


def fingerprint(value: Any) -> str:
    """A digest of a page's data that does not depend on the order of a set or on memory."""
    return hashlib.sha256(json.dumps(_canonical(value), ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _canonical(value: Any) -> Any:
    # The calendars' and the weekly's data run to millions of values at a street office's size:
    # exact types are tested first and a dataclass's field names are looked up once per type
    # (`is_dataclass` and `fields` were a quarter of a run with nothing to do).
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is list or kind is tuple:
        return [_canonical(v) for v in value]
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in fields(value)) \
            if is_dataclass(value) and not isinstance(value, type) else None
    names = _FIELDS[kind]
    if names is not None:
        return [kind.__name__, *[_canonical(getattr(value, n)) for n in names]]
    if isinstance(value, dict):
        return sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((_canonical(v) for v in value), key=repr)]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (datetime, date, time, timedelta)):
        return str(value)
    if isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


class Output:
    """The site's folder: pages written through a temporary file and a rename, only when their
    bytes changed; the fingerprints of the pages made."""

    def __init__(self, root: Path, before: dict[str, str], built: Built) -> None:
        self.root, self.before, self.built = root, before, built
        self.pages: dict[str, str] = {}

    def page(self, relpath: str, data: Any, make: Callable[[], str | bytes]) -> None:
        mark = fingerprint(data)
        path = self.root / relpath
        self.pages[relpath] = mark
        if self.before.get(relpath) == mark and path.is_file():
            self.built.unchanged += 1
            return
        content = make()
        body = content.encode("utf-8") if isinstance(content, str) else content
        try:
            if path.is_file() and path.read_bytes() == body:
                self.built.unchanged += 1
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
            tmp.write_bytes(body)
            os.replace(tmp, path)
        except OSError as exc:
            raise FatalError(_("Cannot write {path}: {error}.").format(
                path=path, error=exc.strerror or exc))
        self.built.written.append(relpath)

    def keep(self, relpath: str) -> None:
        """A page this run had no reason to look at: it stays as it is."""
        self.pages[relpath] = self.before[relpath]
        self.built.unchanged += 1

    def remove_others(self) -> None:
        """Pages of a household, steward or week the site no longer has."""
        for relpath in sorted(set(self.before) - set(self.pages)):
            try:
                (self.root / relpath).unlink(missing_ok=True)
            except OSError:
                continue
            self.built.removed.append(relpath)


def _state(root: Path) -> dict[str, Any]:
    try:
        state = json.loads((root / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("version") == VERSION else {}


def _config(ledger: Ledger, lang: str, head: str) -> str:
    """What every page depends on: the settings, the roster, the templates, the language."""
    from keyledger.render import SHIPPED

    digest = hashlib.sha256(f"{VERSION}\0{lang}\0".encode())
    tree = gitops.git(ledger.root, "rev-parse", f"{head}:stewards", check=False).strip()
    digest.update(tree.encode())
    digest.update((ledger.root / "keyledger.yaml").read_bytes())
    for folder in (SHIPPED, ledger.root / "templates"):
        for path in sorted(folder.rglob("*.j2")) if folder.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_HOUSEHOLD_LINE = re.compile(r"^household:\s*['\"]?(.*?)['\"]?\s*$", re.M)


def _touched(ledger: Ledger, last: str, head: str) -> set[str] | None:
    """The households whose files, keys or visits changed between two commits; None when the
    earlier one is gone (a rewritten history): then every page is made again."""
    if gitops.run(ledger.root, "cat-file", "-e", f"{last}^{{commit}}").returncode:
        return None
    listed = gitops.git(ledger.root, "diff", "--name-only", "-z", "--no-renames", last, head)
    households: set[str] = set()
    read: list[str] = []
    for path in filter(None, listed.split("\0")):
        folder, _, name = path.partition("/")
        if not name.endswith(".yaml"):
            continue
        if folder == "households" and "/" not in name:
            households.add(name[:-5])
        elif folder in ("keys", "visits"):
            # A key's household before and after the change; a visit's, written once.
            read += [f"{rev}:{path}" for rev in (last, head) if "\n" not in path]
    # All of them through one git: after a sync of a busy day there are thousands.
    households.update(_households_named(ledger, read))
    return households


def _households_named(ledger: Ledger, names: list[str]) -> set[str]:
    """The `household:` of each file `REV:PATH` that exists."""
    if not names:
        return set()
    out = gitops.git_bytes(ledger.root, "cat-file", "--batch",
                           input="".join(n + "\n" for n in names).encode("utf-8"))
    found: set[str] = set()
    pos = 0
    for _name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        if header[-1] == b"missing":
            pos = end + 1
            continue
        size = int(header[2])
        text = out[end + 1:end + 1 + size].decode("utf-8", "replace")
        pos = end + 1 + size + 1
        line = _HOUSEHOLD_LINE.search(text)
        if line:
            found.add(line.group(1))
    return found


def build(ledger: Ledger, out: Path, lang: str | None = None, full: bool = False) -> Built:
    import fcntl

    from keyledger import render

    out = out.resolve()
    if out == ledger.root or ledger.root in out.parents:
        raise FatalError(_("The site cannot be written inside the ledger ({path}): its pages "
                           "would become files of the ledger. Choose a folder outside it.")
                         .format(path=ledger.root))
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = open(out / LOCK, "w")
    except OSError as exc:
        raise FatalError(_("Cannot write {path}: {error}.").format(path=out,
                                                                  error=exc.strerror or exc))
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise FatalError(_("Another keyledger site is writing {path}; try again when it "
                               "has finished.").format(path=out))
        return _build(ledger, out, render.language(ledger, lang), full)


def _build(ledger: Ledger, out: Path, lang: str, full: bool) -> Built:
    from keyledger import listing, render, site_pages
    from keyledger.ics import calendar, planned, reservations
    from keyledger.reports import weekly
    from keyledger.schedules import due, this_week, week_days

    head = gitops.head(ledger.root)
    if head is None:
        raise FatalError(_("The ledger has no commit yet."))
    settings = ledger.settings
    tz = zone(settings.timezone)
    moment = now(tz)
    today = moment.date()
    publish = settings.publish
    state = _state(out)
    config = _config(ledger, lang, head)
    touched = None if full or state.get("config") != config or not state.get("head") \
        else _touched(ledger, state["head"], head)
    built = Built(full=touched is None)
    output = Output(out, state.get("pages", {}) if touched is not None else {}, built)
    write = render.Renderer(ledger, lang, "html")

    index = listing.fresh(ledger, ("household", "key"))
    stewards = site_pages.steward_views(ledger.stewards(), publish)
    rows = site_pages.household_rows(index)
    names = {r.id: r.name for r in rows}
    keys_out = site_pages.keys_out(ledger, index, names, stewards, moment)
    week = this_week(today)
    days = week_days(week, today)
    span = [days[0] + timedelta(days=n) for n in range(7 * CALENDAR_WEEKS)]
    items = due(ledger, span)
    this = [i for i in items if i.day in days]
    weeks = [this_week(today - timedelta(days=7)), week]
    common = {"community": settings.community, "now": moment, "today": today, "week": week,
              "weeks": weeks, "stewards": stewards, "publish": publish}
    # What every page has is in `config` (the roster, the settings): a page's fingerprint
    # leaves it out, and the time unless the page shows it.
    shared = ("stewards", "publish")

    def page(relpath: str, name: str, context: dict[str, Any],
             volatile: Iterable[str] = ("now",)) -> None:
        depth = relpath.count("/")
        context = {**common, **context, "site": {"root": "../" * depth, "page": relpath}}
        data = {k: v for k, v in context.items() if k not in volatile and k not in shared}
        output.page(relpath, (name, data),
                    lambda: write(render.Document(name, lang, context)))

    # The board shows when it was made, so it is made every time; the rest only on a change.
    page("index.html", "site/board", {"keys_out": keys_out, "today_items": [
        i for i in this if i.day == today]}, volatile=())
    page("week.html", "site/week", {"days": days, "items": this})
    page("stewards/index.html", "site/stewards", {})
    by_steward: dict[str, list[Any]] = {}
    for r in rows:
        for s in r.pair:
            by_steward.setdefault(s, []).append(r)
    for ident, steward in stewards.items():
        page(f"stewards/{ident}.html", "site/steward", {
            "steward": steward, "households": by_steward.get(ident, []),
            "holding": [k for k in keys_out if k.holder == ident],
            "items": [i for i in this if i.steward == ident]})
    _household_index(page, rows)

    # Households: all of them on a full build; else those their changes or time touched.
    keys: dict[str, list[Any]] = {}
    records = index["key"].part("records")
    for ident, row in index["key"].rows().items():
        keys.setdefault(row[0], []).append(records.get(ident) or _key(ident, row))
    stale = {h: datetime.fromisoformat(t) for h, t in state.get("stale", {}).items()
             if touched is not None}
    existing = set(names)
    if touched is None:
        wanted = sorted(existing)
    else:
        wanted = sorted((touched | {h for h, t in stale.items() if t <= moment}
                         | {h for h in existing if f"households/{h}.html" not in output.before
                            or not (out / "households" / f"{h}.html").is_file()})
                        & existing)
    built.households = len(wanted)
    pages = site_pages.household_pages(ledger, wanted, keys, stewards, publish, moment,
                                       every=touched is None or len(wanted) > 200)
    for ident, made in pages:
        page(f"households/{ident}.html", "site/household", made.context)
        stale[ident] = made.stale_after  # type: ignore[assignment]
    for ident in sorted(existing - set(wanted)):
        output.keep(f"households/{ident}.html")
    new_stale = {h: t.isoformat() for h, t in stale.items() if t is not None and h in existing}

    # The weekly reports of last week and this one, as printed pages. Without a new commit
    # only the time held by keys still out changes them: they are made again hourly.
    again = touched is None or state.get("head") != head or \
        state.get("built", "")[:13] != moment.isoformat()[:13]
    for w in weeks:
        relpath = f"weekly/{w}.html"
        if not again and relpath in output.before:
            output.keep(relpath)
            continue
        document = weekly(ledger, w, lang)
        context = {**document.context, "site": {"root": "../", "page": relpath}}
        output.page(relpath, ("weekly", {k: v for k, v in context.items()
                                         if k not in ("generated", "now")}),
                    lambda c=context: write(render.Document("weekly", lang, c)))

    # Calendars: this week and the next three, one per active steward and one of everything.
    stamp = datetime.fromisoformat(gitops.git(ledger.root, "show", "-s", "--format=%cI",
                                              head).strip())
    bookings = reservations(ledger, span)
    homes = {r.id: (r.name, r.address) for r in rows}
    for ident in [*(s.id for s in stewards.values() if s.active), None]:
        mine = [i for i in items if (ident is None or i.steward == ident) and planned(i)]
        booked = [b for b in bookings if ident is None or b.reservation.steward == ident]
        relpath = f"calendar/{ident or 'all'}.ics"
        output.page(relpath, ("ics", mine, booked, settings.publish, settings.community),
                    lambda i=ident, m=mine, b=booked: calendar(ledger, span, i, due_items=m,
                                                               bookings=b, stamp=stamp,
                                                               phones=publish.phones,
                                                               homes=homes)[0])
    output.remove_others()
    _save(out, {"version": VERSION, "head": head, "config": config, "pages": output.pages,
                "stale": new_stale, "built": moment.isoformat()})
    return built


def _household_index(page: Callable[..., None], rows: list[Any]) -> None:
    """One list of every household, or past ONE_PAGE households a page per estate (the part of
    the id before its first "-")."""
    if len(rows) <= ONE_PAGE:
        page("households/index.html", "site/households", {"groups": [("", rows)], "parts": []})
        return
    groups: dict[str, list[Any]] = {}
    for r in rows:
        groups.setdefault(r.id.split("-", 1)[0], []).append(r)
    parts = [(g, len(members)) for g, members in sorted(groups.items())]
    page("households/index.html", "site/households", {"groups": [], "parts": parts})
    for g, members in sorted(groups.items()):
        page(f"households/in-{g}.html", "site/households", {"groups": [(g, members)],
                                                             "parts": parts})


def _key(ident: str, row: tuple[Any, ...]) -> Any:
    """A key in the cabinet, from its listing row (the index keeps whole records only of keys
    out of the cabinet)."""
    from keyledger.model import Key

    household, kind, slot, state, holder, label = row
    return Key(ident, household, kind, label, slot, state, holder)


def _save(out: Path, state: dict[str, Any]) -> None:
    tmp = out / f".{STATE}.tmp{os.getpid()}"
    try:
        tmp.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, out / STATE)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FatalError(_("Cannot write {path}: {error}.").format(path=out / STATE,
                                                                  error=exc.strerror or exc))
