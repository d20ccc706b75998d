"""`keyledger site` on the large benchmark ledger: a full build, a run with nothing changed, and an
incremental rebuild after one checkout — whole processes, wall clock and peak memory.

    .venv/bin/python bench/site.py [--base /tmp/keyledger-bench] [--work /tmp/keyledger-bench-site]

It uses the ledger `bench/generate.py` made (its manifest in BASE/large-keys/manifest.json;
generate it with `make bench-large` or `bench/generate.py`), never changing it: the checkout is
made in a clone that shares its objects. Prints the rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("KEYLEDGER_", "LC_", "LANG"))}


def run(argv: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak MB of this child alone (wait4's rusage: RUSAGE_CHILDREN would keep
    the largest of every child so far), its stdout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if child.returncode:
            sys.exit(f"{' '.join(argv)} failed:\n{err.read().decode()}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True, env=ENV).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, default=Path("/tmp/keyledger-bench"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/keyledger-bench-site"))
    args = parser.parse_args()
    manifest = json.loads((args.base / "large-keys" / "manifest.json").read_text())
    source = args.base / "large"
    kl = str(Path(sys.executable).with_name("keyledger"))
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    clone = args.work / "ledger"
    subprocess.run(["git", "clone", "-q", "--shared", str(source), str(clone)], check=True,
                   env=ENV)
    git(clone, "checkout", "-q", "-B", "main", manifest["head"])
    for line in git(source, "config", "--local", "--list").splitlines():
        name, _, value = line.partition("=")
        if name.startswith(("user.", "gpg.", "commit.", "keyledger.")):
            git(clone, "config", name, value)
    site = args.work / "site"
    rows = []
    # The first command in a clone builds the listing index: not the site's cost.
    run([kl, "-C", str(clone), "status", "--json"])
    seconds, peak, out = run([kl, "-C", str(clone), "site", "-o", str(site), "--json"])
    built = json.loads(out)
    files = sum(1 for p in site.rglob("*") if p.is_file())
    rows.append(("full build", seconds, peak, len(built["written"]), built["households"]))
    seconds, peak, out = run([kl, "-C", str(clone), "site", "-o", str(site), "--json"])
    built = json.loads(out)
    rows.append(("again, nothing changed", seconds, peak, len(built["written"]),
                 built["households"]))
    key = manifest["bench_key"]
    run([kl, "-C", str(clone), "checkout", key, "--purpose", "inspection"])
    seconds, peak, out = run([kl, "-C", str(clone), "site", "-o", str(site), "--json"])
    built = json.loads(out)
    rows.append((f"after one checkout ({key})", seconds, peak, len(built["written"]),
                 built["households"]))
    rewritten = built["written"]
    print(f"site of {manifest['households']:,} households, {manifest['keys']:,} keys, "
          f"{manifest['commits']:,} commits: {files:,} files\n")
    print("| run | wall s | peak MB | pages written | household pages looked at |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for what, s, mb, written, households in rows:
        print(f"| {what} | {s:.1f} | {mb:.0f} | {written:,} | {households:,} |")
    print(f"\nWritten after the checkout: {', '.join(rewritten)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
