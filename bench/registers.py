"""Benchmark of `household import` (issue 16): a 5,000-row dry run and a 12,000-row import
(a whole community: seed 002's has 11,867 households), on registers laid out as offices lay
them out (a merged title, a 填报 line, a two-row merged header, buildings merged down over their
rows, a 小计 after each building, a footer).

    .venv/bin/python bench/registers.py [--runs 5] [--dir /tmp/keyledger-bench/registers]

Each figure is a whole `keyledger` process, spawn to exit, the median of --runs runs (after
one warm-up; the cases alternate; each first import gets a fresh ledger, made before the clock
starts), wall time and CPU time (this machine is shared: the CPU time is the steadier figure).
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
import resource
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
    for name in ("KEYLEDGER_DIR", "GIT_DIR", "GIT_WORK_TREE"):
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


def timed(args: list[str], cpu: list[float]) -> float:
    """Wall seconds of one keyledger process; its CPU seconds (user + system, git's included)
    appended to `cpu`: on a machine shared by several people the CPU time is the steadier
    figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([KEYLEDGER, *args], env=env(), capture_output=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{args}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    return seconds


CASES = (("dry-run 5,000 rows, new ledger", "small", "--dry-run", "≤ 2 s"),
         ("import 12,000 rows, new ledger", "large", None, "≤ 10 s"),
         # The listings (`status`, `household list`) are derived from the files: the first after
         # the import reads the 12,000 new ones, a cost the import leaves to the next command.
         ("status, the first command after that import", "large", "status", ""),
         ("dry-run 12,000 rows again (all unchanged)", "large", "--dry-run", ""),
         ("import 12,000 rows again (nothing to do)", "large", "", ""))


def measure(folder: Path, runs: int) -> dict[str, dict[str, list[float]]]:
    files = {"small": folder / "register-5000.xlsx", "large": folder / "register-12000.xlsx"}
    register(files["small"], 5_000)
    register(files["large"], 12_000)
    out = {name: {"wall": [], "cpu": []} for name, *_rest in CASES}
    dry = ledger(folder / "dry")
    timed(["-C", str(dry), "household", "import", str(files["small"]), "--dry-run"], [])
    full = None
    for i in range(runs):  # the cases alternate, so a busy minute falls on all of them alike
        for name, size, flag, _target in CASES:
            figures = out[name]
            if flag is None:  # a fresh ledger each time, made before the clock starts
                full = ledger(folder / f"import{i}")
                args = ["-C", str(full), "household", "import", str(files[size])]
            elif flag == "status":
                assert full is not None
                args = ["-C", str(full), "status"]
            elif flag == "--dry-run" and size == "small":
                args = ["-C", str(dry), "household", "import", str(files[size]), flag]
            else:
                assert full is not None
                args = ["-C", str(full), "household", "import", str(files[size]),
                        *([flag] if flag else [])]
            figures["wall"].append(timed(args, figures["cpu"]))
    return out


def write(results: dict[str, dict[str, list[float]]], runs: int, load_before: float) -> None:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    # The one-minute load average when the runs began and when they ended: on a shared
    # machine the wall time is read against it.
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "registers.json").write_text(json.dumps(
        {"commit": commit, "runs": runs, "load_before": load_before, "load": load,
         "seconds": results}, indent=2),
        encoding="utf-8")
    lines = ["<!-- bench:registers -->",
             f"Measured at {commit} on {platform.machine()} with {os.cpu_count()} cores shared with "
             f"other work (load average {load_before:.1f} when the runs began, {load:.1f} "
             f"when they ended), Python "
             f"{platform.python_version()}: the median of {runs} runs, min–max beside it. CPU is "
             f"the process's and its git children's user + system time.", "",
             "| what | wall, median | wall, min – max | CPU, median | target |",
             "| --- | --- | --- | --- | --- |"]
    for name, _size, _flag, target in CASES:
        wall, cpu = results[name]["wall"], results[name]["cpu"]
        lines.append(f"| {name} | {statistics.median(wall):.2f} s | {min(wall):.2f} – "
                     f"{max(wall):.2f} s | {statistics.median(cpu):.2f} s | {target} |")
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
    load_before = os.getloadavg()[0]
    write(measure(args.dir, args.runs), args.runs, load_before)


if __name__ == "__main__":
    main()
