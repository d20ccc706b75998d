"""What keyledger exports imports again without losing a word: the people past the first (同住人,
with their year of birth, phone and health note) and the contacts past the first (其他联系人) are
read back, into the same ledger as "unchanged" and into a new one as they were."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from conftest import Ledger, STEWARDS, cli_run
from keyledger import yaml

FAMILY = """\
id: 1-2-203
name: 秦宇
address: 春晖家园1号楼2单元203
kind: resident
people:
  - name: 秦宇
    born: 1991
    birthday: 1991-07-15
    phone: '13800000114'
    interests: [京剧, 养花, table tennis]
  - name: 白雪
    born: 1992
    phone: '13800000115'
    health: 高血压、糖尿病（轻度），每天服药
  - name: 秦小宝
contacts:
  - name: 秦建军
    relation: 父亲
    phone: '13900000213'
  - name: 白国强
    relation: 岳父
    phone: '13900000214'
  - name: 邻居老王
flags: [commuter, pet]
care: [pets]
living: with-children
"""


def _family(ledger: Ledger, tmp_path: Path) -> dict:
    form = tmp_path / "family.yaml"
    form.write_text(FAMILY, encoding="utf-8")
    ledger.ok("household", "add", "1-2-203", "--from-file", str(form))
    return _file(ledger, "1-2-203")


def _file(ledger: Ledger, ident: str) -> dict:
    return yaml.load((ledger.root / "households" / f"{ident}.yaml").read_text(encoding="utf-8"))


def _new_ledger(ledger: Ledger, tmp_path: Path) -> Ledger:
    root = tmp_path / "another"
    assert cli_run(["init", str(root), "--community", "花卉社区", "--supervisor", "liu-sj",
                    "--name", STEWARDS["liu-sj"], "--key", str(ledger.keys["liu-sj"])]) == 0
    return Ledger(root, ledger.keys, ledger.capfd)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imported_into_a_new_ledger_keeps_every_person_and_contact(
        ledger: Ledger, tmp_path: Path, fmt: str) -> None:
    before = _family(ledger, tmp_path)
    out = tmp_path / f"住户.{fmt}"
    ledger.ok("export", "households", "-o", str(out))
    same = json.loads(ledger.ok("household", "import", str(out), "--dry-run", "--json").out)
    assert {h["action"] for h in same["households"]} == {"same"}
    assert same["ignored_columns"] == []

    other = _new_ledger(ledger, tmp_path)
    other.ok("household", "import", str(out))
    after = _file(other, "1-2-203")
    assert after["people"] == before["people"] and after["contacts"] == before["contacts"]
    # The elderly register's fields (生日, 兴趣爱好, 居住状态) come back as they were.
    assert after["people"][0]["birthday"] == "1991-07-15"
    assert after["people"][0]["interests"] == ["京剧", "养花", "table tennis"]
    assert after["living"] == before["living"] == "with-children"
    assert after["people"][1]["health"] == "高血压、糖尿病（轻度），每天服药"  # as written


def test_a_person_or_contact_added_in_the_exported_sheet_is_a_change(ledger: Ledger,
                                                                       tmp_path: Path) -> None:
    _family(ledger, tmp_path)
    out = tmp_path / "住户.xlsx"
    ledger.ok("export", "households", "-o", str(out))
    book = openpyxl.load_workbook(out)
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "1-2-203")
    residents = row[headers.index("同住人")]
    residents.value += "、秦奶奶（1940，健康：腿脚不便）"
    contacts = row[headers.index("其他联系人")]
    contacts.value += "、物业张师傅（物业） 13900000299"
    book.save(out)

    dry = json.loads(ledger.ok("household", "import", str(out), "--dry-run", "--json").out)
    (changed,) = [h for h in dry["households"] if h["action"] != "same"]
    assert changed["action"] == "change"
    assert [(c["column"], c["ledger"], c["sheet"]) for c in changed["changes"]] == [
        ("同住人", None, "秦奶奶（1940，健康：腿脚不便）"),
        ("其他联系人", None, "物业张师傅（物业） 13900000299")]
    ledger.ok("household", "import", str(out))
    data = _file(ledger, "1-2-203")
    assert data["people"][-1] == {"name": "秦奶奶", "born": 1940, "health": "腿脚不便"}
    assert data["contacts"][-1] == {"name": "物业张师傅", "relation": "物业",
                                    "phone": "13900000299"}


def test_a_person_written_otherwise_is_a_bad_row_not_a_lost_word(ledger: Ledger,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text("户号,姓名,地址,同住人\n"
                    "8-1-402,孙丽,东升家园8号楼1单元402,王强（老伴）\n", encoding="utf-8")
    result = ledger.refused("household", "import", str(path))
    assert "台账.csv:2: 同住人: '王强（老伴）': write a person who lives here as" in result.err
