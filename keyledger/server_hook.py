"""The pre-receive hook of a shared ledger: every pushed commit is verified before it lands.

git runs it in the bare repository with the pushed objects in quarantine (GIT_OBJECT_DIRECTORY,
GIT_QUARANTINE_PATH), so `git log` and `git cat-file` here see them; nothing is accepted that
`keyledger verify` would flag. The shared ledger is one history: only `refs/heads/main` is
taken, and only as a fast-forward of itself (so from the same first commit); another branch, a
tag, or a main with another root would stay forever (`receive.denyDeletes`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from keyledger import gitops
from keyledger.i18n import _
from keyledger.timeutil import CLOCK_SKEW
from keyledger.verify import Result, verify_range

ZERO = "0" * 40
MAIN = "refs/heads/main"


def main(root: Path | None = None) -> int:
    root = root or Path.cwd()
    refused = []
    for line in sys.stdin.read().splitlines():
        old, new, ref = line.split()
        if ref != MAIN:
            refused.append(_("{ref}: the shared ledger is the one branch main; nothing else is "
                             "pushed to it").format(ref=ref))
            continue
        if new == ZERO:
            refused.append(_("{ref}: deleting a branch of the ledger is not allowed").format(ref=ref))
            continue
        if old != ZERO and gitops.run(root, "merge-base", "--is-ancestor", old, new).returncode:
            refused.append(_("{ref}: not a fast-forward; the ledger's history is never rewritten")
                           .format(ref=ref))
            continue
        result = Result(root="", root_fingerprint="")
        # The shared ledger's clock is the judge of time: nothing dated ahead of it is taken.
        verify_range(root, None if old == ZERO else old, new, result, ahead=CLOCK_SKEW)
        refused += [f"{ref}: {finding}" for finding in result.findings]
    for reason in refused:
        # The prefix stays as it is in every language: `sync` finds the reason by it.
        sys.stderr.write(f"keyledger: refused: {reason}\n")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
