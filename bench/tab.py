"""A TAB (issue 15, point 3: ≤ 100 ms at the large size): what the installed completion scripts
run, each beside `python -c 'import typer'` in the same run, and the same TAB answered by the
full Typer application (`keyledger.cli.run`, what the script ran before keyledger.cli.tab), so
the two can be told apart on a machine whose load moves every figure.

    .venv/bin/python bench/tab.py /tmp/keyledger-bench/large --name large --runs 15

Medians of whole processes after a warm-up, alternating with the floor (bench/targets.py's
`measure`). Results go into bench/results/tab-NAME.json and BENCHMARKS.md between
`<!-- bench:begin tab-NAME -->` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from targets import _block, bench_ledger, measure  # noqa: E402  (one way of timing for every target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ledger", type=Path)
    ap.add_argument("--name", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--output", type=Path, default=HERE.parent / "BENCHMARKS.md")
    args = ap.parse_args()
    ledger, manifest = bench_ledger(args.ledger)
    key, household, steward = (manifest[f"bench_{n}"] for n in ("key", "household", "steward"))
    py = sys.executable
    script = str(Path(py).with_name("keyledger"))
    typer_path = [py, "-c", "import sys; from keyledger.cli import run; sys.exit(run([]))"]

    def bash(line: str) -> dict[str, str]:
        words = line.split()
        return {"_KEYLEDGER_COMPLETE": "complete_bash", "COMP_WORDS": line, "KEYLEDGER_DIR":
                str(ledger), "COMP_CWORD": str(len(words) - (0 if line.endswith(" ") else 1))}

    keys = f"keyledger checkout {key[:-2]}"
    lines = [(f"TAB `{keys}` (keys, from the index)", bash(keys)),
             (f"TAB `keyledger household show {household[:-3]}` (households)",
              bash(f"keyledger household show {household[:-3]}")),
             (f"TAB `keyledger handover {key} --to {steward[:2]}` (stewards)",
              bash(f"keyledger handover {key} --to {steward[:2]}")),
             (f"TAB `keyledger checkout {key} --purpose pl` (vocabulary)",
              bash(f"keyledger checkout {key} --purpose pl")),
             (f"TAB `{keys}`, zsh", {"_KEYLEDGER_COMPLETE": "complete_zsh",
                                      "_TYPER_COMPLETE_ARGS": keys, "KEYLEDGER_DIR": str(ledger)})]
    rows = [(label, [script], env) for label, env in lines]
    rows.append((f"TAB `{keys}` through Typer (before)", typer_path, lines[0][1]))
    rows.append(("`python -c pass` (Python's start)", [py, "-c", "pass"], None))
    results = measure(rows, [py, "-c", "import typer"], args.runs, ledger)
    out = {"name": args.name, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
           "sizes": [manifest["households"], manifest["keys"], manifest["total_commits"]],
           "rows": results}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"tab-{args.name}.json").write_text(json.dumps(out, indent=2))
    h, k, c = out["sizes"]
    table = [f"TAB at {h:,} households, {k:,} keys, {c:,} commits; {out['date']}; load average "
             f"after {out['load']} (2 cores shared: take the ratios). Median of {args.runs}.", "",
             "| TAB | ms | `import typer` ms (same run) | ratio | peak MB |",
             "| --- | ---: | ---: | ---: | ---: |"]
    table += [f"| {r['op']} | {r['ms']:,.0f} | {r['floor_ms']:,.0f} | {r['ratio']:.2f}× | "
              f"{r['peak_mb']:.0f} |" for r in results]
    _block(args.output, f"tab-{args.name}", "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
