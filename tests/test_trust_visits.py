"""12.6: a visit is recorded by a steward who made it, or entered by a supervisor who says so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml as pyyaml

from keyledger import yaml
from keyledger.model import Visit
from trust import Office, accepted_everywhere, commit, office, refused_everywhere, trailers  # noqa: F401

WHEN = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


def _visit(office: Office, who: str, stewards: tuple[str, ...], entered_by: str | None = None) -> None:
    ident = f"20261125-1000-8-1-401-{who}"
    visit = Visit(ident, "8-1-401", stewards, WHEN, None, "call", WHEN, note="电话问候",
                  entered_by=entered_by)
    path = office[who].root / f"visits/2026/11/{ident}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(visit.to_dict()), encoding="utf-8")
    commit(office[who], f"visit 8-1-401\n\n" + trailers(
        Action="visit", Household="8-1-401", Steward=who, Visit=ident, Purpose="call",
        At=WHEN.isoformat()), who)


def test_a_visit_recorded_in_another_stewards_name_is_refused(office: Office) -> None:
    _visit(office, "zhou-lx", ("wang-dh",))
    refused_everywhere(office, "zhou-lx", "zhou-lx records a visit made by wang-dh")
    _visit(office, "liu-sj", ("wang-dh",))  # a supervisor, but the visit does not say so
    refused_everywhere(office, "liu-sj", "a visit a supervisor enters for others says so",
                       victim="zhou-lx")
    _visit(office, "zhou-lx", ("zhou-lx",), entered_by="liu-sj")  # claims a supervisor entered it
    refused_everywhere(office, "zhou-lx", "zhou-lx records a visit made by zhou-lx")


def test_the_commands_apply_the_same_rule(office: Office, tmp_path: Path) -> None:
    zhou, liu = office["zhou-lx"], office["liu-sj"]
    form = tmp_path / "visit.yaml"
    form.write_text(pyyaml.safe_dump({"purpose": "call", "stewards": ["wang-dh"]}),
                    encoding="utf-8")
    refused = zhou.refused("visit", "add", "8-1-401", "--from-file", str(form))
    assert "zhou-lx records a visit made by wang-dh" in refused.err
    refused = zhou.refused("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--for", "wang-dh")
    assert "zhou-lx records a visit made by wang-dh" in refused.err
    # A supervisor enters a steward's call for them: the visit says who entered it.
    liu.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--for", "wang-dh", "--note", "电话问候")
    written = liu.git("show", "--name-only", "--format=", "HEAD").split()
    text = (liu.root / written[0]).read_text(encoding="utf-8")
    assert "stewards: [wang-dh]" in text and "entered_by: liu-sj" in text
    accepted_everywhere(office, "liu-sj")
