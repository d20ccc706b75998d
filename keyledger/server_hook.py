"""The pre-receive hook of a shared ledger: every pushed commit is verified before it lands.

git runs it in the bare repository with the pushed objects in quarantine (GIT_OBJECT_DIRECTORY,
GIT_QUARANTINE_PATH), so `git log` and `git cat-file` here see them; nothing is accepted that
`keyledger verify` would flag, and no update that is not a fast-forward.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keyledger import gitops
from keyledger.verify import Result, verify_range

ZERO = "0" * 40


def main(root: Path | None = None) -> int:
    root = root or Path.cwd()
    refused = []
    for line in sys.stdin.read().splitlines():
        old, new, ref = line.split()
        if new == ZERO:
            refused.append(f"{ref}: deleting a branch of the ledger is not allowed")
            continue
        if old != ZERO and gitops.run(root, "merge-base", "--is-ancestor", old, new).returncode:
            refused.append(f"{ref}: not a fast-forward; the ledger's history is never rewritten")
            continue
        result = Result(root="", root_fingerprint="")
        verify_range(root, None if old == ZERO else old, new, result)
        refused += [f"{ref}: {finding}" for finding in result.findings]
    for reason in refused:
        sys.stderr.write(f"keyledger: refused: {reason}\n")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
