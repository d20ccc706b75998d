"""One vocabulary for every typed value: its code, its name in each interface language, and the
other words people use for it.

Files and trailers keep the code (`plants`, `wed`); input accepts the code, either name or any
synonym — after NFKC (full-width letters and digits become plain ones) and in any case; output
shows the name in the interface's language. Options, forms, spreadsheet cells, `--map` and shell
completion all go through `parse` and `name` here, so a word is accepted everywhere or nowhere.

A new code is one new row `W(code, english, chinese, *synonyms)` in its kind's table: the model's
validation, completion, help texts, refusals and reports all read the codes from here. A word
may be a synonym in several kinds (燃气 is a purpose — let the gas company in — and a care item),
but within one kind it names one code; `tests/test_vocab.py` checks that.

Cheap to import on purpose (every command line imports it for completion): plain tuples, and the
lookup tables are built on first use.
"""

from __future__ import annotations

import re
from typing import Iterable

LANGUAGES = ("en", "zh")


class W:
    """One code with its names (English, Chinese) and the other words accepted for it."""

    __slots__ = ("code", "en", "zh", "also")

    def __init__(self, code: str, en: str, zh: str, *also: str) -> None:
        self.code, self.en, self.zh, self.also = code, en, zh, also

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def words(self) -> tuple[str, ...]:
        return (self.code, self.en, self.zh, *self.also)


class Kind:
    """A kind of value (purpose, care item, weekday…): what it is called, and its rows."""

    __slots__ = ("key", "en", "zh", "rows", "codes", "_index")

    def __init__(self, key: str, en: str, zh: str, rows: tuple[W, ...]) -> None:
        self.key, self.en, self.zh, self.rows = key, en, zh, rows
        self.codes = tuple(w.code for w in rows)
        self._index: dict[str, str] | None = None

    def label(self, lang: str | None = None) -> str:
        """What a value of this kind is called (事由, purpose)."""
        return self.zh if _lang(lang) == "zh" else self.en

    def index(self) -> dict[str, str]:
        """Every accepted word, normalized, to its code (built on first use)."""
        if self._index is None:
            index: dict[str, str] = {}
            for row in self.rows:  # codes and names first: a synonym never shadows them
                for word in (row.code, row.en, row.zh):
                    index.setdefault(normal(word), row.code)
            for row in self.rows:
                for word in row.also:
                    index.setdefault(normal(word), row.code)
            self._index = index
        return self._index

    def row(self, code: str) -> W | None:
        for row in self.rows:
            if row.code == code:
                return row
        return None


# --- the tables ---------------------------------------------------------------------------------

_PURPOSE_ROWS = (
    W("inspection", "inspection", "巡查", "巡视", "查看", "看看", "上门查看", "检查", "定期巡查",
      "看家", "照看房屋", "报平安", "巡检", "上门巡查", "巡视检查", "看一下", "看一眼", "看房子",
      "看窗户", "看看窗户", "关窗户", "查看门窗"),
    W("plants", "plants", "浇花", "浇水", "给花浇水", "浇绿植", "绿植", "花草", "养花", "water plants",
      "浇绿萝", "看花", "照看绿植", "浇花草", "给绿植浇水", "给花草浇水"),
    W("pets", "pets", "照看宠物", "喂宠物", "宠物", "喂猫", "喂狗", "遛狗", "喂鱼", "pet", "feed pets"),
    W("heating", "heating", "暖气检查", "看暖气", "查暖气", "检查暖气", "暖气", "供暖",
      "供暖试水", "试水", "查看暖气", "暖气巡查", "看暖气片", "暖气试水"),
    W("contractor", "contractor", "陪同施工", "燃气", "燃气公司", "燃气入户", "燃气安装", "装燃气",
      "施工", "陪同", "师傅上门", "监工", "抄表", "安装"),
    W("repair", "repair", "维修", "修理", "报修", "修水管", "维修漏水"),
    W("emergency", "emergency", "紧急处置", "紧急", "紧急入户", "应急", "急事", "抢修", "突发情况",
      "紧急情况", "急救", "120", "120急救", "抢修漏水", "漏水抢修", "应急处置", "紧急处理"),
    W("delivery", "delivery", "代收代送", "代收", "代送", "送东西", "取快递", "代收快递", "送菜",
      "送药", "送药上门", "送菜上门"),
    # A follow-up (回访) may need the key too: the day after a leak was repaired.
    W("follow-up", "follow-up", "回访", "复查", "复访", "再去看看", "followup", "再次上门", "回访检查"),
    W("other", "other", "其他", "其它", "别的"),
)
# A visit may be made without a key: a welfare phone call, an errand (代买/代办) left at the door.
_VISIT_ONLY_ROWS = (
    W("call", "call", "电话问候", "电话", "打电话", "问候", "电话联系", "视频问候", "微信问候",
      "phone call", "phone", "电话回访", "每日电话", "问候电话", "打电话问候", "视频", "视频通话",
      "微信视频", "每日问候", "电话关怀", "电话询问"),
    W("errand", "errand", "代买代办", "代买", "代办", "代购", "跑腿", "买菜", "代买送菜", "买药",
      "代买药", "代买药品", "代购药品", "买菜送菜", "代缴费"),
)

PURPOSE = Kind("purpose", "purpose", "事由", _PURPOSE_ROWS)
VISIT_PURPOSE = Kind("visit-purpose", "purpose", "事由", _PURPOSE_ROWS + _VISIT_ONLY_ROWS)

CARE_ITEM = Kind("care", "care item", "照看事项", (
    W("plants", "plants", "绿植", "浇花", "花草", "花", "植物", "盆栽", "绿萝", "花盆", "花卉"),
    W("pets", "pets", "宠物", "照看宠物", "喂宠物", "宠物喂养", "猫", "狗"),
    W("heating", "heating", "暖气", "看暖气", "暖气检查", "暖气片", "暖气管道", "供暖", "暖气管",
      "暖气阀门", "地暖"),
    W("windows", "windows", "门窗", "窗户", "关窗", "窗", "阳台窗户", "阳台窗", "窗子"),
    W("gas", "gas", "燃气", "煤气", "天然气", "燃气阀", "燃气表", "燃气灶", "燃气报警器"),
    W("water", "water", "水管", "用水", "水", "水阀", "上下水", "水龙头", "下水", "热水器",
      "太阳能", "太阳能水管"),
    W("electricity", "electricity", "电器", "用电", "电", "电闸"),
    W("mail", "mail", "信件", "报箱", "信箱", "报纸"),
    W("fridge", "fridge", "冰箱"),
    W("doors", "doors", "门锁", "入户门", "门", "防盗门"),
))

FLAG = Kind("flag", "flag", "标签", (
    W("lives-alone", "lives-alone", "独居", "独居老人", "空巢", "空巢独居", "空巢老人", "孤寡老人",
      "alone"),
    W("elderly", "elderly", "高龄", "老人", "老年人", "高龄老人"),
    W("away-season", "away-season", "南飞", "季节性外出", "南飞老人", "南飞过冬", "候鸟",
      "季节外出", "外出过冬"),
    W("commuter", "commuter", "通勤", "上班族", "早出晚归", "走读"),
    W("low-income", "low-income", "低保", "低保户", "困难家庭", "困难户"),
    W("disabled", "disabled", "残疾", "残障", "残疾人", "行动不便"),
    W("pet", "pet", "宠物", "养宠物", "养宠", "有宠物"),
    W("merchant", "merchant", "商户", "商铺", "店铺"),
    W("lock-change", "lock-change", "待换锁", "需换锁", "换锁"),
))

KEY_KIND = Kind("key-kind", "kind of key", "钥匙类型", (
    W("physical", "physical", "实体钥匙", "钥匙", "实物钥匙", "门钥匙", "physical key"),
    W("code", "code", "门锁密码", "密码", "密码锁", "电子密码锁", "door-code"),
    W("card", "card", "门禁卡", "卡", "门卡", "access-card"),
))

KEY_STATE = Kind("key-state", "state", "状态", (
    W("in", "in", "在柜", "在柜里", "在柜中"),
    W("out", "out", "已取出", "取出", "借出"),
    W("lost", "lost", "遗失", "丢失", "丢了"),
    W("handed-back", "handed-back", "已还业主", "退还业主", "已交还业主", "handed back"),
))

HOUSEHOLD_KIND = Kind("household-kind", "kind of household", "户别", (
    W("resident", "resident", "居民", "住户", "家庭", "居民户"),
    W("merchant", "merchant", "商户", "商铺", "店铺"),
))

ROLE = Kind("role", "role", "身份", (
    W("steward", "steward", "网格员", "钥匙管家", "管家"),
    W("supervisor", "supervisor", "主管", "社区主管", "负责人", "书记"),
))

# `fixed`: a problem put right on the spot, with what was done; `problem` stays open.
CHECK_RESULT = Kind("check-result", "result", "检查结果", (
    W("ok", "ok", "正常", "好", "没问题", "无异常", "良好", "完好", "good", "一切正常", "都正常", "好的",
      "没毛病", "没事", "完好无损", "没有问题", "无问题", "没发现问题", "未发现问题", "未见异常",
      "一切良好"),
    W("problem", "problem", "有问题", "问题", "异常", "发现问题", "坏了", "待处理", "bad", "需要处理",
      "未处理", "需维修", "要修", "有毛病", "不正常", "有点问题", "发现异常"),
    W("fixed", "fixed", "已当场处理", "当场处理", "已处理", "已修好", "修好了", "已解决", "当场修好",
      "处理好", "弄好", "修好", "修复", "解决", "当场解决", "已排除", "处理"),
    W("n/a", "n/a", "不适用", "不涉及", "无", "没有", "跳过", "na", "n-a", "不需要", "不用", "无需"),
))

# How a call went. Only a call that reached someone satisfies a welfare call.
CALL_OUTCOME = Kind("call-outcome", "call outcome", "通话结果", (
    W("answered", "answered", "接通", "已接通", "本人接听", "接了", "通了", "本人接", "老人接",
      "老人接听", "接听", "正常接听", "通话正常", "打通"),
    W("family", "family", "家属代接", "家属接听", "子女代接",
      # 女儿接的, 儿子代接, 老伴接听: someone of the family answered for the person called.
      *(f"{who}{how}" for who in ("家属", "家人", "子女", "女儿", "儿子", "老伴", "孙子", "孙女",
                                  "儿媳", "女婿", "亲属", "亲戚")
        for how in ("接", "接听", "代接") if f"{who}{how}" not in ("家属代接", "家属接听", "子女代接"))),
    W("no-answer", "no-answer", "未接通", "无人接听", "没接", "未接", "没人接", "no answer", "没人接听",
      "未接听", "没接听", "无人接", "打不通", "没打通", "响了没人接", "没人听", "不接", "不接电话",
      "没接电话", "无应答"),
    W("busy", "busy", "占线", "忙线", "通话中", "正在通话中"),
    W("off", "off", "关机", "停机", "无法接通", "不在服务区", "没信号", "手机关机"),
))
CALL_REACHED = ("answered", "family")

# An owner's request (帮我看看阳台窗户关没关): how it came, and from whom.
REQUEST_CHANNEL = Kind("request-channel", "channel", "来源渠道", (
    W("phone", "phone", "电话", "打电话", "来电", "打来电话", "来电话", "电话留言", "手机"),
    W("wechat", "wechat", "微信", "微信留言", "留言", "发微信", "微信语音", "微信消息", "微信视频", "语音"),
    W("in-person", "in-person", "当面", "上门", "面谈", "当面说", "亲自来", "来社区"),
    W("other", "other", "其他", "其它", "短信"),
))
REQUESTER = Kind("request-from", "who asked", "提出人", (
    W("owner", "owner", "业主", "业主本人", "本人", "户主"),
    W("family", "family", "家属", "子女", "亲属", "女儿", "儿子", "家人", "老伴", "亲戚", "孙子",
      "孙女", "儿媳", "女婿"),
    W("neighbour", "neighbour", "邻居", "楼下邻居", "楼上邻居", "neighbor"),
    W("other", "other", "其他", "其它", "物业"),
))

# The elderly register's living situation (居住状态).
LIVING_SITUATION = Kind("living", "living situation", "居住状态", (
    W("alone", "alone", "独居", "一个人住", "独自居住", "独居老人", "孤寡", "孤寡老人", "一人居住",
      "单独居住", "独自一人", "一人独居"),
    W("empty-nest", "empty-nest", "空巢", "老两口同住", "夫妻同住", "老两口", "空巢老人", "空巢家庭",
      "与老伴同住", "和老伴同住", "与配偶同住", "夫妻二人", "老夫妻"),
    W("with-children", "with-children", "与子女同住", "和子女同住", "子女同住", "随子女",
      "随子女居住", "随子女生活", "与儿女同住", "和儿女同住", "与儿子同住", "与女儿同住"),
    W("with-others", "with-others", "与他人同住", "和他人同住", "与亲属同住", "与保姆同住"),
))

WEEKDAY = Kind("weekday", "weekday", "星期", (
    W("mon", "Mon", "周一", "星期一", "礼拜一", "monday"),
    W("tue", "Tue", "周二", "星期二", "礼拜二", "tuesday", "tues"),
    W("wed", "Wed", "周三", "星期三", "礼拜三", "wednesday"),
    W("thu", "Thu", "周四", "星期四", "礼拜四", "thursday", "thur", "thurs"),
    W("fri", "Fri", "周五", "星期五", "礼拜五", "friday"),
    W("sat", "Sat", "周六", "星期六", "礼拜六", "saturday"),
    W("sun", "Sun", "周日", "星期日", "星期天", "周天", "礼拜天", "礼拜日", "sunday"),
))

# The days of a schedule that are not a list of weekdays.
DAYS = Kind("days", "days", "日子", (
    W("day", "every day", "每天", "天天", "每日", "每一天", "日日", "daily", "everyday"),
    W("weekdays", "weekdays", "工作日", "每个工作日", "周一到周五", "workdays", "mon-fri"),
    W("weekend", "weekends", "周末", "每个周末", "双休日", "weekend", "sat,sun"),
))

# A setting that is on or off (`policy publish --health 是`); `none` is off too (no reminder).
YES_NO = Kind("yes-no", "yes-or-no answer", "回答", (
    W("yes", "yes", "是", "要", "允许", "显示", "开", "打开", "y", "true", "1", "on"),
    W("no", "no", "否", "不", "不要", "不允许", "不显示", "关", "关闭", "无", "不提醒", "n", "false",
      "0", "off", "none"),
))

# The interface's and a report's language (`--lang 中文`).
LANGUAGE = Kind("language", "language", "语言", (
    W("zh", "zh", "中文", "汉语", "简体中文", "普通话", "zh_CN", "zh-CN", "zh-Hans", "chinese"),
    W("en", "en", "英文", "英语", "English", "en_US", "en-US"),
))

# What `export` writes, and the formats of a report or the card (`--format 网页`).
EXPORT = Kind("export", "thing to export", "导出内容", (
    W("households", "households", "住户", "住户档案", "住户台账", "户"),
    W("keys", "keys", "钥匙", "钥匙档案", "钥匙台账"),
    W("visits", "visits", "上门记录", "上门", "上门台账"),
))
REPORT_FORMAT = Kind("report-format", "format", "格式", (
    W("md", "md", "Markdown", "markdown"),
    W("text", "text", "纯文本", "文本", "文字", "微信", "聊天", "txt"),
    W("html", "html", "网页", "HTML网页", "打印", "htm"),
))

# The fields a register's column is read as (`household import`, `--map COLUMN=FIELD`): the
# Chinese name is the one a refusal uses, the other words the headers offices write (after
# keyledger.spreadsheet.columns.normalize_header).
IMPORT_FIELD = Kind("import-field", "field", "栏目", (
    W("id", "id", "户号", "编号", "房屋编号", "户编号", "住户编号"),
    W("estate", "estate", "小区", "小区名称", "小区名", "所在小区", "院落", "院落名称"),
    W("building", "building", "楼号", "楼栋", "楼栋号", "栋号", "栋", "幢", "幢号", "楼", "楼幢",
      "楼幢号"),
    W("unit", "unit", "单元", "单元号"),
    W("room", "room", "房号", "房间号", "门牌号", "门牌", "室", "室号", "户室号", "房号门牌",
      "门牌号码"),
    W("household_name", "household_name", "户名", "店名", "商户名称", "店铺名称"),
    W("name", "name", "姓名", "户主", "户主姓名", "业主姓名", "住户姓名", "老人姓名", "居民姓名",
      "本人姓名", "名字"),
    W("address", "address", "地址", "住址", "家庭住址", "详细地址", "居住地址", "现住址",
      "现居住地址", "家庭地址"),
    W("kind", "kind", "户别", "住户类型"),
    W("phone", "phone", "电话", "联系电话", "手机", "手机号", "手机号码", "户主电话", "本人电话",
      "本人手机", "本人联系电话", "联系方式", "电话号码", "老人电话", "本人联系方式",
      "本人手机号"),
    # A second number of the same person beside 手机: kept with it in the person's phone.
    W("landline", "landline", "固定电话", "固话", "座机", "座机号码", "家庭电话", "宅电", "住宅电话",
      "家里电话"),
    W("born", "born", "出生年份", "出生年", "出生日期", "出生年月", "出生年月日"),
    # The elderly register's (seed 001): a 生日 with its year gives the year born too.
    W("birthday", "birthday", "生日", "生日日期", "过生日"),
    W("living", "living", "居住状态", "居住情况", "居住状况", "居住方式", "生活状况", "生活状态",
      "居住类型"),
    W("interests", "interests", "兴趣爱好", "爱好", "兴趣", "爱好特长", "特长爱好", "兴趣特长"),
    W("age", "age", "年龄", "岁数", "实际年龄", "周岁"),
    W("id_number", "id_number", "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码"),
    W("health", "health", "健康状况", "健康", "身体状况", "健康情况", "身体情况"),
    W("contact", "contact", "紧急联系人", "紧急联系人姓名", "联系人", "联系人姓名", "监护人",
      "监护人姓名", "紧急联系人及电话", "紧急联系人及联系方式", "联系人及电话",
      "紧急联系人姓名及电话", "监护人及电话", "亲属姓名", "子女姓名", "家属姓名", "亲友姓名",
      "亲友紧急联系人", "亲友紧急联系方式"),
    W("relation", "relation", "关系", "与户主关系", "紧急联系人关系", "与本人关系", "与老人关系",
      "联系人关系", "亲属关系"),
    W("contact_phone", "contact_phone", "紧急联系电话", "紧急联系人电话", "联系人电话",
      "监护人电话", "紧急联系方式", "联系人手机", "紧急联系人手机", "亲属电话", "亲属联系电话",
      "子女电话", "子女联系电话", "家属电话", "家属联系电话", "亲友电话", "亲友联系电话"),
    W("flags", "flags", "标签", "类别", "人员类别", "特殊标识", "人员类型", "重点人群类别"),
    W("care", "care", "照看事项", "托管事项", "服务内容", "服务需求", "照看内容"),
    W("away_from", "away_from", "离开日期", "外出日期", "外出开始", "离家日期", "外出时间",
      "离开时间"),
    W("away_until", "away_until", "返回日期", "外出结束", "预计返回", "返回时间", "回家日期",
      "预计返回日期", "预计返回时间"),
    W("away_note", "away_note", "外出说明", "去向", "外出去向", "外出地点"),
    W("notes", "notes", "备注", "说明", "情况说明", "其他情况", "备注说明"),
    # The people and contacts past the first, as keyledger's own export writes them.
    W("residents", "residents", "同住人", "同住人员", "共同居住人"),
    W("other_contacts", "other_contacts", "其他联系人", "其他紧急联系人"),
))

KINDS: dict[str, Kind] = {k.key: k for k in (PURPOSE, VISIT_PURPOSE, CARE_ITEM, FLAG, KEY_KIND,
                                              KEY_STATE, HOUSEHOLD_KIND, ROLE, CHECK_RESULT,
                                              CALL_OUTCOME, REQUEST_CHANNEL, REQUESTER,
                                              LIVING_SITUATION, WEEKDAY, DAYS, IMPORT_FIELD,
                                              YES_NO, EXPORT, REPORT_FORMAT, LANGUAGE)}

# The codes, as the model validates files against them.
PURPOSES = PURPOSE.codes
VISIT_PURPOSES = VISIT_PURPOSE.codes
CARE = CARE_ITEM.codes
FLAGS = FLAG.codes
KEY_KINDS = KEY_KIND.codes
KEY_STATES = KEY_STATE.codes
HOUSEHOLD_KINDS = HOUSEHOLD_KIND.codes
ROLES = ROLE.codes
CHECK_RESULTS = CHECK_RESULT.codes
CALL_OUTCOMES = CALL_OUTCOME.codes
REQUEST_CHANNELS = REQUEST_CHANNEL.codes
REQUEST_FROM = REQUESTER.codes
LIVING = LIVING_SITUATION.codes
WEEKDAYS = WEEKDAY.codes


# --- input --------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normal(text: str) -> str:
    """A word as it is looked up: NFKC (full-width forms), case folded, without spaces."""
    if not text.isascii():
        import unicodedata

        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text).casefold()


def _lang(lang: str | None) -> str:
    if lang is not None:
        return lang
    from keyledger.i18n import language

    return language()


def _kind(kind: str | Kind) -> Kind:
    return kind if isinstance(kind, Kind) else KINDS[kind]


class UnknownWord(Exception):
    """A word that is no value of its kind. A FatalError subclass is made of it where the CLI
    needs one (`parse`); a spreadsheet turns it into a cell's problem."""

    def __init__(self, kind: Kind, word: str) -> None:
        super().__init__(word)
        self.kind, self.word = kind, word

    def sentence(self, lang: str | None = None) -> str:
        """The refusal, naming the choices in `lang` (the interface's language by default; a
        Chinese register's cell lists them as the register writes them)."""
        from keyledger.i18n import _

        return _("{word!r} is not a {what}; choose one of: {names}.").format(
            word=self.word, what=self.kind.label(), names=choices(self.kind, lang))


# Words around a value that do not change which one it is, as people type it: 已经修好了 is
# 修好, 均未接通 is 未接通, 女儿接的 is 女儿接, 上门浇花 is 浇花. Tried only for a word the table
# does not hold, and never a negation (未, 没, 不) — those are the value itself.
_AROUND = re.compile(r"^(?:已经|已|都|均|全都|上门|帮忙|帮|去)(?=.)|(?<=.)(?:了|的|啦|呢)$")


def lookup(kind: str | Kind, word: str) -> str | None:
    """The code a word names, or None."""
    index, key = _kind(kind).index(), normal(word)
    found = index.get(key)
    while found is None and not key.isascii():
        bare = _AROUND.sub("", key)
        if bare == key:
            return None
        key = bare
        found = index.get(key)
    return found


def parse(kind: str | Kind, word: str, option: str | None = None) -> str:
    """The code of a typed word; an unknown word is refused, listing the choices in the
    interface's language (and naming the option it was given to)."""
    found = lookup(kind, word)
    if found is None:
        raise refusal(UnknownWord(_kind(kind), word.strip()), option)
    return found


def refusal(error: UnknownWord, option: str | None = None) -> Exception:
    from keyledger.errors import FatalError

    if option is None:
        return FatalError(error.sentence())
    from keyledger.i18n import _

    return FatalError(_("{option}: {message}").format(option=option, message=error.sentence()))


# `,` `，` `、` `;` `；` and spaces separate the words of a list; `/` too, where it is not part of
# a word (n/a).
_LIST = re.compile(r"[,，、;；\s]+")


def parse_list(kind: str | Kind, values: str | Iterable[str],
               option: str | None = None) -> tuple[str, ...]:
    """The codes of words given as one text (`浇花、暖气`) or several (a repeated option), in
    order, each once."""
    try:
        return codes_of(kind, values)
    except UnknownWord as error:
        raise refusal(error, option) from None


def codes_of(kind: str | Kind, values: str | Iterable[str]) -> tuple[str, ...]:
    """As `parse_list`, raising UnknownWord (a spreadsheet's cell makes it a cell's problem)."""
    kind = _kind(kind)
    out: list[str] = []
    for value in [values] if isinstance(values, str) else values:
        for chunk in _LIST.split(value.strip()):
            if not chunk:
                continue
            for word in [chunk] if lookup(kind, chunk) is not None else chunk.split("/"):
                code = lookup(kind, word) if word else None
                if word and code is None:
                    raise UnknownWord(kind, word)
                out += [code] if code else []
    return tuple(dict.fromkeys(out))


# --- output -------------------------------------------------------------------------------------

def name(kind: str | Kind, code: str | None, lang: str | None = None) -> str:
    """A code as the interface names it; a code this version does not know, as it is."""
    if not code:
        return ""
    row = _kind(kind).row(code)
    return row.name(_lang(lang)) if row is not None else code


def names(kind: str | Kind, codes: Iterable[str], lang: str | None = None) -> str:
    """Several codes, named and joined as the language writes a list (浇花、暖气 / plants, heating)."""
    lang = _lang(lang)
    return ("、" if lang == "zh" else ", ").join(name(kind, c, lang) for c in codes)


def choices(kind: str | Kind, lang: str | None = None) -> str:
    """Every value of a kind as it may be typed, in the interface's language — its name, or its
    code where the name is more than one word (heating check): for help and refusals."""
    lang = _lang(lang)
    typed = (r.name(lang) if " " not in r.name(lang) else r.code for r in _kind(kind).rows)
    return ("、" if lang == "zh" else ", ").join(typed)


def complete(kind: str | Kind, incomplete: str, lang: str | None = None) -> list[str]:
    """Shell completion: for each value, the first of its words that begins with what was typed —
    the name in the interface's language first, then the code, then the other words."""
    kind, lang = _kind(kind), _lang(lang)
    typed = normal(incomplete)
    out = []
    for row in kind.rows:
        for word in (row.name(lang), row.code, row.en, row.zh, *row.also):
            if " " not in word and normal(word).startswith(typed):  # a shell word has no space
                out.append(word)
                break
    return out


# --- weekdays: 周三, 每周三, 周一到周五, 工作日, 每天, mon,thu ------------------------------------

_SETS = {"day": ("day",), "weekdays": WEEKDAYS[:5], "weekend": WEEKDAYS[5:]}
_EVERY = re.compile(r"^(?:每逢|每个|每一个|每|every)(?=.)")
_RANGE = re.compile(r"^(.+?)(?:到|至|~|－|-|—|–)(.+)$")
_NUMERALS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
             **{str(n): n - 1 for n in range(1, 8)}}
_PREFIX = re.compile(r"^(周|星期|礼拜)")
_DAY_LIST = re.compile(r"[,，、;；/\s和及与]+")


def _weekday(word: str) -> int | None:
    code = lookup(WEEKDAY, word)
    if code is not None:
        return WEEKDAYS.index(code)
    bare = _PREFIX.sub("", word)
    if bare != word and bare in _NUMERALS:  # 周1, 星期7
        return _NUMERALS[bare]
    return None


def parse_days(text: str, option: str | None = None) -> tuple[str, ...]:
    """`("day",)` or the weekday codes, Monday first, of 每天, 周三, 每周三, 周一三五, 周一到周五,
    工作日, 周末, 周一、周四, `wed`, `mon,thu`, `mon-fri`."""
    whole = normal(text)
    if _SETS.get(lookup(DAYS, whole) or "") == ("day",):
        return ("day",)
    days: set[int] = set()
    for part in _DAY_LIST.split(whole):
        part = _EVERY.sub("", part)
        if part.startswith("周") and part[1:2] == "的":
            part = part.replace("的", "", 1)
        if not part:
            continue
        found = _days(part)
        if found is None:
            raise _bad_days(text, option)
        days |= found
    if not days:
        raise _bad_days(text, option)
    return tuple(WEEKDAYS[d] for d in sorted(days))


def _days(part: str) -> set[int] | None:
    named = _SETS.get(lookup(DAYS, part) or "")
    if named is not None and named != ("day",):
        return {WEEKDAYS.index(d) for d in named}
    one = _weekday(part)
    if one is not None:
        return {one}
    span = _RANGE.match(part)
    if span:
        first, last = _weekday(span.group(1)), _weekday(span.group(2))
        if last is None:  # 周一到五
            prefix = _PREFIX.match(span.group(1))
            last = _weekday(prefix.group(1) + span.group(2)) if prefix else None
        if first is None or last is None:
            return None
        return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    prefix = _PREFIX.match(part)
    if prefix and len(part) > len(prefix.group(1)) + 1:  # 周一三五
        digits = part[len(prefix.group(1)):]
        if all(d in _NUMERALS for d in digits):
            return {_NUMERALS[d] for d in digits}
    return None


def _bad_days(text: str, option: str | None) -> Exception:
    from keyledger.errors import FatalError
    from keyledger.i18n import _

    message = _("{text!r} is not a day of the week: write it like day, wed, mon,thu, mon-fri, "
                "weekdays or weekend.").format(text=text.strip())
    return FatalError(_("{option}: {message}").format(option=option, message=message)
                      if option else message)


def days_name(days: Iterable[str], lang: str | None = None) -> str:
    """How a schedule's days read: 每天, 每周三、周五, 工作日 / every day, every Wed, Fri, weekdays."""
    days, lang = tuple(days), _lang(lang)
    for code, named in _SETS.items():
        if days == named:
            return name(DAYS, code, lang)
    listed = names(WEEKDAY, days, lang)
    return "每" + listed if lang == "zh" else "every " + listed
