"""12.10: a lock left behind names itself: which file, whether a process holds it, the command
to run; keyledger removes one it can prove is its own and stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import Ledger


def test_a_stale_index_lock_is_named_with_the_command_to_run(ledger: Ledger) -> None:
    lock = ledger.root / ".git/index.lock"
    lock.write_bytes(b"")  # a git killed half-way through writing the index
    started = time.monotonic()
    result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert time.monotonic() - started < 5  # no waiting for a lock nobody holds
    assert f"{lock} was left by a git that was stopped (no process holds it)" in result.err
    assert f"rm {lock} && git -C {ledger.root} status" in result.err
    assert lock.exists()  # not keyledger's to remove: nothing says it was its own


def test_a_held_index_lock_names_its_holder(ledger: Ledger) -> None:
    lock = ledger.root / ".git/index.lock"
    holder = subprocess.Popen([sys.executable, "-c", f"f = open({str(lock)!r}, 'w'); "
                               "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 10
        while not lock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        result = ledger.refused("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
        assert f"{lock} is held by a running process ({holder.pid}:" in result.err
    finally:
        holder.kill()
        holder.wait()


def test_keyledgers_own_stale_lock_is_removed_and_the_command_undone(ledger: Ledger) -> None:
    lock = ledger.root / ".git/index.lock"
    journal = ledger.root / ".git/keyledger/journal"
    key = ledger.root / "keys/K-0012.yaml"
    before = key.read_text(encoding="utf-8")
    # A checkout killed after writing the key file, its git killed in turn holding the index.
    journal.write_text(json.dumps({"head": ledger.head(), "paths": ["keys/K-0012.yaml"]}),
                       encoding="utf-8")
    key.write_text(before.replace("state: in", "state: out"), encoding="utf-8")
    lock.write_bytes(b"")
    result = ledger.run("status")
    assert result.code == 0, result.err
    assert "An interrupted keyledger command was undone" in result.err
    assert not lock.exists() and not journal.exists()
    assert key.read_text(encoding="utf-8") == before
    # A lock older than the interrupted command is not provably its own: named, not removed.
    lock.write_bytes(b"")
    old = time.time() - 60
    os.utime(lock, (old, old))
    journal.write_text(json.dumps({"head": ledger.head(), "paths": []}), encoding="utf-8")
    result = ledger.run("status")
    assert result.code == 2 and f"{lock} was left by a git that was stopped" in result.err
    assert lock.exists()
