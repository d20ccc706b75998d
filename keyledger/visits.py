"""Visits (上门记录): one file each under visits/<yyyy>/<mm>/, written once, never edited."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from keyledger import attachments, gitops, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.forms import load_form, record_from
from keyledger.ledger import Ledger, locked
from keyledger.model import Household, Visit, parse_visit
from keyledger.timeutil import now, parse_datetime, zone
from keyledger.vocab import CARE, CHECK_RESULTS

FOLDER = "visits"


def folder_of(day: date) -> str:
    return f"{FOLDER}/{day:%Y}/{day:%m}"


def new_id(ledger: Ledger, household: str, started: datetime) -> str:
    base = f"{started:%Y%m%d-%H%M}-{household}"[:60]
    folder = ledger.root / folder_of(started.date())
    ident, n = base, 1
    while (folder / f"{ident}.yaml").exists():
        n += 1
        ident = f"{base}-{n}"
    return ident


def parse_check(text: str) -> dict[str, Any]:
    """`plants=ok`, `heating=problem:接口渗水`, `gas=n/a`."""
    match = re.fullmatch(r"\s*([\w-]+)\s*=\s*(ok|problem|n/a|na)\s*(?::(.*))?", text, re.S)
    if not match:
        raise FatalError(_("--check takes ITEM=ok|problem|n/a[:note], e.g. heating=problem:接口渗水; "
                           "not {text!r}.").format(text=text))
    item, result, note = match.groups()
    if item not in CARE:
        raise FatalError(_("{item!r} is not a care item; use one of: {items}.").format(
            item=item, items=", ".join(CARE)))
    result = "n/a" if result == "na" else result
    assert result in CHECK_RESULTS
    return {"item": item, "result": result, "note": (note or "").strip() or None}


def parse_let_in(text: str) -> dict[str, Any]:
    """`who,company,what they did`."""
    who, _sep, rest = text.partition(",")
    company, _sep, did = rest.partition(",")
    return {"who": who.strip(), "company": company.strip() or None, "did": did.strip() or None}


def draft(ledger: Ledger, household: Household, given: dict[str, Any], photos: list[Path],
          form: Path | None, started: datetime, ended: datetime | None, stewards: list[str],
          key: str | None = None) -> tuple[Visit, dict[str, str | bytes | None]]:
    """A new visit and the files it adds (its YAML and any new photos); nothing is written."""
    stored, files = attachments.store(ledger.root, photos, ledger.settings.attachment_max_bytes)
    if form is not None:  # the visit's id and folder follow when it started, as the form says
        try:
            started = datetime.fromisoformat(str(load_form(form).get("started", started)))
        except ValueError:
            pass  # the model reports the bad field with its line
    ident = new_id(ledger, household.id, started)
    tz = zone(ledger.settings.timezone)
    defaults = {"schema": 1, "id": ident, "household": household.id, "key": key,
                "stewards": stewards, "started": started.isoformat(),
                "ended": ended.isoformat() if ended else None,
                "recorded": now(tz).isoformat()}
    overrides = dict(given)
    if stored:
        overrides["photos"] = stored
    visit = record_from(parse_visit, ident, defaults, overrides, form)
    if visit.household != household.id:
        raise FatalError(_("The visit is for {other}, not {household}.").format(
            other=visit.household, household=household.id))
    if form is not None:
        # A form fills in what was seen; who recorded it, and when, is not the form's to say.
        visit = replace(visit, recorded=now(tz), photos=tuple(dict.fromkeys(visit.photos + tuple(stored))))
    ended = (visit.ended or visit.started).astimezone(tz).date()
    if visit.follow_up and visit.follow_up < ended:
        raise FatalError(_("The follow-up day {follow_up} is before the visit ended ({day}); give "
                           "that day or a later one.").format(follow_up=visit.follow_up.isoformat(),
                                                              day=ended.isoformat()))
    missing = [p for p in visit.photos if p not in files and not (ledger.root / p).is_file()]
    if missing:
        raise FatalError(_("The visit names a photo that is not in the ledger: {path}.").format(
            path=missing[0]))
    relpath = f"{folder_of(visit.started.date())}/{visit.id}.yaml"
    if (ledger.root / relpath).exists():
        raise FatalError(_("A visit {id} is already recorded; visits are written once.").format(
            id=visit.id))
    files[relpath] = yaml.dump(visit.to_dict())
    return visit, files


@locked
def add_visit(ledger: Ledger, household_id: str, given: dict[str, Any], photos: list[Path],
              form: Path | None = None, at: str | None = None,
              with_stewards: list[str] | None = None) -> tuple[Visit, str]:
    """A visit made without a key: a code-lock entry, a doorstep delivery, a welfare call."""
    household = ledger.household(household_id)
    actor = acting_steward(ledger)
    tz = zone(ledger.settings.timezone)
    started = parse_datetime(at, tz) if at else now(tz)
    if started > now(tz):
        raise FatalError(_("--at is in the future; a visit is recorded after it was made."))
    stewards = [actor.id]
    for other in with_stewards or []:
        if ledger.steward(other).id not in stewards:
            stewards.append(other)
    visit, files = draft(ledger, household, given, photos, form, started, None, stewards)
    late = " (recorded late)" if recorded_late(visit) else ""
    message = gitops.format_message(
        f"visit {household.id} {household.name}: {visit.purpose} by {actor.name}{late}",
        [("Action", "visit"), ("Household", household.id), ("Steward", actor.id),
         ("With", ",".join(visit.stewards[1:])), ("Visit", visit.id),
         ("Purpose", visit.purpose), ("At", visit.started.isoformat()),
         ("Follow-Up", visit.follow_up.isoformat() if visit.follow_up else "")])
    return visit, ledger.change(files, message)


def recorded_late(visit: Visit) -> bool:
    """Recorded more than a day after it ended (or began, if it has no end). Measured from the
    end, since a visit written at the key's return is on time however long the key was out."""
    return visit.recorded - (visit.ended or visit.started) > timedelta(days=1)


@dataclass(frozen=True)
class Seen:
    """A visit as the event index holds it (from its file in the commit that recorded it):
    enough to count it and to tell which due item it did, without reading its file."""

    id: str
    household: str
    stewards: tuple[str, ...]
    started: datetime
    purpose: str
    follow_up: date | None
    path: str


def seen(ledger: Ledger, start: date, end: date, household: str | None = None,
         follow_up_on: list[date] | None = None) -> list[Seen]:
    """Visits that started on days start..end (inclusive), oldest first, or, with
    `follow_up_on`, those that asked for a follow-up on one of those days."""
    import json

    from keyledger import event_index

    db = event_index.fresh(ledger)
    tz = zone(ledger.settings.timezone)
    columns = "SELECT id, household, stewards, started, purpose, follow_up, path FROM visits"
    if follow_up_on is not None:
        days = [d.isoformat() for d in follow_up_on]
        rows = list(db.execute(columns + f" WHERE follow_up IN ({','.join('?' * len(days))})",
                               days)) if days else []
    else:
        begin = int(datetime.combine(start, datetime.min.time(), tz).timestamp())
        until = int(datetime.combine(end + timedelta(days=1), datetime.min.time(),
                                     tz).timestamp())
        rows = list(db.execute(columns + " WHERE started >= ? AND started < ?"
                               + (" AND household = ?" if household else ""),
                               [begin, until, *([household] if household else [])]))
    out = [Seen(ident, home, tuple(json.loads(stewards)), datetime.fromtimestamp(started, tz),
                purpose, date.fromisoformat(follow) if follow else None, path)
           for ident, home, stewards, started, purpose, follow, path in rows]
    return sorted(out, key=lambda v: (v.started, v.id))


def visits_between(ledger: Ledger, start: date, end: date,
                   household: str | None = None) -> list[Visit]:
    """Visits that started on days start..end (inclusive), oldest first: found in the event
    index, read from their files (a file no longer in the work tree is left out)."""
    folders: dict[str, list[str]] = {}
    for v in seen(ledger, start, end, household):
        folder, _sep, name = v.path.rpartition("/")
        if os.path.isfile(ledger.root / v.path):
            folders.setdefault(folder, []).append(name[:-len(".yaml")])
    out = [visit for folder, names in sorted(folders.items())
           for visit in ledger.bulk("visit", names, parse_visit, folder)]
    return sorted(out, key=lambda v: v.started)
