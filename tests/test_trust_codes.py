"""12.2: only the pair or a supervisor changes a door code (a supervisor rekeys), and the
recipients a key file names are the ones its ciphertext is really encrypted to."""

from __future__ import annotations

import json
from dataclasses import replace

from conftest import Ledger
from keyledger import codes, yaml
from keyledger.model import parse_key
from trust import CODE, Office, commit, office, refused_everywhere, trailers  # noqa: F401


def _reseal(lg: Ledger, readers: list[str], recorded: list[str], key: str = "K-C") -> None:
    """Write a new ciphertext of the key's code, encrypted to `readers`, naming `recorded`."""
    path = lg.root / f"keys/{key}.yaml"
    old = parse_key(str(path), path.read_text(encoding="utf-8"), key)
    pubkeys = [(lg.keys[r].with_suffix(".pub")).read_text(encoding="utf-8").strip()
               for r in readers]
    sealed = replace(old, code=codes.encrypt("999999", old.household, key, pubkeys),
                     code_recipients=tuple(recorded))
    path.write_text(yaml.dump(sealed.to_dict()), encoding="utf-8")


def _rotate(who: str, action: str = "code-rotate") -> str:
    return "rotate code K-C\n\n" + trailers(Action=action, Key="K-C", Household="8-1-401",
                                            Steward=who)


USUAL = ["liu-sj", "wang-dh", "zhou-lx"]


def test_a_steward_outside_the_pair_cannot_rotate_a_code(office: Office) -> None:
    _reseal(office["sun-yp"], USUAL + ["sun-yp"], USUAL)
    commit(office["sun-yp"], _rotate("sun-yp"), "sun-yp")
    refused_everywhere(office, "sun-yp", "Only 8-1-401's A/B pair or a supervisor may change "
                                         "its door code")
    _reseal(office["sun-yp"], USUAL, USUAL)
    commit(office["sun-yp"], "rekey 1 door codes\n\n" + trailers(
        Action="rekey", Steward="sun-yp", Keys="K-C"), "sun-yp")
    refused_everywhere(office, "sun-yp", "Only a supervisor re-encrypts door codes")


def test_recorded_recipients_must_be_the_real_ones_and_may_read_it(office: Office) -> None:
    zhou = office["zhou-lx"]
    _reseal(zhou, USUAL + ["sun-yp"], USUAL)  # encrypted to sun-yp too, but not saying so
    commit(zhou, _rotate("zhou-lx"), "zhou-lx")
    check = zhou.run("check")
    assert check.code == 1 and "not to the liu-sj, wang-dh, zhou-lx this file names" in check.out
    refused_everywhere(office, "zhou-lx", "is encrypted to liu-sj, sun-yp, wang-dh, zhou-lx, "
                                          "but its file says liu-sj, wang-dh, zhou-lx")
    _reseal(zhou, USUAL + ["sun-yp"], USUAL + ["sun-yp"])  # saying so, to someone who may not
    commit(zhou, _rotate("zhou-lx"), "zhou-lx")
    refused_everywhere(office, "zhou-lx", "is encrypted to sun-yp, who may not open the codes "
                                          "of 8-1-401")
    # A code encrypted to a key that is no steward's.
    _reseal(zhou, ["liu-sj", "wang-dh", "outsider"], ["liu-sj", "wang-dh", "zhou-lx"])
    commit(zhou, _rotate("zhou-lx"), "zhou-lx")
    refused_everywhere(office, "zhou-lx", "a key of no steward")


def test_rekey_reads_who_really_could_open_a_code(ledger: Ledger, monkeypatch) -> None:
    """A ledger that took such a commit before the upgrade: rekey's report of whom to rotate the
    code for reads the ciphertext, not the file's list."""
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(CODE + "\n"))
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-C", "--kind", "code",
              as_="liu-sj")
    _reseal(ledger, USUAL + ["sun-yp"], USUAL)
    commit(ledger, _rotate("zhou-lx"), "zhou-lx")
    ledger.use("liu-sj")
    report = ledger.run("rekey")
    assert report.code == 0, report.err
    assert "no longer for sun-yp" in report.err
    assert "Rotate the code of K-C: sun-yp" in report.err
    key = json.loads(ledger.ok("key", "show", "K-C", "--json").out)
    assert key["code_recipients"] == USUAL
    assert ledger.run("check").code == 0


def test_only_the_pair_or_a_supervisor_registers_a_door_code(office: Office,
                                                             monkeypatch) -> None:
    """Registering a code writes one: sun-yp, outside 8-1-401's pair, could otherwise put a code
    she chose (so knows) in its file beside the real one, encrypted to the right people."""
    import io
    import sys

    sun = office["sun-yp"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("123456\n"))
    refused = sun.refused("key", "add", "--household", "8-1-401", "--id", "K-C2", "--kind", "code")
    assert "Only 8-1-401's A/B pair or a supervisor may change its door code" in refused.err
    # The same file, made by hand and signed by her.
    code = (sun.root / "keys/K-C.yaml").read_text(encoding="utf-8")
    (sun.root / "keys/K-C2.yaml").write_text(code.replace("id: K-C\n", "id: K-C2\n"),
                                             encoding="utf-8")
    _reseal(sun, USUAL, USUAL, key="K-C2")
    commit(sun, "add key K-C2 (code) for 8-1-401\n\n" + trailers(
        Action="key-add", Key="K-C2", Household="8-1-401", Steward="sun-yp"), "sun-yp")
    refused_everywhere(office, "sun-yp", "Only 8-1-401's A/B pair or a supervisor may change "
                                         "its door code")
    # zhou, of the pair, may.
    zhou = office["zhou-lx"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("123456\n"))
    zhou.ok("key", "add", "--household", "8-1-401", "--id", "K-C2", "--kind", "code")
    assert zhou.ok("sync").code == 0 and office.tip() == zhou.head()
