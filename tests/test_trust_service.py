"""Issue 14's kinds of commit before the three that judge them: `verify`, the shared ledger's
pre-receive hook and `sync` (keyledger/verify.py, server_hook.py, sync.py, all through
`verify_range`). Every kind made by its command is accepted by all three, `sync` replaying it on
a shared ledger that moved on meanwhile; a forged one of each kind — signed with a real key,
committed by hand where the command would refuse — is refused by each of them, saying why.

The ledger is tests/trust.py's: zhou-lx and wang-dh are the A/B pair of 8-1-401, sun-yp a
steward outside it, liu-sj the supervisor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import pytest

from keyledger import service, yaml
from keyledger.model import CheckItem, Household, Visit, parse_household, parse_visit
from keyledger.service_model import Advance, Errand
from trust import (DECIDERS, Office, commit, edit, office, trailers)  # noqa: F401
from conftest import Ledger

HOME = "households/8-1-401.yaml"


def _at(monkeypatch: pytest.MonkeyPatch, hhmm: str) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", f"2026-11-25T{hhmm}:00+08:00")


def _last_visit(lg: Ledger) -> str:
    return next(p for p in lg.git("show", "--format=", "--name-only", "HEAD").split()
                if p.startswith("visits/"))


def _verified(lg: Ledger) -> None:
    result = lg.run("verify", "--json", "--full")
    assert json.loads(result.out)["findings"] == [], result.out


def _service_day(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """A day of 8-1-401's service made by the commands: owners' requests, a household edit of
    the elderly register's fields, a visit finding problems, one answering a request, a problem
    closed, errands with money advanced and one repaid, two unanswered calls, a follow-up
    checkout and its return with the visit. zhou-lx's commits are replayed by `sync` on top of
    wang-dh's request taken meanwhile, pushed through the hook, and fetched by liu-sj's sync."""
    zhou, wang, liu = office["zhou-lx"], office["wang-dh"], office["liu-sj"]
    _at(monkeypatch, "08:00")
    wang.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关", "--via", "电话")
    _at(monkeypatch, "08:10")
    wang.ok("request", "add", "8-1-401", "帮忙买点菜", "--via", "微信", "--by", "家属")
    wang.ok("sync")
    zhou.ok("sync")
    _at(monkeypatch, "08:30")
    zhou.ok("household", "edit", "8-1-401", "--living", "独居", "--birthday", "1948-03-02")
    zhou.ok("sync")
    _at(monkeypatch, "09:00")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "inspection",
            "--check", "heating=problem:接口渗水", "--problem", "墙面裂缝", "--problem", "门锁松动",
            "--problem", "窗户漏风")
    _at(monkeypatch, "09:30")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--request", "1",
            "--note", "窗户关好了")
    _at(monkeypatch, "10:00")
    zhou.ok("problem", "close", "8-1-401", "3", "--note", "业主请人修好了")
    _at(monkeypatch, "10:30")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "errand", "--bought", "青菜", "--advanced",
            "86.50", "--request", "1")
    _at(monkeypatch, "10:45")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "errand", "--bought", "药", "--advanced", "20")
    errand = _last_visit(zhou).rsplit("/", 1)[1].removesuffix(".yaml")
    _at(monkeypatch, "11:00")
    zhou.ok("errand", "repaid", "8-1-401", errand)
    _at(monkeypatch, "11:30")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "未接通")
    _at(monkeypatch, "12:00")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "no-answer")
    _at(monkeypatch, "12:30")
    zhou.ok("checkout", "K-0012", "--purpose", "follow-up")
    _at(monkeypatch, "11:15")  # wang-dh, offline, takes a request meanwhile and shares it first
    wang.ok("request", "add", "8-1-401", "周末来浇花", "--via", "当面")
    wang.ok("sync")
    _at(monkeypatch, "13:00")
    zhou.ok("return", "K-0012", "--visit", "--note", "下周三再来",
            "--check", "heating=fixed:接口渗水=>换了垫片")
    _at(monkeypatch, "13:30")
    mine = zhou.git("rev-list", "origin/main..HEAD").split()
    result = zhou.run("sync")
    assert result.code == 0, result.err
    replayed = zhou.git("rev-list", f"{wang.head()}..{office.tip()}").split()
    assert zhou.head() == office.tip() and len(replayed) == len(mine) == 10  # each made again
    home = parse_household(HOME, (zhou.root / HOME).read_text(encoding="utf-8"), "8-1-401")
    assert [p.note for p in home.problems] == ["墙面裂缝", "窗户漏风"]
    assert [r.text for r in home.requests] == ["周末来浇花"]  # wang's kept, both others answered
    assert [a.amount for a in home.advances] == ["86.50"]
    assert home.living == "alone" and home.people[0].birthday == date(1948, 3, 2)
    for lg in (liu, wang, office["sun-yp"]):
        assert lg.run("sync").code == 0 and lg.head() == office.tip()
        _verified(lg)
    _verified(zhou)


def test_every_new_kind_of_commit_is_accepted_made_by_its_command(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    _service_day(office, monkeypatch)
    kinds = set(office["liu-sj"].git("log", "-n", "16", "--format=%(trailers:key=Keyledger-Action,"
                                     "valueonly)").split())
    assert {"request", "household-edit", "visit", "problem-close", "errand-repaid", "checkout",
            "return"} <= kinds


# --- the forgeries --------------------------------------------------------------------------


def _home(lg: Ledger) -> Household:
    return parse_household(HOME, (lg.root / HOME).read_text(encoding="utf-8"), "8-1-401")


def _write_home(lg: Ledger, home: Household) -> None:
    (lg.root / HOME).write_text(yaml.dump(home.to_dict()), encoding="utf-8")


def _visit_of(lg: Ledger, purpose: str) -> tuple[str, Visit]:
    """The last visit of 8-1-401 with that purpose, and its path."""
    for path in sorted(lg.root.glob("visits/*/*/*.yaml"), reverse=True):
        visit = parse_visit(str(path), path.read_text(encoding="utf-8"), path.stem)
        if visit.purpose == purpose:
            return str(path.relative_to(lg.root)), visit
    raise AssertionError(purpose)


def _trailers(action: str, signer: str, **more: str) -> str:
    return trailers(**{"Action": action, "Household": "8-1-401", "Steward": signer, **more})


def _new_visit(lg: Ledger, signer: str, hhmm: str, purpose: str, *, home: Household | None = None,
               said: dict[str, str] | None = None, action: str = "visit",
               **fields: object) -> Visit:
    """A visit written and committed by hand: its file, the household as the rules make it
    after the visit (or `home`), and the trailers `visit add` writes (or those `said`)."""
    started = datetime.fromisoformat(f"2026-11-26T{hhmm}:00+08:00")
    ident = f"20261126-{hhmm.replace(':', '')}-8-1-401"
    visit = Visit(ident, "8-1-401", (signer,), started, None, purpose, started, **fields)
    path = lg.root / f"visits/2026/11/{ident}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(visit.to_dict()), encoding="utf-8")
    before = _home(lg)
    after = home if home is not None else service.after_visit(before, visit)
    if after != before:
        _write_home(lg, after)
    told = {"Visit": ident, "Purpose": purpose, "At": started.isoformat(),
            **{name.replace("-", "_"): value
               for name, value in service.visit_trailers(visit) if value},
            **(said or {})}
    commit(lg, f"{purpose} 8-1-401\n\n" + _trailers(action, signer, **told), signer)
    return visit


def _dropped_request(office: Office) -> tuple[str, str]:
    """An owner's request made to disappear by a household edit: no visit answered it."""
    lg = office["zhou-lx"]
    _write_home(lg, replace(_home(lg), requests=()))
    commit(lg, "edit\n\n" + _trailers("household-edit", "zhou-lx", Fields="notes"), "zhou-lx")
    return "zhou-lx", "which only a visit, `request add`, `problem close` or `errand repaid`"


def _request_answered_by_a_visit_not_made(office: Office) -> tuple[str, str]:
    """A commit that says it is a visit answering the request, but adds no visit."""
    lg = office["zhou-lx"]
    _write_home(lg, replace(_home(lg), requests=()))
    commit(lg, "visit\n\n" + _trailers("visit", "zhou-lx", Visit="20261126-0900-8-1-401",
                                       Purpose="follow-up", At="2026-11-26T09:00:00+08:00",
                                       Answers="2026-11-25T11:15:00+08:00"), "zhou-lx")
    return "zhou-lx", "which only a visit, `request add`, `problem close` or `errand repaid`"


def _request_answered_in_anothers_name(office: Office) -> tuple[str, str]:
    """sun-yp, outside the pair, writes a visit of zhou-lx's that answers the request."""
    lg = office["sun-yp"]
    request = _home(lg).requests[0]
    visit = Visit("20261126-0900-8-1-401", "8-1-401", ("zhou-lx",),
                  datetime.fromisoformat("2026-11-26T09:00:00+08:00"), None, "follow-up",
                  datetime.fromisoformat("2026-11-26T09:00:00+08:00"), request=request)
    (lg.root / "visits/2026/11").mkdir(parents=True, exist_ok=True)
    (lg.root / f"visits/2026/11/{visit.id}.yaml").write_text(yaml.dump(visit.to_dict()),
                                                             encoding="utf-8")
    _write_home(lg, service.after_visit(_home(lg), visit))
    commit(lg, "visit\n\n" + _trailers("visit", "sun-yp", Visit=visit.id, Purpose="follow-up",
                                       At=visit.started.isoformat(),
                                       Answers=request.received.isoformat()), "sun-yp")
    return "sun-yp", "sun-yp records a visit made by zhou-lx"


def _request_answered_before_it_came(office: Office) -> tuple[str, str]:
    """A visit dated before the owner asked, answering the request: a response time that
    never was (received 11:15, 'answered' at 10:50)."""
    lg = office["zhou-lx"]
    request = _home(lg).requests[0]
    started = datetime.fromisoformat("2026-11-25T10:50:00+08:00")
    visit = Visit("20261125-1050-8-1-401", "8-1-401", ("zhou-lx",), started, None, "follow-up",
                  datetime.fromisoformat("2026-11-26T09:00:00+08:00"), request=request)
    (lg.root / f"visits/2026/11/{visit.id}.yaml").write_text(yaml.dump(visit.to_dict()),
                                                             encoding="utf-8")
    _write_home(lg, replace(_home(lg), requests=()))
    commit(lg, "visit\n\n" + _trailers("visit", "zhou-lx", Visit=visit.id, Purpose="follow-up",
                                       At=started.isoformat(),
                                       Answers=request.received.isoformat()), "zhou-lx")
    return "zhou-lx", "answers a request that came after it"


def _problem_closed_outside_the_pair(office: Office) -> tuple[str, str]:
    lg = office["sun-yp"]
    home = _home(lg)
    problem = home.problems[0]
    _write_home(lg, replace(home, problems=home.problems[1:]))
    commit(lg, "close\n\n" + _trailers("problem-close", "sun-yp", Problem=problem.ref,
                                       Item="", What=problem.note or "", Note="修好了"), "sun-yp")
    return "sun-yp", "Only the A/B pair of 8-1-401"


def _problem_close_telling(problem: int, what: int, message: str
                           ) -> Callable[[Office], tuple[str, str]]:
    """zhou-lx closes 窗户漏风 (the second open problem) in the file; the trailers name the
    `problem`th as closed and say it was the `what`th."""
    def forge(office: Office) -> tuple[str, str]:
        lg = office["zhou-lx"]
        home = _home(lg)
        _write_home(lg, replace(home, problems=home.problems[:1]))
        commit(lg, "close\n\n" + _trailers(
            "problem-close", "zhou-lx", Problem=home.problems[problem].ref,
            What=home.problems[what].note or "", Note="修好了"), "zhou-lx")
        return "zhou-lx", message
    return forge


def _call_answered_after_the_fact(office: Office) -> tuple[str, str]:
    """The unanswered call made answered, so that no escalation is due."""
    lg = office["zhou-lx"]
    path, _visit = _visit_of(lg, "call")
    edit(lg, path, lambda text: text.replace("outcome: no-answer", "outcome: answered"))
    commit(lg, "call\n\n" + _trailers("visit", "zhou-lx"), "zhou-lx")
    return "zhou-lx", "a visit's record is written once, never edited"


def _unanswered_call_deleted(office: Office) -> tuple[str, str]:
    """The escalation suppressed: one of the two unanswered calls taken out of the ledger."""
    lg = office["zhou-lx"]
    path, _visit = _visit_of(lg, "call")
    (lg.root / path).unlink()
    commit(lg, "tidy\n\n" + _trailers("household-edit", "zhou-lx"), "zhou-lx")
    return "zhou-lx", "it deletes visits/"


def _threshold_raised_by_a_steward(office: Office) -> tuple[str, str]:
    """The escalation suppressed by the ledger's threshold: 5 unanswered calls, not 2."""
    lg = office["zhou-lx"]
    settings = yaml.load((lg.root / "keyledger.yaml").read_text(encoding="utf-8"))
    settings.setdefault("policies", {})["calls"] = {"escalate_after": 5}
    (lg.root / "keyledger.yaml").write_text(yaml.dump(settings), encoding="utf-8")
    commit(lg, "policy\n\n" + trailers(Action="policy", Steward="zhou-lx", Policy="welfare"),
           "zhou-lx")
    return "zhou-lx", "not signed by a supervisor"


def _money_owed_lowered(office: Office) -> tuple[str, str]:
    """The errand's 86.50 owed made 8.65 by a household edit."""
    lg = office["zhou-lx"]
    home = _home(lg)
    _write_home(lg, replace(home, advances=(replace(home.advances[0], amount="8.65"),)))
    commit(lg, "edit\n\n" + _trailers("household-edit", "zhou-lx", Fields="notes"), "zhou-lx")
    return "zhou-lx", "which only a visit, `request add`, `problem close` or `errand repaid`"


def _money_owed_planted_by_a_supervisor(office: Office) -> tuple[str, str]:
    """A supervisor plants money owed for an errand nobody made."""
    lg = office["liu-sj"]
    home = _home(lg)
    planted = Advance("20261126-0900-8-1-401", datetime.fromisoformat("2026-11-26T09:00:00+08:00"),
                      "300.00", ("礼品",), "liu-sj")
    _write_home(lg, replace(home, advances=home.advances + (planted,)))
    commit(lg, "edit\n\n" + _trailers("household-edit", "liu-sj", Fields="notes"), "liu-sj")
    return "liu-sj", "which only a visit, `request add`, `problem close` or `errand repaid`"


def _repaid(signer: str, amount: str | None, message: str) -> Callable[[Office], tuple[str, str]]:
    """The 86.50 owed marked repaid by `signer`, its trailer saying `amount` (or the truth)."""
    def forge(office: Office) -> tuple[str, str]:
        lg = office[signer]
        home = _home(lg)
        owed = home.advances[0]
        _write_home(lg, replace(home, advances=()))
        commit(lg, "repaid\n\n" + _trailers("errand-repaid", signer, Errand=owed.visit,
                                            Amount=amount or owed.amount), signer)
        return signer, message
    return forge


def _errand_made_repaid_in_its_visit(office: Office) -> tuple[str, str]:
    """The errand's visit rewritten to say the money came back at once."""
    lg = office["zhou-lx"]
    path, _visit = _visit_of(lg, "errand")
    edit(lg, path, lambda text: text.replace("repaid: false", "repaid: true"))
    home = _home(lg)
    _write_home(lg, replace(home, advances=()))
    commit(lg, "errand\n\n" + _trailers("errand-repaid", "zhou-lx",
                                        Errand=home.advances[0].visit), "zhou-lx")
    return "zhou-lx", "a visit's record is written once, never edited"


def _errand_trailer_says_other_money(office: Office) -> tuple[str, str]:
    """An errand's visit whose file advances 300.00 while its trailer says 30.00."""
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "errand", said={"Advanced": "30.00"},
               errand=Errand(("年货",), "300.00"))
    return "zhou-lx", "its trailers say"


def _call_trailers_say_answered(office: Office) -> tuple[str, str]:
    """`git log --grep` would find a call answered; the file says nobody answered."""
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "call", said={"Outcome": "answered"},
               outcome="no-answer")
    return "zhou-lx", "its trailers say"


def _visit_trailers_say_another_kind(office: Office) -> tuple[str, str]:
    """The trailers say an inspection; the file is a call."""
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "call", said={"Purpose": "inspection"},
               outcome="answered")
    return "zhou-lx", "its trailers say"


def _visit_trailers_name_another_steward(office: Office) -> tuple[str, str]:
    """zhou-lx called alone; the trailers, which the event index reads, say wang-dh went too."""
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "call", outcome="answered",
               said={"With": "wang-dh"})
    return "zhou-lx", "its trailers say With wang-dh"


def _visit_under_another_action(office: Office) -> tuple[str, str]:
    """A visit added by a commit that says it is an owner's request."""
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "call", action="request", outcome="answered")
    return "zhou-lx", "which only a visit or a return"


def _visit_trailers_name_another_household(office: Office) -> tuple[str, str]:
    _new_visit(office["zhou-lx"], "zhou-lx", "09:00", "call", outcome="answered",
               said={"Household": "8-1-402"})
    return "zhou-lx", "its trailers say"


def _problem_found_left_closed(office: Office) -> tuple[str, str]:
    """A visit that finds gas leaking but leaves the household file as it was: the problem
    would never be open, due or told to the owner."""
    lg = office["zhou-lx"]
    _new_visit(lg, "zhou-lx", "09:00", "inspection", home=_home(lg),
               checklist=(CheckItem(None, "problem", "燃气味道重"),))
    return "zhou-lx", "is not what its visit or its trailers explain"


def _living_changed_outside_the_pair(office: Office) -> tuple[str, str]:
    lg = office["sun-yp"]
    _write_home(lg, replace(_home(lg), living="with-children"))
    commit(lg, "edit\n\n" + _trailers("household-edit", "sun-yp", Fields="living"), "sun-yp")
    return "sun-yp", "Only the A/B pair of 8-1-401"


def _birthday_changed_under_another_action(office: Office) -> tuple[str, str]:
    """The same, dressed as a schedule entry (the schedule command checks the pair itself)."""
    lg = office["sun-yp"]
    home = _home(lg)
    person = replace(home.people[0], birthday=date(1948, 12, 24))
    _write_home(lg, replace(home, living="with-children", people=(person, *home.people[1:])))
    commit(lg, "schedule\n\n" + _trailers("schedule", "sun-yp"), "sun-yp")
    return "sun-yp", "Only the A/B pair of 8-1-401"


def _household_added_over_an_existing_one(office: Office) -> tuple[str, str]:
    lg = office["sun-yp"]
    _write_home(lg, replace(_home(lg), living="with-children"))
    commit(lg, "add\n\n" + _trailers("household-add", "sun-yp"), "sun-yp")
    return "sun-yp", "8-1-401 is already in the ledger"


def _follow_up_checkout_outside_the_pair(office: Office) -> tuple[str, str]:
    lg = office["sun-yp"]
    key = yaml.load((lg.root / "keys/K-0012.yaml").read_text(encoding="utf-8"))
    key.update(state="out", holder="sun-yp", since="2026-11-26T09:00:00+08:00",
               purpose="follow-up", expected_back="2026-11-26T11:00:00+08:00")
    (lg.root / "keys/K-0012.yaml").write_text(yaml.dump(key), encoding="utf-8")
    commit(lg, "checkout\n\n" + trailers(
        Action="checkout", Key="K-0012", Household="8-1-401", Steward="sun-yp",
        Purpose="follow-up", At="2026-11-26T09:00:00+08:00",
        Expected_Back="2026-11-26T11:00:00+08:00"), "sun-yp")
    return "sun-yp", "is not in the A/B pair of 8-1-401"


def _return_visit_of_another_key(office: Office) -> tuple[str, str]:
    """A return's visit file that says it was made with another key than the one returned."""
    lg = office["zhou-lx"]
    zhou_checkout = lg.run("checkout", "K-0012", "--purpose", "inspection")
    assert zhou_checkout.code == 0, zhou_checkout.err
    returned = lg.run("return", "K-0012", "--visit", "--note", "好")
    assert returned.code == 0, returned.err
    path = _last_visit(lg)
    edit(lg, path, lambda text: text.replace("key: K-0012", "key: K-C"))
    lg.git("add", "-A")
    lg.git("commit", "-q", "--amend", "--no-edit", "--no-verify")
    return "zhou-lx", "its trailers say"


@dataclass(frozen=True)
class Forgery:
    kind: str
    make: Callable[[Office], tuple[str, str]]  # the attacker and what the deciders say


FORGERIES = [
    Forgery("request closed by an edit", _dropped_request),
    Forgery("request closed by a visit not made", _request_answered_by_a_visit_not_made),
    Forgery("request closed in another's name", _request_answered_in_anothers_name),
    Forgery("request closed before it came", _request_answered_before_it_came),
    Forgery("problem closed outside the pair", _problem_closed_outside_the_pair),
    # The trailers close 墙面裂缝, the file 窗户漏风.
    Forgery("problem close writing another", _problem_close_telling(0, 0, "is not what its "
                                                                      "visit or its trailers")),
    # The file closes 窗户漏风 as the trailers do, but they call it 墙面裂缝: `git log` and the
    # conflict list would tell another problem closed.
    Forgery("problem close naming another", _problem_close_telling(1, 0, "its trailers say")),
    Forgery("call made answered afterwards", _call_answered_after_the_fact),
    Forgery("unanswered call deleted", _unanswered_call_deleted),
    Forgery("welfare threshold by a steward", _threshold_raised_by_a_steward),
    Forgery("money owed lowered", _money_owed_lowered),
    Forgery("money owed planted by a supervisor", _money_owed_planted_by_a_supervisor),
    Forgery("repaid outside the pair", _repaid("sun-yp", None, "Only the A/B pair of 8-1-401")),
    Forgery("repaid saying another amount", _repaid("zhou-lx", "500.00", "its trailers say")),
    Forgery("errand made repaid in its visit", _errand_made_repaid_in_its_visit),
    Forgery("errand trailer of other money", _errand_trailer_says_other_money),
    Forgery("call trailer says answered", _call_trailers_say_answered),
    Forgery("visit trailers say another kind", _visit_trailers_say_another_kind),
    Forgery("visit under another action", _visit_under_another_action),
    Forgery("visit trailers another steward", _visit_trailers_name_another_steward),
    Forgery("visit trailers another household", _visit_trailers_name_another_household),
    Forgery("problem found left closed", _problem_found_left_closed),
    Forgery("living changed outside the pair", _living_changed_outside_the_pair),
    Forgery("birthday under another action", _birthday_changed_under_another_action),
    Forgery("household added over another", _household_added_over_an_existing_one),
    Forgery("follow-up checkout outside the pair", _follow_up_checkout_outside_the_pair),
    Forgery("return's visit of another key", _return_visit_of_another_key),
]


@pytest.mark.parametrize("decider", DECIDERS)
def test_a_forged_commit_of_each_kind_is_refused(
        decider: str, office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table of forgeries before one decider; each forgery alone on the shared ledger's
    tip, then taken back. Every one that is not refused, saying why, is listed."""
    _service_day(office, monkeypatch)
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T10:00:00+08:00")
    missed = []
    for forgery in FORGERIES:
        attacker, message = forgery.make(office)
        victim = "zhou-lx" if attacker == "liu-sj" else "liu-sj"
        try:
            DECIDERS[decider](office, attacker, message, victim)
        except AssertionError as exc:
            missed.append(f"{forgery.kind}: {str(exc)[:300]}")
        office[attacker].git("reset", "-q", "--hard", "origin/main")
        office[attacker].git("clean", "-qfd")
    assert not missed, "\n".join(missed)


def test_the_commands_refuse_what_the_deciders_refuse(
        office: Office, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same rules, met at the command: one sentence, exit 2, nothing written."""
    sun, zhou = office["sun-yp"], office["zhou-lx"]
    _at(monkeypatch, "11:00")
    zhou.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关")
    _at(monkeypatch, "12:00")
    early = zhou.refused("visit", "add", "8-1-401", "--purpose", "follow-up", "--request", "1",
                         "--at", "2026-11-25T10:30:00+08:00")
    assert "answers a request that came after it (2026-11-25 11:00)" in early.err
    zhou.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--request", "1", "--at",
            "2026-11-25T11:00:00+08:00")
    # A register that would change 8-1-401's people, imported by a steward outside its pair.
    sheet = tmp_path / "register.csv"
    sheet.write_text("户号,姓名,电话,居住状态\n8-1-401,王秀兰,13800000999,与子女同住\n",
                     encoding="utf-8")
    refused = sun.refused("household", "import", str(sheet), "--update")
    assert "Only the A/B pair of 8-1-401 (zhou-lx, wang-dh) or a supervisor" in refused.err
    zhou.ok("household", "import", str(sheet), "--update")
    assert _home(zhou).people[0].phone == "13800000999"
    refused_added = sun.refused("household", "add", "8-1-401", "--name", "王秀兰", "--address", "x")
    assert "8-1-401" in refused_added.err
    accepted = zhou.run("sync")
    assert accepted.code == 0, accepted.err
    _verified(zhou)


@pytest.mark.parametrize("kind", ["visit trailers say another kind", "problem closed outside the "
                                  "pair", "birthday under another action",
                                  "repaid saying another amount"])
def test_sync_replaying_a_forged_commit_of_ones_own_refuses_it(
        kind: str, office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forger's own `sync`, after the shared ledger moved on: the commit is made again on
    its tip under the same rules (replay.replay_one), refused, and kept aside as a conflict;
    nothing of it reaches the shared ledger."""
    _service_day(office, monkeypatch)
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T10:00:00+08:00")
    forgery = next(f for f in FORGERIES if f.kind == kind)
    attacker, message = forgery.make(office)
    wang = office["wang-dh"]
    wang.ok("visit", "add", "8-1-402", "--purpose", "call", "--outcome", "answered")
    wang.ok("sync")
    tip = office.tip()
    result = office[attacker].run("sync")
    assert result.code == 1 and message in result.err, result.err
    assert office.tip() == tip
