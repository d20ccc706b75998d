"""The demo's clock: one keyledger command, standing at a chosen moment.

    python demo/at.py 2026-11-25T14:02:00+08:00 checkout K-0001 --purpose plants

keyledger reads the time from the system clock only — no option and no environment variable
sets it, so that nobody can date a checkout before a revocation. The demo tells a week of a
community's work in a few seconds, so this script replaces the clock inside its own process,
as the tests do (tests/conftest.py); an installed `keyledger` command never does. Its commits
are dated at that moment, their git time included, so `verify` finds the week in order.
"""

from __future__ import annotations

import sys

from keyledger import timeutil
from keyledger.cli import main

if __name__ == "__main__":
    moment = sys.argv.pop(1)
    timeutil.clock = lambda tz: timeutil.parse_datetime(moment, tz)
    main()
