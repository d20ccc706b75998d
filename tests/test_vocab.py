"""The one vocabulary: every typed value in a grid worker's words (浇花, 周三, 有问题), the codes
in the files and trailers, the names in the interface's language, and one refusal for a word
it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import Ledger
from keyledger import vocab
from keyledger.errors import FatalError
from keyledger.i18n import set_language


def test_within_a_kind_every_word_names_one_code() -> None:
    for kind in vocab.KINDS.values():
        seen: dict[str, str] = {}
        for row in kind.rows:
            for word in dict.fromkeys(vocab.normal(w) for w in row.words()):
                assert seen.setdefault(word, row.code) == row.code, (kind.key, word)
        assert len(set(kind.codes)) == len(kind.codes)
        assert all(row.zh and row.en for row in kind.rows), kind.key


def test_the_models_codes_are_the_tables() -> None:
    from keyledger import model

    assert model.PURPOSES is vocab.PURPOSE.codes
    assert set(vocab.PURPOSES) < set(vocab.VISIT_PURPOSES)
    assert vocab.WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize(("kind", "word", "code"), [
    ("purpose", "浇花", "plants"), ("purpose", "PLANTS", "plants"), ("purpose", "Ｐｌａｎｔｓ", "plants"),
    ("purpose", "看暖气", "heating"), ("purpose", "暖气检查", "heating"),
    ("purpose", "燃气", "contractor"), ("purpose", "紧急", "emergency"),
    ("purpose", " 巡查 ", "inspection"), ("purpose", "报平安", "inspection"),
    ("visit-purpose", "代买", "errand"), ("purpose", "回访", "follow-up"), ("visit-purpose", "电话问候", "call"),
    ("visit-purpose", "回访", "follow-up"), ("visit-purpose", "Follow-Up", "follow-up"),
    ("care", "燃气", "gas"), ("care", "浇花", "plants"), ("care", "绿植", "plants"),
    ("care", "暖气检查", "heating"), ("flag", "季节性外出", "away-season"), ("flag", "南飞", "away-season"),
    ("flag", "独居老人", "lives-alone"), ("flag", "低保户", "low-income"),
    ("key-kind", "门锁密码", "code"), ("key-kind", "密码", "code"), ("key-kind", "门禁卡", "card"),
    ("household-kind", "商户", "merchant"), ("household-kind", "居民", "resident"),
    ("role", "主管", "supervisor"), ("role", "网格员", "steward"),
    ("check-result", "正常", "ok"), ("check-result", "有问题", "problem"),
    ("check-result", "不适用", "n/a"), ("check-result", "N/A", "n/a"), ("check-result", "na", "n/a"),
    ("weekday", "星期三", "wed"), ("weekday", "周日", "sun"), ("weekday", "星期天", "sun"),
    ("weekday", "Wednesday", "wed"),
    # The seed stories as a grid worker types them at the door.
    ("purpose", "给花浇水", "plants"), ("purpose", "浇绿萝", "plants"), ("purpose", "上门浇花", "plants"),
    ("purpose", "查看暖气", "heating"), ("purpose", "看看窗户", "inspection"),
    ("purpose", "抢修漏水", "emergency"), ("purpose", "紧急情况", "emergency"),
    ("visit-purpose", "120急救", "emergency"), ("purpose", "再次上门", "follow-up"),
    ("visit-purpose", "帮忙买菜", "errand"), ("visit-purpose", "代买药品", "errand"),
    ("visit-purpose", "电话回访", "call"), ("visit-purpose", "微信视频", "call"),
    ("call-outcome", "没接", "no-answer"), ("call-outcome", "无人接听", "no-answer"),
    ("call-outcome", "没人接听", "no-answer"), ("call-outcome", "打不通", "no-answer"),
    ("call-outcome", "均未接通", "no-answer"), ("call-outcome", "响了没人接", "no-answer"),
    ("call-outcome", "关机", "off"), ("call-outcome", "已关机", "off"),
    ("call-outcome", "不在服务区", "off"), ("call-outcome", "通话中", "busy"),
    ("call-outcome", "家属接的", "family"), ("call-outcome", "女儿接的", "family"),
    ("call-outcome", "儿子代接", "family"), ("call-outcome", "老伴接了", "family"),
    ("call-outcome", "本人接的", "answered"), ("call-outcome", "接通了", "answered"),
    ("check-result", "修好了", "fixed"), ("check-result", "当场处理", "fixed"),
    ("check-result", "已处理", "fixed"), ("check-result", "已经处理好了", "fixed"),
    ("check-result", "当场修好", "fixed"), ("check-result", "一切正常", "ok"),
    ("check-result", "好了", "ok"), ("check-result", "需要处理", "problem"),
    ("check-result", "没有问题", "ok"), ("check-result", "未见异常", "ok"),
    ("check-result", "有点问题", "problem"),
    ("care", "阳台窗户", "windows"), ("care", "绿萝", "plants"), ("care", "太阳能水管", "water"),
    ("request-channel", "发微信", "wechat"), ("request-channel", "微信语音", "wechat"),
    ("request-channel", "打来电话", "phone"), ("request-from", "业主本人", "owner"),
    ("request-from", "老伴", "family"),
])
def test_a_word_as_people_type_it_is_its_code(kind: str, word: str, code: str) -> None:
    assert vocab.parse(kind, word) == code


@pytest.mark.parametrize(("kind", "word"), [
    # Words around a value are let go, never a negation or a word that is not one.
    ("call-outcome", "响了"), ("call-outcome", "接"), ("check-result", "还行"), ("check-result", "了"),
    ("check-result", "没了"), ("purpose", "浇菜"), ("purpose", "上门"),
])
def test_a_word_that_is_no_value_stays_unknown(kind: str, word: str) -> None:
    assert vocab.lookup(kind, word) is None


@pytest.mark.parametrize(("text", "days"), [
    ("每天", ("day",)), ("天天", ("day",)), ("day", ("day",)), ("Daily", ("day",)),
    ("周三", ("wed",)), ("星期三", ("wed",)), ("每周三", ("wed",)), ("每个周三", ("wed",)),
    ("礼拜三", ("wed",)), ("每星期三", ("wed",)), ("周1", ("mon",)),
    ("周一到周五", ("mon", "tue", "wed", "thu", "fri")), ("周一至五", ("mon", "tue", "wed", "thu", "fri")),
    ("工作日", ("mon", "tue", "wed", "thu", "fri")), ("周末", ("sat", "sun")),
    ("周一三五", ("mon", "wed", "fri")), ("每周二、周四", ("tue", "thu")), ("周一和周四", ("mon", "thu")),
    ("周五到周一", ("mon", "fri", "sat", "sun")), ("wed", ("wed",)), ("mon,thu", ("mon", "thu")),
    ("Mon-Fri", ("mon", "tue", "wed", "thu", "fri")), ("ｗｅｄ", ("wed",)), ("周三，周六", ("wed", "sat")),
])
def test_days_as_people_say_them(text: str, days: tuple[str, ...]) -> None:
    assert vocab.parse_days(text) == days


@pytest.mark.parametrize("text", ["周八", "每周", "下午", "周三下午", "", "mon-", "到周五"])
def test_days_that_are_not_days_are_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(FatalError, match="is not a day of the week"):
        vocab.parse_days(text)


def test_lists_split_on_the_separators_people_type() -> None:
    assert vocab.parse_list("flag", ["独居、高龄", "南飞"]) == ("lives-alone", "elderly", "away-season")
    assert vocab.parse_list("care", "浇花，暖气; gas gas") == ("plants", "heating", "gas")
    assert vocab.parse_list("flag", "独居/低保") == ("lives-alone", "low-income")
    assert vocab.parse_list("check-result", "n/a") == ("n/a",)
    assert vocab.parse_list("care", "") == ()


def test_an_unknown_word_lists_the_choices_in_the_interfaces_language(chinese: object) -> None:
    with pytest.raises(FatalError) as refused:
        vocab.parse("purpose", "浇花x", "--purpose")
    assert refused.value.message == (
        "--purpose：“浇花x”不是可用的事由；请从以下选择：巡查、浇花、照看宠物、暖气检查、陪同施工、维修、紧急处置、"
        "代收代送、回访、其他。")
    set_language("en")
    with pytest.raises(FatalError) as english:
        vocab.parse("purpose", "gardening")
    assert english.value.message == ("'gardening' is not a purpose; choose one of: inspection, "
                                     "plants, pets, heating, contractor, repair, emergency, "
                                     "delivery, follow-up, other.")


def test_output_names_follow_the_interface(chinese: object) -> None:
    assert vocab.name("purpose", "plants") == "浇花"
    assert vocab.name("care", "plants") == "绿植"         # one code, two kinds, two names
    assert vocab.names("flag", ["elderly", "away-season"]) == "高龄、南飞"
    assert vocab.days_name(("wed",)) == "每周三" and vocab.days_name(("day",)) == "每天"
    assert vocab.days_name(("mon", "tue", "wed", "thu", "fri")) == "工作日"
    assert vocab.name("purpose", "errand") == "errand"    # a code from a newer version, as it is
    assert vocab.name("purpose", "plants", "en") == "plants"
    assert vocab.days_name(("mon", "thu"), "en") == "every Mon, Thu"


def _file(lg: Ledger, relpath: str) -> dict:
    return yaml.safe_load((lg.root / relpath).read_text(encoding="utf-8"))


def _trailer(lg: Ledger, name: str) -> str:
    return lg.git("log", "-1", f"--format=%(trailers:key=Keyledger-{name},valueonly)").strip()


def test_commands_take_the_words_and_files_keep_the_codes(ledger: Ledger, tmp_path: Path) -> None:
    lg = ledger
    lg.ok("--lang", "zh", "household", "add", "2-1-101", "--name", "小秋百货", "--address",
          "东升家园2号楼底商", "--kind", "商户", "--pair", "zhou-lx,wang-dh", "--flag", "商户",
          "--flag", "南飞", "--care", "暖气、水管", "--care", "燃气", as_="liu-sj")
    shop = _file(lg, "households/2-1-101.yaml")
    assert (shop["kind"], shop["flags"], shop["care"]) == (
        "merchant", ["merchant", "away-season"], ["heating", "water", "gas"])
    lg.ok("household", "authorize", "2-1-101", "--from", "2026-01-01", "--until", "2030-12-31",
          "--purpose", "巡查、看暖气", "--purpose", "维修,紧急", as_="liu-sj")
    assert _file(lg, "households/2-1-101.yaml")["authorization"]["purposes"] == [
        "inspection", "heating", "repair", "emergency"]
    lg.ok("key", "add", "--household", "2-1-101", "--id", "K-0003", "--kind", "实体钥匙",
          as_="liu-sj")
    lg.ok("household", "edit", "8-1-401", "--add-flag", "独居", "--remove-flag", "南飞",
          "--add-care", "门窗", as_="zhou-lx")
    h = _file(lg, "households/8-1-401.yaml")
    assert (h["flags"], h["care"]) == (["elderly", "lives-alone"], ["plants", "heating", "windows"])

    lg.ok("--lang", "zh", "checkout", "K-0012", "--purpose", "浇花", as_="zhou-lx")
    assert _file(lg, "keys/K-0012.yaml")["purpose"] == "plants"
    assert _trailer(lg, "Purpose") == "plants"
    lg.ok("return", "K-0012", "--visit", "--check", "绿植=正常", "--check", "暖气：有问题：接口渗水",
          "--check", "门窗不适用")
    visit = next(lg.root.glob("visits/*/*/*.yaml"))
    assert _file(lg, str(visit.relative_to(lg.root)))["checklist"] == [
        {"item": "plants", "result": "ok", "note": None},
        {"item": "heating", "result": "problem", "note": "接口渗水"},
        {"item": "windows", "result": "n/a", "note": None}]

    lg.ok("schedule", "add", "8-1-401", "--every", "每周三", "--at", "14:00-17:00", "--purpose",
          "巡查", as_="zhou-lx")
    lg.ok("schedule", "add", "8-1-401", "--every", "周一到周五", "--at", "10:00", "--purpose",
          "电话问候", as_="zhou-lx")
    assert [(e["every"], e["purpose"]) for e in _file(lg, "households/8-1-401.yaml")["schedule"]] \
        == [("wed", "inspection"), ("mon,tue,wed,thu,fri", "call")]
    listed = lg.ok("--lang", "zh", "schedule", "list", "8-1-401").out
    assert "每周三 14:00-17:00 巡查" in listed and "工作日 10:00 电话问候" in listed, listed

    lg.ok("policy", "witness", "--purpose", "紧急", "--kind", "门锁密码", as_="liu-sj")
    assert json.loads(lg.ok("policy", "witness", "--json").out) == {
        "purposes": ["emergency"], "kinds": ["code"]}
    lg.ok("steward", "edit", "sun-yp", "--role", "主管", as_="liu-sj")
    assert _file(lg, "stewards/sun-yp.yaml")["role"] == "supervisor"
    assert lg.run("verify").code == 0


def test_a_form_may_say_its_words_as_people_do(ledger: Ledger, tmp_path: Path) -> None:
    form = tmp_path / "h.yaml"
    form.write_text("name: 赵大爷\naddress: 东升家园3号楼\nkind: 居民\nflags: [独居, 高龄]\n"
                    "care: [暖气]\nschedule:\n  - every: 每天\n    at: '10:00'\n"
                    "    purpose: 电话问候\n    steward: a\n", encoding="utf-8")
    ledger.ok("household", "add", "3-1-101", "--from-file", str(form), "--pair",
              "zhou-lx,wang-dh", as_="liu-sj")
    h = _file(ledger, "households/3-1-101.yaml")
    assert (h["flags"], h["care"], h["schedule"][0]["every"], h["schedule"][0]["purpose"]) == (
        ["lives-alone", "elderly"], ["heating"], "day", "call")
    form.write_text("name: 赵大爷\naddress: 东升家园3号楼\nflags: [独居, 富裕]\n", encoding="utf-8")
    refused = ledger.refused("household", "add", "3-1-102", "--from-file", str(form), as_="liu-sj")
    assert f"{form}:3: flags: expected a list" in refused.err and "富裕" in refused.err


def test_a_word_it_does_not_know_is_refused_naming_the_option_and_choices(
        ledger: Ledger, chinese: object) -> None:
    refused = ledger.refused("--lang", "zh", "checkout", "K-0012", "--purpose", "浇菜",
                             as_="zhou-lx")
    assert "--purpose：“浇菜”不是可用的事由；请从以下选择：巡查、浇花、" in refused.err, refused.err
    assert "inspection" not in refused.err
    days = ledger.refused("--lang", "zh", "schedule", "add", "8-1-401", "--every", "周八",
                          "--at", "10:00", "--purpose", "巡查")
    assert "--every：“周八”不是星期几" in days.err, days.err
    check = ledger.refused("--lang", "zh", "visit", "add", "8-1-401", "--purpose", "电话问候",
                           "--check", "暖气=还行")
    assert "“还行”不是检查结果；请写 正常、有问题、已当场处理、不适用 之一" in check.err, check.err
    assert '--check "暖气=正常"' in check.err, check.err


def test_chinese_names_in_what_a_steward_reads(ledger: Ledger, chinese: object) -> None:
    ledger.ok("--lang", "zh", "checkout", "K-0012", "--purpose", "看暖气", as_="zhou-lx")
    status = ledger.ok("--lang", "zh", "status").out
    assert "暖气检查" in status and "heating" not in status, status
    shown = ledger.ok("--lang", "zh", "household", "show", "8-1-401").out
    assert "高龄、南飞" in shown and "绿植、暖气" in shown, shown
    key = ledger.ok("--lang", "zh", "key", "show", "K-0012").out
    assert "实体钥匙" in key and "已取出" in key, key


def test_what_to_export_and_a_reports_format_in_chinese(ledger: Ledger) -> None:
    sheet = ledger.ok("export", "住户", "--format", "csv").out.lstrip("\ufeff")
    assert sheet.startswith("户号,") and "8-1-401" in sheet
    text = ledger.ok("report", "owner", "8-1-401", "--format", "纯文本").out
    page = ledger.ok("report", "owner", "8-1-401", "--format", "网页").out
    assert page.lstrip().lower().startswith("<!doctype html") and "<" not in text
    head = ledger.head()
    refused = ledger.refused("export", "房子")
    assert "'房子' is not a thing to export; choose one of: households, keys, visits." in \
        refused.err and ledger.head() == head
    assert "--format: '图片' is not a format; choose one of: md, text, html." in \
        ledger.refused("report", "owner", "8-1-401", "--format", "图片").err


def test_a_language_by_its_chinese_name(ledger: Ledger) -> None:
    assert "钥匙都在柜里" in ledger.ok("status", "--lang", "中文").err + \
        ledger.ok("status", "--lang", "中文").out
    english = ledger.ok("report", "owner", "8-1-401", "--lang", "英文").out
    chinese = ledger.ok("report", "owner", "8-1-401", "--lang", "中文").out
    assert english != chinese and "王秀兰" in chinese
    assert "The interface speaks zh or en, not '法语'" in ledger.refused("status", "--lang",
                                                                          "法语").err
