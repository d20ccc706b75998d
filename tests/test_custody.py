"""checkout, return, status, history: every custody change is one signed commit with trailers."""

from __future__ import annotations

import json
import subprocess

from conftest import Ledger


def _trailers(lg: Ledger, rev: str = "HEAD") -> dict[str, str]:
    fmt = "%(trailers:key=Keyledger-Action,key=Keyledger-Key,key=Keyledger-Household," \
          "key=Keyledger-Steward,key=Keyledger-Purpose,key=Keyledger-At,key=Keyledger-Note," \
          "key=Keyledger-Expected-Back,key=Keyledger-Witness)"
    out = lg.git("log", "-1", f"--format={fmt}", rev)
    return dict(line.split(": ", 1) for line in out.splitlines() if line)


def test_checkout_and_return_are_one_signed_commit_each(ledger: Ledger) -> None:
    lg = ledger
    before = lg.head()
    lg.ok("checkout", "K-0012", "--purpose", "plants", "--expect-back", "3h", "--note", "浇水",
          "--witness", "wang-dh", as_="zhou-lx")
    checkout = lg.head()
    assert lg.git("rev-list", "--count", f"{before}..{checkout}").strip() == "1"
    # The ledger's locale is zh_CN: its subjects are Chinese, whatever the interface speaks.
    assert lg.git("log", "-1", "--format=%s").strip() == "周丽霞 取出 K-0012（王秀兰）：浇花"
    trailers = _trailers(lg)
    assert trailers["Keyledger-Action"] == "checkout"
    assert trailers["Keyledger-Key"] == "K-0012"
    assert trailers["Keyledger-Household"] == "8-1-401"
    assert trailers["Keyledger-Steward"] == "zhou-lx"
    assert trailers["Keyledger-Purpose"] == "plants"
    assert trailers["Keyledger-Witness"] == "wang-dh"
    assert trailers["Keyledger-Note"] == "浇水"
    assert trailers["Keyledger-At"].endswith("+08:00")
    key_file = (lg.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert "state: out" in key_file and "holder: zhou-lx" in key_file
    assert "purpose: plants" in key_file and "witness: wang-dh" in key_file
    assert lg.git("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split() == \
        ["keys/K-0012.yaml"]

    lg.ok("return", "K-0012", "--note", "已浇水")
    assert _trailers(lg)["Keyledger-Action"] == "return"
    assert "state: in" in (lg.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert lg.git("status", "--porcelain") == ""


def test_every_commit_verifies_against_the_allowed_signers_file(ledger: Ledger) -> None:
    lg = ledger
    lg.ok("checkout", "K-0012", "--purpose", "inspection", as_="wang-dh")
    lg.ok("return", "K-0012")
    signers = lg.git("config", "gpg.ssh.allowedSignersFile").strip()
    assert ".git/keyledger/allowed_signers" in signers
    commits = lg.git("rev-list", "HEAD").split()
    assert len(commits) == 9
    for sha in commits:
        subprocess.run(["git", "-C", str(lg.root), "verify-commit", sha], check=True,
                       capture_output=True)
        body = lg.git("log", "-1", "--format=%B", sha)
        steward = [l for l in body.splitlines() if l.startswith("Keyledger-Steward: ")]
        assert steward, body
        assert lg.git("log", "-1", "--format=%GS", sha).strip() == steward[0].split(": ")[1]
    assert "Good \"git\" signature for wang-dh" in subprocess.run(
        ["git", "-C", str(lg.root), "log", "-1", "--show-signature"], capture_output=True,
        text=True).stdout


def test_plain_git_log_of_a_key_file_tells_the_story(ledger: Ledger) -> None:
    lg = ledger
    lg.ok("checkout", "K-0012", "--purpose", "heating", as_="zhou-lx")
    lg.ok("return", "K-0012")
    subjects = lg.git("log", "--format=%s", "--", "keys/K-0012.yaml").splitlines()
    assert subjects == ["周丽霞 归还 K-0012（王秀兰）",
                        "周丽霞 取出 K-0012（王秀兰）：暖气检查",
                        "刘淑娟 登记钥匙 K-0012（实体钥匙；王秀兰）"]


def test_status_lists_keys_out_overdue_first_and_exits_1_for_cron(ledger: Ledger, monkeypatch) -> None:
    lg = ledger
    lg.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T09:00:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "plants", "--expect-back", "1h", as_="zhou-lx")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T13:00:00+08:00")
    lg.ok("checkout", "K-0013", "--purpose", "contractor", "--expect-back", "17:00", as_="wang-dh")
    assert lg.run("status", "--overdue").code == 1
    data = json.loads(lg.ok("status", "--json").out)
    assert [(o["id"], o["overdue"]) for o in data["out"]] == [("K-0012", True), ("K-0013", False)]
    assert data["out"][0]["holder"] == "zhou-lx"
    assert data["out"][1]["expected_back"] == "2026-11-25T17:00:00+08:00"
    table = lg.ok("status").out
    assert table.index("K-0012") < table.index("K-0013")
    assert "OVERDUE" in table and "周丽霞" in table
    lg.ok("return", "K-0012", as_="zhou-lx")
    assert lg.run("status", "--overdue").code == 0


def test_history_of_a_key_and_of_a_household(ledger: Ledger) -> None:
    lg = ledger
    lg.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    lg.ok("return", "K-0012")
    entries = json.loads(lg.ok("history", "K-0012", "--json").out)
    assert [e["trailers"]["Action"] for e in entries] == ["return", "checkout", "key-add"]
    assert all(e["verified"] for e in entries)
    assert entries[0]["commit"] == lg.head()
    household = json.loads(lg.ok("history", "8-1-401", "--json").out)
    assert [e["trailers"]["Action"] for e in household] == \
        ["return", "checkout", "key-add", "authorize", "household-add"]
    table = lg.ok("history", "K-0012").out
    assert "verified" in table and lg.head()[:10] in table


def test_history_flags_a_commit_signed_by_someone_else_than_its_steward(ledger: Ledger) -> None:
    lg = ledger
    lg.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    # A hand-made commit that claims to be zhou-lx's but is signed with wang-dh's key.
    lg.use("wang-dh")
    (lg.root / "keys/K-0012.yaml").write_text(
        (lg.root / "keys/K-0012.yaml").read_text(encoding="utf-8").replace("plants", "other"),
        encoding="utf-8")
    lg.git("commit", "-qam", "forged\n\nKeyledger-Action: return\nKeyledger-Steward: zhou-lx")
    entries = json.loads(lg.ok("history", "K-0012", "--json").out)
    assert entries[0]["signer"] == "wang-dh" and entries[0]["verified"] is False
    assert entries[1]["verified"] is True


def test_history_shows_the_holder_the_recipient_and_the_witness_confirmation(
        ledger: Ledger) -> None:
    lg = ledger
    lg.ok("checkout", "K-0012", "--purpose", "plants", "--for", "zhou-lx", "--witness", "sun-yp",
          "--override", "zhou-lx has no key to the office", as_="liu-sj")
    checkout = lg.head()
    lg.ok("handover", "K-0012", "--to", "wang-dh", as_="zhou-lx")
    lg.ok("household", "edit", "8-1-401", "--notes", "钥匙两把", as_="zhou-lx")
    lg.ok("confirm", checkout, as_="sun-yp")
    confirm = lg.head()
    lg.ok("return", "K-0012", as_="wang-dh")
    entries = json.loads(lg.ok("history", "K-0012", "--json").out)
    assert [(e["action"], e["holder"]) for e in entries] == [
        ("return", None), ("confirm", None), ("handover", "wang-dh"), ("checkout", "zhou-lx"),
        ("key-add", None)]
    assert entries[1]["commit"] == confirm and entries[1]["trailers"]["Confirms"] == checkout
    assert entries[1]["verified"] and entries[3]["witness"] == "sun-yp"
    household = [e["action"] for e in json.loads(lg.ok("history", "8-1-401", "--json").out)]
    assert household[:5] == ["return", "confirm", "household-edit", "handover", "checkout"]
    rows = [line.split("\t") for line in lg.ok("history", "K-0012").out.splitlines()]
    assert rows[0][3:7] == ["steward", "holder", "purpose", "witness"]
    # People by name where a steward reads; the JSON above keeps the ids.
    assert rows[4][1:7] == ["checkout", "K-0012", "刘淑娟", "周丽霞", "plants", "孙玉萍"]
    assert rows[3][1:5] == ["handover", "K-0012", "周丽霞", "王德厚"]
    assert rows[2][1:4] == ["confirm", "K-0012", "孙玉萍"]
    assert rows[2][6] == f"confirms {checkout[:10]}"


def test_a_return_says_where_the_key_goes_back(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert "K-0012 is back in the cabinet (slot A-03)." in ledger.ok("return", "K-0012").err
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", as_="liu-sj")
    ledger.ok("checkout", "K-0013", "--purpose", "plants", as_="zhou-lx")
    back = ledger.ok("return", "K-0013").err
    assert "K-0013 is back in the cabinet (it has no slot of its own)." in back
    assert "slot —" not in back


def test_a_table_on_a_terminal_shows_what_was_typed(ledger: Ledger) -> None:
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04",
              "--label", "备用 [/] 单元门 [red]红色标签", as_="liu-sj")
    script = shutil.which("script")
    assert script, "util-linux script runs a command on a pseudo-terminal"
    command = f"{Path(sys.executable).parent / 'keyledger'} -C {ledger.root} key list"
    shown = subprocess.run([script, "-qec", command, "/dev/null"], capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "[/]" in shown.stdout and "[red]" in shown.stdout, shown.stdout
