"""The custody rules as pure functions: sequences of requests never give a key two holders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyledger.errors import Refused
from keyledger.model import Key
from keyledger.rules import CheckoutRequest, ReturnRequest, checkout, is_overdue, return_key

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=timezone(timedelta(hours=8)))
KEY = Key("K-0012", "8-1-401", slot="A-03")


def test_checkout_then_return() -> None:
    out, event = checkout(KEY, CheckoutRequest("zhou-lx", "plants", T0, T0 + timedelta(hours=2)))
    assert (out.state, out.holder, out.purpose, out.since) == ("out", "zhou-lx", "plants", T0)
    assert dict(event.trailers())["Action"] == "checkout"
    back, event = return_key(out, ReturnRequest("zhou-lx", T0 + timedelta(hours=1)))
    assert (back.state, back.holder, back.purpose, back.slot) == ("in", None, None, "A-03")
    assert dict(event.trailers())["Purpose"] == "plants"


def test_overdue() -> None:
    out, _ = checkout(KEY, CheckoutRequest("zhou-lx", "plants", T0, T0 + timedelta(hours=2)))
    assert not is_overdue(out, T0 + timedelta(hours=2))
    assert is_overdue(out, T0 + timedelta(hours=2, minutes=1))


@pytest.mark.parametrize("state", ["lost", "handed-back"])
def test_a_key_not_in_the_cabinet_cannot_be_checked_out(state: str) -> None:
    with pytest.raises(Refused):
        checkout(Key("K-1", "h", state=state), CheckoutRequest("a", "plants", T0, T0 + timedelta(1)))


STEWARDS = ["zhou-lx", "wang-dh", "sun-yp"]
requests = st.lists(st.tuples(st.sampled_from(["checkout", "return"]), st.sampled_from(STEWARDS),
                              st.sampled_from(["plants", "heating", "party"])), max_size=30)


@given(requests)
def test_a_key_never_has_two_holders_and_refusals_change_nothing(seq: list[tuple[str, str, str]]) -> None:
    key, at = KEY, T0
    holder = None
    for action, steward, purpose in seq:
        at += timedelta(minutes=5)
        try:
            if action == "checkout":
                new, event = checkout(key, CheckoutRequest(steward, purpose, at, at + timedelta(hours=1)))
                assert holder is None and purpose != "party"
                holder = steward
            else:
                new, event = return_key(key, ReturnRequest(steward, at))
                assert holder == steward
                holder = None
            assert event.steward == steward
        except Refused:
            new = key
        assert new.holder == holder
        assert (new.state == "out") == (holder is not None)
        key = new
