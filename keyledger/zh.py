"""The Chinese names that registers (台账), the street office's spreadsheets and phone calendars use.

These are data formats, not the interface's translation: a register's column 标签 holds 独居, 高龄,
whatever language keyledger speaks, so they are fixed here rather than in the gettext catalogs.
The first name of each list is the one keyledger writes; all of them are read.
"""

from __future__ import annotations

from keyledger.i18n import _, language

FLAGS: dict[str, tuple[str, ...]] = {
    "lives-alone": ("独居", "独居老人", "空巢独居"),
    "elderly": ("高龄", "老人", "老年人", "高龄老人"),
    "away-season": ("南飞", "候鸟", "季节外出", "南飞过冬"),
    "commuter": ("通勤", "走读"),
    "low-income": ("低保", "低保户"),
    "disabled": ("残疾", "残障", "残疾人"),
    "pet": ("宠物", "养宠", "有宠物"),
    "merchant": ("商户", "商铺"),
    "lock-change": ("待换锁", "换锁"),
}

CARE: dict[str, tuple[str, ...]] = {
    "plants": ("绿植", "浇花", "花草"),
    "pets": ("宠物", "喂宠物", "宠物喂养"),
    "heating": ("暖气",),
    "windows": ("门窗", "窗户"),
    "gas": ("燃气", "煤气"),
    "water": ("水管", "用水", "水"),
    "electricity": ("电器", "用电", "电"),
    "mail": ("信件", "报箱", "信箱"),
    "fridge": ("冰箱",),
    "doors": ("门锁",),
}

HOUSEHOLD_KINDS: dict[str, tuple[str, ...]] = {
    "resident": ("居民", "住户"),
    "merchant": ("商户", "商铺"),
}

# As the shipped Chinese report templates name them (templates/zh/words.j2).
PURPOSES: dict[str, str] = {
    "inspection": "巡查", "plants": "浇花", "pets": "照看宠物", "heating": "暖气检查",
    "contractor": "陪同施工", "repair": "维修", "emergency": "紧急处置", "delivery": "代收代送",
    "other": "其他", "call": "电话问候", "follow-up": "回访", "errand": "代买代办",
}

KEY_KINDS = {"physical": "实体钥匙", "code": "门锁密码", "card": "门禁卡"}
KEY_STATES = {"in": "在柜", "out": "借出", "lost": "遗失", "handed-back": "已退还业主"}
CHECK_RESULTS = {"ok": "正常", "problem": "有问题", "fixed": "已当场处理", "n/a": "不适用"}

# The words stewards type for the service records' codes (the first is the one written).
RESULTS: dict[str, tuple[str, ...]] = {
    "ok": ("正常", "好", "没问题"),
    "problem": ("有问题", "问题", "待处理"),
    "fixed": ("已当场处理", "当场处理", "已处理", "已修好", "已解决"),
    "n/a": ("不适用", "无", "na"),
}
CALL_OUTCOMES: dict[str, tuple[str, ...]] = {
    "answered": ("接通", "已接通", "本人接听"),
    "family": ("家属代接", "家属接听", "子女代接"),
    "no-answer": ("未接通", "无人接听", "没接", "未接"),
    "busy": ("占线",),
    "off": ("关机", "停机", "无法接通"),
}
REQUEST_CHANNELS: dict[str, tuple[str, ...]] = {
    "phone": ("电话", "打电话"),
    "wechat": ("微信", "微信留言"),
    "in-person": ("当面", "上门", "面谈"),
    "other": ("其他",),
}
REQUEST_FROM: dict[str, tuple[str, ...]] = {
    "owner": ("业主", "本人", "户主"),
    "family": ("家属", "子女", "亲属", "女儿", "儿子"),
    "neighbour": ("邻居", "楼下邻居", "楼上邻居"),
    "other": ("其他",),
}
LIVING: dict[str, tuple[str, ...]] = {
    "alone": ("独居",),
    "empty-nest": ("空巢", "老两口同住", "夫妻同住"),
    "with-children": ("与子女同住", "和子女同住", "子女同住"),
    "with-others": ("与他人同住", "其他"),
}


def name(table: dict[str, tuple[str, ...]], code: str) -> str:
    """The Chinese name keyledger writes for a code."""
    return table[code][0] if code in table else code


def reverse(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every Chinese name, and the code itself, to the code."""
    out = {code: code for code in table}
    for code, names in table.items():
        for n in names:
            out.setdefault(n, code)
    return out


def code_of(table: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The code a typed word stands for (the code itself, or any of its Chinese names)."""
    word = text.strip()
    return reverse(table).get(word) or reverse(table).get(word.lower())


def care_name(code: str) -> str:
    """A care item as the reports name it: the catalog translates `plants` as the purpose
    (浇花), but on a care list it is the thing looked after (绿植)."""
    return name(CARE, code) if language() == "zh" else _(code)
