"""Registers in and figures out: `household import` of the 500-row sample register (exact
per-row errors, nothing written, then one signed commit), and `export` read back with openpyxl."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from pathlib import Path

import pytest

import sample_register
from conftest import Ledger
from keyledger import yaml

NOW = "2026-11-25T10:00:00+08:00"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)


def error_lines(err: str) -> list[str]:
    return [line[2:] for line in err.splitlines() if line.startswith("  ")]


def household_file(ledger: Ledger, ident: str) -> dict:
    return yaml.load((ledger.root / "households" / f"{ident}.yaml").read_text(encoding="utf-8"))


def test_the_committed_sample_is_what_the_generator_makes() -> None:
    assert (DATA / "register-500.csv").read_bytes() == sample_register.csv_bytes(
        sample_register.register(bad=True))
    assert len(sample_register.register()) == 500


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_bad_rows_are_each_named_once_and_nothing_is_written(ledger: Ledger, tmp_path: Path,
                                                             suffix: str) -> None:
    path = sample_register.write(tmp_path / f"register{suffix}")
    result = ledger.refused("household", "import", str(path))
    assert error_lines(result.err) == sample_register.expected_errors(str(path))
    assert f"{len(sample_register.BAD)} bad row(s); nothing was imported" in result.err
    dry = ledger.refused("household", "import", str(path), "--dry-run")
    assert error_lines(dry.err) == error_lines(result.err)


def test_the_fixed_register_is_one_signed_commit(ledger: Ledger, tmp_path: Path) -> None:
    path = sample_register.write(tmp_path / "register.xlsx", bad=False)
    before = ledger.snapshot()
    dry = ledger.ok("household", "import", str(path), "--dry-run")
    assert ledger.snapshot() == before  # a dry run writes nothing
    lines = [line.split("\t") for line in dry.out.splitlines()]
    assert lines[0] == ["row", "action", "household", "name", "column", "ledger", "sheet"]
    assert [line[1] for line in lines].count("add") == 499
    # The household the ledger has: each change with the ledger's value beside the sheet's.
    assert [line for line in lines if line[2] == "8-1-401"] == [
        ["10", "change", "8-1-401", "王秀兰", "姓名", "", "王秀兰"],
        ["10", "change", "8-1-401", "王秀兰", "电话", "", "13800000101"],
        ["10", "change", "8-1-401", "王秀兰", "出生年份", "", "1946"],
        ["10", "change", "8-1-401", "王秀兰", "健康状况", "", "高血压，每日服药"],
        ["10", "change", "8-1-401", "王秀兰", "紧急联系人", "", "李晓梅（女儿） 13900000201"],
        ["10", "change", "8-1-401", "王秀兰", "标签", "高龄、南飞", "独居、高龄、南飞"],
        ["10", "change", "8-1-401", "王秀兰", "离开日期", "", "2026-11-01 – 2027-04-15"]]
    assert "Columns not imported: 序号, 性别" in dry.err
    assert "Would add 499 and change 1 households; 0 unchanged." in dry.err

    head = ledger.head()
    result = ledger.ok("household", "import", str(path))
    assert "499 added, 1 changed, 0 unchanged" in result.err
    assert ledger.git("rev-parse", "HEAD~1").strip() == head  # exactly one commit
    ledger.git("verify-commit", "HEAD")
    message = ledger.git("log", "-1", "--format=%B")
    assert "Keyledger-Action: household-import" in message
    assert "Keyledger-Steward: liu-sj" in message
    assert "Keyledger-Count: 500" in message
    changed = ledger.git("-c", "core.quotepath=off", "show", "--name-only", "--format=",
                         "HEAD").split()
    assert len(changed) == 500 and all(p.startswith("households/") for p in changed)
    assert ledger.git("status", "--porcelain") == ""

    # The sheet has a 小区 column: the new households' ids begin with the estate; 8-1-401 was
    # named without it, and the row at its address is it.
    assert "households/8-1-401.yaml" in changed
    first = household_file(ledger, "东升家园-1-1-101")
    row = sample_register.households()[0]
    assert first["name"] == row["姓名"] and first["address"] == "东升家园1号楼1单元101"
    assert first["people"][0] == {k: v for k, v in (
        ("name", row["姓名"]), ("born", row["出生年份"]), ("phone", row["电话"]),
        ("health", row["健康状况"])) if v is not None}
    assert first["contacts"] == [{"name": row["紧急联系人"], "relation": row["关系"],
                                  "phone": row["紧急联系电话"]}]
    # The existing household keeps what the sheet does not say: pair, authorization, care.
    existing = household_file(ledger, "8-1-401")
    assert existing["pair"] == {"a": "zhou-lx", "b": "wang-dh"}
    assert existing["authorization"]["until"] == "2030-12-31"
    assert existing["care"] == ["plants", "heating"]
    assert existing["address"] == "东升家园8号楼1单元401"
    assert existing["flags"] == ["lives-alone", "elderly", "away-season"]
    assert existing["away"] == [{"from": "2026-11-01", "until": "2027-04-15"}]
    assert existing["people"][0]["phone"] == "13800000101"
    ledger.ok("check")

    again = ledger.ok("household", "import", str(path))
    assert "Nothing to import" in again.err
    assert ledger.head() != head and ledger.git("rev-parse", "HEAD~1").strip() == head


def test_a_changed_cell_is_a_change_and_empty_cells_keep_what_the_ledger_knows(
        ledger: Ledger, tmp_path: Path) -> None:
    sheet = tmp_path / "few.csv"
    sheet.write_text("户号,姓名,电话,备注,标签\n"
                     "8-1-401,王秀兰,13800000101,每周三浇水,高龄、南飞\n", encoding="utf-8")
    ledger.ok("household", "import", str(sheet))
    sheet.write_text("户号,姓名,电话,备注,标签\n8-1-401,王秀兰,13800000999,,\n", encoding="utf-8")
    # A phone the ledger has, changed: a conflict, shown side by side and refused without --update.
    dry = ledger.refused("household", "import", str(sheet), "--dry-run")
    assert dry.out.splitlines()[1].split("\t") == ["2", "conflict", "8-1-401", "王秀兰", "电话",
                                                   "13800000101", "13800000999"]
    ledger.refused("household", "import", str(sheet))
    ledger.ok("household", "import", str(sheet), "--update")
    data = household_file(ledger, "8-1-401")
    assert data["people"][0]["phone"] == "13800000999"
    assert data["notes"] == "每周三浇水" and data["flags"] == ["elderly", "away-season"]


def test_map_names_a_column_the_defaults_do_not_know(ledger: Ledger, tmp_path: Path) -> None:
    sheet = tmp_path / "shop.csv"
    sheet.write_text("户号,店名,店主,住户电话,地址,户别\n"
                     "商铺-03,惠邻百货,田秀云,13800000106,春晖家园临街商铺3号,商户\n",
                     encoding="utf-8")
    plain = ledger.ok("household", "import", str(sheet), "--dry-run")
    assert "Columns not imported: 店主, 住户电话" in plain.err
    ledger.ok("household", "import", str(sheet), "--map", "店主=name", "--map", "住户电话=phone")
    data = household_file(ledger, "商铺-03")
    assert (data["name"], data["kind"]) == ("惠邻百货", "merchant")
    assert data["people"] == [{"name": "田秀云", "phone": "13800000106"}]
    refused = ledger.refused("household", "import", str(sheet), "--map", "电话=phone")
    assert "has no column '电话'" in refused.err
    refused = ledger.refused("household", "import", str(sheet), "--map", "店主=owner")
    assert "--map takes COLUMN=FIELD" in refused.err


def test_a_gbk_csv_from_chinese_excel_is_read(ledger: Ledger, tmp_path: Path) -> None:
    sheet = tmp_path / "gbk.csv"
    sheet.write_bytes("楼号,单元,房号,姓名,地址\n3号楼,2,502,赵建国,春晖家园3号楼2单元502\n"
                      .encode("gbk"))
    ledger.ok("household", "import", str(sheet))
    assert household_file(ledger, "3-2-502")["name"] == "赵建国"


def _as_excel(value: object) -> object:
    """A date comes back from a workbook as midnight of that day (Excel has only date-times)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0))
    return value


def _read_xlsx(path: Path) -> list[list[object]]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_opens_in_openpyxl_with_the_same_data(ledger: Ledger, tmp_path: Path) -> None:
    from keyledger.ledger import Ledger as Core
    from keyledger.spreadsheet.export import rows_of

    ledger.ok("household", "import", str(sample_register.write(tmp_path / "r.xlsx", bad=False)))
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("return", "K-0012", "--visit", "--check", "plants=ok", "--follow-up", "2026-11-27")
    core = Core(ledger.root)
    for what in ("households", "keys", "visits"):
        out = tmp_path / f"{what}.xlsx"
        result = ledger.ok("export", what, "--format", "xlsx", "-o", str(out))
        headers, rows = rows_of(core, what)
        assert f"Wrote {len(rows)} rows" in result.err
        assert _read_xlsx(out) == [headers, *[[_as_excel(v) for v in row] for row in rows]]
    households = _read_xlsx(tmp_path / "households.xlsx")
    assert len(households) == 501 and households[0][:3] == ["户号", "户名", "姓名"]
    by_id = {row[0]: dict(zip(households[0], row)) for row in households[1:]}
    mine = by_id["8-1-401"]
    assert (mine["电话"], mine["出生年份"], mine["标签"], mine["A岗"], mine["钥匙"]) == \
        ("13800000101", 1946, "独居、高龄、南飞", "周丽霞", "K-0012")
    keys = _read_xlsx(tmp_path / "keys.xlsx")
    assert keys[1][:7] == ["K-0012", "8-1-401", "王秀兰", "实体钥匙", "入户门钥匙, 两把一串",
                           "A-03", "在柜"]
    visits = _read_xlsx(tmp_path / "visits.xlsx")
    assert len(visits) == 2 and visits[1][6] == "浇花" and visits[1][9] == "绿植:正常"

    # The CSV says the same, and imported again it changes nothing.
    text = ledger.ok("export", "households", "--format", "csv").out
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == households[0] and len(table) == 501
    again = tmp_path / "again.csv"
    ledger.ok("export", "households", "-o", str(again))
    assert again.read_bytes().startswith("\ufeff".encode())
    dry = ledger.ok("household", "import", str(again), "--dry-run")
    assert "Would add 0 and change 0 households; 500 unchanged." in dry.err
    assert "Columns not imported" not in dry.err  # its own extra columns are skipped quietly


def test_export_refuses_what_it_does_not_know(ledger: Ledger, tmp_path: Path) -> None:
    ledger.refused("export", "stewards", "-o", str(tmp_path / "x.csv"))
    ledger.refused("export", "keys", "--format", "ods", "-o", str(tmp_path / "x.ods"))


def test_exported_keys_have_a_checkout_time_only_while_out(ledger: Ledger) -> None:
    def keys_csv() -> dict[str, str]:
        text = ledger.ok("export", "keys", "--format", "csv").out.lstrip("\ufeff")
        header, row = list(csv.reader(io.StringIO(text)))
        return dict(zip(header, row))

    ledger.ok("checkout", "K-0012", "--purpose", "plants", "--witness", "sun-yp", as_="zhou-lx")
    out = keys_csv()
    assert (out["状态"], out["持有人"], out["借出时间"], out["事由"], out["预计归还"], out["见证人"]) == \
        ("已取出", "周丽霞", "2026-11-25 10:00", "浇花", "2026-11-25 11:00", "孙玉萍")
    ledger.ok("return", "K-0012")
    back = keys_csv()
    assert back["状态"] == "在柜"
    assert [back[c] for c in ("持有人", "借出时间", "事由", "预计归还", "见证人")] == [""] * 5
    ledger.ok("lost", "K-0012", "--note", "掉在小区里了")
    assert keys_csv()["借出时间"] == ""



def test_the_estate_is_part_of_the_id(ledger: Ledger, tmp_path: Path) -> None:
    # The ledger's 8-1-401 is 王秀兰's, in 东升家园; 春晖家园 has an 8-1-401 of its own.
    sheet = tmp_path / "two.csv"
    sheet.write_text("小区,楼号,单元,房号,姓名,电话,紧急联系人\n"
                     "春晖家园,8,1,401,李四,13800000111,王五\n"
                     "东升家园,8,1,401,王秀兰,13800000101,李晓梅\n"
                     "春晖家园,8,1,402,赵六,13800000112,\n", encoding="utf-8")
    plan = json.loads(ledger.ok("household", "import", str(sheet), "--dry-run", "--json").out)
    assert [(h["action"], h["id"], h["row"]) for h in plan["households"]] == [
        ("add", "春晖家园-8-1-401", 2), ("change", "8-1-401", 3), ("add", "春晖家园-8-1-402", 4)]
    assert plan["errors"] == [] and plan["commit"] is None
    result = ledger.ok("household", "import", str(sheet))
    assert "2 added, 1 changed" in result.err
    assert household_file(ledger, "8-1-401")["name"] == "王秀兰"
    added = household_file(ledger, "春晖家园-8-1-401")
    assert (added["name"], added["address"]) == ("李四", "春晖家园8号楼1单元401")
    # --map 小区=- reads the sheet without its estates: then row 2's 李四 would be at the
    # ledger's 8-1-401, which is 王秀兰's: a conflict.
    refused = ledger.refused("household", "import", str(sheet), "--map", "小区=-")
    assert error_lines(refused.err) == [f"{sheet}:2: 姓名: the ledger has '王秀兰', the sheet '李四'"]


def test_a_household_the_ledger_places_elsewhere_is_changed_only_with_update(
        ledger: Ledger, tmp_path: Path) -> None:
    sheet = tmp_path / "moved.csv"
    sheet.write_text("户号,姓名,地址\n8-1-401,李四,春晖家园8号楼1单元401\n", encoding="utf-8")
    dry = ledger.refused("household", "import", str(sheet), "--dry-run")
    assert [line.split("\t") for line in dry.out.splitlines()[1:]] == [
        ["2", "conflict", "8-1-401", "王秀兰", "姓名", "", "李四"],
        ["2", "conflict", "8-1-401", "王秀兰", "地址", "东升家园8号楼1单元401", "春晖家园8号楼1单元401"]]
    assert error_lines(dry.err) == [f"{sheet}:2: 地址: the ledger has '东升家园8号楼1单元401', the "
                                    "sheet '春晖家园8号楼1单元401'"]
    plan = json.loads(ledger.refused("household", "import", str(sheet), "--dry-run",
                                     "--json").out)
    assert [(h["action"], h["address"], h["ledger_address"], h["fields"])
            for h in plan["households"]] == [
        ("conflict", "东升家园8号楼1单元401", "东升家园8号楼1单元401", ["address", "people"])]
    assert plan["households"][0]["changes"][1] == {
        "field": "address", "column": "地址", "ledger": "东升家园8号楼1单元401",
        "sheet": "春晖家园8号楼1单元401", "conflict": True}
    refused = ledger.refused("household", "import", str(sheet))
    assert "give --update" in refused.err
    assert household_file(ledger, "8-1-401")["people"] == []
    ledger.ok("household", "import", str(sheet), "--update")
    data = household_file(ledger, "8-1-401")
    assert (data["people"][0]["name"], data["address"]) == ("李四", "春晖家园8号楼1单元401")
    assert data["pair"] == {"a": "zhou-lx", "b": "wang-dh"}


def test_bad_rows_in_json(ledger: Ledger, tmp_path: Path) -> None:
    path = sample_register.write(tmp_path / "register.csv")
    plan = json.loads(ledger.refused("household", "import", str(path), "--dry-run",
                                     "--json").out)
    assert [f"{path}:{e['row']}: {e['column']}: {e['message']}" for e in plan["errors"]] == \
        sample_register.expected_errors(str(path))
    assert len(plan["households"]) == 500 - len(sample_register.BAD)


def test_the_dry_run_speaks_chinese(ledger: Ledger, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    sheet = tmp_path / "few.csv"
    sheet.write_text("户号,姓名,电话,备注,地址\n8-1-401,王秀兰,13800000101,每周三浇水,\n"
                     "8-1-402,李四,,,东升家园8号楼1单元402\n", encoding="utf-8")
    dry = ledger.ok("household", "import", str(sheet), "--dry-run")
    assert [line.split("\t") for line in dry.out.splitlines()] == [
        ["行", "操作", "住户", "姓名", "栏目", "档案中", "表格中"],
        ["2", "修改", "8-1-401", "王秀兰", "姓名", "", "王秀兰"],
        ["2", "修改", "8-1-401", "王秀兰", "电话", "", "13800000101"],
        ["2", "修改", "8-1-401", "王秀兰", "备注", "", "每周三浇水"],
        ["3", "新增", "8-1-402", "李四", "", "", ""]]
    plan = json.loads(ledger.ok("household", "import", str(sheet), "--dry-run", "--json").out)
    assert [(h["action"], h["fields"]) for h in plan["households"]] == [
        ("change", ["people", "notes"]), ("add", [])]
