"""Issue 15's targets: every everyday command as a ratio to `python -c 'import typer'`, measured
in the same run, with each process's peak memory; the first command after `git clone` (no event
index yet); a TAB completion. Results go into BENCHMARKS.md between `<!-- bench:begin
targets-NAME -->` markers, and bench/results/targets-NAME.json.

    .venv/bin/python bench/targets.py /tmp/keyledger-bench/large --name large --cold

The ledger is one made by bench/generate.py (its manifest names the benchmark key and
household). Each figure is the median of whole processes (spawn to exit) after one warm-up run,
keyledger and the floor alternating, so a machine shared with other work disturbs both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from run import ENV  # noqa: E402  (one environment for every benchmark)


# How far back `verify --since` starts: its time should grow with the commits it checks, on
# top of a small fixed cost (the intercept of the line through these).
VERIFY_BACK = (10, 100, 1000)


def spawn(cmd: list[str], cwd: Path | None = None, extra: dict | None = None) -> tuple[float, int]:
    """Seconds from spawn to exit, and the process's peak resident memory in KB (its own, as
    the kernel counts it for the process keyledger runs in; git's children are not in it)."""
    env = dict(ENV, **(extra or {}))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}: "
                         f"{err.decode(errors='replace').strip().splitlines()[-1:]}")
    return elapsed, usage.ru_maxrss


def measure(rows: list[tuple[str, list[str], dict | None]], floor: list[str], runs: int,
            cwd: Path) -> list[dict]:
    """Each command and the floor alternately: a warm-up, then `runs` rounds."""
    out = []
    for label, cmd, extra in rows:
        times, floors, peak = [], [], 0
        for n in range(runs + 1):
            t, rss = spawn(cmd, cwd, extra)
            f, _rss = spawn(floor, cwd)
            if n:
                times.append(t)
                floors.append(f)
                peak = max(peak, rss)
        k, b = statistics.median(times), statistics.median(floors)
        out.append({"op": label, "ms": k * 1000, "floor_ms": b * 1000, "ratio": k / b,
                    "peak_mb": peak / 1024, "runs": runs})
        print(f"  {label}: {k * 1000:.0f} ms, {k / b:.2f}x, {peak / 1024:.0f} MB",
              file=sys.stderr, flush=True)
    return out


def custody(KL: list[str], key: str, floor: list[str], runs: int, cwd: Path) -> list[dict]:
    """checkout and return of one key, in turn, each beside the floor."""
    steps = {"checkout": KL + ["checkout", key, "--purpose", "inspection"],
             "return": KL + ["return", key]}
    times: dict[str, list[float]] = {n: [] for n in steps}
    floors: dict[str, list[float]] = {n: [] for n in steps}
    peak = {n: 0 for n in steps}
    for n in range(runs + 1):
        for name, cmd in steps.items():
            t, rss = spawn(cmd, cwd)
            f, _rss = spawn(floor, cwd)
            if n:
                times[name].append(t)
                floors[name].append(f)
                peak[name] = max(peak[name], rss)
    return [{"op": f"{name} {key}", "ms": statistics.median(times[name]) * 1000,
             "floor_ms": statistics.median(floors[name]) * 1000,
             "ratio": statistics.median(times[name]) / statistics.median(floors[name]),
             "peak_mb": peak[name] / 1024, "runs": runs} for name in steps]


def cold(ledger: Path, kl: str, key: str) -> dict:
    """The first command after `git clone`: a clone (its objects hard-linked, its commit-graph
    removed, as a clone over the network has none), then `history KEY` once, building the index."""
    clone = ledger.parent / f"{ledger.name}-cold"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ledger), str(clone)], check=True, env=ENV)
    for graph in ("commit-graph", "commit-graphs"):
        target = clone / ".git/objects/info" / graph
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    cpu = os.times()
    seconds, rss = spawn([kl, "-C", str(clone), "history", key])
    after = os.times()
    size = (clone / ".git/keyledger/events.sqlite3").stat().st_size
    commits = int(subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"],
                                 capture_output=True, text=True, env=ENV).stdout)
    shutil.rmtree(clone, ignore_errors=True)
    return {"seconds": seconds, "peak_mb": rss / 1024, "index_mb": size / 2**20,
            "commits": commits,
            "cpu_s": (after.children_user - cpu.children_user)
            + (after.children_system - cpu.children_system)}


def bench_ledger(path: Path) -> tuple[Path, dict]:
    """A ledger of bench/generate.py and its manifest (the benchmark key, household, steward)."""
    ledger = path.resolve()
    return ledger, json.loads((ledger.parent / f"{ledger.name}-keys" / "manifest.json")
                              .read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ledger", type=Path)
    ap.add_argument("--name", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="also time the first command of a clone")
    ap.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = ap.parse_args()
    ledger, manifest = bench_ledger(args.ledger)
    key, household = manifest["bench_key"], manifest["bench_household"]
    steward = manifest["bench_steward"]
    py = sys.executable
    kl = str(Path(py).with_name("keyledger"))
    KL = [kl, "-C", str(ledger)]
    subprocess.run(["git", "-C", str(ledger), "reset", "-q", "--hard", manifest["head"]],
                   check=True, env=ENV)
    subprocess.run(KL + ["status"], env=ENV, capture_output=True, check=True)  # index made
    day = datetime.fromtimestamp(int(subprocess.run(
        ["git", "-C", str(ledger), "log", "-1", "--format=%ct"], capture_output=True, text=True,
        env=ENV).stdout), timezone.utc).date().isoformat()
    complete = {"_KEYLEDGER_COMPLETE": "complete_bash", "COMP_WORDS": f"keyledger checkout {key[:-2]}",
                "COMP_CWORD": "2"}
    commands: list[tuple[str, list[str], dict | None]] = [
        (f"history {key}", KL + ["history", key], None),
        (f"history {household}", KL + ["history", household], None),
        (f"history {key} --since {day}", KL + ["history", key, "--since", day], None),
        (f"household show {household}", KL + ["household", "show", household], None),
        (f"steward show {steward}", KL + ["steward", "show", steward], None),
        (f"report owner {household}", KL + ["report", "owner", household], None),
        (f"report household {household}", KL + ["report", "household", household], None),
        ("status", KL + ["status"], None),
        ("status --since last", KL + ["status", "--since", "last"], None),
        ("due", KL + ["due"], None),
        ("report weekly", KL + ["report", "weekly"], None),
        ("household list", KL + ["household", "list"], None),
        (f"TAB: keyledger checkout {key[:-2]}", [kl], dict(complete, KEYLEDGER_DIR=str(ledger))),
    ] + [(f"verify --since HEAD~{n}", KL + ["verify", "--since", f"HEAD~{n}"], None)
         for n in VERIFY_BACK]
    results = measure(commands, [py, "-c", "import typer"], args.runs, ledger)
    results += custody(KL, key, [py, "-c", "import typer"], args.runs, ledger)
    check = measure([("check", KL + ["check"], None)], [py, "-c", "import typer"], 3, ledger)
    subprocess.run(["git", "-C", str(ledger), "reset", "-q", "--hard", manifest["head"]],
                   check=True, env=ENV)
    out = {"name": args.name, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
           "sizes": [manifest["households"], manifest["keys"], manifest["total_commits"]],
           "rows": results + check, "cold": cold(ledger, kl, key) if args.cold else None}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"targets-{args.name}.json").write_text(json.dumps(out, indent=2))
    render(args.output, out)
    scaling(args.output)


def _block(path: Path, name: str, block: str) -> None:
    """Rewrite the text between this name's markers in BENCHMARKS.md (appended if new)."""
    text = path.read_text(encoding="utf-8")
    begin, end = f"<!-- bench:begin {name} -->", f"<!-- bench:end {name} -->"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end),
                      lambda _m: begin + "\n" + block + end, text, flags=re.S)
    else:
        text = text.rstrip("\n") + f"\n\n{begin}\n{block}{end}\n"
    path.write_text(text, encoding="utf-8")


def scaling(path: Path) -> None:
    """Each command's time at every size measured (bench/results/targets-*.json), side by side:
    what should stay flat as households and commits grow tenfold, and does."""
    runs = []
    for name in ("small", "medium", "large"):
        file = HERE / "results" / f"targets-{name}.json"
        if file.exists():
            runs.append(json.loads(file.read_text()))
    if len(runs) < 2:
        return
    def op(row: dict) -> str:  # the benchmark key, household and steward differ by size
        text = re.sub(r"K-\d+", "KEY", row["op"])
        text = re.sub(r"\S+-\d+-\d+-\d+", "HOUSEHOLD", text)
        text = re.sub(r"\d{4}-\d\d-\d\d", "DATE", text)
        return re.sub(r"(steward show) \S+$", r"\1 STEWARD", text)
    head = ["command"] + [f"{r['sizes'][0]:,} households, {r['sizes'][2]:,} commits"
                          for r in runs]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(runs)]
    for row in runs[0]["rows"]:
        cells = []
        for r in runs:
            match = next((x for x in r["rows"] if op(x) == op(row)), None)
            cells.append(f"{match['ms']:,.0f} ms, {match['ratio']:.2f}×" if match else "—")
        lines.append(f"| `{op(row)}` | " + " | ".join(cells) + " |")
    _block(path, "targets-scaling", "\n".join(lines) + "\n")


def render(path: Path, r: dict) -> None:
    h, k, c = r["sizes"]
    lines = [f"### {r['name']}: {h:,} households, {k:,} keys, {c:,} commits", "",
             f"{r['date']}; load average after {r['load']} (2 cores shared with six other "
             "engineers' test suites: take the ratios, not the times).", "",
             "| command | keyledger ms | `import typer` ms (same run) | ratio | peak MB |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for row in r["rows"]:
        lines.append(f"| `{row['op']}` | {row['ms']:,.0f} | {row['floor_ms']:,.0f} | "
                     f"{row['ratio']:.2f}× | {row['peak_mb']:.0f} |")
    verify = {row["op"]: row for row in r["rows"] if row["op"].startswith("verify --since")}
    if len(verify) == len(VERIFY_BACK):
        first, last = (verify[f"verify --since HEAD~{n}"] for n in (VERIFY_BACK[0],
                                                                    VERIFY_BACK[-1]))
        per = (last["ms"] - first["ms"]) / (VERIFY_BACK[-1] - VERIFY_BACK[0])
        fixed = first["ms"] - per * VERIFY_BACK[0]
        lines += ["", f"`verify --since`: {per:.2f} ms a commit checked, on top of a fixed "
                      f"{fixed:,.0f} ms ({fixed - first['floor_ms']:,.0f} ms beyond `import "
                      f"typer`), from the line through HEAD~{VERIFY_BACK[0]} and "
                      f"HEAD~{VERIFY_BACK[-1]}."]
    if r["cold"]:
        cd = r["cold"]
        lines += ["", f"First command after `git clone` (no index, no commit-graph): "
                      f"`history` built the index of {cd['commits']:,} commits in "
                      f"**{cd['seconds']:.0f} s** ({cd['cpu_s']:.0f} s of CPU, keyledger and "
                      f"git together), peak {cd['peak_mb']:.0f} MB; the index is "
                      f"{cd['index_mb']:.0f} MB."]
    _block(path, f"targets-{r['name']}", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
