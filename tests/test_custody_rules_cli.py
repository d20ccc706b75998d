"""The custody rules end to end: real repositories, real keys, every refusal writes nothing."""

from __future__ import annotations

import json

import pytest

from conftest import Ledger


def _trailer(lg: Ledger, name: str, rev: str = "HEAD") -> str:
    return lg.git("log", "-1", f"--format=%(trailers:key=Keyledger-{name},valueonly)", rev).strip()


def test_pair_rule_and_supervisor_override(ledger: Ledger) -> None:
    result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="sun-yp")
    assert "孙玉萍 is not in the A/B pair of 8-1-401 (周丽霞 (13900000001), 王德厚 (13900000001))" \
        in result.err
    assert "--override" in result.err
    assert "Only a supervisor" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", "--override", "please").err
    ledger.ok("checkout", "K-0012", "--purpose", "plants", "--for", "sun-yp",
              "--override", "A and B both on sick leave", as_="liu-sj")
    assert _trailer(ledger, "Override") == "A and B both on sick leave"
    assert _trailer(ledger, "Holder") == "sun-yp" and _trailer(ledger, "Steward") == "liu-sj"
    assert ledger.git("log", "-1", "--format=%s").strip() == "刘淑娟 替 孙玉萍 取出 K-0012（王秀兰）：浇花"
    ledger.ok("return", "K-0012", as_="sun-yp")


def test_changing_the_pair_is_a_supervisors_commit(ledger: Ledger) -> None:
    assert "Only a supervisor" in ledger.refused(
        "household", "pair", "8-1-401", "--a", "zhou-lx", "--b", "sun-yp", as_="zhou-lx").err
    assert "Only a supervisor assigns" in ledger.refused(
        "household", "add", "1-1-101", "--name", "x", "--address", "y", "--pair",
        "zhou-lx,wang-dh").err
    ledger.ok("household", "pair", "8-1-401", "--a", "zhou-lx", "--b", "sun-yp", as_="liu-sj")
    assert _trailer(ledger, "Action") == "pair" and _trailer(ledger, "Steward") == "liu-sj"
    assert "b: sun-yp" in (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="sun-yp")


def test_authorization_with_document_renew_and_revoke(ledger: Ledger, tmp_path, monkeypatch) -> None:
    scan = tmp_path / "授权书.PDF"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    ledger.ok("household", "authorize", "8-1-401", "--from", "2026-11-01", "--until",
              "2027-04-30", "--purpose", "inspection,plants", "--purpose", "heating",
              "--condition", "video call with owner", "--document", str(scan),
              "--signed-on", "2026-10-28", as_="liu-sj")
    ledger.use("zhou-lx")
    stored = list((ledger.root / "attachments").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".pdf"
    assert stored[0].read_bytes() == scan.read_bytes()
    text = (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    assert f"document: attachments/{stored[0].name}" in text
    assert "purposes: [inspection, plants, heating]" in text
    changed = set(ledger.git("show", "--name-only", "--format=", "HEAD").split())
    assert changed - {".gitattributes"} == {f"attachments/{stored[0].name}", "households/8-1-401.yaml"}
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:00:00+08:00")
    assert "does not allow pets" in ledger.refused("checkout", "K-0012", "--purpose", "pets").err
    done = ledger.ok("checkout", "K-0012", "--purpose", "heating")
    assert "video call with owner" in done.err
    ledger.ok("return", "K-0012")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2027-05-02T10:00:00+08:00")
    assert "expired on 2027-04-30" in ledger.refused("checkout", "K-0012", "--purpose", "plants").err
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-10-30T10:00:00+08:00")
    assert "only begins on 2026-11-01" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants").err
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-26T10:00:00+08:00")
    ledger.ok("household", "revoke", "8-1-401")
    assert "revoked on 2026-11-26" in ledger.refused("checkout", "K-0012", "--purpose", "plants").err
    assert "no authorization in force" in ledger.refused("household", "revoke", "8-1-401").err


def test_authorizing_is_a_supervisors_act_and_revoking_also_the_pairs(ledger: Ledger) -> None:
    widen = ["household", "authorize", "8-1-401", "--from", "2026-01-01", "--until",
             "2030-12-31", "--purpose", "plants,pets,emergency"]
    for steward in ("sun-yp", "zhou-lx"):  # outside the pair, and its own A steward
        message = ledger.refused(*widen, as_=steward).err
        assert "Only a supervisor records or renews the owner's authorization of 8-1-401" in message
        assert "keyledger household authorize" in message
    message = ledger.refused("household", "revoke", "8-1-401", as_="sun-yp").err
    assert "Only a supervisor or the A/B pair of 8-1-401 (zhou-lx, wang-dh)" in message
    ledger.ok("household", "revoke", "8-1-401", as_="wang-dh")
    assert _trailer(ledger, "Action") == "revoke" and _trailer(ledger, "Steward") == "wang-dh"
    ledger.ok(*widen, as_="liu-sj")
    assert _trailer(ledger, "Steward") == "liu-sj"
    assert json.loads(ledger.ok("verify", "--json").out)["findings"] == []


def test_a_renewal_keeps_the_earlier_letter_and_conditions(ledger: Ledger, tmp_path) -> None:
    scan = tmp_path / "letter.pdf"
    scan.write_bytes(b"%PDF-1.4 the first letter")
    ledger.use("liu-sj")
    ledger.ok("household", "authorize", "8-1-401", "--from", "2026-11-01", "--until",
              "2027-04-30", "--purpose", "plants", "--condition", "video call with owner",
              "--document", str(scan))
    first = json.loads(ledger.ok("household", "show", "8-1-401", "--json").out)["authorization"]
    renewed = ledger.ok("household", "authorize", "8-1-401", "--from", "2027-05-01", "--until",
                        "2027-10-31", "--purpose", "plants,heating")
    auth = json.loads(ledger.ok("household", "show", "8-1-401", "--json").out)["authorization"]
    assert (auth["from"], auth["purposes"]) == ("2027-05-01", ["plants", "heating"])
    assert auth["document"] == first["document"] and auth["document"].startswith("attachments/")
    assert auth["conditions"] == ["video call with owner"]
    assert f"The earlier letter {first['document']} is kept" in renewed.err
    assert "The earlier conditions are kept: video call with owner" in renewed.err
    assert _trailer(ledger, "Document") == first["document"]
    ledger.ok("household", "authorize", "8-1-401", "--from", "2027-05-01", "--until",
              "2027-10-31", "--purpose", "plants", "--no-conditions")
    auth = json.loads(ledger.ok("household", "show", "8-1-401", "--json").out)["authorization"]
    assert auth["conditions"] == [] and auth["document"] == first["document"]


def test_emergency_entries_are_recorded_with_consent_or_unreached(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    message = ledger.refused("checkout", "K-0012", "--purpose", "emergency").err
    assert "--consent" in message and "--unreached" in message
    ledger.ok("checkout", "K-0012", "--purpose", "emergency", "--consent",
              "owner agreed by phone, 14:05")
    assert _trailer(ledger, "Consent") == "owner agreed by phone, 14:05"
    ledger.ok("return", "K-0012")
    ledger.ok("checkout", "K-0012", "--purpose", "emergency", "--unreached",
              "called owner and daughter 14:05, no answer")
    assert _trailer(ledger, "Unreached") == "called owner and daughter 14:05, no answer"


def test_witness_policy_confirm_and_status(ledger: Ledger) -> None:
    settings = ledger.root / "keyledger.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") +
                        "  witness:\n    purposes: [heating]\n    kinds: [code]\n", encoding="utf-8")
    ledger.git("commit", "-qam", "witness policy")
    ledger.use("zhou-lx")
    assert "A witness is required for heating" in ledger.refused(
        "checkout", "K-0012", "--purpose", "heating").err
    ledger.ok("checkout", "K-0012", "--purpose", "heating", "--witness", "wang-dh")
    checkout = ledger.head()
    status = json.loads(ledger.ok("status", "--json").out)
    assert status["out"][0]["witness_unconfirmed"] is True
    assert "王德厚, not confirmed" in ledger.ok("status").out
    assert "names wang-dh as witness, not you (sun-yp)" in ledger.refused(
        "confirm", checkout, as_="sun-yp").err
    ledger.ok("confirm", checkout[:10], as_="wang-dh")
    assert _trailer(ledger, "Confirms") == checkout
    assert ledger.git("log", "-1", "--format=%G? %GS").strip() == "G wang-dh"
    assert ledger.git("diff", "HEAD~1", "HEAD") == ""  # a confirmation changes no file
    assert json.loads(ledger.ok("status", "--json").out)["out"][0]["witness_unconfirmed"] is False
    assert "already confirmed" in ledger.refused("confirm", checkout).err
    assert "no commit" in ledger.refused("confirm", "deadbeef").err


def test_a_witnessed_handover_is_confirmed_like_a_checkout(ledger: Ledger) -> None:
    ledger.ok("household", "edit", "8-1-401", "--witness-for", "heating", as_="liu-sj")
    ledger.ok("checkout", "K-0012", "--purpose", "heating", "--witness", "sun-yp", as_="zhou-lx")
    assert "A witness is required for heating" in ledger.refused(
        "handover", "K-0012", "--to", "wang-dh").err
    ledger.ok("handover", "K-0012", "--to", "wang-dh", "--witness", "liu-sj")
    handover = ledger.head()
    assert _trailer(ledger, "Witness") == "liu-sj"
    assert "witness: liu-sj" in (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert json.loads(ledger.ok("status", "--json").out)["out"][0]["witness_unconfirmed"] is True
    ledger.ok("confirm", handover, as_="liu-sj")
    assert _trailer(ledger, "Confirms") == handover
    assert json.loads(ledger.ok("status", "--json").out)["out"][0]["witness_unconfirmed"] is False
    assert json.loads(ledger.ok("verify", "--json").out)["findings"] == []


def test_handover_lost_found_handback_and_register_again(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert "not in the A/B pair" in ledger.refused("handover", "K-0012", "--to", "sun-yp").err
    ledger.ok("handover", "K-0012", "--to", "wang-dh")
    assert _trailer(ledger, "Holder") == "wang-dh" and _trailer(ledger, "Steward") == "zhou-lx"
    assert ledger.git("log", "-1", "--format=%s").strip() == "周丽霞 把 K-0012（王秀兰）转交给 王德厚"
    assert "held by 王德厚 (13900000001)" in ledger.refused("return", "K-0012").err
    assert "--note" in ledger.refused("lost", "K-0012", "--note", " ", as_="wang-dh").err
    ledger.ok("lost", "K-0012", "--note", "dropped it in the snow by building 8")
    assert ledger.git("show", "--name-only", "--format=", "HEAD").split() == \
        ["households/8-1-401.yaml", "keys/K-0012.yaml"]
    assert "lock-change" in (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    assert "is lost, not in the cabinet" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants").err
    ledger.ok("found", "K-0012", "--note", "snow melted")
    ledger.ok("handback", "K-0012", "--note", "owner is home for good")
    assert "state: handed-back" in (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert "handed-back" in ledger.refused("checkout", "K-0012", "--purpose", "plants").err
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0012", "--slot", "A-03")
    assert ledger.git("log", "-1", "--format=%s").startswith("王德厚 重新登记钥匙 K-0012")
    actions = [e["trailers"]["Action"] for e in json.loads(ledger.ok("history", "K-0012", "--json").out)]
    assert actions == ["key-add", "handback", "found", "lost", "handover", "checkout", "key-add"]


def test_reservations(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-27T08:00:00+08:00")
    ledger.ok("reserve", "K-0012", "--from", "2026-11-27 09:00", "--until", "2026-11-27 11:00",
              "--purpose", "contractor", as_="wang-dh")
    assert _trailer(ledger, "From") == "2026-11-27T09:00:00+08:00"
    assert "already reserved by 王德厚 (13900000001)" in ledger.refused(
        "reserve", "K-0012", "--from", "2026-11-27 10:00", "--until", "2026-11-27 12:00",
        "--purpose", "contractor", as_="zhou-lx").err
    assert "reserved by 王德厚 (13900000001) for contractor from 2026-11-27 09:00 to 2026-11-27 11:00" in \
        ledger.refused("checkout", "K-0012", "--purpose", "plants", "--expect-back", "2h").err
    ledger.ok("checkout", "K-0012", "--purpose", "plants", "--expect-back", "30m")
    status = json.loads(ledger.ok("status", "--json").out)
    today = status["reservations_today"]
    assert [(r["key"], r["steward"], r["key_state"], r["key_holder"]) for r in today] == \
        [("K-0012", "wang-dh", "out", "zhou-lx")]
    assert "Today's reservations" in ledger.ok("status").out
    ledger.ok("return", "K-0012")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-27T09:05:00+08:00")
    ledger.ok("checkout", "K-0012", "--purpose", "contractor", as_="wang-dh")


@pytest.mark.parametrize("args", [
    ["handover", "K-0012", "--to", "wang-dh"],
    ["found", "K-0012"],
    ["lost", "K-0012", "--note", "x", "--override", "r"],
    ["reserve", "K-0012", "--from", "2026-01-01 09:00", "--until", "2026-01-01 08:00",
     "--purpose", "plants"],
    ["reserve", "K-0012", "--from", "2020-01-01 09:00", "--until", "2020-01-01 10:00",
     "--purpose", "plants"],
    ["checkout", "K-0012", "--purpose", "plants", "--witness", "nobody"],
])
def test_more_refusals_write_nothing(ledger: Ledger, args: list[str]) -> None:
    assert ledger.refused(*args, as_="zhou-lx").err.startswith("keyledger: ")
