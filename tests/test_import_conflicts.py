"""Never lose a word (issue 16.3) and bad rows without starting over (16.4): a value the ledger
has is changed only with --update, shown beside the sheet's in the dry run; notes are never
replaced by a shorter text; contacts are merged by name and phone; another resident at the same
id is a conflict; --skip-bad imports the good rows in one commit and hands the others back in
FILE-未导入.xlsx, laid out as the register was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger import yaml

NOW = "2026-11-25T10:00:00+08:00"
LONG_NOTES = ("老人冬季去三亚女儿家过冬，每年十一月初走，次年四月中旬回。家中阳台有十几盆花，需每周浇水一次；"
              "暖气阀门在厨房水槽下方，离家时已关小。钥匙两把一串，门禁卡在鞋柜上。紧急情况先联系女儿李晓梅，"
              "其次联系楼下邻居张阿姨。")


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)


@pytest.fixture
def known(ledger: Ledger, tmp_path: Path) -> Ledger:
    """8-1-401 with a resident, a phone, long notes and a contact, as a steward recorded them."""
    form = tmp_path / "form.yaml"
    form.write_text(yaml.dump({"people": [{"name": "赵国庆", "born": 1942, "phone": "13800000101"}],
                               "contacts": [{"name": "李晓梅", "relation": "女儿",
                                             "phone": "13900000201"}],
                               "notes": LONG_NOTES}), encoding="utf-8")
    ledger.ok("household", "edit", "8-1-401", "--from-file", str(form))
    return ledger


def household_file(ledger: Ledger, ident: str) -> dict:
    return yaml.load((ledger.root / "households" / f"{ident}.yaml").read_text(encoding="utf-8"))


def sheet(tmp_path: Path, text: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table(out: str) -> list[list[str]]:
    return [line.split("\t") for line in out.splitlines()[1:]]


def test_a_shorter_note_the_ledger_already_holds_changes_nothing(known: Ledger,
                                                                 tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,备注\n8-1-401,赵国庆,冬季去三亚女儿家过冬\n")
    dry = known.ok("household", "import", str(path), "--dry-run")
    assert "Would add 0 and change 0 households; 1 unchanged." in dry.err
    assert household_file(known, "8-1-401")["notes"] == LONG_NOTES


def test_a_different_note_is_a_conflict_side_by_side_and_update_keeps_both(
        known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,备注\n8-1-401,赵国庆,冬季去海口\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    assert table(dry.out) == [["2", "conflict", "8-1-401", "王秀兰", "备注", LONG_NOTES, "冬季去海口"]]
    refused = known.refused("household", "import", str(path))
    assert f"{path}:2: 备注: the ledger has '{LONG_NOTES}', the sheet '冬季去海口'" in refused.err
    assert "give --update" in refused.err
    known.ok("household", "import", str(path), "--update")
    assert household_file(known, "8-1-401")["notes"] == LONG_NOTES + "\n冬季去海口"
    # The sheet says nothing the ledger does not hold now: imported again, nothing changes.
    again = known.ok("household", "import", str(path), "--dry-run")
    assert "1 unchanged" in again.err


def test_a_longer_note_that_keeps_every_word_is_a_change(known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, f"户号,姓名,备注\n8-1-401,赵国庆,{LONG_NOTES}另：楼下快递柜可代收。\n")
    known.ok("household", "import", str(path))
    assert household_file(known, "8-1-401")["notes"] == LONG_NOTES + "另：楼下快递柜可代收。"


def test_a_contact_written_with_the_relation_in_brackets_is_the_same_contact(
        known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,联系电话,紧急联系人,联系电话\n"
                           "8-1-401,赵国庆,13800000101,李晓梅（女儿）,13900000201\n")
    dry = known.ok("household", "import", str(path), "--dry-run")
    assert "1 unchanged" in dry.err
    # A second contact is added; the first stays as it is.
    path = sheet(tmp_path, "户号,姓名,紧急联系人,紧急联系电话\n8-1-401,赵国庆,李强(儿子),13900000202\n")
    known.ok("household", "import", str(path))
    assert household_file(known, "8-1-401")["contacts"] == [
        {"name": "李晓梅", "relation": "女儿", "phone": "13900000201"},
        {"name": "李强", "relation": "儿子", "phone": "13900000202"}]


def test_a_contact_with_another_phone_or_name_is_a_conflict(known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,紧急联系人,紧急联系电话,地址\n"
                           "8-1-401,赵国庆,李晓梅（女儿）,13900000999,\n"
                           "8-1-402,孙丽,王强,13900000301,东升家园8号楼1单元402\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    assert table(dry.out) == [
        ["2", "conflict", "8-1-401", "王秀兰", "紧急联系电话", "13900000201", "13900000999"],
        ["3", "add", "8-1-402", "孙丽", "", "", ""]]
    # Each difference is named by the column it is in: the relation's own column too.
    path = sheet(tmp_path, "户号,姓名,紧急联系人,关系\n8-1-401,赵国庆,李晓梅,侄女\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    assert table(dry.out) == [["2", "conflict", "8-1-401", "王秀兰", "关系", "女儿", "侄女"]]
    # The same phone under another name is the same person, named otherwise: a conflict too.
    path = sheet(tmp_path, "户号,姓名,紧急联系人,紧急联系电话\n8-1-401,赵国庆,李小梅,13900000201\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    assert table(dry.out) == [["2", "conflict", "8-1-401", "王秀兰", "紧急联系人", "李晓梅", "李小梅"]]


def test_another_resident_at_the_same_id_is_a_conflict_without_an_address_column(
        known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,电话,备注\n8-1-401,刘桂芝,13800000555,新搬来\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    # Only the name: the rest of the row is about another person, never laid over 赵国庆's.
    assert table(dry.out) == [["2", "conflict", "8-1-401", "王秀兰", "姓名", "赵国庆", "刘桂芝"]]
    plan = json.loads(known.refused("household", "import", str(path), "--dry-run", "--json").out)
    assert plan["households"][0]["changes"] == [
        {"field": "people", "column": "姓名", "ledger": "赵国庆", "sheet": "刘桂芝",
         "conflict": True}]
    known.refused("household", "import", str(path))
    assert household_file(known, "8-1-401")["people"][0]["name"] == "赵国庆"
    known.ok("household", "import", str(path), "--update")
    data = household_file(known, "8-1-401")
    assert data["people"] == [{"name": "刘桂芝", "phone": "13800000555"}]
    assert data["notes"] == LONG_NOTES + "\n新搬来"
    assert data["pair"] == {"a": "zhou-lx", "b": "wang-dh"}


def test_an_age_one_year_off_the_year_of_birth_is_the_same(known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,年龄\n8-1-401,赵国庆,83岁\n")  # born 1942: 83 or 84 in 2026
    assert "1 unchanged" in known.ok("household", "import", str(path), "--dry-run").err
    path = sheet(tmp_path, "户号,姓名,年龄\n8-1-401,赵国庆,70\n")
    dry = known.refused("household", "import", str(path), "--dry-run")
    assert table(dry.out) == [["2", "conflict", "8-1-401", "王秀兰", "年龄", "1942", "1956"]]


def test_flags_and_care_are_added_never_taken_away(ledger: Ledger, tmp_path: Path) -> None:
    # The ledger's 8-1-401: elderly and away-season; plants and heating.
    path = sheet(tmp_path, "户号,姓名,标签,照看事项\n8-1-401,王秀兰,独居,暖气检查、门窗\n")
    dry = ledger.ok("household", "import", str(path), "--dry-run")
    assert table(dry.out)[1:] == [
        ["2", "change", "8-1-401", "王秀兰", "标签", "高龄、南飞", "独居、高龄、南飞"],
        ["2", "change", "8-1-401", "王秀兰", "照看事项", "绿植、暖气", "绿植、暖气、门窗"]]
    ledger.ok("household", "import", str(path))
    data = household_file(ledger, "8-1-401")
    assert data["flags"] == ["lives-alone", "elderly", "away-season"]
    assert data["care"] == ["plants", "heating", "windows"]


def test_the_tools_own_chinese_words_and_field_names_are_read(ledger: Ledger,
                                                               tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,店主,住户电话,地址,类别,要照看的\n"
                           "8-1-402,孙丽,13800000106,东升家园8号楼1单元402,季节性外出、独居,暖气检查、浇花\n")
    ledger.ok("household", "import", str(path), "--map", "店主=姓名", "--map", "住户电话=电话",
              "--map", "要照看的=照看事项")
    data = household_file(ledger, "8-1-402")
    assert data["people"] == [{"name": "孙丽", "phone": "13800000106"}]
    assert (data["flags"], data["care"]) == (["lives-alone", "away-season"], ["plants", "heating"])


def test_two_phone_columns_one_row_header_map_by_position(ledger: Ledger, tmp_path: Path) -> None:
    # Neither phone column follows a contact: which is which is the office's to say.
    path = sheet(tmp_path, "户号,姓名,联系电话,联系电话,地址\n"
                           "8-1-402,孙丽,13800000106,13900000306,东升家园8号楼1单元402\n")
    refused = ledger.refused("household", "import", str(path))
    assert "say which is which with --map 联系电话#2=FIELD" in refused.err
    ledger.ok("household", "import", str(path), "--map", "联系电话#2=-")
    assert household_file(ledger, "8-1-402")["people"] == [{"name": "孙丽", "phone": "13800000106"}]


# --skip-bad --------------------------------------------------------------------------------

def _register(path: Path) -> Path:
    """A register with a title, a 填报 line and a two-row merged header; rows 6 and 8 are bad."""
    import openpyxl

    book = openpyxl.Workbook()
    s = book.active
    s.title = "独居老人"
    s.append(["花卉社区独居老人台账"])
    s.append(["填报单位：花卉社区居委会", None, None, None, "填报日期：2026年11月30日"])
    s.append(["姓名", "住址", None, None, "联系电话", "紧急联系人", None])
    s.append([None, "楼栋", "单元", "门牌", None, "姓名", "联系电话"])
    for cells in ("A1:G1", "B3:D3", "F3:G3", "A3:A4", "E3:E4"):
        s.merge_cells(cells)
    s.append(["孙丽", 8, 1, 402, 13800000106, "王强（儿子）", 13900000306])
    s.append(["周明", 8, 1, 403, 1380000010, "王芳", 13900000307])     # a ten-digit mobile
    s.append(["吴静", 8, 1, 404, 13800000108, None, None])
    s.append([None, 8, 1, 405, 13800000109, None, None])                 # no name
    s.append(["合计", "共4人"])
    book.save(path)
    return path


def test_skip_bad_imports_the_good_rows_and_hands_back_the_others(ledger: Ledger,
                                                                   tmp_path: Path) -> None:
    import python_calamine

    path = _register(tmp_path / "台账.xlsx")
    ledger.refused("household", "import", str(path))  # all or nothing by default
    head = ledger.head()
    result = ledger.run("household", "import", str(path), "--skip-bad")
    assert result.code == 1, result.err  # a script knows that rows were left out
    assert ledger.git("rev-parse", "HEAD~1").strip() == head  # one commit
    assert "Imported" in result.err and "2 added" in result.err
    rejects = tmp_path / "台账-未导入.xlsx"
    assert f"2 row(s) not imported; they are in {rejects}" in result.err
    assert sorted(p.name for p in (ledger.root / "households").iterdir()) == [
        "8-1-401.yaml", "8-1-402.yaml", "8-1-404.yaml"]

    # The file left out is the register's own layout, read by another reader than openpyxl.
    with python_calamine.CalamineWorkbook.from_path(str(rejects)) as book:
        assert book.sheet_names == ["独居老人"]
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        merges = sorted(sheet.merged_cell_ranges or [])
    assert rows[0][0] == "花卉社区独居老人台账"
    assert rows[1][0] == "填报单位：花卉社区居委会" and rows[1][4] == "填报日期：2026年11月30日"
    assert rows[2][:8] == ["姓名", "住址", "", "", "联系电话", "紧急联系人", "", "未导入原因"]
    assert rows[3][:7] == ["", "楼栋", "单元", "门牌", "", "姓名", "联系电话"]
    assert ((2, 1), (2, 3)) in merges and ((2, 7), (3, 7)) in merges
    assert [r[:7] for r in rows[4:]] == [["周明", 8, 1, 403, 1380000010, "王芳", 13900000307],
                                         ["", 8, 1, 405, 13800000109, "", ""]]
    assert rows[4][7] == "联系电话: '1380000010' is not a mobile number: a mobile number has 11 digits"
    assert rows[5][7] == "姓名: missing: a new household needs the main resident's name"

    # Fixed there, the file imports on its own (its reason column is not read).
    import openpyxl

    book = openpyxl.load_workbook(rejects)
    book.active["E5"] = 13800000107
    book.active["A6"] = "郑华"
    book.save(rejects)
    again = ledger.ok("household", "import", str(rejects), "--skip-bad")  # every row: 0
    assert "2 added" in again.err and "Columns not imported" not in again.err
    assert household_file(ledger, "8-1-403")["people"] == [{"name": "周明",
                                                            "phone": "13800000107"}]


def test_skip_bad_leaves_conflicts_out_too(known: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,地址\n8-1-401,刘桂芝,\n8-1-402,孙丽,东升家园8号楼1单元402\n",
                 "few.csv")
    result = known.run("household", "import", str(path), "--skip-bad")
    assert result.code == 1 and "1 added" in result.err
    dry = known.run("household", "import", str(path), "--skip-bad", "--dry-run", "--json")
    assert dry.code == 1 and json.loads(dry.out)["rejected_file"] is None  # nothing written
    assert json.loads(dry.out)["rejected"] == [
        {"row": 2, "reason": "姓名: the ledger has '赵国庆', the sheet '刘桂芝'"}]
    assert household_file(known, "8-1-401")["people"][0]["name"] == "赵国庆"
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(str(tmp_path / "few-未导入.xlsx")) as book:
        rows = book.get_sheet_by_index(0).to_python()
    assert rows == [["户号", "姓名", "地址", "未导入原因"],
                    ["8-1-401", "刘桂芝", "", "姓名: the ledger has '赵国庆', the sheet '刘桂芝'"]]


def test_the_id_number_is_never_stored_and_gives_a_year_only_where_allowed(
        ledger: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,身份证号,地址\n8-1-402,孙丽,110105194503070029,东升家园8号楼1单元402\n")
    result = ledger.ok("household", "import", str(path))
    assert "身份证号: identity card numbers are never stored in the ledger" in result.err
    assert household_file(ledger, "8-1-402")["people"] == [{"name": "孙丽"}]
    settings = ledger.root / "keyledger.yaml"
    data = yaml.load(settings.read_text(encoding="utf-8"))
    data.setdefault("policies", {})["registers"] = {"birth_year_from_id": True}
    settings.write_text(yaml.dump(data), encoding="utf-8")
    ledger.git("commit", "-q", "-S", "-am", "policy: birth year from identity numbers")
    ledger.ok("household", "import", str(path))
    assert household_file(ledger, "8-1-402")["people"] == [{"name": "孙丽", "born": 1945}]
    assert "110105" not in ledger.git("log", "-p")
    # A number whose check digit is wrong is named, without repeating it.
    bad = sheet(tmp_path, "户号,姓名,身份证号,地址\n8-1-403,周明,110105194503070021,东升家园\n",
                "bad.csv")
    refused = ledger.refused("household", "import", str(bad))
    assert "身份证号: not an identity card number (its check digit does not match)" in refused.err
    assert "110105194503070021" not in refused.err


def test_free_text_from_a_cell_is_kept_as_typed_text_is(ledger: Ledger, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "text.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["户号", "姓名", "地址", "健康状况", "备注"])
    book.active.append(["8-1-402", "孙　丽", "东升家园8号楼\t1单元402", "高血压  每日服药",
                        "钥匙在门卫\n冬天关暖气阀"])
    book.save(path)
    ledger.ok("household", "import", str(path))
    data = household_file(ledger, "8-1-402")
    # A name spaced out to line up in its column (孙　丽) is one name; free text keeps one space.
    assert (data["name"], data["address"]) == ("孙丽", "东升家园8号楼 1单元402")
    assert data["people"] == [{"name": "孙丽", "health": "高血压 每日服药"}]
    assert data["notes"] == "钥匙在门卫\n冬天关暖气阀"
    assert "1 unchanged" in ledger.ok("household", "import", str(path), "--dry-run").err


def test_skipped_rows_are_named_and_many_of_a_kind_counted(ledger: Ledger, tmp_path: Path) -> None:
    lines = ["户号,姓名,地址"]
    for n in range(1, 7):
        lines += [f"9-1-{n}01,住户{n},9号楼1单元{n}01", f"小计,共1户,"]
    lines += ["填表人：张敏,,"]
    result = ledger.ok("household", "import", str(sheet(tmp_path, "\n".join(lines) + "\n")))
    assert "6 rows skipped: a total (rows 3, 5, 7, 9, 11, …; --json lists them all)." in result.err
    assert "Row 14 skipped: a footer (填表人：张敏)." in result.err
    assert "6 added" in result.err


def test_a_sheet_is_named_with_sheet_and_a_wrong_name_lists_the_sheets(ledger: Ledger,
                                                                        tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["请按表头填写"])
    data = book.create_sheet("2026年")
    data.append(["户号", "姓名", "地址"])
    data.append(["8-1-402", "孙丽", "东升家园8号楼1单元402"])
    book.save(path)
    # Without --sheet, the first sheet with a header: the 说明 before it is passed over, and said.
    dry = ledger.ok("household", "import", str(path), "--dry-run", "--json")
    assert json.loads(dry.out)["sheet"] == "2026年"
    dry = ledger.ok("household", "import", str(path), "--dry-run")
    assert "Reading the sheet 2026年: 说明 before it has no header row." in dry.err
    refused = ledger.refused("household", "import", str(path), "--sheet", "说明")
    assert "no header row found in its first 30 rows" in refused.err
    refused = ledger.refused("household", "import", str(path), "--sheet", "2025年")
    assert "--sheet 2025年: " in refused.err and "its sheets are: 说明、2026年." in refused.err
    ledger.ok("household", "import", str(path), "--sheet", "2026年")
    assert household_file(ledger, "8-1-402")["name"] == "孙丽"
    csv_path = sheet(tmp_path, "户号,姓名,地址\n")
    refused = ledger.refused("household", "import", str(csv_path), "--sheet", "x")
    assert "is a CSV file, which has one sheet" in refused.err


def test_a_cell_longer_than_a_register_holds_is_a_bad_row_never_cut(ledger: Ledger,
                                                                     tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,地址,备注\n8-1-402,孙丽,东升家园8号楼1单元402," + "字" * 10_001 + "\n")
    refused = ledger.refused("household", "import", str(path))
    assert f"{path}:2: 备注: 10001 characters: a cell holds at most 10000" in refused.err


def test_a_register_with_a_header_and_no_rows_says_so(ledger: Ledger, tmp_path: Path) -> None:
    path = sheet(tmp_path, "户号,姓名,地址\n,,\n")
    head = ledger.head()
    result = ledger.ok("household", "import", str(path))
    assert "has no household rows under its header" in result.err and ledger.head() == head


def test_skip_bad_imports_nothing_when_the_rows_left_out_cannot_be_written(
        ledger: Ledger, tmp_path: Path) -> None:
    """Every row ends up in the ledger or in FILE-未导入.xlsx: when that file cannot be written,
    the good rows are not imported either."""
    path = _register(tmp_path / "台账.xlsx")
    (tmp_path / "台账-未导入.xlsx").mkdir()  # in the way: a folder of that name
    result = ledger.refused("household", "import", str(path), "--skip-bad")
    assert "台账-未导入.xlsx" in result.err and "Traceback" not in result.err
