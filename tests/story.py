"""The seed stories' week (demo/story.sh, week 2026-W48 of the sample community in ledger/), built
in-process on a real ledger: 周丽霞 waters 8-1-401's plants and finds a leak at the heating, comes
back the next day; 王德厚 keeps 3-2-502's key past its time; 孙玉萍 lets the gas fitter into
6-2-601 while the owner watches on a video call; 王德厚 phones 张凤英, who lives alone; 何春燕
enters 12-1-101 in an emergency (a burst pipe) with 马晓峰 as witness, the owner unreachable.
Fictional people; the stories are in ../shared/seeds/."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

SAMPLE = Path(__file__).resolve().parent.parent / "ledger"
WEEK = "2026-W48"
NOON_SATURDAY = "2026-11-28T12:00:00+08:00"


def field(path: Path, name: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


def build(root: Path, keys: dict[str, Path], run: Callable[[list[str]], int],
          tmp: Path) -> None:
    """The sample ledger at `root` and its week; `keys`: a private key file per steward id;
    `run` runs one command line and returns its exit status."""

    def ok(*args: str, as_: str | None = None) -> None:
        if as_:
            subprocess.run(["git", "-C", str(root), "config", "user.signingkey", str(keys[as_])],
                           check=True)
        code = run(["-C", str(root), *args])
        assert code == 0, args

    def at(moment: str) -> None:
        os.environ["KEYLEDGER_TEST_NOW"] = moment

    at("2026-11-01T09:00:00+08:00")
    settings = SAMPLE / "keyledger.yaml"
    assert run(["init", str(root), "--community", field(settings, "community"), "--settings",
                str(settings), "--supervisor", "liu-sj", "--name",
                field(SAMPLE / "stewards/liu-sj.yaml", "name"), "--key", str(keys["liu-sj"])]) == 0
    for path in sorted((SAMPLE / "stewards").glob("*.yaml")):
        if path.stem != "liu-sj":
            ok("steward", "add", path.stem, "--from-file", str(path), "--key",
               f"{keys[path.stem]}.pub")
    for path in sorted((SAMPLE / "households").glob("*.yaml")):
        ok("household", "add", path.stem, "--from-file", str(path))
    for path in sorted((SAMPLE / "keys").glob("*.yaml")):
        if field(path, "kind") != "code":  # a door code is read from a terminal or stdin
            ok("key", "add", "--from-file", str(path))

    photo = tmp / "plants.jpg"
    photo.write_bytes(b"fake photo of the plants")
    at("2026-11-20T09:00:00+08:00")
    ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "14:00-17:00", "--purpose",
       "inspection", "--steward", "a", as_="zhou-lx")
    ok("schedule", "add", "5-1-102", "--every", "day", "--at", "10:00", "--purpose", "call",
       "--steward", "b", "--from", "2026-11-23")
    ok("reserve", "K-0009", "--from", "2026-11-26 09:00", "--until", "2026-11-26 11:00",
       "--purpose", "contractor", as_="sun-yp")
    at("2026-11-23T10:05:00+08:00")
    ok("visit", "add", "5-1-102", "--purpose", "call", "--outcome", "answered",
       "--note", "电话问候，老人说血压平稳，一切正常",
       as_="wang-dh")
    at("2026-11-25T14:02:00+08:00")
    ok("checkout", "K-0001", "--purpose", "plants", "--expect-back", "2h", "--note", "每周三浇水",
       as_="zhou-lx")
    at("2026-11-25T14:10:00+08:00")
    ok("checkout", "K-0003", "--purpose", "heating", "--expect-back", "1h", as_="wang-dh")
    at("2026-11-25T14:40:00+08:00")
    ok("return", "K-0001", "--visit", "--check", "plants=ok",
       "--check", "heating=problem:卧室暖气片接口渗水", "--check", "windows=ok", "--check", "mail=ok",
       "--finding", "卧室暖气片接口有水迹", "--action", "拧紧接口，放了接水盆",
       "--photo", str(photo), "--informed", "微信视频", "--informed", "照片已发",
       "--follow-up", "2026-11-26", as_="zhou-lx")
    at("2026-11-26T09:05:00+08:00")
    ok("checkout", "K-0009", "--purpose", "contractor", "--expect-back", "11:00", as_="sun-yp")
    at("2026-11-26T10:40:00+08:00")
    ok("return", "K-0009", "--visit", "--check", "gas=ok",
       "--let-in", "燃气公司师傅,城市燃气,安装报警器和切断阀", "--informed", "全程视频连线业主")
    at("2026-11-26T11:00:00+08:00")
    ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--check", "heating=ok",
       "--note", "接口不再渗水，*多肉*也浇了", as_="zhou-lx")
    at("2026-11-27T22:10:00+08:00")
    ok("checkout", "K-0020", "--purpose", "emergency", "--witness", "ma-xf", "--expect-back", "1h",
       "--unreached", "22:05 打业主和儿子电话均未接通", as_="he-cy")
    at("2026-11-27T23:30:00+08:00")
    ok("return", "K-0020", "--witness", "ma-xf", "--visit", "--check", "water=problem:厨房水管爆裂",
       "--action", "关闭总阀，联系物业抢修", "--informed", "已给业主留言", "--follow-up", "2026-11-28")
    at(NOON_SATURDAY)
