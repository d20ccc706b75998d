"""How long, and how much memory, the server's pre-receive hook takes to refuse hostile pushes
(issue 12.7): a ledger file of 20 MB, and one with 10,000 (and 1,000) unknown fields.

    .venv/bin/python bench/hostile_push.py [--runs 3]

Each push goes to a real bare repository with `keyledger hook install-server`, over the local
transport; the time is the whole `git push` (spawn to exit), the memory the peak resident size
of the biggest process it ran (the hook's Python, or git), from getrusage of the children. The
figures go to stdout as a Markdown table, for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
ENV = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
           PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
EDIT = ("edit notes\n\nKeyledger-Action: household-edit\nKeyledger-Household: h1\n"
        "Keyledger-Steward: zhou\nKeyledger-Fields: notes\n")


def run(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(args, cwd=cwd, env=ENV, check=True, capture_output=True,
                          text=True).stdout


def ledger(work: Path) -> tuple[Path, Path]:
    """A ledger with a supervisor, a steward and a household, its bare repository with the
    hook, and the steward's clone."""
    for who in ("liu", "zhou"):
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / who))
    kl = str(BIN / "keyledger")
    run(kl, "init", str(work / "main"), "--community", "基准社区", "--supervisor", "liu",
        "--name", "刘", "--key", str(work / "liu"))
    run(kl, "-C", str(work / "main"), "steward", "add", "zhou", "--name", "周", "--key",
        str(work / "zhou.pub"))
    run(kl, "-C", str(work / "main"), "household", "add", "h1", "--name", "王", "--address",
        "一号楼", "--pair", "zhou,liu")
    bare = work / "office.git"
    run("git", "clone", "-q", "--bare", str(work / "main"), str(bare))
    run(kl, "hook", "install-server", str(bare))
    run(kl, "clone", str(bare), str(work / "zhou-clone"), "--key", str(work / "zhou"))
    return bare, work / "zhou-clone"


def attempt(clone: Path, content: str) -> tuple[float, int, str]:
    """Commit `content` as the household file, push it; seconds, peak KB, the refusal."""
    run("git", "reset", "-q", "--hard", "origin/main", cwd=clone)
    (clone / "households/h1.yaml").write_text(content, encoding="utf-8")
    run("git", "commit", "-q", "--no-verify", "-am", EDIT, cwd=clone)
    # In a process of its own, whose children are the push alone: their peak is the push's.
    probe = ("import resource, subprocess, sys, time\n"
             "start = time.perf_counter()\n"
             "done = subprocess.run(['git', 'push', '--no-verify', 'origin', 'HEAD:main'],"
             " capture_output=True, text=True)\n"
             "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)"
             ".ru_maxrss, done.returncode)\n"
             "sys.stderr.write(done.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=clone, env=ENV, capture_output=True,
                          text=True)
    seconds, peak, code = done.stdout.split()
    assert code != "0", "the hook took it"
    refusal = next((line for line in done.stderr.splitlines() if "refused" in line), "?")
    return float(seconds), int(peak), refusal


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        _bare, clone = ledger(work)
        base = (clone / "households/h1.yaml").read_text(encoding="utf-8")
        cases = {
            "20 MB household file": base.replace("notes: ''", "notes: '" + "备注" * 3_500_000 + "'"),
            "10,000 unknown fields (228 KB)": base + "".join(f"field_{n}: {n}\n" for n in range(10_000)),
            "1,000 unknown fields (17 KB)": base + "".join(f"field_{n}: {n}\n" for n in range(1_000)),
        }
        print("| push | refused in (median of %d) | peak memory | the hook says |" % args.runs)
        print("| --- | --- | --- | --- |")
        for name, content in cases.items():
            results = [attempt(clone, content) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            why = results[0][2].split(": ", 4)[-1][:90]
            print(f"| {name} | {seconds:.2f} s | {peak / 1024:.0f} MB | {why} |")


if __name__ == "__main__":
    main()
