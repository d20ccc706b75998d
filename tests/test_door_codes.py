"""Door codes: age-encrypted to the pair and supervisors, shown once on a real terminal, and
never in plain text in a file, a commit, an output or an error."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Ledger, terminal

CODE, NEW_CODE = "482913", "771100"


def _script() -> str:
    return str(Path(sys.executable).parent / "keyledger")


def run_in_pty(ledger: Ledger, args: list[str], passphrase: str | None = None) -> tuple[int, str, str]:
    answers = [("assphrase", passphrase)] * 3 if passphrase else []
    return terminal(ledger, args, answers)


@pytest.fixture
def coded(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setattr(sys, "stdin", io.StringIO(CODE + "\n"))
    done = ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0031", "--kind", "code",
                     "--label", "智能门锁密码", as_="zhou-lx")
    assert CODE not in done.out + done.err
    return ledger


def _scan_history(ledger: Ledger) -> None:
    history = ledger.git("log", "-p", "--all", "--format=%B")
    assert "BEGIN AGE ENCRYPTED FILE" in history
    assert CODE not in history and NEW_CODE not in history
    for path in ledger.root.rglob("*"):
        if path.is_file() and ".git/objects" not in str(path):
            assert CODE.encode() not in path.read_bytes(), path


def test_a_code_is_stored_encrypted_to_the_pair_and_supervisors(coded: Ledger) -> None:
    text = (coded.root / "keys/K-0031.yaml").read_text(encoding="utf-8")
    assert "code: |-\n  -----BEGIN AGE ENCRYPTED FILE-----" in text
    assert "code_recipients: [liu-sj, wang-dh, zhou-lx]" in text
    _scan_history(coded)


def test_checkout_shows_the_code_once_on_the_terminal_only(coded: Ledger) -> None:
    coded.use("wang-dh")
    code, screen, files = run_in_pty(coded, ["checkout", "K-0031", "--purpose", "inspection"])
    assert code == 0, files
    assert f"Door code of K-0031: {CODE}" in screen
    assert CODE not in files and "The door code of K-0031 is given to 王德厚" in files
    # Done with a code: never "back in the cabinet".
    back = coded.ok("return", "K-0031").err
    assert "王德厚 is done with the door code of K-0031" in back and "cabinet" not in back
    _scan_history(coded)


def test_without_a_terminal_the_code_checkout_is_refused(coded: Ledger) -> None:
    coded.use("zhou-lx")
    before = coded.snapshot()
    done = subprocess.run([_script(), "-C", str(coded.root), "checkout", "K-0031", "--purpose",
                           "plants"], capture_output=True, text=True, start_new_session=True)
    assert done.returncode == 2 and "only on a terminal" in done.stderr
    assert CODE not in done.stdout + done.stderr
    assert coded.snapshot() == before


def test_a_passphrase_protected_key_is_unlocked_after_a_prompt(coded: Ledger, tmp_path: Path) -> None:
    key = tmp_path / "li-pw"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret", "-C", "li", "-f",
                    str(key)], check=True)
    coded.ok("steward", "add", "li-pw", "--name", "李平", "--key", f"{key}.pub", as_="liu-sj")
    coded.ok("household", "pair", "8-1-401", "--a", "zhou-lx", "--b", "li-pw")
    rekey = coded.ok("rekey")
    assert "K-0031 (8-1-401): now also for li-pw; no longer for wang-dh." in rekey.err
    assert "Rotate the code of K-0031: wang-dh" in rekey.err
    coded.git("config", "user.signingkey", str(key))
    code, screen, files = run_in_pty(coded, ["checkout", "K-0031", "--purpose", "plants"],
                                     passphrase="s3cret")
    assert code == 0, screen + files
    assert f"Door code of K-0031: {CODE}" in screen
    assert coded.git("log", "-1", "--format=%G? %GS").strip() == "G li-pw"
    code, screen, files = run_in_pty(coded, ["return", "K-0031"], passphrase="wrong")
    assert code != 0


def test_rotate_and_rekey_after_a_steward_leaves(coded: Ledger, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_CODE + "\n"))
    assert "pair or a supervisor" in coded.refused("code", "rotate", "K-0031", as_="sun-yp").err
    coded.ok("code", "rotate", "K-0031", as_="wang-dh")
    assert coded.git("log", "-1", "--format=%(trailers:key=Keyledger-Action,valueonly)").strip() \
        == "code-rotate"
    coded.ok("steward", "deactivate", "wang-dh", as_="liu-sj")
    report = coded.ok("rekey")
    assert "K-0031 (8-1-401): no longer for wang-dh.\n" in report.err
    assert "now also for" not in report.err and "—" not in report.err
    assert "Rotate the code of K-0031: wang-dh knew it" in report.err
    assert "code_recipients: [liu-sj, zhou-lx]" in \
        (coded.root / "keys/K-0031.yaml").read_text(encoding="utf-8")
    assert "already encrypted" in coded.ok("rekey").err
    coded.use("zhou-lx")
    code, screen, _ = run_in_pty(coded, ["checkout", "K-0031", "--purpose", "plants"])
    assert code == 0 and f"Door code of K-0031: {NEW_CODE}" in screen
    _scan_history(coded)


def test_a_ciphertext_copied_to_another_key_is_refused(coded: Ledger, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("999999\n"))
    coded.ok("key", "add", "--household", "8-1-401", "--id", "K-0032", "--kind", "code")
    source = (coded.root / "keys/K-0031.yaml").read_text(encoding="utf-8")
    target = coded.root / "keys/K-0032.yaml"
    block = source[source.index("code: |-"):source.index("code_recipients")]
    text = target.read_text(encoding="utf-8")
    target.write_text(text[:text.index("code: |-")] + block + text[text.index("code_recipients"):],
                      encoding="utf-8")
    coded.git("commit", "-qam", "copy a code by hand")
    coded.use("zhou-lx")
    code, screen, files = run_in_pty(coded, ["checkout", "K-0032", "--purpose", "plants"])
    assert code == 2 and "belongs to another key" in files
    assert CODE not in screen + files


def test_a_plain_code_in_a_key_file_is_refused(coded: Ledger) -> None:
    path = coded.root / "keys/K-0031.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("code: |-")
    path.write_text(text[:start] + "code: '1234'\n" + text[text.index("code_recipients"):],
                    encoding="utf-8")
    result = coded.refused("key", "show", "K-0031")
    assert "never a plain one" in result.err and "1234" not in result.err


def test_no_output_after_a_code_checkout_shows_the_code(coded: Ledger, tmp_path: Path) -> None:
    coded.use("wang-dh")
    code, screen, files = run_in_pty(coded, ["checkout", "K-0031", "--purpose", "inspection"])
    assert code == 0 and f"Door code of K-0031: {CODE}" in screen, files
    commands = [["report", "owner", "8-1-401"], ["report", "household", "8-1-401"],
                ["report", "weekly"], ["household", "card", "8-1-401", "--format", "md"],
                ["household", "card", "8-1-401", "--format", "html"],
                ["export", "keys", "--format", "csv"], ["key", "show", "K-0031", "--json"],
                ["status", "--json"], ["history", "K-0031", "--json"],
                ["history", "8-1-401", "--json"]]
    for args in commands:
        shown = coded.ok(*args)
        assert shown.out.strip(), args  # something was rendered, and it names the key
        assert "K-0031" in shown.out or args[0] == "report" and args[1] == "owner", args
        assert CODE not in shown.out + shown.err, args
    written = tmp_path / "keys.csv"
    coded.ok("export", "keys", "--format", "csv", "-o", str(written))
    assert "K-0031" in written.read_text(encoding="utf-8-sig")
    assert CODE not in written.read_text(encoding="utf-8-sig")
