"""household edit and policy witness: one signed commit each, the rules decide who may."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Ledger


def _trailer(lg: Ledger, name: str) -> str:
    return lg.git("log", "-1", f"--format=%(trailers:key=Keyledger-{name},valueonly)").strip()


def _findings(lg: Ledger) -> list[str]:
    return [f["message"] for f in json.loads(lg.run("verify", "--json").out)["findings"]]


def _household(lg: Ledger) -> dict:
    return json.loads(lg.ok("household", "show", "8-1-401", "--json").out)


def test_an_a_steward_edits_the_fields_in_one_commit(ledger: Ledger) -> None:
    before = ledger.head()
    done = ledger.ok("household", "edit", "8-1-401", "--phone", "13800000101", "--add-flag",
                     "lives-alone", "--remove-flag", "away-season", "--add-care", "pets",
                     "--remove-care", "heating", "--add-away", "2026-12-01,2027-03-31,去海南",
                     "--notes", "猫粮在阳台柜子里", "--address", "东升家园8号楼1单元401室",
                     as_="zhou-lx")
    assert ledger.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert ledger.git("log", "-1", "--format=%G? %GS").strip() == "G zhou-lx"
    assert (_trailer(ledger, "Action"), _trailer(ledger, "Household"),
            _trailer(ledger, "Steward")) == ("household-edit", "8-1-401", "zhou-lx")
    assert _trailer(ledger, "Fields") == "address,people,flags,away,care,notes"
    assert "changed address, people, flags, away, care, notes" in done.err
    h = _household(ledger)
    assert h["people"] == [{"name": "王秀兰", "born": None, "phone": "13800000101", "health": None,
                           "birthday": None, "interests": []}]
    assert (h["flags"], h["care"]) == (["elderly", "lives-alone"], ["plants", "pets"])
    assert h["away"] == [{"from": "2026-12-01", "until": "2027-03-31", "note": "去海南"}]
    assert ledger.git("show", "--name-only", "--format=", "HEAD").split() == \
        ["households/8-1-401.yaml"]
    ledger.ok("household", "edit", "8-1-401", "--remove-away", "2026-12-01", "--name", "王秀兰家")
    assert _household(ledger)["away"] == [] and _trailer(ledger, "Fields") == "name,away"
    assert _findings(ledger) == []


def test_edit_refusals_write_nothing(ledger: Ledger, tmp_path: Path) -> None:
    assert "Only the A/B pair of 8-1-401 (zhou-lx, wang-dh) or a supervisor" in ledger.refused(
        "household", "edit", "8-1-401", "--notes", "x", as_="sun-yp").err
    ledger.use("zhou-lx")
    assert "changes nothing" in ledger.refused("household", "edit", "8-1-401").err
    assert "no flag lives-alone to remove (it has: elderly, away-season)" in ledger.refused(
        "household", "edit", "8-1-401", "--remove-flag", "lives-alone").err
    assert "--add-flag: 'rich' is not a flag; choose one of: lives-alone" in ledger.refused(
        "household", "edit", "8-1-401", "--add-flag", "rich").err
    message = ledger.refused("household", "edit", "8-1-401", "--witness-for", "plants").err
    assert "Only a supervisor sets which purposes need a witness at 8-1-401" in message
    form = tmp_path / "h.yaml"
    form.write_text((ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
                    .replace("b: wang-dh", "b: sun-yp"), encoding="utf-8")
    assert "does not change the A/B pair" in ledger.refused(
        "household", "edit", "8-1-401", "--from-file", str(form), as_="liu-sj").err


def test_the_witness_policy_of_a_household_and_of_the_ledger(ledger: Ledger,
                                                              tmp_path: Path) -> None:
    ledger.ok("household", "edit", "8-1-401", "--witness-for", "plants,heating", as_="liu-sj")
    assert _trailer(ledger, "Fields") == "witness_for"
    assert "A witness is required for plants" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", as_="zhou-lx").err
    ledger.ok("household", "edit", "8-1-401", "--witness-for", "", as_="liu-sj")
    assert _household(ledger)["witness_for"] == []
    assert "Only a supervisor may set the ledger's witness policy" in ledger.refused(
        "policy", "witness", "--purpose", "pets", as_="zhou-lx").err
    ledger.ok("policy", "witness", "--purpose", "pets,emergency", "--kind", "card", as_="liu-sj")
    assert (_trailer(ledger, "Action"), _trailer(ledger, "Policy"), _trailer(ledger, "Purposes"),
            _trailer(ledger, "Kinds")) == ("policy", "witness", "pets,emergency", "card")
    assert json.loads(ledger.ok("policy", "witness", "--json").out) == \
        {"purposes": ["pets", "emergency"], "kinds": ["card"]}
    assert "policy of keyledger.yaml" in ledger.refused(
        "checkout", "K-0012", "--purpose", "pets", as_="zhou-lx").err
    assert "nothing to change" in ledger.refused("policy", "witness", "--kind", "card",
                                                 as_="liu-sj").err
    assert "--kind: 'badge' is not a kind of key; choose one of: physical, code, card." in \
        ledger.refused("policy", "witness", "--kind", "badge").err
    # a full record from a form, as the file is written
    form = tmp_path / "h.yaml"
    form.write_text((ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
                    .replace("contacts: []", "contacts:\n- {name: 李晓梅, relation: 女儿, "
                             "phone: '13900000201'}"), encoding="utf-8")
    ledger.ok("household", "edit", "8-1-401", "--from-file", str(form), as_="wang-dh")
    assert _trailer(ledger, "Fields") == "contacts"
    assert _findings(ledger) == []


def test_verify_flags_an_edit_that_changes_the_pair(ledger: Ledger) -> None:
    path = ledger.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("b: wang-dh", "b: sun-yp"),
                    encoding="utf-8")
    ledger.use("liu-sj")  # even a supervisor: a pair changes through `household pair`
    ledger.git("commit", "-qam", "edit\n\nKeyledger-Action: household-edit\n"
               "Keyledger-Household: 8-1-401\nKeyledger-Steward: liu-sj\nKeyledger-Fields: pair")
    findings = _findings(ledger)
    assert len(findings) == 1 and "does not change the A/B pair of 8-1-401" in findings[0]
