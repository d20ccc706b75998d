"""Visits (上门记录): one file each under visits/<yyyy>/<mm>/, written once, never edited."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from keyledger import attachments, gitops, rules, service, vocab, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.forms import VISIT_WORDS, load_form, record_from
from keyledger.ledger import Ledger, locked
from keyledger.model import Household, Steward, Visit, parse_visit
from keyledger.service_model import OpenProblem, OwnerRequest, money
from keyledger.subjects import subject
from keyledger.timeutil import iso, now, parse_date, parse_datetime, zone
from keyledger.timewords import ordinal, yuan
from keyledger.vocab import CALL_REACHED

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


# What was wrong, then what was done about it: `阳台窗户没关严=>已关严` (or →).
_DONE = re.compile(r"\s*(?:=>|→)\s*")


def _note_and_done(text: str | None, fixed: bool = False) -> tuple[str | None, str | None]:
    """What was wrong and what was done. Put right on the spot and written as a sentence
    (`阳台窗户开着，关严了`), what was wrong is before the first comma, what was done after it."""
    parts = _DONE.split(text or "", maxsplit=1)
    if fixed and len(parts) == 1:
        parts = re.split(r"\s*[,，;；]\s*", parts[0], maxsplit=1)
    note = " ".join(parts[0].split()) or None
    done = (" ".join(parts[1].split()) or None) if len(parts) > 1 else None
    return note, done


def parse_check(text: str) -> dict[str, Any]:
    """`plants=ok`, `heating=problem:接口渗水`, `windows=fixed:没关严=>已关严`, `燃气=正常`,
    `暖气：有问题：接口渗水`, `暖气正常`: a care item, how it was, a note and, for a problem put
    right on the spot, what was done."""
    value = unicodedata.normalize("NFKC", text).strip()
    head, sep, rest = _first_of(value, "=:")
    if sep and vocab.lookup("care", head) is None and _split_check(head)[1]:
        item, result = _split_check(head)  # 暖气有问题:接口渗水
        note_text = rest
    else:
        item, result = (head, "") if sep else _split_check(value)  # 暖气正常
        # The result, then its note after a colon or a comma (暖气=有问题，接口渗水).
        result, _sep, note_text = _first_of(rest if sep else result, ":,;")
    if not item.strip() or not result.strip():
        raise FatalError(_("--check takes ITEM=RESULT[:NOTE], e.g. heating=problem:接口渗水 or "
                           "\"windows=fixed:没关严=>已关严\" (quoted: in a shell, > writes to a "
                           "file); not {text!r}.").format(text=text))
    if vocab.lookup("care", item) is None:
        raise FatalError(_("{item!r} is not a care item; use one of: {items} (something else "
                           "found goes in --problem or --fixed).").format(
                               item=item.strip(), items=vocab.choices("care")))
    code = vocab.parse("care", item)
    if vocab.lookup("check-result", result) is None:  # 水管=漏水: what was seen, not a result
        raise FatalError(_("--check: {word!r} is not a result; write one of {results}, with what "
                           "was seen after a colon: --check \"{item}={ok}\" or --check "
                           "\"{item}={problem}:{word}\".").format(
                               word=result.strip(), results=vocab.choices("check-result"),
                               item=vocab.name("care", code), ok=vocab.name("check-result", "ok"),
                               problem=vocab.name("check-result", "problem")))
    result = vocab.parse("check-result", result)
    note, done = _note_and_done(note_text, result == "fixed")
    if result == "fixed" and not done:
        raise FatalError(_("A problem fixed on the spot says what was wrong and what was done: "
                           "--check \"{item}={fixed}:what was wrong=>what was done\".").format(
                               item=vocab.name("care", code),
                               fixed=vocab.name("check-result", "fixed")))
    if result != "fixed" and done:
        note = f"{note or ''} → {done}".strip(" →")  # only a fixed item has a separate action
        done = None
    return {"item": code, "result": result, "note": note, **({"done": done} if done else {})}


def _first_of(text: str, separators: str) -> tuple[str, str, str]:
    """`text` cut at the first of the separators: (before, separator, after)."""
    at = min((i for i in (text.find(s) for s in separators) if i >= 0), default=-1)
    return (text, "", "") if at < 0 else (text[:at], text[at], text[at + 1:])


def _split_check(text: str) -> tuple[str, str]:
    """暖气正常: the longest care item that a result follows."""
    for cut in range(len(text) - 1, 0, -1):
        if vocab.lookup("care", text[:cut]) and vocab.lookup("check-result", text[cut:]):
            return text[:cut], text[cut:]
    return text, ""


def parse_found(text: str, fixed: bool) -> dict[str, Any]:
    """`--problem 客厅墙面有裂缝`, `--fixed 太阳能水管没关紧=>已关紧`: found, not on the care list."""
    note, done = _note_and_done(text, fixed)
    if not note:
        raise FatalError(_("Say what was found, e.g. --problem 客厅墙面有裂缝."))
    if fixed and not done:
        raise FatalError(_("--fixed says what was wrong and what was done: "
                           "--fixed \"太阳能水管没关紧=>已关紧\"."))
    if not fixed and done:
        raise FatalError(_("A problem that was put right is --fixed, not --problem."))
    return {"item": None, "result": "fixed" if fixed else "problem", "note": note,
            **({"done": done} if done else {})}


def parse_outcome(text: str) -> str:
    """How a call went, in any of its words (接通, 没人接, no-answer)."""
    return vocab.parse("call-outcome", text, "--outcome")


def parse_errand(items: list[str], advanced: str | None, repaid: bool) -> dict[str, Any] | None:
    """The errand's record from `--bought 青菜 --advanced 86.5 --repaid`."""
    things = [" ".join(i.split()) for i in items if i.strip()]
    if not things:
        if advanced is not None or repaid:
            raise FatalError(_("--advanced and --repaid belong to an errand: say what was bought "
                               "or done with --bought."))
        return None
    amount = money(yuan(advanced)) if advanced is not None else None
    if advanced is not None and amount is None:
        raise FatalError(_("--advanced takes an amount of yuan like 86.50, 86.5元 or 八十六块五, "
                           "not {text!r}.").format(
            text=advanced))
    if repaid and amount is None:
        raise FatalError(_("--repaid says money advanced was paid back: give --advanced too."))
    return {"items": things, "advanced": amount, "repaid": repaid}


def pick_problem(household: Household, text: str) -> tuple[OpenProblem, str | None]:
    """An open problem by its number in `household show` (1 = the oldest) or its reference
    (`VISIT#N`), with what was done if the text says `N=>what was done`."""
    which, done = _note_and_done(text)
    problems = household.problems
    found = next((p for p in problems if p.ref == which), None)
    number = ordinal(which) if which else None
    if found is None and number and number <= len(problems):
        found = problems[number - 1]
    if found is None:
        raise FatalError(_("{household} has no open problem {which!r}; `keyledger household show "
                           "{household}` lists them, numbered.").format(
                               household=household.id, which=which or ""))
    return found, done


def pick_request(household: Household, text: str) -> OwnerRequest:
    """An open request by its number in `household show` (1 = the oldest) or when it came."""
    requests = household.requests
    which, number = text.strip(), ordinal(text)
    if number and number <= len(requests):
        return requests[number - 1]
    found = next((r for r in requests if iso(r.received) == which), None)
    if found is None:
        raise FatalError(_("{household} has no open request {which!r}; `keyledger household show "
                           "{household}` lists them, numbered.").format(
                               household=household.id, which=which))
    return found


def parse_let_in(text: str) -> dict[str, Any]:
    """`who,company,what they did`."""
    who, _sep, rest = text.partition(",")
    company, _sep, did = rest.partition(",")
    return {"who": who.strip(), "company": company.strip() or None, "did": did.strip() or None}


def draft(ledger: Ledger, household: Household, given: dict[str, Any], photos: list[Path],
          form: Path | None, started: datetime, ended: datetime | None, stewards: list[str],
          key: str | None = None, actor: Steward | None = None
          ) -> tuple[Visit, dict[str, str | bytes | None]]:
    """A new visit and the files it adds (its YAML, any new photos, and the household file when
    the visit changes what is open there); nothing is written. `actor` records it: one of its
    stewards, or a supervisor entering it for them (the visit then says so, `entered_by`).

    `given` may name open problems the visit put right (`resolve`: numbers or references) and
    the request it answered (`answers`); a care item found ok or fixed closes its open problem."""
    given = dict(given)
    chosen = dict(pick_problem(household, t) for t in given.pop("resolve", None) or [])
    answers = given.pop("answers", None)
    if answers is not None:
        given["request"] = pick_request(household, answers).to_dict()
    if given.get("purpose") == "call" and not given.get("outcome") and form is None:
        raise FatalError(_("Say how the call went with --outcome: {outcomes}. An unanswered call "
                           "is not a welfare check done.").format(
                               outcomes=vocab.choices("call-outcome")))
    actor = actor or acting_steward(ledger)
    supervisor = actor.role == "supervisor" and actor.active
    stored, files = attachments.store(ledger.root, photos, ledger.settings.attachment_max_bytes,
                                      supervisor)
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
    if isinstance(overrides.get("follow_up"), str):  # 明天, 12月2日, 下周三
        overrides["follow_up"] = parse_date(overrides["follow_up"], now(tz).date()).isoformat()
    if stored:
        overrides["photos"] = stored
    visit = record_from(parse_visit, ident, defaults, overrides, form, VISIT_WORDS)
    if visit.household != household.id:
        raise FatalError(_("The visit is for {other}, not {household}.").format(
            other=visit.household, household=household.id))
    if form is not None:
        # A form fills in what was seen; who recorded it, and when, is not the form's to say.
        visit = replace(visit, recorded=now(tz), photos=tuple(dict.fromkeys(visit.photos + tuple(stored))))
        chosen.update({p: r.done for r in visit.resolves for p in household.problems
                       if p.ref == r.ref})
    visit = replace(visit, entered_by=actor.id if supervisor and actor.id not in visit.stewards
                    else None)  # who entered it is not the form's to say
    rules.check_visit_author(visit, rules.Actor(actor.id, supervisor))
    # What it closed is written into the visit, so that a report needs nothing else to say it.
    visit = replace(visit, resolves=service.resolved_by(household, visit.checklist, chosen))
    after = service.after_visit(household, visit)
    if after != household:
        files[ledger.relpath("household", household.id)] = yaml.dump(after.to_dict())
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
              with_stewards: list[str] | None = None,
              for_stewards: list[str] | None = None) -> tuple[Visit, str]:
    """A visit made without a key: a code-lock entry, a doorstep delivery, a welfare call.
    Recorded by the steward who made it, or entered by a supervisor `for_stewards`."""
    household = ledger.household(household_id)
    actor = acting_steward(ledger)
    tz = zone(ledger.settings.timezone)
    started = parse_datetime(at, tz) if at else now(tz)
    if started > now(tz):
        raise FatalError(_("--at is in the future; a visit is recorded after it was made."))
    stewards = [ledger.steward(s).id for s in for_stewards or []] or [actor.id]
    for other in with_stewards or []:
        if ledger.steward(other).id not in stewards:
            stewards.append(other)
    visit, files = draft(ledger, household, given, photos, form, started, None, stewards,
                         actor=actor)
    late = recorded_late(visit)
    message = gitops.format_message(
        subject(ledger, ("{actor}: {purpose}, {outcome} ({household} {name}), recorded late"
                         if late else "{actor}: {purpose}, {outcome} ({household} {name})")
                if visit.outcome else
                ("{actor}: {purpose} ({household} {name}), recorded late"
                 if late else "{actor}: {purpose} ({household} {name})"),
                actor=actor.name, purpose=visit.purpose, outcome=visit.outcome,
                household=household.id, name=household.name),
        [("Action", "visit"), ("Household", household.id), ("Steward", actor.id),
         ("With", ",".join(visit.stewards[1:])), ("Visit", visit.id),
         ("Purpose", visit.purpose), ("At", visit.started.isoformat()),
         *service.visit_trailers(visit)])
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
    outcome: str | None = None          # a call's
    answers: datetime | None = None     # when the owner's request it answered came

    @property
    def reached(self) -> bool:
        """As `Visit.reached`: a call that reached someone, or any visit at the door."""
        return self.purpose != "call" or self.outcome is None or self.outcome in CALL_REACHED


def seen(ledger: Ledger, start: date, end: date, household: str | None = None,
         follow_up_on: list[date] | None = None) -> list[Seen]:
    """Visits that started on days start..end (inclusive), oldest first, or, with
    `follow_up_on`, those that asked for a follow-up on one of those days."""
    import json

    from keyledger import event_index

    db = event_index.fresh(ledger)
    tz = zone(ledger.settings.timezone)
    columns = ("SELECT id, household, stewards, started, purpose, follow_up, path, outcome, "
               "answers FROM visits")
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
                purpose, date.fromisoformat(follow) if follow else None, path, outcome,
                datetime.fromtimestamp(answers, tz) if answers else None)
           for ident, home, stewards, started, purpose, follow, path, outcome, answers in rows]
    return sorted(out, key=lambda v: (v.started, v.id))


def visits_between(ledger: Ledger, start: date, end: date,
                   household: str | None = None) -> list[Visit]:
    """Visits that started on days start..end (inclusive), oldest first: found in the event
    index, read from their files (a file no longer in the work tree is left out)."""
    return load(ledger, seen(ledger, start, end, household))


def load(ledger: Ledger, visits: list[Seen]) -> list[Visit]:
    """The files of visits the event index found, oldest first (one gone from the work tree is
    left out)."""
    folders: dict[str, list[str]] = {}
    for v in visits:
        folder, _sep, name = v.path.rpartition("/")
        if os.path.isfile(ledger.root / v.path):
            folders.setdefault(folder, []).append(name[:-len(".yaml")])
    out = [visit for folder, names in sorted(folders.items())
           for visit in ledger.bulk("visit", names, parse_visit, folder)]
    return sorted(out, key=lambda v: v.started)
