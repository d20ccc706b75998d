"""`steward key ID --key NEW.pub`: a steward's new key in place of a lost one. What the old key
signed stays verified (verify, history, plain git); what it signs after the change is refused by
verify, the server's guard and sync alike; `rekey` moves the door codes and names those to
rotate."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Ledger, terminal


def _new_key(folder: Path, name: str) -> Path:
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)],
                   check=True)
    return path


def test_a_new_key_in_place_and_the_old_commits_still_verify(ledger: Ledger,
                                                               tmp_path: Path) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("return", "K-0012")
    new = _new_key(tmp_path, "zhou-new")
    refused = ledger.refused("steward", "key", "zhou-lx", "--key", f"{new}.pub", as_="wang-dh")
    assert "Only a supervisor may replace a steward's key" in refused.err
    taken = ledger.refused("steward", "key", "zhou-lx", "--key",
                           f"{ledger.keys['wang-dh']}.pub", as_="liu-sj")
    assert "already registered to wang-dh" in taken.err
    done = ledger.ok("steward", "key", "zhou-lx", "--key", f"{new}.pub")
    assert "signs with SHA256:" in done.err and "keyledger rekey" in done.err
    trailers = ledger.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-Action: steward-key" in trailers and "Keyledger-Roster: zhou-lx" in trailers
    text = (ledger.root / "stewards/zhou-lx.yaml").read_text(encoding="utf-8")
    assert "retired_keys:" in text and ledger.keys["zhou-lx"].with_suffix(".pub").read_text(
        ).split()[1] in text
    # Old commits: verify, history and plain git all still say they are good.
    assert json.loads(ledger.ok("verify", "--full", "--json").out)["findings"] == []
    history = json.loads(ledger.ok("history", "K-0012", "--json").out)
    assert [e["verified"] for e in history] == [True] * len(history)
    assert {e["signer"] for e in history if e["action"] in ("checkout", "return")} == {"zhou-lx"}
    shown = ledger.git("log", "--show-signature", "-3")
    assert shown.count('Good "git" signature for zhou-lx') == 2, shown
    # The old key signs nothing now; the new one does, from her own clone.
    assert "old key, replaced on" in ledger.refused("whoami", as_="zhou-lx").err
    ledger.git("config", "user.signingkey", str(new))
    ledger.ok("checkout", "K-0012", "--purpose", "plants")
    assert ledger.git("log", "-1", "--format=%G? %GS").strip() == "G zhou-lx"
    assert "replaced key: SHA256:" in ledger.ok("steward", "show", "zhou-lx").out
    assert json.loads(ledger.ok("verify", "--json").out)["findings"] == []


def test_the_old_key_after_the_change_is_refused_by_verify_the_guard_and_sync(
        ledger: Ledger, tmp_path: Path) -> None:
    office = tmp_path / "office.git"
    ledger.ok("share", "create", str(office), as_="liu-sj")
    assert ledger.run("clone", str(office), str(tmp_path / "zhou"), "--key",
                      str(ledger.keys["zhou-lx"])).code == 0
    zhou = Ledger(tmp_path / "zhou", ledger.keys, ledger.capfd)  # her old phone, offline
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    ledger.ok("steward", "key", "zhou-lx", "--key", f"{_new_key(tmp_path, 'zhou-new')}.pub")
    ledger.ok("sync")
    # sync: the old phone's checkout would be signed again with the replaced key.
    result = zhou.run("sync")
    assert result.code == 1, result.err
    assert "signed with a key of zhou-lx that was replaced on" in result.err
    assert subprocess.run(["git", "-C", str(office), "rev-parse", "main"], capture_output=True,
                          text=True).stdout.strip() == ledger.head()
    # The guard: the same, made by hand on top of the shared ledger and pushed.
    key = zhou.root / "keys/K-0012.yaml"
    key.write_text(key.read_text(encoding="utf-8").replace("A-03", "A-07"), encoding="utf-8")
    zhou.git("commit", "-qam", "move K-0012\n\nKeyledger-Action: key-edit\n"
             "Keyledger-Steward: zhou-lx")
    pushed = subprocess.run(["git", "-C", str(zhou.root), "push", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode != 0
    assert "signed with a key of zhou-lx that was replaced on" in pushed.stderr
    # verify, in the clone that holds it.
    findings = json.loads(zhou.run("verify", "--json").out)["findings"]
    assert any("that was replaced on" in f["message"] for f in findings)


def test_a_replaced_key_can_neither_come_back_nor_be_forgotten(ledger: Ledger,
                                                               tmp_path: Path) -> None:
    ledger.ok("steward", "key", "zhou-lx", "--key", f"{_new_key(tmp_path, 'z2')}.pub",
              as_="liu-sj")
    path = ledger.root / "stewards/zhou-lx.yaml"
    text = path.read_text(encoding="utf-8")
    old = ledger.keys["zhou-lx"].with_suffix(".pub").read_text().split()[1]
    # By hand, a supervisor drops the old key from the file: plain git would stop verifying.
    forgotten = text.split("retired_keys:")[0].rstrip() + "\n"
    path.write_text(forgotten, encoding="utf-8")
    ledger.git("commit", "-qam", "tidy\n\nKeyledger-Action: steward-edit\n"
               "Keyledger-Steward: liu-sj")
    findings = json.loads(ledger.run("verify", "--json").out)["findings"]
    assert any("removes or changes a replaced key of zhou-lx" in f["message"] for f in findings)
    ledger.git("reset", "-q", "--hard", "HEAD~1")
    # Nor does the old key come back, by command or by hand.
    assert "already registered to zhou-lx" in ledger.refused(
        "steward", "key", "zhou-lx", "--key", f"{ledger.keys['zhou-lx']}.pub").err
    current = path.read_text(encoding="utf-8")
    new_blob = current.split("\nkey: ssh-ed25519 ", 1)[1].split()[0]
    path.write_text(current.replace(f"key: ssh-ed25519 {new_blob}", f"key: ssh-ed25519 {old}", 1),
                    encoding="utf-8")
    ledger.git("commit", "-qam", "her old phone was found\n\nKeyledger-Action: steward-edit\n"
               "Keyledger-Steward: liu-sj")
    findings = json.loads(ledger.run("verify", "--json").out)["findings"]
    assert any("zhou-lx's key is one of their replaced keys" in f["message"] for f in findings)


def test_rekey_moves_the_codes_to_the_new_key_and_names_them_to_rotate(
        ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyledger import code_rights

    monkeypatch.setattr(sys, "stdin", io.StringIO("482913\n"))
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0031", "--kind", "code",
              as_="zhou-lx")
    new = _new_key(tmp_path, "zhou-new")
    ledger.ok("steward", "key", "zhou-lx", "--key", f"{new}.pub", as_="liu-sj")
    # Until rekey, check says whose replaced key the code is still encrypted to.
    check = ledger.run("check")
    assert check.code == 1 and "encrypted to liu-sj, wang-dh, zhou-lx's replaced key" in check.out
    done = ledger.ok("rekey")
    assert "K-0031 (8-1-401): for the new key of zhou-lx." in done.err
    assert "Rotate the code of K-0031: the replaced key of zhou-lx could open it" in done.err
    assert "Keyledger-Rotate: K-0031" in ledger.git("log", "-1", "--format=%B")
    armored = (ledger.root / "keys/K-0031.yaml").read_text(encoding="utf-8")
    cipher = armored[armored.index("-----BEGIN"):armored.index("-----END AGE ENCRYPTED FILE-----")
                     + len("-----END AGE ENCRYPTED FILE-----")].replace("\n  ", "\n")
    tags = code_rights.ssh_tags(cipher)
    assert code_rights.tag(new.with_suffix(".pub").read_text()) in tags
    assert code_rights.tag(ledger.keys["zhou-lx"].with_suffix(".pub").read_text()) not in tags
    assert "already encrypted to the right stewards" in ledger.ok("rekey").err
    # The new key opens it on her terminal.
    ledger.git("config", "user.signingkey", str(new))
    code, screen, out = terminal(ledger, ["checkout", "K-0031", "--purpose", "inspection"], [])
    assert code == 0 and "Door code of K-0031: 482913" in screen, out
