"""Ctrl-C says what happened: a real SIGINT to a real keyledger process stopped at each step of
a checkout — before anything is written, with the files written, and after the commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from conftest import Ledger

SCRIPT = str(Path(sys.executable).parent / "keyledger")


def _interrupt(ledger: Ledger, point: str, ready: Callable[[], bool]) -> tuple[int, str]:
    ledger.use("zhou-lx")
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root), LANG="zh_CN.UTF-8",
               **({"KEYLEDGER_FAULT": f"pause:{point}"} if point else {}))
    # As a terminal starts it: a shell without job control (CI, `cmd &`) starts its children
    # with SIGINT ignored, and Python keeps an ignored SIGINT ignored.
    proc = subprocess.Popen([SCRIPT, "checkout", "K-0012", "--purpose", "浇花"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not ready():
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err + out


def test_ctrl_c_before_anything_is_written(ledger: Ledger) -> None:
    before = ledger.snapshot()
    journal = ledger.root / ".git/keyledger/journal"
    code, err = _interrupt(ledger, "after-journal", journal.exists)
    assert code == 130
    assert err.strip().splitlines()[-1] == "已中断；没有写入任何内容。", err
    assert "Traceback" not in err
    assert ledger.snapshot()[0] == before[0]
    assert ledger.run("status").code == 0  # the next command puts back what is left
    assert ledger.snapshot() == before


def test_ctrl_c_with_the_files_written_undoes_them(ledger: Ledger) -> None:
    before = ledger.snapshot()
    key = ledger.root / "keys/K-0012.yaml"
    code, err = _interrupt(ledger, "after-write",
                           lambda: "state: out" in key.read_text(encoding="utf-8"))
    assert code == 130
    assert err.strip().splitlines()[-1] == "已中断；已写了一半的内容都已撤回，没有留下记录。", err
    assert ledger.snapshot() == before


def test_ctrl_c_after_the_commit_says_it_was_recorded(ledger: Ledger) -> None:
    head = ledger.head()
    journal = ledger.root / ".git/keyledger/journal"
    code, err = _interrupt(ledger, "after-update-ref", lambda: ledger.head() != head)
    assert code == 130
    sha = ledger.head()
    assert err.strip().splitlines()[-1] == f"已中断；但这次操作已经记录下来了（记录号 {sha[:10]}）。", err
    assert journal.exists()
    assert ledger.run("status").code == 0 and not journal.exists()
    assert ledger.git("status", "--porcelain").strip() == ""


def test_ctrl_c_while_git_records_it_keeps_the_record(ledger: Ledger) -> None:
    """The record is made when git moves HEAD; a Ctrl-C that comes while `git update-ref` is still
    running (held here by a hook, after HEAD moved) must not put the files back under a commit
    that stands, nor say that nothing was recorded."""
    head = ledger.head()
    hook = ledger.root / ".git/hooks/reference-transaction"
    hook.write_text('#!/bin/sh\n[ "$1" = committed ] && sleep 3\nexit 0\n', encoding="utf-8")
    hook.chmod(0o755)
    code, err = _interrupt(ledger, "", lambda: ledger.head() != head)
    hook.unlink()
    sha = ledger.head()
    assert code == 130
    assert err.strip().splitlines()[-1] == f"已中断；但这次操作已经记录下来了（记录号 {sha[:10]}）。", err
    assert "state: out" in (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    assert ledger.git("status", "--porcelain").strip() == ""
    assert ledger.run("status").code == 0
