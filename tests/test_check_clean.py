"""`check` remembers a clean ledger by the stamp of every file it read: run again with nothing
changed it answers without parsing, and any change to any file — a hand edit whose
modification time is put back included — makes it check everything again."""

from __future__ import annotations

import os
import time

from conftest import Ledger


def test_a_clean_check_is_remembered_and_any_change_checks_again(ledger: Ledger) -> None:
    memory = ledger.root / ".git/keyledger/check-clean"
    time.sleep(2.1)  # a stamp younger than two seconds is never remembered
    assert ledger.ok("check").code == 0
    assert memory.is_file()
    path = ledger.root / "keys/K-0012.yaml"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("household: 8-1-401", "household: 9-9-999"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # its change time still moves
    time.sleep(2.1)
    result = ledger.run("check")
    assert result.code == 1 and "9-9-999" in result.out + result.err
    path.write_text(text, encoding="utf-8")
    time.sleep(2.1)
    assert ledger.ok("check").code == 0
    # A remembered clean state that is not this one is only a miss.
    memory.write_text('{"version":0,"shape":"x","data":"not these files"}')
    assert ledger.ok("check").code == 0


def test_a_folder_replaced_by_a_link_to_its_copy_is_checked_again(ledger: Ledger,
                                                                   tmp_path) -> None:
    memory = ledger.root / ".git/keyledger/check-clean"
    time.sleep(2.1)
    assert ledger.ok("check").code == 0 and memory.is_file()
    # The same files (same inodes and times), now behind a symbolic link: check refuses it.
    os.rename(ledger.root / "keys", tmp_path / "keys")
    os.symlink(tmp_path / "keys", ledger.root / "keys")
    time.sleep(2.1)
    result = ledger.run("check")
    assert result.code == 1 and "keys" in result.out + result.err
