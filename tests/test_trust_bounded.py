"""12.7: one push cannot stall the server: a ledger file is limited in size before it is
parsed, a file's problems are located in one pass, and the hook answers in bounded time."""

from __future__ import annotations

import json
import subprocess

from conftest import Ledger
from trust import Office, commit, office, refused_everywhere, trailers  # noqa: F401

EDIT = "edit\n\n" + trailers(Action="household-edit", Household="8-1-401", Steward="zhou-lx",
                             Fields="notes")


def _push_within(lg: Ledger, seconds: float) -> str:
    """Push to the server and return its answer; the TimeoutExpired of a hook that takes
    minutes (it took 214 s for a 35 KB file, 20 minutes for a 22 MB one) fails the test."""
    done = subprocess.run(["git", "-C", str(lg.root), "push", "--no-verify", "origin", "HEAD:main"],
                          capture_output=True, text=True, timeout=seconds)
    assert done.returncode != 0
    return done.stderr


def test_a_20_mb_household_file_is_refused_unread(office: Office) -> None:
    zhou = office["zhou-lx"]
    path = zhou.root / "households/8-1-401.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("notes: ''", "notes: '" + "很长的备注" * 1_400_000 + "'"),
                    encoding="utf-8")
    assert path.stat().st_size > 20_000_000
    commit(zhou, EDIT, "zhou-lx")
    assert "households/8-1-401.yaml is not a valid ledger file: too big to be a ledger file" in _push_within(zhou, 120)
    refused_everywhere(office, "zhou-lx", "households/8-1-401.yaml is not a valid ledger file: too big to be a ledger file")


def test_ten_thousand_unknown_fields_are_refused_in_one_pass(office: Office) -> None:
    zhou = office["zhou-lx"]
    path = zhou.root / "households/8-1-401.yaml"
    good = path.read_text(encoding="utf-8")
    bad = good + "".join(f"field_{n}: {n}\n" for n in range(10_000))
    path.write_text(bad, encoding="utf-8")
    commit(zhou, EDIT, "zhou-lx")
    assert "households/8-1-401.yaml is not a valid ledger file" in _push_within(zhou, 120)
    refused_everywhere(office, "zhou-lx", "households/8-1-401.yaml is not a valid ledger file")
    # `check` locates each problem on its line, and says how many it does not list.
    path.write_text(bad, encoding="utf-8")
    found = zhou.run("check", "--json")
    assert found.code == 1
    problems = json.loads(found.out)
    problems = problems["problems"] if isinstance(problems, dict) else problems
    located = [p for p in problems if p.get("field") == "field_9"]
    assert located and bad.splitlines()[located[0]["line"] - 1] == "field_9: 9"
    assert any("and 9900 more problems" in p["message"] for p in problems)
