"""A sample register (台账) of 500 households as a community keeps it in Excel: a title row, Chinese
headers, two columns keyledger does not import (序号, 性别), and — unless `bad=False` — a dozen
rows with the mistakes real registers have. `BAD` says which row has which, and the exact error
line `household import` must print for it.

    python tests/sample_register.py tests/data/register-500.csv   # the committed sample
    python tests/sample_register.py /tmp/register.xlsx --fixed
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path
from typing import Any

TITLE = "花卉社区重点人群及钥匙托管住户台账（2026年11月）"
HEADERS = ["序号", "小区", "楼号", "单元", "房号", "姓名", "性别", "出生年份", "电话", "健康状况",
           "紧急联系人", "关系", "紧急联系电话", "标签", "照看事项", "离开日期", "返回日期", "备注"]
ROWS = 500
FIRST_ROW = 3  # the spreadsheet's row of the first household (title, header above)

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = ["秀兰", "桂英", "淑珍", "玉兰", "凤英", "建国", "德胜", "文华", "志强", "国庆", "丽华",
          "秀英", "振华", "春梅", "海燕", "明", "静", "伟", "芳", "敏", "军", "勇", "霞", "平"]
_HEALTH = [None, None, "高血压，每日服药", "糖尿病，注射胰岛素", "心脏支架术后", "行动不便，使用助行器",
           "听力较差，敲门要用力", "轻度认知障碍", "哮喘，随身带喷雾"]
_RELATIONS = ["女儿", "儿子", "侄女", "外甥", "邻居", "儿媳"]
_FLAGS = ["独居", "高龄", "南飞", "低保", "残疾", "宠物"]
_CARE = ["绿植", "暖气", "门窗", "信件", "燃气"]
_NOTES = [None, None, None, "钥匙两把一串", "阳台花多，冬天每周浇一次", "楼道门禁卡在鞋柜上",
          "家中有猫，喂食器每三天加粮", "燃气表在厨房窗下"]

# Spreadsheet row -> (what is wrong, the value put in its cell, the error line's COLUMN: why).
BAD: dict[int, tuple[str, dict[str, Any], str]] = {
    17: ("a mobile number with ten digits", {"电话": "1380013800"},
         "电话: '1380013800' is not a mobile number: a mobile number has 11 digits"),
    42: ("no name", {"姓名": None},
         "姓名: missing: a new household needs the main resident's name"),
    99: ("a flag the ledger does not know", {"标签": "高龄、贫困"},
         "标签: '贫困' is not a flag; choose one of: 独居、高龄、南飞、通勤、低保、残疾、宠物、商户、待换锁"),
    150: ("a number no phone has", {"电话": "11111111111"},
          "电话: '11111111111' is not a phone number in use in China (check the digits)"),
    203: ("a day that does not exist", {"离开日期": "2026-02-30", "返回日期": "2026-04-15"},
          "离开日期: '2026-02-30' is not a date that exists"),
    260: ("a year of birth in two digits", {"出生年份": "46年"},
          "出生年份: '46年' is not a year of birth; write it like 1946 or 1946年3月"),
    311: ("back before leaving (the model's check)",
          {"离开日期": "2026-12-01", "返回日期": "2026-11-20"},
          "返回日期: expected a date on or after 'from'"),
    377: ("two mistakes in one row", {"紧急联系电话": "打电话问物业", "标签": "孤寡"},
          "紧急联系电话: '打电话问物业' is not a phone number: write it like 13800000101 or "
          "010-12345678; 标签: '孤寡' is not a flag; choose one of: 独居、高龄、南飞、通勤、低保、残疾、"
          "宠物、商户、待换锁"),
    420: ("no building number", {"楼号": None}, "楼号: missing"),
    488: ("a slash in the room number", {"房号": "4/01"},
          "房号: '4/01' does not say a building, unit or room (like 8号楼, 1单元, 401); write each "
          "in its own column or the whole address in a 地址 column"),
    499: ("a born year in the future", {"出生年份": 2031},
          "出生年份: 2031 is not a year of birth between 1900 and 2026"),
}
# The household the `ledger` fixture already has: its row changes it (phone, contact, flags).
EXISTING_ROW = 10


def households(seed: int = 48) -> list[dict[str, Any]]:
    """The 500 correct rows, by header."""
    rng = random.Random(seed)
    rooms = [(b, u, f * 100 + d) for b in range(1, 21) for u in (1, 2, 3) for f in range(1, 7)
             for d in (1, 2)]
    chosen = sorted(rng.sample([r for r in rooms if r != (8, 1, 401)], ROWS - 1))
    chosen.insert(EXISTING_ROW - FIRST_ROW, (8, 1, 401))
    rows = []
    for n, (building, unit, room) in enumerate(chosen, 1):
        flags = sorted(rng.sample(_FLAGS, rng.choice((0, 0, 1, 1, 2, 3))), key=_FLAGS.index)
        south = "南飞" in flags
        row: dict[str, Any] = {
            "序号": n, "小区": "东升家园", "楼号": f"{building}号楼", "单元": unit, "房号": room,
            "姓名": rng.choice(_SURNAMES) + rng.choice(_GIVEN), "性别": rng.choice("男女"),
            "出生年份": rng.randint(1928, 1975), "电话": f"138{rng.randint(0, 99999999):08d}",
            "健康状况": rng.choice(_HEALTH), "紧急联系人": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            "关系": rng.choice(_RELATIONS), "紧急联系电话": f"139{rng.randint(0, 99999999):08d}",
            "标签": "、".join(flags) or None,
            "照看事项": "、".join(sorted(rng.sample(_CARE, rng.randint(0, 3)), key=_CARE.index))
            or None,
            "离开日期": f"2026-11-{rng.randint(1, 20):02d}" if south else None,
            "返回日期": f"2027-04-{rng.randint(1, 28):02d}" if south else None,
            "备注": rng.choice(_NOTES)}
        rows.append(row)
    existing = rows[EXISTING_ROW - FIRST_ROW]
    existing.update({"姓名": "王秀兰", "出生年份": 1946, "电话": "13800000101",
                     "健康状况": "高血压，每日服药", "紧急联系人": "李晓梅", "关系": "女儿",
                     "紧急联系电话": "13900000201", "标签": "独居、高龄、南飞", "照看事项": None,
                     "离开日期": "2026-11-01", "返回日期": "2027-04-15", "备注": None})
    return rows


def register(bad: bool = True) -> list[dict[str, Any]]:
    rows = households()
    if bad:
        for number, (_why, cells, _error) in BAD.items():
            row = rows[number - FIRST_ROW]
            row.update(cells)
    return rows


def household_id(row: dict[str, Any]) -> str:
    """The id an import gives the row: its estate first, as two estates each have an 8-1-401."""
    return f"{row['小区']}-{str(row['楼号']).removesuffix('号楼')}-{row['单元']}-{row['房号']}"


def expected_errors(file: str) -> list[str]:
    """The error lines `household import` prints for the register with its bad rows."""
    clean = households()
    out = []
    for number, (_why, _cells, error) in sorted(BAD.items()):
        row = clean[number - FIRST_ROW]
        error = error.format(estate=row["小区"], building=str(row["楼号"]).removesuffix("号楼"),
                             unit=row["单元"])
        out.append(f"{file}:{number}: {error}")
    return out


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([TITLE])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row[h] for h in HEADERS])
    book.save(path)


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([TITLE])
    writer.writerow(HEADERS)
    writer.writerows([["" if row[h] is None else row[h] for h in HEADERS] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def write(path: Path, bad: bool = True) -> Path:
    rows = register(bad)
    if path.suffix == ".xlsx":
        write_xlsx(path, rows)
    else:
        path.write_bytes(csv_bytes(rows))
    return path


if __name__ == "__main__":
    write(Path(sys.argv[1]), bad="--fixed" not in sys.argv)
