"""What a ledger of other people's keys must never do: let an uncommitted edit grant authority,
give one key two holders under concurrency, or leave a failed commit half-done."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Ledger


def test_an_uncommitted_roster_edit_lends_no_authority(ledger: Ledger) -> None:
    path = ledger.root / "stewards/wang-dh.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: steward", "role: supervisor"),
                    encoding="utf-8")
    result = ledger.refused("steward", "add", "evil-x", "--name", "坏人", "--key",
                            str(ledger.keys["outsider"]) + ".pub", as_="wang-dh")
    assert "stewards/wang-dh.yaml has changes that were never committed" in result.err


def test_an_uncommitted_pair_edit_lends_no_authority(ledger: Ledger) -> None:
    path = ledger.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("b: wang-dh", "b: sun-yp"),
                    encoding="utf-8")
    result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="sun-yp")
    assert "households/8-1-401.yaml has changes that were never committed" in result.err


def test_parallel_checkouts_of_one_key_give_exactly_one_holder(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    script = str(Path(sys.executable).parent / "keyledger")
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root))
    before = ledger.head()
    procs = [subprocess.Popen([script, "checkout", "K-0012", "--purpose", "plants"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    results = [(p.wait(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert sorted(code for code, _ in results) == [0] + [2] * 7, results
    assert all("already out" in err or "busy" in err for code, err in results if code)
    assert ledger.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert ledger.git("status", "--porcelain") == ""


def test_a_failed_update_ref_leaves_index_and_work_tree_clean(ledger: Ledger) -> None:
    lock = ledger.root / ".git/refs/heads/main.lock"
    lock.write_text("")
    try:
        result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
        assert "git update-ref failed" in result.err and "['" not in result.err
        assert ledger.git("diff", "--cached", "--name-only") == ""
    finally:
        lock.unlink()
    ledger.ok("checkout", "K-0012", "--purpose", "plants")


def test_odd_inputs_end_in_one_sentence(ledger: Ledger, tmp_path: Path) -> None:
    ledger.use("zhou-lx")
    assert "at most a year" in ledger.refused(
        "checkout", "K-0012", "--purpose", "plants", "--expect-back", "99999999999d").err
    (ledger.root / "keys/K-0777.yaml").mkdir()
    assert "cannot be read" in ledger.refused("key", "show", "K-0777").err
    (ledger.root / "keys/K-0777.yaml").rmdir()
    assert "is a file" in ledger.refused("init", str(ledger.root / "keyledger.yaml"),
                                         "--community", "c", "--supervisor", "a", "--name", "A",
                                         "--key", str(ledger.keys["liu-sj"])).err
    assert "text that is not empty" in ledger.refused(
        "steward", "add", "s9", "--name", " ", "--key", str(ledger.keys["outsider"]) + ".pub",
        as_="liu-sj").err
    assert "not an SSH public key" in ledger.refused(
        "steward", "add", "s9", "--name", "x", "--key", "key::ssh-ed25519 AAAA").err
    assert "a household's id" in ledger.refused("key", "add", "--household", "8-1-401", "--id",
                                                "8-1-401").err
    assert "a key's id" in ledger.refused("household", "add", "K-0012", "--name", "x",
                                          "--address", "y").err


def test_a_folder_with_keyledger_yaml_but_no_repository(tmp_path: Path, capfd) -> None:
    from keyledger.cli import run

    (tmp_path / "keyledger.yaml").write_text("schema: 1\ncommunity: x\n", encoding="utf-8")
    assert run(["-C", str(tmp_path), "history", "K-1"]) == 2
    assert "not a git repository of its own" in capfd.readouterr().err


def test_form_errors_point_at_the_forms_own_lines(ledger: Ledger, tmp_path: Path) -> None:
    form = tmp_path / "h1.yaml"
    form.write_text("name: 张三\naddress: 一号楼\nflags: [rich]\npeople:\n  - name: 张三\n"
                    "    born: old\n", encoding="utf-8")
    result = ledger.refused("household", "add", "1-1-101", "--from-file", str(form), as_="liu-sj")
    assert f"{form}:3: flags: expected a list" in result.err
    assert f"{form}:6: people[0].born: expected a whole number" in result.err
    assert "git checkout" not in result.err


def test_options_win_over_a_form_and_notes_keep_their_commas(ledger: Ledger, tmp_path: Path) -> None:
    form = tmp_path / "h2.yaml"
    form.write_text("name: 张三\naddress: 一号楼\n", encoding="utf-8")
    ledger.ok("household", "add", "1-1-102", "--from-file", str(form), "--address", "二号楼",
              "--away", "2026-12-01,2027-03-01,去三亚, 春节回来一周",
              "--contact", "李四,女儿,13900000009,备用 138", as_="zhou-lx")
    data = json.loads(ledger.ok("household", "show", "1-1-102", "--json").out)
    assert data["address"] == "二号楼"
    assert data["away"][0]["note"] == "去三亚, 春节回来一周"
    assert data["contacts"][0]["phone"] == "13900000009,备用 138"
    assert "give their --name too" in ledger.refused(
        "household", "add", "1-1-103", "--from-file", str(form), "--phone", "1").err


def test_history_verifies_in_a_fresh_clone_before_use_key(ledger: Ledger, tmp_path: Path) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    clone = tmp_path / "fresh"
    subprocess.run(["git", "clone", "-q", str(ledger.root), str(clone)], check=True)
    fresh = Ledger(clone, ledger.keys, ledger.capfd)
    entries = json.loads(fresh.ok("history", "K-0012", "--json").out)
    assert entries and all(e["verified"] for e in entries)
