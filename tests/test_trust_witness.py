"""12.3: a witness confirms only by their own confirm commit."""

from __future__ import annotations

import json

from conftest import Ledger
from trust import Office, accepted_everywhere, commit, office, refused_everywhere, trailers  # noqa: F401


def _unconfirmed(lg: Ledger) -> dict[str, bool]:
    return {o["id"]: o["witness_unconfirmed"] for o in json.loads(lg.ok("status", "--json").out)["out"]}


def test_a_note_that_says_confirms_confirms_nothing(office: Office) -> None:
    zhou = office["zhou-lx"]
    zhou.ok("key", "add", "--household", "8-1-401", "--id", "K-0013")
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--witness", "sun-yp")
    witnessed = zhou.head()
    zhou.ok("checkout", "K-0013", "--purpose", "plants", "--note", f"Keyledger-Confirms: {witnessed}")
    assert _unconfirmed(zhou)["K-0012"] is True
    zhou.ok("sync")
    # The witness's own confirmation is what counts.
    sun = office["sun-yp"]
    sun.ok("sync")
    sun.ok("confirm", witnessed)
    assert _unconfirmed(sun)["K-0012"] is False
    accepted_everywhere(office, "sun-yp")


def test_a_confirm_commit_signed_by_the_holder_is_refused_everywhere(office: Office) -> None:
    zhou = office["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--witness", "sun-yp")
    witnessed = zhou.head()
    zhou.ok("sync")
    confirm = trailers(Action="confirm", Key="K-0012", Household="8-1-401", Steward="zhou-lx",
                       Confirms=witnessed, At="2026-11-25T14:10:00+08:00")
    commit(zhou, "confirm checkout of K-0012 witnessed by 孙玉萍\n\n" + confirm, "zhou-lx")
    assert _unconfirmed(zhou)["K-0012"] is True
    refused_everywhere(office, "zhou-lx", "which only the witness named in it (sun-yp) may "
                                          "confirm, not zhou-lx")
    # Nor may a commit of another action carry the trailer.
    (zhou.root / "households/8-1-401.yaml").write_text(
        (zhou.root / "households/8-1-401.yaml").read_text(encoding="utf-8").replace(
            "notes: ''", "notes: 浇水"), encoding="utf-8")
    commit(zhou, "edit notes\n\n" + trailers(Action="household-edit", Household="8-1-401",
                                             Steward="zhou-lx", Fields="notes",
                                             Confirms=witnessed), "zhou-lx")
    refused_everywhere(office, "zhou-lx", "which only a witness's own confirm commit does")
