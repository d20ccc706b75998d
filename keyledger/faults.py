"""Fault injection for the crash-safety tests: KEYLEDGER_FAULT=<point> kills the process there
as `kill -9` would; KEYLEDGER_FAULT=pause:<point> stops there for a test to kill it."""

from __future__ import annotations

import os
import signal
import time


def point(name: str) -> None:
    wanted = os.environ.get("KEYLEDGER_FAULT")
    if not wanted:
        return
    if wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if wanted == f"pause:{name}":
        time.sleep(60)
