"""Where the ledger stands, from the event index (keyledger/standing.py): whose keys are
whose, which are door codes, households' names and pairs — equal to what the files at HEAD say,
through every kind of change."""

from __future__ import annotations

import json

import pytest

from conftest import Ledger
from keyledger import standing
from keyledger.ledger import Ledger as Core
from keyledger.model import parse_household, parse_key
from keyledger.timeutil import zone

TZ = zone("Asia/Shanghai")


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_NOW", moment)


def from_files(lg: Ledger) -> dict:
    """What the files at HEAD say: each household's name, keys and pair; the door codes."""
    core = Core(lg.root)
    homes = [parse_household(f"households/{p.name}", p.read_text(encoding="utf-8"), p.stem)
             for p in sorted((lg.root / "households").glob("*.yaml"))]
    keys = [parse_key(f"keys/{p.name}", p.read_text(encoding="utf-8"), p.stem)
            for p in sorted((lg.root / "keys").glob("*.yaml"))]
    stewards = sorted({s for h in homes for s in h.pair if s})
    return {"names": {h.id: h.name for h in homes},
            "keys": {h.id: sorted(k.id for k in keys if k.household == h.id) for h in homes},
            "pairs": {s: [(h.id, h.name, "a" if h.pair_a == s else "b") for h in homes
                          if s in h.pair] for s in stewards},
            "codes": frozenset(k.id for k in keys if k.kind == "code"),
            "core": core}


def assert_standing_is_the_files(lg: Ledger) -> None:
    files = from_files(lg)
    core = files.pop("core")
    assert standing.names(core, [*files["names"], "nowhere"]) == files["names"]
    assert {h: standing.keys_of(core, h) for h in files["names"]} == files["keys"]
    assert {s: standing.households_of(core, s) for s in files["pairs"]} == files["pairs"]
    assert standing.code_keys(core) == files["codes"]


@pytest.fixture
def scheduled(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Households with every kind of schedule: daily, some weekdays, a window, dated from and
    until, only while away (with periods away), added at a moment (since); visits that did
    items and asked for follow-ups; keys out, lost and handed back."""
    lg = ledger
    _at(monkeypatch, "2026-12-18T09:00:00+08:00")
    lg.ok("household", "add", "9-2-101", "--name", "李桂英", "--address", "东升家园9号楼2单元101",
          "--pair", "wang-dh,zhou-lx", as_="liu-sj")
    lg.ok("household", "authorize", "9-2-101", "--from", "2026-01-01", "--until", "2030-12-31",
          "--purpose", "inspection,plants", as_="liu-sj")
    lg.ok("key", "add", "--household", "9-2-101", "--id", "K-0020", "--slot", "B-01",
          as_="liu-sj")
    lg.ok("key", "add", "--household", "9-2-101", "--id", "K-0021", "--slot", "B-02",
          as_="liu-sj")
    for args in (("8-1-401", "--every", "day", "--at", "10:00", "--purpose", "call",
                  "--steward", "b"),
                 ("8-1-401", "--every", "wed", "--at", "14:00-17:00", "--purpose",
                  "inspection", "--steward", "a", "--while-away"),
                 ("9-2-101", "--every", "mon,thu", "--at", "09:00", "--purpose", "plants",
                  "--steward", "sun-yp", "--from", "2026-12-24", "--until", "2027-01-04"),
                 ("9-2-101", "--every", "sat", "--at", "08:00-08:30", "--purpose", "call",
                  "--steward", "a")):
        lg.ok("schedule", "add", *args, as_="liu-sj")
    lg.ok("household", "edit", "8-1-401", "--add-away", "2026-12-22,2026-12-31,探亲",
          as_="liu-sj")
    _at(monkeypatch, "2026-12-21T10:20:00+08:00")
    # A call nobody answered: not the day's call done (its outcome, from the commit's trailers).
    lg.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "no-answer",
          "--follow-up", "2026-12-23", as_="wang-dh")
    _at(monkeypatch, "2026-12-23T15:00:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    lg.ok("return", "K-0012", "--visit", "--follow-up", "2026-12-28", as_="zhou-lx")
    lg.ok("checkout", "K-0020", "--purpose", "inspection", as_="wang-dh")
    lg.ok("lost", "K-0021", "--note", "lost on the stairs", as_="wang-dh")
    # An entry added mid-morning: nothing before it is due, that morning's window neither.
    _at(monkeypatch, "2026-12-25T10:00:00+08:00")
    lg.ok("schedule", "add", "9-2-101", "--every", "day", "--at", "08:00-08:30", "--purpose",
          "call", "--steward", "b", as_="liu-sj")
    return lg


def test_standing_follows_every_kind_of_change(scheduled: Ledger, monkeypatch) -> None:
    lg = scheduled
    assert_standing_is_the_files(lg)
    # keyledger's commits: an entry removed, a household edited, a key handed back
    lg.ok("schedule", "remove", "9-2-101", "1", as_="liu-sj")
    lg.ok("handback", "K-0012", as_="zhou-lx")
    assert_standing_is_the_files(lg)
    # a hand commit that renames a household, gives it another pair and makes a key a code
    path = lg.root / "households/9-2-101.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 李桂英", "name: 李桂芳").replace("a: wang-dh", "a: sun-yp"),
                    encoding="utf-8")
    key = lg.root / "keys/K-0020.yaml"
    key.write_text(key.read_text(encoding="utf-8").replace("kind: physical", "kind: code"),
                   encoding="utf-8")
    lg.git("commit", "-q", "--no-gpg-sign", "-am", "edited by hand")
    assert standing.names(Core(lg.root), ["9-2-101"]) == {"9-2-101": "李桂芳"}
    assert "K-0020" in standing.code_keys(Core(lg.root))
    assert_standing_is_the_files(lg)
    # history moved back, then rewritten
    lg.git("reset", "-q", "--hard", "HEAD~3")
    assert_standing_is_the_files(lg)
    lg.git("commit", "-q", "--amend", "--no-gpg-sign", "-m", "amended")
    assert_standing_is_the_files(lg)


def test_keys_names_and_pairs_are_the_files_at_head(scheduled: Ledger) -> None:
    core = Core(scheduled.root)
    assert standing.keys_of(core, "9-2-101") == ["K-0020", "K-0021"]
    assert standing.names(core, ["8-1-401", "9-2-101", "nowhere"]) == {
        "8-1-401": "王秀兰", "9-2-101": "李桂英"}
    assert standing.households_of(core, "wang-dh") == [("8-1-401", "王秀兰", "b"),
                                                       ("9-2-101", "李桂英", "a")]
    scheduled.ok("household", "edit", "9-2-101", "--name", "李桂兰", as_="liu-sj")
    assert standing.names(Core(scheduled.root), ["9-2-101"]) == {"9-2-101": "李桂兰"}
    scheduled.git("reset", "-q", "--hard", "HEAD~1")
    assert standing.names(Core(scheduled.root), ["9-2-101"]) == {"9-2-101": "李桂英"}
    status = json.loads(scheduled.ok("status", "--json").out)
    assert [(o["id"], o["household_name"]) for o in status["out"]] == [("K-0020", "李桂英")]
