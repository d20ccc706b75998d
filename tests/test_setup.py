"""init, use-key, whoami: a new ledger is a signed git repository that knows who signs."""

from __future__ import annotations

import subprocess

from conftest import Ledger


def test_init_makes_a_signed_repository_with_settings_and_supervisor(empty_ledger: Ledger) -> None:
    lg = empty_ledger
    assert lg.git("config", "gpg.format").strip() == "ssh"
    assert lg.git("config", "commit.gpgsign").strip() == "true"
    assert lg.git("config", "pull.ff").strip() == "only"
    assert lg.git("config", "user.signingkey").strip() == str(lg.keys["liu-sj"])
    settings = (lg.root / "keyledger.yaml").read_text(encoding="utf-8")
    assert "community: 花卉社区" in settings
    assert "timezone: Asia/Shanghai" in settings and "locale: zh_CN" in settings
    steward = (lg.root / "stewards/liu-sj.yaml").read_text(encoding="utf-8")
    assert "role: supervisor" in steward and "name: 刘淑娟" in steward
    assert lg.git("rev-list", "--count", "HEAD").strip() == "1"
    assert lg.git("log", "-1", "--format=%G? %GS").strip() == "G liu-sj"
    assert lg.git("status", "--porcelain") == ""


def test_whoami_names_the_owner_of_the_signing_key(ledger: Ledger) -> None:
    assert ledger.ok("whoami", as_="zhou-lx").out.startswith("zhou-lx\t周丽霞\tsteward\tSHA256:")
    assert '"id": "liu-sj"' in ledger.ok("whoami", "--json", as_="liu-sj").out


def test_whoami_keeps_its_answer_and_sees_any_change_to_what_it_rests_on(
        ledger: Ledger) -> None:
    import os
    import sys
    import time

    kept = ledger.root / ".git/keyledger/identity.json"
    ledger.use("zhou-lx")
    # Not kept while a roster file is younger than two seconds (a same-tick edit would be missed).
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽霞\t") and not kept.exists()
    time.sleep(2.1)
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽霞\t")
    assert kept.is_file()
    # Asked again, the kept answer is used: neither the model nor YAML is loaded.
    script = ("import sys\nfrom keyledger.cli import run\ncode = run(sys.argv[1:])\n"
              "print(code, 'keyledger.model' in sys.modules, 'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, "-C", str(ledger.root), "whoami"],
                          capture_output=True, text=True, env=dict(os.environ, LANG="C"))
    assert done.stdout.startswith("zhou-lx\t周丽霞\t"), done.stderr
    assert done.stdout.split()[-3:] == ["0", "False", "False"]
    # A hand edit of the roster is seen at once, and so is undoing it.
    path = ledger.root / "stewards/zhou-lx.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("周丽霞", "周丽丽"), encoding="utf-8")
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽丽\t")
    ledger.git("checkout", "--", "stewards/zhou-lx.yaml")
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽霞\t")
    # An edit of the same size with its modification time put back: its change time tells.
    time.sleep(2.1)
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽霞\t")
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("周丽霞", "周丽丽"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert ledger.ok("whoami").out.startswith("zhou-lx\t周丽丽\t")
    ledger.git("checkout", "--", "stewards/zhou-lx.yaml")
    # The key file replaced in place under the same setting: another steward's key now.
    time.sleep(2.1)
    assert ledger.ok("whoami").out.startswith("zhou-lx\t") and kept.is_file()
    key = ledger.keys["zhou-lx"]
    saved = key.read_bytes(), key.with_suffix(".pub").read_bytes()
    try:
        key.write_bytes(ledger.keys["sun-yp"].read_bytes())
        key.with_suffix(".pub").write_bytes(ledger.keys["sun-yp"].with_suffix(".pub").read_bytes())
        assert ledger.ok("whoami").out.startswith("sun-yp\t孙玉萍\t")
    finally:
        key.write_bytes(saved[0])
        key.with_suffix(".pub").write_bytes(saved[1])
    assert ledger.ok("whoami").out.startswith("zhou-lx\t")
    # Another signing key is another steward; a steward who left is refused, not remembered.
    assert ledger.ok("whoami", as_="wang-dh").out.startswith("wang-dh\t王德厚\t")
    ledger.ok("steward", "deactivate", "zhou-lx", as_="liu-sj")
    assert "no longer an active steward" in ledger.refused("whoami", as_="zhou-lx").err


def test_whoami_refuses_a_key_of_nobody(ledger: Ledger) -> None:
    result = ledger.refused("whoami", as_="outsider")
    assert "belongs to no steward" in result.err


def test_a_second_stewards_clone_is_set_up_with_use_key(ledger: Ledger, tmp_path) -> None:
    clone = tmp_path / "zhou-clone"
    subprocess.run(["git", "clone", "-q", str(ledger.root), str(clone)], check=True)
    other = Ledger(clone, ledger.keys, ledger.capfd)
    result = other.run("use-key", str(ledger.keys["zhou-lx"]))
    assert result.code == 0, result.err
    assert other.git("config", "user.signingkey").strip() == str(ledger.keys["zhou-lx"])
    other.ok("checkout", "K-0012", "--purpose", "plants")
    assert other.git("log", "-1", "--format=%G? %GS").strip() == "G zhou-lx"


def test_use_key_refuses_an_unregistered_key(ledger: Ledger) -> None:
    result = ledger.refused("use-key", str(ledger.keys["outsider"]))
    assert "belongs to no steward of this ledger" in result.err
    assert "keyledger steward add" in result.err


def test_deactivating_names_the_role_and_use_key_says_the_steward_is_inactive(
        ledger: Ledger) -> None:
    ledger.ok("steward", "deactivate", "sun-yp", as_="liu-sj")
    trailers = ledger.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-Action: steward-deactivate" in trailers
    assert "Keyledger-Roster: sun-yp" in trailers and "Keyledger-Role: steward" in trailers
    result = ledger.refused("use-key", str(ledger.keys["sun-yp"]))
    assert "registered to 孙玉萍 (sun-yp), who is no longer an active steward" in result.err
    assert "steward add" not in result.err
    message = ledger.refused("steward", "deactivate", "wang-dh", as_="zhou-lx").err
    assert "Only a supervisor may deactivate a steward (`keyledger steward deactivate`)" in message
    assert "周丽霞 (zhou-lx) is a steward: ask a supervisor (刘淑娟)" in message


def test_a_steward_who_left_can_be_made_active_again_by_a_supervisor(ledger: Ledger) -> None:
    ledger.ok("steward", "deactivate", "zhou-lx", as_="liu-sj")
    ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    message = ledger.refused("steward", "reactivate", "zhou-lx", as_="wang-dh").err
    assert "Only a supervisor may reactivate a steward (`keyledger steward reactivate`)" in message
    assert "already active" in ledger.refused("steward", "reactivate", "wang-dh",
                                              as_="liu-sj").err
    assert "is active again" in ledger.ok("steward", "reactivate", "zhou-lx", as_="liu-sj").err
    trailers = ledger.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-Action: steward-reactivate" in trailers
    assert "Keyledger-Roster: zhou-lx" in trailers and "Keyledger-Steward: liu-sj" in trailers
    # Their key signs again: a checkout, and a history that verifies from the root.
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert ledger.git("log", "-1", "--format=%G? %GS").strip() == "G zhou-lx"
    ledger.ok("verify", "--full")


def test_a_supervisor_edits_a_stewards_name_phone_and_role(ledger: Ledger) -> None:
    message = ledger.refused("steward", "edit", "wang-dh", "--phone", "13900000009",
                             as_="zhou-lx").err
    assert "Only a supervisor may change a steward's file (`keyledger steward edit`)" in message
    assert "Nothing to change" in ledger.refused("steward", "edit", "wang-dh", as_="liu-sj").err
    assert "nothing to change" in ledger.refused("steward", "edit", "wang-dh", "--name", "王德厚",
                                                 as_="liu-sj").err
    assert "--role" in ledger.refused("steward", "edit", "wang-dh", "--role", "boss",
                                      as_="liu-sj").err
    assert "only active supervisor" in ledger.refused("steward", "edit", "liu-sj", "--role",
                                                      "steward", as_="liu-sj").err
    promoted = ledger.ok("steward", "edit", "wang-dh", "--phone", "13900000009", "--role",
                         "supervisor", as_="liu-sj")
    assert "keyledger rekey" in promoted.err  # door codes are encrypted to the supervisors
    trailers = ledger.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Keyledger-Action: steward-edit" in trailers and "Keyledger-Fields: phone,role" in trailers
    assert "Keyledger-Role: supervisor" in trailers
    text = (ledger.root / "stewards/wang-dh.yaml").read_text(encoding="utf-8")
    assert "phone: '13900000009'" in text or "phone: \"13900000009\"" in text
    assert "role: supervisor" in text
    # The promoted steward acts as a supervisor at once, and may now demote the first one.
    ledger.ok("steward", "deactivate", "sun-yp", as_="wang-dh")
    ledger.ok("steward", "edit", "liu-sj", "--role", "steward", as_="wang-dh")
    assert "Only a supervisor" in ledger.refused("steward", "reactivate", "sun-yp",
                                                 as_="liu-sj").err
    ledger.ok("verify", "--full")


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, keys, capfd) -> None:
    from keyledger.cli import run

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    code = run(["init", str(tmp_path / "x"), "--community", "c", "--supervisor", "a",
                "--name", "A", "--key", str(keys["liu-sj"])])
    assert code == 2
    assert "not empty" in capfd.readouterr().err
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["notes.txt"]


def test_init_refuses_a_bad_supervisor_id_and_writes_nothing(tmp_path, keys, capfd) -> None:
    from keyledger.cli import run

    code = run(["init", str(tmp_path / "new"), "--community", "c", "--supervisor", "../evil",
                "--name", "A", "--key", str(keys["liu-sj"])])
    assert code == 2
    assert "not allowed" in capfd.readouterr().err
    assert not (tmp_path / "new").exists()


def test_init_refuses_an_ecdsa_key(tmp_path, capfd) -> None:
    from keyledger.cli import run

    key = tmp_path / "ecdsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(key)], check=True)
    code = run(["init", str(tmp_path / "new"), "--community", "c", "--supervisor", "a",
                "--name", "A", "--key", str(key)])
    assert code == 2
    assert "ecdsa" in capfd.readouterr().err.lower()
    assert not (tmp_path / "new").exists()


def test_a_pulled_roster_change_reaches_git_signature_checks(ledger: Ledger, tmp_path) -> None:
    clone = tmp_path / "zhou-clone"
    subprocess.run(["git", "clone", "-q", str(ledger.root), str(clone)], check=True)
    other = Ledger(clone, ledger.keys, ledger.capfd)
    other.ok("use-key", str(ledger.keys["zhou-lx"]))
    ledger.ok("steward", "add", "outsider", "--name", "路人甲", "--key",
              str(ledger.keys["outsider"]) + ".pub", as_="liu-sj")
    ledger.ok("household", "pair", "8-1-401", "--a", "outsider", "--b", "wang-dh")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="outsider")
    other.git("pull", "-q")
    other.ok("status")  # a reading command; no keyledger command changed anything here
    shown = other.git("-c", "log.showSignature=true", "log", "-1")
    assert 'Good "git" signature for outsider' in shown, shown
