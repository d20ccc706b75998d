from __future__ import annotations

import pytest

from keyledger.ids import is_valid_id, nearest


@pytest.mark.parametrize("good", ["K-0012", "8-1-401", "东升家园-3-2-501", "zhou-lx", "a", "a.b_c",
                                  "x" * 64, "商铺-03"])
def test_good_ids(good: str) -> None:
    assert is_valid_id(good)


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "..", "a..b", ".a", "-a", "a b", "a\nb",
                                 "a\x00b", "x" * 65, "a\\b", "a:b", "a\tb"])
def test_bad_ids(bad: str) -> None:
    assert not is_valid_id(bad)


def test_nearest_finds_typos_and_unpadded_tag_numbers() -> None:
    ids = ["K-0012", "K-0013", "8-1-401", "8-1-402"]
    assert nearest("K-12", ids)[0] == "K-0012"
    assert "8-1-401" in nearest("8-1-410", ids)
    assert nearest("zzz", ids) == []
