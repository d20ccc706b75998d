"""Interleaved A/B timing of one keyledger command: a checkout of another commit (`--base`, e.g.
a `git worktree` of main) against this one, the same Python, one run of each in turn, as the
CPU time of the whole process (user + system, from getrusage) — on a machine shared with other
work, wall time is mostly the neighbours.

    python bench/ab.py --base /tmp/main-wt --runs 21 -- --help
    python bench/ab.py --base /tmp/main-wt --runs 8 --cwd LEDGER --then "return K-000174" \
        -- checkout K-000174 --purpose plants

`--then` runs a second command after each, untimed, so that a checkout is undone by a return
and can be timed again.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def cpu_ms(tree: Path, args: list[str], cwd: str | None) -> float:
    """One run of `python -m keyledger ARGS` with `tree` first on the path; its CPU time."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "keyledger", *args], env=env, cwd=cwd,
                          capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: keyledger {' '.join(args)} failed: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, type=Path, help="the other checkout")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--cwd", help="run in this folder (a ledger)")
    parser.add_argument("--then", help="a command run after each, to undo the first")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    given = parser.parse_args()
    command = [a for a in given.command if a != "--"] if given.command[:1] == ["--"] \
        else given.command
    then = shlex.split(given.then) if given.then else None
    times: dict[str, list[float]] = {"base": [], "this": []}
    for _ in range(given.runs):
        for name, tree in (("base", given.base), ("this", HERE)):
            times[name].append(cpu_ms(tree, command, given.cwd))
            if then:
                cpu_ms(tree, then, given.cwd)
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.1f} ms CPU, min {min(values):.1f} ms "
              f"(n={len(values)})")


if __name__ == "__main__":
    main()
