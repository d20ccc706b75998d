"""The custody rules as pure functions: sequences of requests never give a key two holders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyledger.errors import Refused
from keyledger.model import Authorization, Household, Key, Reservation, WitnessPolicy
from keyledger.rules import (Actor, Request, apply, check_confirm, check_household_change,
                             is_overdue)

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=timezone(timedelta(hours=8)))
KEY = Key("K-0012", "8-1-401", slot="A-03")
AUTH = Authorization(date(2026, 10, 28), date(2026, 11, 1), date(2027, 4, 30),
                     ("inspection", "plants", "heating", "contractor"))
HOME = Household("8-1-401", "王秀兰", "东升家园8号楼1单元401", pair_a="zhou-lx", pair_b="wang-dh",
                 authorization=AUTH)
NONE = WitnessPolicy()
ZHOU, WANG, SUN, LIU = Actor("zhou-lx"), Actor("wang-dh"), Actor("sun-yp"), Actor("liu-sj", True)


def out(actor: Actor = ZHOU, purpose: str = "plants", **kw: object) -> Request:
    return Request("checkout", actor, T0, purpose, T0 + timedelta(hours=2), **kw)  # type: ignore[arg-type]


def refused(key: Key, request: Request, home: Household = HOME,
            policy: WitnessPolicy = NONE) -> str:
    with pytest.raises(Refused) as info:
        apply(key, home, policy, request)
    return info.value.message


def test_checkout_then_return() -> None:
    o = apply(KEY, HOME, NONE, out())
    assert (o.key.state, o.key.holder, o.key.purpose, o.key.since) == ("out", "zhou-lx", "plants", T0)
    assert dict(o.event.trailers())["Action"] == "checkout"
    back = apply(o.key, HOME, NONE, Request("return", ZHOU, T0 + timedelta(hours=1)))
    assert (back.key.state, back.key.holder, back.key.purpose, back.key.slot) == \
        ("in", None, None, "A-03")
    assert dict(back.event.trailers())["Purpose"] == "plants"


def test_overdue() -> None:
    k = apply(KEY, HOME, NONE, out()).key
    assert not is_overdue(k, T0 + timedelta(hours=2))
    assert is_overdue(k, T0 + timedelta(hours=2, minutes=1))


def test_only_the_pair_unless_a_supervisor_overrides() -> None:
    assert "not in the A/B pair of 8-1-401 (zhou-lx, wang-dh)" in refused(KEY, out(SUN))
    assert "Only a supervisor may use --override" in refused(KEY, out(SUN, override="ill"))
    assert "not in the A/B pair" in refused(KEY, out(LIU))
    o = apply(KEY, HOME, NONE, out(LIU, override="A and B both on leave"))
    assert o.key.holder == "liu-sj"
    assert dict(o.event.trailers())["Override"] == "A and B both on leave"
    o = apply(KEY, HOME, NONE, out(LIU, holder="sun-yp", override="A and B on leave"))
    assert o.key.holder == "sun-yp" and dict(o.event.trailers())["Holder"] == "sun-yp"
    assert "Only a supervisor may check a key out for another" in refused(KEY, out(ZHOU, holder="wang-dh"))


def test_authorization_purpose_dates_and_revocation() -> None:
    assert "does not allow pets (it allows: inspection, plants, heating, contractor)" in \
        refused(KEY, out(purpose="pets"))
    early = replace(HOME, authorization=replace(AUTH, start=date(2026, 12, 1)))
    assert "only begins on 2026-12-01" in refused(KEY, out(), early)
    late = replace(HOME, authorization=replace(AUTH, until=date(2026, 11, 24)))
    assert "expired on 2026-11-24" in refused(KEY, out(), late)
    revoked = replace(HOME, authorization=replace(AUTH, revoked=date(2026, 11, 20)))
    assert "revoked on 2026-11-20" in refused(KEY, out(), revoked)
    assert "no owner's authorization" in refused(KEY, out(), replace(HOME, authorization=None))


def test_emergency_needs_consent_or_unreached_without_authorization() -> None:
    message = refused(KEY, out(purpose="emergency"))
    assert "--consent" in message and "--unreached" in message
    o = apply(KEY, HOME, NONE, out(purpose="emergency", consent="owner agreed by phone 14:05"))
    assert dict(o.event.trailers())["Consent"] == "owner agreed by phone 14:05"
    o = apply(KEY, replace(HOME, authorization=None), NONE,
              out(purpose="emergency", unreached="called owner and daughter 14:05"))
    assert dict(o.event.trailers())["Unreached"].startswith("called owner")
    assert "for --purpose emergency only" in refused(KEY, out(consent="yes"))


def test_witness_policy_by_ledger_and_by_household() -> None:
    policy = WitnessPolicy(purposes=("emergency",), kinds=("code",))
    code = replace(KEY, kind="code")
    assert "A witness is required" in refused(code, out(), policy=policy)
    assert apply(code, HOME, policy, out(witness="wang-dh")).key.witness == "wang-dh"
    strict = replace(HOME, witness_for=("plants",))
    assert "policy of 8-1-401" in refused(KEY, out(), strict)
    assert "cannot witness their own" in refused(KEY, out(witness="zhou-lx"))


def test_reservations_block_others_but_not_their_holder_or_an_emergency() -> None:
    r = Reservation(T0 + timedelta(hours=1), T0 + timedelta(hours=3), "contractor", "wang-dh")
    booked = replace(KEY, reservations=(r,))
    assert "reserved by wang-dh for contractor" in refused(booked, out())
    assert apply(booked, HOME, NONE, out(WANG)).key.holder == "wang-dh"
    assert apply(booked, HOME, NONE, out(purpose="emergency", consent="ok")).key.holder == "zhou-lx"
    res = Request("reserve", ZHOU, T0, "contractor", start=T0 + timedelta(hours=2),
                  until=T0 + timedelta(hours=4))
    assert "already reserved by wang-dh" in refused(booked, res)
    later = replace(res, start=T0 + timedelta(days=1), until=T0 + timedelta(days=1, hours=2))
    assert len(apply(booked, HOME, NONE, later).key.reservations) == 2
    past = apply(booked, HOME, NONE, Request("checkout", WANG, T0 + timedelta(hours=5), "plants",
                                             T0 + timedelta(hours=6)))
    assert past.key.reservations == ()  # reservations that are over leave the file


def test_handover_lost_found_handback() -> None:
    k = apply(KEY, HOME, NONE, out()).key
    assert "held by zhou-lx, not by you (wang-dh)" in refused(
        k, Request("handover", WANG, T0, holder="zhou-lx"))
    assert "not in the A/B pair" in refused(k, Request("handover", ZHOU, T0, holder="sun-yp"))
    h = apply(k, HOME, NONE, Request("handover", ZHOU, T0, holder="wang-dh"))
    assert h.key.holder == "wang-dh" and h.key.state == "out"
    assert dict(h.event.trailers())["Holder"] == "wang-dh"
    assert "--note" in refused(h.key, Request("lost", WANG, T0))
    lost = apply(h.key, HOME, NONE, Request("lost", WANG, T0, note="dropped in the snow"))
    assert lost.key.state == "lost" and lost.key.holder is None
    assert "lock-change" in lost.household.flags
    assert "is lost, not in the cabinet; once it is back, record it with `keyledger found " \
        "K-0012`" in refused(lost.key, out())
    assert "keyledger found K-0012" in refused(lost.key, Request(
        "reserve", ZHOU, T0, "plants", start=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)))
    found = apply(lost.key, HOME, NONE, Request("found", ZHOU, T0))
    assert found.key.state == "in"
    back = apply(found.key, HOME, NONE, Request("handback", ZHOU, T0, note="owner is home"))
    assert back.key.state == "handed-back" and back.key.code is None
    message = refused(back.key, out())
    assert "K-0012 is handed-back: its owner has it" in message
    assert "`keyledger key add --household 8-1-401 --id K-0012`" in message


def test_a_handover_follows_the_witness_policy_and_the_file_names_the_current_witness() -> None:
    policy = WitnessPolicy(purposes=("heating",))
    k = apply(KEY, HOME, policy, out(purpose="heating", witness="sun-yp")).key
    assert k.witness == "sun-yp"
    message = refused(k, Request("handover", ZHOU, T0, holder="wang-dh"), policy=policy)
    assert "A witness is required for heating" in message
    assert "cannot witness their own handover" in refused(
        k, Request("handover", ZHOU, T0, holder="wang-dh", witness="wang-dh"), policy=policy)
    h = apply(k, HOME, policy, Request("handover", ZHOU, T0, holder="wang-dh", witness="liu-sj"))
    assert h.key.witness == "liu-sj" and dict(h.event.trailers())["Witness"] == "liu-sj"
    plain = apply(apply(KEY, HOME, NONE, out(witness="sun-yp")).key, HOME, NONE,
                  Request("handover", ZHOU, T0, holder="wang-dh"))
    assert plain.key.witness is None  # sun-yp saw the checkout, not wang-dh's custody


def test_confirm_only_names_the_witness() -> None:
    check_confirm({"Action": "checkout", "Witness": "wang-dh"}, WANG)
    with pytest.raises(Refused):
        check_confirm({"Action": "checkout", "Witness": "wang-dh"}, ZHOU)
    with pytest.raises(Refused):
        check_confirm({"Action": "key-add"}, WANG)


def test_who_may_change_a_household_file() -> None:
    def why(before: Household | None, after: Household, actor: Actor, action: str) -> str:
        with pytest.raises(Refused) as info:
            check_household_change(before, after, actor, action)
        return info.value.message

    wider = replace(HOME, authorization=replace(AUTH, purposes=AUTH.purposes + ("emergency",)))
    revoked = replace(HOME, authorization=replace(AUTH, revoked=date(2026, 11, 26)))
    assert "Only a supervisor records or renews" in why(HOME, wider, ZHOU, "authorize")
    assert "Only a supervisor records or renews" in why(None, replace(HOME, pair_a=None, pair_b=None), ZHOU,
                                                       "household-add")
    check_household_change(HOME, wider, LIU, "authorize")
    check_household_change(HOME, revoked, WANG, "revoke")
    assert "or the A/B pair of 8-1-401" in why(HOME, revoked, SUN, "revoke")
    # revoking and widening in one commit is not a revocation
    sly = replace(wider, authorization=replace(wider.authorization, revoked=date(2026, 11, 26)))
    assert "Only a supervisor records or renews" in why(HOME, sly, ZHOU, "revoke")
    assert "Only a supervisor assigns" in why(HOME, replace(HOME, pair_b="sun-yp"), ZHOU, "pair")
    strict = replace(HOME, witness_for=("plants",))
    assert "need a witness at 8-1-401" in why(HOME, strict, ZHOU, "household-edit")
    check_household_change(HOME, strict, LIU, "household-edit")
    renamed = replace(HOME, notes="钥匙两把")
    check_household_change(HOME, renamed, ZHOU, "household-edit")
    assert "Only the A/B pair of 8-1-401" in why(HOME, renamed, SUN, "household-edit")
    assert "does not change the A/B pair" in why(HOME, replace(HOME, pair_b="sun-yp"), LIU,
                                                 "household-edit")
    assert "does not change the owner's authorization" in why(HOME, wider, LIU, "household-edit")


STEWARDS = [ZHOU, WANG, SUN, LIU]
steps = st.lists(st.tuples(st.sampled_from(["checkout", "return", "handover", "lost", "found",
                                            "handback", "reserve"]),
                           st.sampled_from(STEWARDS), st.sampled_from(STEWARDS),
                           st.sampled_from(["plants", "heating", "pets", "emergency"]),
                           st.booleans()), max_size=40)


@given(steps)
def test_a_key_never_has_two_holders_and_refusals_change_nothing(seq: list) -> None:  # type: ignore[type-arg]
    key, at = KEY, T0
    for action, actor, other, purpose, override in seq:
        at += timedelta(minutes=30)
        request = Request(action, actor, at, purpose, at + timedelta(hours=1), holder=other.id,
                          note="n", override="reason" if override else None,
                          consent="ok" if purpose == "emergency" else None,
                          start=at + timedelta(hours=2), until=at + timedelta(hours=3))
        if action == "checkout" and other != actor:
            request = replace(request, holder=None)
        before, snapshot, home = key, key.to_dict(), HOME.to_dict()
        try:
            outcome = apply(key, HOME, NONE, request)
        except Refused:
            # Snapshots taken before, compared with what the objects hold now.
            assert key.to_dict() == snapshot and HOME.to_dict() == home
            continue
        key = outcome.key
        assert (key.state == "out") == (key.holder is not None)
        if action in ("checkout", "handover"):
            assert before.state == "out" if action == "handover" else before.state == "in"
        if action in ("return", "lost", "handback"):
            assert key.holder is None
        if action in ("checkout", "handover") and not (override and actor.supervisor):
            assert key.holder in HOME.pair  # a new holder outside the pair needs an override
