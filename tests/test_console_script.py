"""The installed `keyledger` console script, as a steward's shell runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import Ledger


def _script() -> str:
    beside = Path(sys.executable).parent / "keyledger"
    found = str(beside) if beside.exists() else shutil.which("keyledger")
    assert found, "the keyledger console script is not installed"
    return found


def test_console_script_runs_a_command_and_refuses_with_status_2(ledger: Ledger) -> None:
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root))
    ledger.use("zhou-lx")
    done = subprocess.run([_script(), "checkout", "K-0012", "--purpose", "plants"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "K-0012 is out with" in done.stderr
    again = subprocess.run([_script(), "checkout", "K-0012", "--purpose", "plants"], env=env,
                           capture_output=True, text=True)
    assert again.returncode == 2
    assert "already out" in again.stderr and "Traceback" not in again.stderr
    module = subprocess.run([sys.executable, "-m", "keyledger", "status", "--json"], env=env,
                            capture_output=True, text=True)
    assert module.returncode == 0 and '"K-0012"' in module.stdout


def test_help_lists_every_command() -> None:
    done = subprocess.run([_script(), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for name in ("init", "use-key", "whoami", "steward", "household", "key", "checkout", "return",
                 "status", "history"):
        assert name in done.stdout
