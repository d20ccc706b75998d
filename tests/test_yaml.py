"""The YAML files a human reads in git diff: Chinese as it is, stable order, stable bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyledger import yaml
from keyledger.errors import FatalError
from keyledger.model import parse_household, parse_key

SAMPLE = Path(__file__).parent.parent / "ledger"


@pytest.mark.parametrize("path", sorted((SAMPLE / "households").glob("*.yaml")), ids=lambda p: p.stem)
def test_household_files_round_trip_byte_for_byte(path: Path) -> None:
    household = parse_household(str(path), path.read_text(encoding="utf-8"), path.stem)
    text = yaml.dump(household.to_dict())
    assert "\\u" not in text
    assert household.name in text
    again = parse_household("x", text, path.stem)
    assert again == household
    assert yaml.dump(again.to_dict()) == text


def test_key_order_and_dates_stay_as_written() -> None:
    text = ("schema: 1\nid: K-0012\nhousehold: 8-1-401\nkind: physical\nlabel: 入户门钥匙, 两把一串\n"
            "slot: A-03\nstate: out\nholder: zhou-lx\nsince: 2026-11-25T14:02:00+08:00\n"
            "purpose: plants\nexpected_back: 2026-11-25T17:00:00+08:00\nwitness: wang-dh\n"
            "note: 浇水\nreservations:\n- from: 2026-11-27T09:00:00+08:00\n"
            "  until: 2026-11-27T11:00:00+08:00\n  purpose: contractor\n  steward: zhou-lx\n"
            "code: null\ncode_recipients: []\n")
    key = parse_key("keys/K-0012.yaml", text, "K-0012")
    assert yaml.dump(key.to_dict()) == text


def test_numbers_and_yaml_words_are_quoted_so_they_read_back_as_text() -> None:
    data = {"phone": "13900000001", "answer": "no", "date": "2026-11-01", "flags": ["on", "x"]}
    text = yaml.dump(data)
    assert "phone: '13900000001'" in text and "answer: 'no'" in text
    assert "date: 2026-11-01" in text
    assert yaml.load(text) == data


def test_a_time_without_offset_or_a_date_that_does_not_exist_is_named() -> None:
    text = ("schema: 1\nid: K-1\nhousehold: h\nkind: physical\nstate: out\nholder: a\n"
            "since: 2026-11-25T14:02:00\npurpose: plants\n")
    with pytest.raises(FatalError) as info:
        parse_key("keys/K-1.yaml", text, "K-1")
    assert [str(p) for p in info.value.problems] == [
        "keys/K-1.yaml:7: since: expected a date and time with its UTC offset, like "
        "2026-11-25T14:02:00+08:00, found '2026-11-25T14:02:00'"]
    household = ("schema: 1\nid: h\nname: n\naddress: a\naway:\n- from: 2026-02-30\n"
                 "  until: 2026-03-01\n")
    with pytest.raises(FatalError) as info:
        parse_household("households/h.yaml", household, "h")
    assert str(info.value.problems[0]).startswith("households/h.yaml:6: away[0].from: expected a date")


def test_unknown_fields_and_wrong_types_are_each_reported() -> None:
    text = "schema: 1\nid: h\nname: 3\naddress: a\ncolour: red\npeople:\n- name: x\n  born: old\n"
    with pytest.raises(FatalError) as info:
        parse_household("households/h.yaml", text, "h")
    lines = [str(p) for p in info.value.problems]
    assert any(l.startswith("households/h.yaml:5: colour: unknown field") for l in lines)
    assert any(l.startswith("households/h.yaml:3: name: expected text") for l in lines)
    assert any(l.startswith("households/h.yaml:8: people[0].born: expected a whole number")
               for l in lines)
