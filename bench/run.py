"""Run keyledger's benchmarks and write BENCHMARKS.md (issue 7).

    .venv/bin/python bench/run.py --size small      # 1,000 households, 200 keys, 10,000 commits
    .venv/bin/python bench/run.py --size large      # 100,000 / 20,000 / 1,000,000

Every figure is a whole process (what a steward waits for at a door), timed from spawn to exit,
the median of several runs after one warm-up run; keyledger and its baseline run alternately on
the same generated ledger in the same run, so a noisy machine disturbs both alike. The ledger is
made by bench/generate.py in --dir (default /tmp/keyledger-bench/<size>); the small one is made
afresh each time (seconds), the large one is reused when its manifest matches (--regenerate to
make it again).

BENCHMARKS.md is rewritten only between its `<!-- bench:… -->` markers: notes outside them stay.
The raw figures are also kept in bench/results/<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
SIZES = {"small": (1_000, 200, 10_000), "large": (100_000, 20_000, 1_000_000)}
PASS_ENTRIES = 20_000


def env() -> dict[str, str]:
    e = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
             GIT_TERMINAL_PROMPT="0", NO_COLOR="1")
    for name in ("KEYLEDGER_DIR", "KEYLEDGER_IDENTITY", "GIT_DIR",
                 "GIT_WORK_TREE"):
        e.pop(name, None)
    return e


ENV = env()


class Failed(Exception):
    pass


def run_once(cmd: list[str] | str, cwd: Path | None = None, extra_env: dict | None = None,
             input: bytes | None = None, timeout: float | None = None) -> float:
    """Seconds from spawn to exit; Failed if the exit status is not 0 or it takes too long."""
    shell = isinstance(cmd, str)
    e = dict(ENV, **(extra_env or {}))
    start = time.perf_counter()
    try:
        result = subprocess.run(cmd, shell=shell, cwd=cwd, env=e, input=input, timeout=timeout,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.TimeoutExpired:
        raise Failed(f"stopped after {timeout:.0f} s")
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        lines = [l for l in result.stderr.decode(errors="replace").splitlines() if l.strip()]
        raise Failed(f"exit {result.returncode}: {lines[-1].strip('│ ') if lines else ''}")
    return elapsed


class Step:
    """One timed process: a command, and optionally untimed work before it."""

    def __init__(self, cmd, before=None, cwd=None, extra_env=None, input=None):
        self.cmd, self.before, self.cwd, self.extra_env, self.input = cmd, before, cwd, \
            extra_env, input

    def __call__(self, timeout: float | None = None) -> float:
        if self.before:
            self.before()
        return run_once(self.cmd, self.cwd, self.extra_env, self.input, timeout)


TIMEOUT: float | None = None  # seconds one process may take (--timeout)


def sample(steps: dict[str, list[Step]], runs: int, budget: float) -> dict[str, dict]:
    """Runs each named sequence of steps alternately: one warm-up round, then `runs` rounds
    (at least 3, fewer than `runs` when a round is slower than budget/runs); a round slower than
    3 x budget is not repeated and the warm-up is the figure. A sequence's time is the sum of
    its steps."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    errors: dict[str, str] = {}
    rounds, done, cold = runs + 1, 0, False
    while done < rounds:
        for name, sequence in steps.items():
            if name in errors:
                continue
            try:
                times[name].append(sum(step(TIMEOUT) for step in sequence))
            except Failed as exc:
                errors[name] = str(exc)
        done += 1
        if done == 1:  # the warm-up round says how slow a round is
            round_time = sum(t[0] for t in times.values() if t)
            if round_time > 3 * budget:
                cold = True
                break
            for t in times.values():
                t.clear()
            rounds = 1 + max(3, min(runs, int(budget / max(round_time, 1e-9))))
    out = {}
    for name in steps:
        if name in errors:
            out[name] = {"error": errors[name]}
        else:
            out[name] = {"median": statistics.median(times[name]), "runs": len(times[name]),
                         "min": min(times[name]), "max": max(times[name]), "cold": cold}
    return out


# ----------------------------------------------------------------------------------------------

def git(ledger: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(ledger), *args], capture_output=True, text=True,
                            env=ENV)
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def machine() -> dict[str, str]:
    import yaml

    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": out(["nproc"]), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(), "git": out(["git", "--version"]),
            "pyyaml_c": str(bool(getattr(yaml, "__with_libyaml__", False))),
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def ensure_ledger(size: str, base: Path, regenerate: bool) -> tuple[Path, dict, float | None]:
    households, keys, commits = SIZES[size]
    ledger, keys_dir = base / size, base / f"{size}-keys"
    manifest_path = keys_dir / "manifest.json"
    if not regenerate and size == "large" and manifest_path.exists() and ledger.is_dir():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("households"), manifest.get("keys"), manifest.get("commits")) == \
                (households, keys, commits):
            print(f"reusing {ledger} (generated in {manifest['timings_s']['total']} s)",
                  file=sys.stderr)
            return ledger, manifest, None
    print(f"generating {ledger} ({households} households, {keys} keys, {commits} commits)",
          file=sys.stderr)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--households", str(households),
                    "--keys", str(keys), "--commits", str(commits), "--out", str(ledger),
                    "--keys-dir", str(keys_dir), "--force"], check=True, env=ENV)
    elapsed = time.perf_counter() - start
    return ledger, json.loads(manifest_path.read_text()), elapsed


def pass_store(base: Path) -> dict | None:
    """A `pass` store of 20,000 entries (one gpg ciphertext copied; pass does not mind) with its
    git repository; a test key without a passphrase in its own GNUPGHOME."""
    if not shutil.which("pass") or not shutil.which("gpg"):
        return None
    store, home = base / "pass-store", base / "gnupg"
    penv = {"PASSWORD_STORE_DIR": str(store), "GNUPGHOME": str(home)}
    e = dict(ENV, **penv)
    if not (store / ".gpg-id").exists() or len(list((store / "ledger").glob("*/*.gpg"))) \
            < PASS_ENTRIES:
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(mode=0o700, parents=True)
        subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                        "--quick-gen-key", "keyledger bench <bench@keyledger.invalid>",
                        "default", "default", "never"], env=e, check=True, capture_output=True)
        subprocess.run(["pass", "init", "bench@keyledger.invalid"], env=e, check=True,
                       capture_output=True)
        subprocess.run(["pass", "git", "init"], env=e, check=True, capture_output=True)
        for name, value in (("user.name", "bench"), ("user.email", "bench@keyledger.invalid"),
                            ("commit.gpgsign", "false")):
            subprocess.run(["git", "-C", str(store), "config", name, value], env=e, check=True)
        subprocess.run(["pass", "insert", "-m", "ledger/0000/seed"], input=b"1234\n", env=e,
                       check=True, capture_output=True)
        blob = (store / "ledger" / "0000" / "seed.gpg").read_bytes()
        for i in range(PASS_ENTRIES):
            folder = store / "ledger" / f"{i // 100:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"K-{i + 1:06d}.gpg").write_bytes(blob)
        subprocess.run(["git", "-C", str(store), "add", "-A"], env=e, check=True)
        subprocess.run(["git", "-C", str(store), "commit", "-q", "-m", "20,000 entries"], env=e,
                       check=True)
    return penv


def stop_gpg_agent(penv: dict | None) -> None:
    if penv and shutil.which("gpgconf"):
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(ENV, **penv),
                       capture_output=True)


def importtime(keyledger_python: str) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module) of `python -X importtime -m keyledger --help`, the ten
    largest cumulative figures."""
    result = subprocess.run([keyledger_python, "-X", "importtime", "-m", "keyledger", "--help"],
                            capture_output=True, text=True, env=ENV)
    rows = []
    for line in result.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append((int(m.group(2)), int(m.group(1)), "  " * depth + m.group(4)))
    return sorted(rows, reverse=True)[:10]


def implemented(kl: str, ledger: Path, command: str) -> tuple[bool, str]:
    result = subprocess.run([kl, "-C", str(ledger), command, "--help"], capture_output=True,
                            text=True, env=ENV)
    return result.returncode == 0, result.stdout


# ----------------------------------------------------------------------------------------------

def benchmark(size: str, base: Path, regenerate: bool, runs: int, budget: float) -> dict:
    py = sys.executable
    kl = str(Path(py).with_name("keyledger"))
    info = machine()
    ledger, manifest, generated = ensure_ledger(size, base, regenerate)
    key, household = manifest["bench_key"], manifest["bench_household"]
    key_path = f"keys/{key}.yaml"
    L = str(ledger)
    KL = [kl, "-C", L]
    # The ledger as generated: a reused one is put back (the runs below add commits).
    git(ledger, "reset", "-q", "--hard", manifest["head"])
    since = git(ledger, "rev-parse", "HEAD~100")
    rows: list[dict] = []

    def compare(op: str, kl_steps, baselines: list[tuple[str, list[Step]]], note: str = "",
                n: int = runs) -> None:
        steps = {"keyledger": kl_steps, **{name: s for name, s in baselines}}
        print(f"  {op} …", file=sys.stderr, flush=True)
        result = sample(steps, n, budget)
        for name, _s in baselines:
            rows.append({"op": op, "keyledger": result["keyledger"], "baseline": name,
                         "base": result[name], "note": note})

    def ls_cat(*folders: str) -> str:
        """The floor of reading every file of some folders: their blobs out of git."""
        return (f"git -C '{L}' ls-tree -r --format='%(objectname)' HEAD -- {' '.join(folders)}"
                f" | git -C '{L}' cat-file --batch > /dev/null")

    # check and verify first: the custody runs below add commits verify would rightly refuse
    check_ok, _ = implemented(kl, ledger, "check")
    verify_ok, verify_help = implemented(kl, ledger, "verify")
    check_floor = [("cat-file of every file", [Step(ls_cat("keyledger.yaml", "stewards",
                                                           "households", "keys"))])]
    verify_floor = [("`git log --name-status --format=%H%x1f%P%x1f%(trailers:only,unfold)` of "
                     "all, no signature checks",
                     [Step(["git", "-C", L, "log", "--name-status",
                            "--format=%H%x1f%P%x1f%(trailers:only,unfold)"])])]
    since_floor = [(f"the same with `%G?` (signature checks), `{since[:10]}..HEAD`",
                    [Step(["git", "-C", L, "log", "--name-status",
                           "--format=%H%x1f%P%x1f%G?%x1f%(trailers:only,unfold)",
                           f"{since}..HEAD"])])]
    for op, ok, kl_steps, floors, n in (
            ("`keyledger check`", check_ok, [Step(KL + ["check"])], check_floor, runs),
            ("`keyledger verify --full`", verify_ok, [Step(KL + ["verify", "--full"])],
             verify_floor, runs),
            ("`keyledger verify --since HEAD~100`", verify_ok and "--since" in verify_help,
             [Step(KL + ["verify", "--since", since])], since_floor, runs)):
        if ok:
            compare(op, kl_steps, floors, n=n)
        else:
            base_only = sample({name: s for name, s in floors}, n, budget)
            for name, _s in floors:
                rows.append({"op": op, "keyledger": {"error": "not implemented yet"},
                             "baseline": name, "base": base_only[name]})

    typer_floor = [Step([py, "-c", "import typer"])]
    compare("`keyledger --help`", [Step(KL + ["--help"])],
            [("`python -c 'import typer'`", typer_floor)])
    compare("`keyledger whoami`", [Step(KL + ["whoami"])],
            [("`python -c 'import typer'`", typer_floor)])

    # Custody: one key out and back, alternating with the floors that flip the same file twice.
    path = ledger / key_path

    def flip() -> None:
        text = path.read_text(encoding="utf-8")
        text = (text.replace("\nstate: in\n", "\nstate: out\n", 1) if "\nstate: in\n" in text
                else text.replace("\nstate: out\n", "\nstate: in\n", 1))
        path.write_text(text, encoding="utf-8")

    floor = Step([py, str(HERE / "floor_commit.py"), L, key])
    porcelain = [Step(["git", "-C", L, "add", "--", key_path], before=flip),
                 Step(["git", "-C", L, "commit", "-S", "-q", "-m", f"porcelain {key}"])]
    checkout = Step(KL + ["checkout", key, "--purpose", "inspection"])
    ret = Step(KL + ["return", key])
    custody = sample({"checkout": [checkout], "floor": [floor], "floor2": [floor],
                      "return": [ret], "porcelain": porcelain, "porcelain2": porcelain},
                     runs, budget * 2)
    floor_all = _merge(custody["floor"], custody["floor2"])
    porcelain_all = _merge(custody["porcelain"], custody["porcelain2"])
    for op in ("checkout", "return"):
        rows.append({"op": f"`keyledger {op} {key}`", "keyledger": custody[op],
                     "baseline": "`bench/floor_commit.py` (plumbing, signed)", "base": floor_all})
        rows.append({"op": f"`keyledger {op} {key}`", "keyledger": custody[op],
                     "baseline": "`git add` + `git commit -S` (porcelain)", "base": porcelain_all})

    penv = pass_store(base)
    if penv:
        peer = sample({"pass": [Step(["pass", "insert", "-f", "-m", "ledger/0000/bench"],
                                     extra_env=penv, input=b"1234\n")]}, runs, budget)
        rows.append({"op": f"peer: `pass insert` ({PASS_ENTRIES:,} entries) beside checkout",
                     "keyledger": custody["checkout"], "baseline": "`pass insert -f -m`",
                     "base": peer["pass"]})
        stop_gpg_agent(penv)
    else:
        rows.append({"op": "peer: `pass insert`", "keyledger": custody["checkout"],
                     "baseline": "`pass insert`", "base": {"error": "pass or gpg not installed"}})

    rows += shared_custody(ledger, manifest, base, KL, floor_all, runs, budget)

    fmt = "%H%x1f%G?%x1f%s%x1f%(trailers:only,unfold)"
    compare(f"`keyledger history {key}`", [Step(KL + ["history", key])],
            [(f"`git log --format={fmt} -- {key_path}`",
              [Step(["git", "-C", L, "log", f"--format={fmt}", "--", key_path])]),
             ("the same without `%G?` (no signature checks)",
              [Step(["git", "-C", L, "log", f"--format={fmt.replace('%G?%x1f', '')}", "--",
                     key_path])])])
    fp = manifest.get("bloom_false_positive_rates") or {}
    worst = fp.get("worst_key")
    if size == "small" and worst and worst != key:  # at a million commits: minutes of tree diffs
        worst_path = f"keys/{worst}.yaml"
        compare(f"`keyledger history {worst}` (the key worst served by Bloom filters)",
                [Step(KL + ["history", worst])],
                [(f"`git log --format={fmt} -- {worst_path}`",
                  [Step(["git", "-C", L, "log", f"--format={fmt}", "--", worst_path])])])
    compare("`keyledger status`", [Step(KL + ["status"])],
            [("cat-file of keys/, stewards/", [Step(ls_cat("keys", "stewards"))])])
    compare("`keyledger due`", [Step(KL + ["due"])],
            [("cat-file of households/, keys/", [Step(ls_cat("households", "keys"))])])
    compare("`keyledger household list`", [Step(KL + ["household", "list"])],
            [("cat-file of households/", [Step(ls_cat("households"))])])
    compare(f"`keyledger household show {household}`",
            [Step(KL + ["household", "show", household])],
            [("cat-file of its file + `git grep` of its keys",
              [Step(f"git -C '{L}' cat-file -p 'HEAD:households/{household}.yaml' > /dev/null"
                    f" && git -C '{L}' grep -l -e '^household: {household}$' -- keys/ "
                    f"> /dev/null")])])
    month = "--since=37.days"
    compare("`keyledger report weekly`", [Step(KL + ["report", "weekly"])],
            [("`git log` of keys/ over 37 days + cat-file of households/, keys/",
              [Step(f"git -C '{L}' log {month} --format='%H%x1f%cI%x1f%s%x1f%(trailers:only,"
                    f"unfold)' -- keys > /dev/null && " + ls_cat("households", "keys"))])])

    commits_after = git(ledger, "rev-list", "--count", "HEAD")
    git(ledger, "reset", "-q", "--hard", manifest["head"])
    late = [r for r in rows if r["op"].startswith(("`keyledger check", "`keyledger verify"))]
    rows = [r for r in rows if r not in late] + late
    if git(ledger, "status", "--porcelain"):
        print(f"warning: {ledger} was left with changes", file=sys.stderr)
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"size": size, "sizes": SIZES[size], "machine": info, "ledger": L,
            "manifest": manifest, "generated_s": generated, "rows": rows,
            "importtime": importtime(py), "commits_after": commits_after}


def shared_custody(ledger: Path, manifest: dict, base: Path, KL: list[str], floor: dict,
                   runs: int, budget: float) -> list[dict]:
    """checkout and return in a clone of a shared ledger (issue 17): each ends by starting a
    sync in the background, which pushes the record through both guards (the clone's pre-push
    `verify`, the shared repository's pre-receive). Timed: the steward's wait, spawn to exit.
    The background sync is let finish, untimed, before the next run; how long it took (from
    the command's request to its recorded outcome) is reported beside."""
    key = manifest["bench_key"]
    git(ledger, "reset", "-q", "--hard", manifest["head"])
    office = base / "bench-office.git"
    shutil.rmtree(office, ignore_errors=True)
    git(ledger, "clone", "-q", "--bare", "--local", str(ledger), str(office))
    run_once(KL + ["hook", "install-server", str(office)])
    git(ledger, "remote", "add", "origin", str(office))
    git(ledger, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(ledger, "config", "keyledger.autoshare", "true")
    state = ledger / ".git" / "keyledger"
    # As a clone that has verified its history: the generated one signs only its last commits.
    found = subprocess.run(KL + ["verify", "--json", "--since", "HEAD"], capture_output=True,
                           text=True, env=ENV)
    (state / "verified").write_text(
        f"{json.loads(found.stdout)['root_fingerprint']} {git(ledger, 'rev-parse', 'HEAD')}\n")
    synced: list[float] = []
    outcomes: list[str] = []

    def settled() -> None:
        """Until the background sync of the run before has recorded what it found."""
        asked_path = state / "share-requested"
        if not asked_path.exists():
            return
        asked = int(asked_path.read_text())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                attempt = json.loads((state / "share-attempt.json").read_text())
            except (OSError, ValueError):
                attempt = {}
            if attempt.get("id", 0) > asked:
                if len(synced) < len(outcomes) + 1:
                    synced.append((attempt["id"] - asked) / 1e9)
                    outcomes.append(attempt.get("kind", "?"))
                return
            time.sleep(0.02)
        raise Failed("the background sync did not finish in 120 s")

    try:
        custody = sample({"checkout": [Step(KL + ["checkout", key, "--purpose", "inspection"],
                                            before=settled)],
                          "return": [Step(KL + ["return", key], before=settled)]},
                         runs, budget * 2)
        settled()
    finally:
        pushed = git(ledger, "rev-parse", "HEAD") == git(office, "rev-parse", "main")
        git(ledger, "remote", "remove", "origin")
        git(ledger, "config", "--unset", "keyledger.autoshare")
        shutil.rmtree(office, ignore_errors=True)
        git(ledger, "reset", "-q", "--hard", manifest["head"])
    note = (f"the background sync that shared each record took {statistics.median(synced):.2f} s "
            f"(median of {len(synced)}; outcomes: {', '.join(sorted(set(outcomes)))}; the "
            f"shared ledger held the last record: {'yes' if pushed else 'no'})"
            if synced else "")
    return [{"op": f"`keyledger {op} {key}`, sharing on (the steward's wait)",
             "keyledger": custody[op], "baseline": "`bench/floor_commit.py` (plumbing, signed)",
             "base": floor, "note": note} for op in ("checkout", "return")]


def _merge(a: dict, b: dict) -> dict:
    if "error" in a or "error" in b:
        return a if "error" in a else b
    return {"median": (a["median"] + b["median"]) / 2, "runs": a["runs"] + b["runs"],
            "min": min(a["min"], b["min"]), "max": max(a["max"], b["max"])}


# ----------------------------------------------------------------------------------------------

def ms(cell: dict) -> str:
    if "error" in cell:
        return cell["error"].replace("|", "\\|")
    return f"{cell['median'] * 1000:,.0f}"


def render_size(r: dict) -> str:
    n, m, c = r["sizes"]
    mach, man = r["machine"], r["manifest"]
    t = man["timings_s"]
    gen = (f"generated in **{t['total']} s** by `bench/generate.py` ({man['backend']} back end: "
           + ", ".join(f"{k} {v} s" for k, v in t.items() if k != "total") + ")")
    if r["generated_s"] is None:
        gen = "reused, " + gen
    lines = [f"### {r['size']}: {n:,} households, {m:,} keys, {c:,} commits", "",
             f"{mach['date']}; {mach['nproc']} cores ({mach['cpu']}), Linux {mach['kernel']}, "
             f"Python {mach['python']}, {mach['git']}, PyYAML C loader: {mach['pyyaml_c']}; "
             f"load average before {mach['load_before']}, after {mach['load_after']}.",
             f"Ledger {gen}; {man['total_commits']:,} commits then, {int(r['commits_after']):,} "
             f"after the runs (then reset to the generated head). Benchmark key {man['bench_key']} of household "
             f"{man['bench_household']}, clone signing as {man['bench_steward']}.", "",
             *_bloom_note(man),
             "| operation | keyledger ms | baseline | baseline ms | ratio | runs |",
             "| --- | ---: | --- | ---: | ---: | ---: |"]
    for row in r["rows"]:
        k, b = row["keyledger"], row["base"]
        ratio = f"{k['median'] / b['median']:.2f}×" if "median" in k and "median" in b else "—"
        runs = f"{k.get('runs', '—')}/{b.get('runs', '—')}"
        if k.get("cold") or b.get("cold"):
            runs += " (one run, no warm-up)"
        lines.append(f"| {row['op']} | {ms(k)} | {row['baseline']} | {ms(b)} | {ratio} | "
                     f"{runs} |")
    notes = {row["op"]: row["note"] for row in r["rows"] if row.get("note")}
    lines += [""] + [f"- {op}: {note}." for op, note in notes.items()] + ([""] if notes else [])
    lines += ["Medians of whole processes (spawn to exit), after one warm-up run; runs are "
              f"keyledger/baseline; a process is stopped after {r.get('timeout', '?')} s.", ""]
    return "\n".join(lines)


def _bloom_note(man: dict) -> list[str]:
    fp = man.get("bloom_false_positive_rates")
    if not fp:
        return []
    return [f"Changed-path Bloom filters: a custody commit's filter is 3 bytes (two paths), and "
            f"how often it wrongly says \"maybe\" for another key's path depends on the path: "
            f"over {fp['candidates']} keys the false-positive rate is {fp['min']:.1%} to "
            f"{fp['max']:.1%} (median {fp['median']:.1%}, 90th percentile {fp['p90']:.1%}; "
            f"K-000001 {fp['K-000001'] if fp['K-000001'] is None else format(fp['K-000001'], '.1%')}"
            f", {fp['worst_key']} the worst). The benchmark key is the median one "
            f"({fp['bench_key_fp']:.1%}): each false positive costs `git log -- FILE` a diff of "
            f"the {man['keys']:,}-entry keys/ tree.", ""]


def render_importtime(r: dict) -> str:
    lines = [f"`python -X importtime -m keyledger --help` ({r['machine']['date']}, "
             f"{r['size']} run), the ten largest cumulative import times:", "",
             "| cumulative ms | self ms | module (indented by depth) |", "| ---: | ---: | --- |"]
    for cumulative, self_us, module in r["importtime"]:
        indent = len(module) - len(module.lstrip())
        lines.append(f"| {cumulative / 1000:.1f} | {self_us / 1000:.1f} | "
                     f"{'&nbsp;' * indent}`{module.strip()}` |")
    return "\n".join(lines) + "\n"


HEADER = """# Benchmarks

Regenerated by `bench/run.py` (`make bench`: the small ledger, under five minutes;
`make bench-large`: 100,000 households, 20,000 keys, 1,000,000 commits). Text between the
`bench:` markers is rewritten by each run; everything else here is kept.

## How it is measured

- The ledger is synthetic, made by `bench/generate.py` (a pack written directly; `git
  fast-import` gives the same commits but cannot sign them and needs ~15 ms a commit once keys/
  holds 20,000 files): fictional households, A/B pairs of stewards with real ed25519 keys, two
  years of checkout/return commits with keyledger's own subjects and trailers, every commit
  SSH-signed by the steward it names (the last five by `git commit-tree -S`), the commit-graph
  with changed-path Bloom filters. `keyledger verify` passes on it.
- Each figure is a whole process, the median of several runs after a warm-up, keyledger and its
  baseline alternating in the same run on the same ledger.
- Baselines (floors):
  - `--help`, `whoami`: `python -c 'import typer'` — the CLI library, nothing else.
  - `checkout`, `return`: `bench/floor_commit.py` — imports typer and yaml, flips the key file's
    `state:` line, then `hash-object -w`, `update-index --cacheinfo` (one path), `write-tree`,
    `commit-tree -S`, `update-ref`; and porcelain `git add` + `git commit -S` of the same file
    (the flip is done untimed before `git add`). Each floor runs twice per round, so the file
    comes back to what it was.
  - `history KEY`: `git log` of the key's file with the subject and trailers, with `%G?` (the
    signature checks keyledger's history makes too) and without.
  - `status`, `due`, `household list`, `report weekly`: `git ls-tree -r HEAD -- <folders>` piped
    into `git cat-file --batch` — every blob of the folders the command must read, straight out
    of git, parsed by nothing (status: keys/ and stewards/; due: households/ and keys/; list:
    households/; weekly: those plus `git log` of keys/ over the 37 days it reads).
  - `household show ID`: `git cat-file -p` of its file and `git grep` for its keys.
  - `check`: reading every file as above; `verify --full`: `git log --name-status` of every
    commit with its parents and trailers, no signature checks (git checks one signature per
    `ssh-keygen` process: tens of milliseconds a commit); `verify --since`: the same for the last
    100 commits, with `%G?`. `check` and `verify` run before the custody runs, whose floor and
    porcelain commits are not keyledger's and would be findings.
  - `pass insert -f -m` into a `pass` store of 20,000 entries (Debian's `pass`, gpg with a test
    key without passphrase): a peer that also encrypts and commits once per change.
- The generated repository has `gc.auto=0` so that no automatic repack lands inside a
  measurement; otherwise it is configured as `keyledger use-key` leaves a clone.

## Results

"""


def write_markdown(target: Path, results: dict[str, dict]) -> None:
    text = target.read_text(encoding="utf-8") if target.exists() else HEADER
    for size in ("small", "large"):
        begin, end = f"<!-- bench:begin {size} -->", f"<!-- bench:end {size} -->"
        body = render_size(results[size]) if size in results else \
            f"### {size}\n\nNot run yet (`bench/run.py --size {size}`).\n"
        block = f"{begin}\n{body}\n{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    begin, end = "<!-- bench:begin importtime -->", "<!-- bench:end importtime -->"
    latest = max(results.values(), key=lambda r: r["machine"]["date"]) if results else None
    if latest:
        block = f"{begin}\n{render_importtime(latest)}\n{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip() + "\n\n## What cost what\n\n" + block + "\n"
    target.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("KEYLEDGER_BENCH_DIR",
                                                                    "/tmp/keyledger-bench")))
    ap.add_argument("--regenerate", action="store_true", help="make the large ledger again")
    ap.add_argument("--runs", type=int, default=7, help="runs of each command (after a warm-up)")
    ap.add_argument("--budget", type=float, default=10.0,
                    help="seconds per comparison: fewer runs when a round is slower")
    ap.add_argument("--timeout", type=float,
                    help="stop a process after this many seconds (default 60 small, 900 large)")
    ap.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite BENCHMARKS.md from bench/results/*.json, run nothing")
    args = ap.parse_args()
    global TIMEOUT
    TIMEOUT = args.timeout or (60.0 if args.size == "small" else 900.0)
    started = time.perf_counter()
    results_dir = HERE / "results"
    if not args.render_only:
        # Time the code, not the compiler: bytecode as an installed package has it.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "keyledger")],
                       check=True)
        args.dir.mkdir(parents=True, exist_ok=True)
        result = benchmark(args.size, args.dir.resolve(), args.regenerate, args.runs, args.budget)
        result["total_s"] = round(time.perf_counter() - started, 1)
        result["timeout"] = TIMEOUT
        results_dir.mkdir(exist_ok=True)
        (results_dir / f"{args.size}.json").write_text(json.dumps(result, ensure_ascii=False,
                                                                  indent=1))
    results = {}
    for size in SIZES:
        f = results_dir / f"{size}.json"
        if f.exists():
            results[size] = json.loads(f.read_text())
    write_markdown(args.output, results)
    print(f"{args.output} written ({time.perf_counter() - started:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
