"""The seed stories (../shared/seeds/), typed entirely in Chinese as a grid worker says them:
every purpose, flag, care item, weekday, date, time and duration in their words, no English code.
The names are fictional. Files and trailers keep the codes; what people read is Chinese."""

from __future__ import annotations

import json
from datetime import timedelta

import yaml

import pytest

from conftest import Ledger
from keyledger.i18n import set_language
from keyledger.timeutil import now, zone


def _file(lg: Ledger, relpath: str) -> dict:
    return yaml.safe_load((lg.root / relpath).read_text(encoding="utf-8"))


def _trailer(lg: Ledger, name: str) -> str:
    return lg.git("log", "-1", f"--format=%(trailers:key=Keyledger-{name},valueonly)").strip()


def zh(lg: Ledger, *args: str, as_: str | None = None) -> str:
    try:
        result = lg.ok("--lang", "zh", *args, as_=as_)
    finally:
        set_language("en")
    return result.out + result.err



@pytest.fixture(autouse=True)
def _morning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Wednesday morning: the stories' times (17：00, 下午3点) are still to come that day."""
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T09:00:00+08:00")

def test_the_seed_stories_in_a_grid_workers_words(ledger: Ledger) -> None:
    lg = ledger
    today = now(zone("Asia/Shanghai")).date()

    # 直播施工：上班族把钥匙交给网格员，燃气公司上门装报警器、切断阀，全程视频。
    zh(lg, "household", "add", "5-2-301", "--name", "陈建国", "--address", "东升家园5号楼2单元301",
       "--kind", "居民", "--pair", "周丽霞,王德厚", "--flag", "上班族", "--care", "燃气",
       "--phone", "13800000501", as_="liu-sj")
    zh(lg, "household", "authorize", "陈建国", "--from", "今天", "--until", "明年4月30日",
       "--purpose", "巡查、陪同施工、紧急处置",
       "--condition", "全程视频连线", "--signed-on", "今天", as_="liu-sj")
    assert _file(lg, "households/5-2-301.yaml")["authorization"]["purposes"] == [
        "inspection", "contractor", "emergency"]
    zh(lg, "key", "add", "--household", "陈建国", "--id", "K-0002", "--slot", "A-05", "--kind",
       "实体钥匙", "--label", "入户门钥匙", as_="liu-sj")
    out = zh(lg, "checkout", "k-0002", "--purpose", "燃气", "--expect-back", "3小时",
             as_="zhou-lx")
    assert "全程视频连线" in out  # the owner's condition, at the checkout
    key = _file(lg, "keys/K-0002.yaml")
    assert (key["purpose"], key["holder"]) == ("contractor", "zhou-lx")
    assert lg.git("log", "-1", "--format=%s").strip() == "周丽霞 取出 K-0002（陈建国）：陪同施工"
    zh(lg, "return", "K-0002", "--visit", "--check", "燃气=正常", "--let-in",
       "燃气公司师傅,燃气公司,安装报警器和切断阀", "--informed", "视频连线")
    visit = _file(lg, str(next(lg.root.glob("visits/*/*/*5-2-301*.yaml")).relative_to(lg.root)))
    assert visit["checklist"] == [{"item": "gas", "result": "ok", "note": None}]

    # 双人托管：南飞的王阿姨，AB岗每周三下午去巡查、浇花、看暖气，给她报平安。
    zh(lg, "household", "edit", "王秀兰", "--add-flag", "南飞", "--add-away",
       "今天,明年4月15日,去南方女儿家过冬", as_="zhou-lx")
    zh(lg, "schedule", "add", "王秀兰", "--every", "每周三", "--at", "下午2点到5点", "--purpose",
       "巡查", "--steward", "A岗", as_="zhou-lx")
    entry = _file(lg, "households/8-1-401.yaml")["schedule"][0]
    assert (entry["every"], entry["at"], entry["purpose"], entry["steward"]) == (
        "wed", "14:00-17:00", "inspection", "a")
    listed = zh(lg, "schedule", "list", "王秀兰")
    assert "每周三 14:00-17:00 巡查（A岗 周丽霞）" in listed, listed
    zh(lg, "checkout", "--household", "王秀兰", "--purpose", "浇花", "--expect-back", "半小时",
       "--witness", "王德厚", as_="zhou-lx")
    assert _file(lg, "keys/K-0012.yaml")["purpose"] == "plants"
    zh(lg, "return", "K-0012", "--visit", "--check", "绿植=正常", "--check", "暖气：正常",
       "--finding", "绿萝浇完水了，叶子绿油油的", "--informed", "微信发照片报平安", "--witness",
       "王德厚", as_="zhou-lx")
    report = zh(lg, "report", "owner", "王秀兰", "--week", "本周")
    assert "王秀兰" in report and "浇花" in report

    # 密码托管（这里用实体钥匙）：罗叔发微信，明天供暖试水，网格员半小时就到。
    zh(lg, "household", "add", "6-1-202", "--name", "罗建华", "--address", "东升家园6号楼1单元202",
       "--pair", "王德厚,周丽霞", "--flag", "高龄、独居", "--care", "暖气、门窗", as_="liu-sj")
    zh(lg, "household", "authorize", "罗建华", "--from", "今天", "--until", "12/31",
       "--purpose", "看暖气,巡查,维修", as_="liu-sj")
    zh(lg, "key", "add", "--household", "罗建华", "--id", "K-0005", as_="liu-sj")
    zh(lg, "reserve", "K-0005", "--from", "明天上午9点", "--until", "明天上午11点", "--purpose",
       "供暖试水", as_="wang-dh")
    booked = _file(lg, "keys/K-0005.yaml")["reservations"][0]
    assert booked["purpose"] == "heating"
    assert booked["from"].isoformat().startswith((today + timedelta(days=1)).isoformat() + "T09:00")
    zh(lg, "checkout", "K-0005", "--purpose", "看暖气", "--expect-back", "一个半小时",
       as_="wang-dh")
    zh(lg, "return", "K-0005", "--visit", "--check", "暖气=正常", "--check", "门窗=有问题：阳台窗户没关严",
       "--action", "关好阳台窗户", "--follow-up", "后天", as_="wang-dh")

    # 应急钥匙：小秋百货后厨管道渗水，联系不上店主以外的人，电话征得同意后叫维修，第二天回访。
    zh(lg, "household", "add", "2-1-101", "--name", "小秋百货", "--address", "东升家园2号楼底商",
       "--kind", "商户", "--pair", "王德厚,周丽霞", "--flag", "商户", "--care", "暖气、水管",
       as_="liu-sj")
    zh(lg, "household", "authorize", "小秋百货", "--from", "今天", "--until", "12月31日",
       "--purpose", "巡查", as_="liu-sj")
    zh(lg, "key", "add", "--household", "小秋百货", "--id", "K-0003", as_="liu-sj")
    zh(lg, "checkout", "K-0003", "--purpose", "紧急", "--consent", "店主电话同意，上午10:30",
       "--expect-back", "17：00", as_="wang-dh")
    assert lg.git("log", "-1", "--format=%s").strip() == "王德厚 取出 K-0003（小秋百货）：紧急处置"
    assert _trailer(lg, "Purpose") == "emergency"
    zh(lg, "return", "K-0003", "--visit", "--check", "暖气=有问题：后厨管道接口渗水", "--check",
       "水管正常", "--let-in", "维修师傅,供暖公司,更换接口", "--follow-up", "明天", as_="wang-dh")
    ret = _file(lg, str(sorted(lg.root.glob("visits/*/*/*2-1-101*.yaml"))[-1].relative_to(lg.root)))
    assert ret["follow_up"] == today + timedelta(days=1)
    due = zh(lg, "due", "--date", "明天")
    assert "回访" in due and "小秋百货" in due and "王德厚" in due

    # 独居老人：每天上午电话问候；工作日代买送菜。
    zh(lg, "schedule", "add", "罗建华", "--every", "每天", "--at", "上午10点", "--purpose",
       "电话问候", "--steward", "B岗", as_="wang-dh")
    zh(lg, "schedule", "add", "罗建华", "--every", "周一到周五", "--at", "下午4点", "--purpose",
       "代买", as_="wang-dh")
    zh(lg, "visit", "add", "罗建华", "--purpose", "电话问候", "--outcome", "本人接听", "--note",
       "一切正常", "--at", "昨天上午10点", as_="zhou-lx")
    every = [(e["every"], e["purpose"]) for e in _file(lg, "households/6-1-202.yaml")["schedule"]]
    assert every == [("day", "call"), ("mon,tue,wed,thu,fri", "errand")]
    week = zh(lg, "due", "--week", "下周")
    assert "电话问候" in week and "代买代办" in week
    weekly = zh(lg, "report", "weekly", "--week", "本周")
    assert "小秋百货" in weekly

    # 档案里只有代码；命令行读到的全是中文。
    history = json.loads(lg.ok("history", "K-0003", "--json").out)
    assert history[1]["trailers"]["Purpose"] == "emergency"
    status = zh(lg, "status")
    for code in ("plants", "heating", "contractor", "emergency", "inspection", "zhou-lx"):
        assert code not in status, status
    assert lg.run("verify").code == 0
