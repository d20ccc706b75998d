"""Benchmark of `household import` (issue 16): a 5,000-row dry run and a 12,000-row import
(a whole community: seed 002's has 11,867 households), on registers laid out as offices lay
them out (a merged title, a 填报 line, a two-row merged header, buildings merged down over their
rows, a 小计 after each building, a footer).

    .venv/bin/python bench/registers.py [--runs 5] [--dir /tmp/keyledger-bench/registers]

Each figure is a whole `keyledger` process, spawn to exit, the median of --runs runs (after
one warm-up for the dry runs; each import run gets a fresh ledger, made before the clock starts).
The section between `<!-- bench:registers -->` markers of BENCHMARKS.md is rewritten; the raw
figures go to bench/results/registers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KEYLEDGER = str(Path(sys.executable).parent / "keyledger")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
_GIVEN = ["秀兰", "桂英", "淑珍", "玉兰", "凤英", "建国", "德胜", "文华", "志强", "国庆", "丽华"]
_NOTES = [None, None, "冬季去三亚女儿家，次年四月回", "钥匙两把一串，挂在门后", "家中有猫，三天加一次粮"]


def env() -> dict[str, str]:
    e = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    for name in ("KEYLEDGER_DIR", "KEYLEDGER_NOW", "GIT_DIR", "GIT_WORK_TREE"):
        e.pop(name, None)
    return e


def register(path: Path, households: int, seed: int = 16) -> None:
    """An .xlsx register of `households` rows: 2 units x 18 floors x 4 rooms a building."""
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["东升家园钥匙托管住户台账"])
    sheet.append(["填报单位：花卉社区居委会", None, None, None, None, None, "填报日期：2026年11月30日"])
    sheet.append(["序号", "姓名", "出生年月", "住址", None, None, "本人电话", "紧急联系人", None, None,
                  "类别", "备注"])
    sheet.append([None, None, None, "楼栋", "单元", "门牌", None, "姓名", "关系", "联系电话"])
    sheet.merge_cells("A1:L1")
    sheet.merge_cells("D3:F3")
    sheet.merge_cells("H3:J3")
    for column in "ABCGKL":
        sheet.merge_cells(f"{column}3:{column}4")
    n, row = 0, 5
    building = 0
    while n < households:
        building += 1
        start = row
        for unit in (1, 2):
            for floor in range(1, 19):
                for door in range(1, 5):
                    if n == households:
                        break
                    n += 1
                    sheet.append([n, rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                                  f"{rng.randint(1930, 1965)}年{rng.randint(1, 12)}月",
                                  f"{building}号楼" if row == start else None, unit,
                                  floor * 100 + door, f"138{rng.randint(10000000, 99999999)}",
                                  rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                                  rng.choice(["女儿", "儿子", "侄女"]),
                                  f"139{rng.randint(10000000, 99999999)}",
                                  rng.choice([None, "独居", "高龄", "独居、高龄"]),
                                  rng.choice(_NOTES)])
                    row += 1
        if row - 1 > start:
            sheet.merge_cells(f"D{start}:D{row - 1}")
        sheet.append(["小计", f"共{row - start}户"])
        row += 1
    sheet.append(["填表人：张敏", None, None, "审核人：刘淑娟", None, None, "日期：2026-11-30"])
    book.save(path)


def ledger(folder: Path) -> Path:
    """A new ledger with one supervisor, signing with a fresh ed25519 key."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    key = folder / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    root = folder / "ledger"
    subprocess.run([KEYLEDGER, "init", str(root), "--community", "花卉社区", "--supervisor",
                    "liu-sj", "--name", "刘淑娟", "--key", str(key)], check=True, env=env(),
                   capture_output=True)
    return root


def timed(args: list[str], expect: int = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run([KEYLEDGER, *args], env=env(), capture_output=True)
    seconds = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{args}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    return seconds


def measure(folder: Path, runs: int) -> dict[str, list[float]]:
    small, large = folder / "register-5000.xlsx", folder / "register-12000.xlsx"
    register(small, 5_000)
    register(large, 12_000)
    out: dict[str, list[float]] = {"dry-run 5,000 rows (new ledger)": [],
                                   "import 12,000 rows (new ledger)": [],
                                   "dry-run 12,000 rows again (all unchanged)": [],
                                   "import 12,000 rows again (nothing to do)": []}
    root = ledger(folder / "dry")
    timed(["-C", str(root), "household", "import", str(small), "--dry-run"])  # warm-up
    for _ in range(runs):
        out["dry-run 5,000 rows (new ledger)"].append(
            timed(["-C", str(root), "household", "import", str(small), "--dry-run"]))
    for i in range(runs):
        root = ledger(folder / f"import{i}")
        out["import 12,000 rows (new ledger)"].append(
            timed(["-C", str(root), "household", "import", str(large)]))
    for _ in range(runs):
        out["dry-run 12,000 rows again (all unchanged)"].append(
            timed(["-C", str(root), "household", "import", str(large), "--dry-run"]))
        out["import 12,000 rows again (nothing to do)"].append(
            timed(["-C", str(root), "household", "import", str(large)]))
    return out


def write(results: dict[str, list[float]], runs: int) -> None:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "registers.json").write_text(json.dumps(
        {"commit": commit, "runs": runs, "seconds": results}, indent=2), encoding="utf-8")
    lines = [f"<!-- bench:registers -->",
             f"Measured at {commit} on {platform.machine()} with {os.cpu_count()} cores (shared), "
             f"Python {platform.python_version()}; median of {runs} runs, min–max beside it.",
             "", "| what | median | min – max | target |", "| --- | --- | --- | --- |"]
    targets = {"dry-run 5,000 rows (new ledger)": "≤ 2 s", "import 12,000 rows (new ledger)": "≤ 10 s"}
    for name, values in results.items():
        lines.append(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} – "
                     f"{max(values):.2f} s | {targets.get(name, '')} |")
    lines.append("<!-- /bench:registers -->")
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    block = "\n".join(lines)
    pattern = re.compile(r"<!-- bench:registers -->.*?<!-- /bench:registers -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else \
        text.rstrip() + "\n\n## Registers in (issue 16): `household import`\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
    print(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/keyledger-bench/registers"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    write(measure(args.dir, args.runs), args.runs)


if __name__ == "__main__":
    main()
