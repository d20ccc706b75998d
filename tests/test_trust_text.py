"""12.1: free text round-trips: what a steward types is the same in the file, the trailers and
every check, whatever whitespace or control characters it holds; an old commit still syncs."""

from __future__ import annotations

import json
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Ledger
from keyledger.text import line
from trust import Office, office  # noqa: F401  (the fixture)


def _note(lg: Ledger, key: str = "K-0012") -> str | None:
    for row in (lg.root / f"keys/{key}.yaml").read_text(encoding="utf-8").splitlines():
        if row.startswith("note:"):
            import yaml
            return yaml.safe_load(row[5:])
    return None


def _trailer(lg: Ledger, name: str) -> str:
    return lg.git("log", "-1", f"--format=%(trailers:key=Keyledger-{name},valueonly)").strip()


def _pushed(lg: Ledger) -> None:
    result = subprocess.run(["git", "-C", str(lg.root), "push", "origin", "HEAD:main"],
                            capture_output=True, text=True)  # the pre-push hook and the server's
    assert result.returncode == 0, result.stderr


# Any text at all: full-width and control characters, separators, lone surrogates.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    ["浇水\u3000关窗", "a\tb", "two  spaces", " leading", "line\nbreak", "\x1b[31mred", "\x00",
     "\u3000", "Keyledger-At: 2020-01-01T00:00:00+08:00", "x\x1ey\x1fz", "\r\n"])


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(note=TEXT, unreached=TEXT)
def test_any_typed_text_round_trips_through_checkout_verify_and_the_hook(
        office: Office, note: str, unreached: str) -> None:
    zhou = office["zhou-lx"]
    zhou.use("zhou-lx")
    if zhou.git("rev-parse", "HEAD") != zhou.git("rev-parse", "origin/main"):
        zhou.git("reset", "-q", "--hard", "origin/main")
    args = ["checkout", "K-0012", "--purpose", "emergency", "--unreached", unreached,
            "--note", note, "--expect-back", "1h"]
    if not line(unreached):  # nothing left of it: the emergency rule refuses, writing nothing
        assert "--unreached" in zhou.refused(*args).err
        return
    zhou.ok(*args)
    assert _note(zhou) == (line(note) or None)
    assert _trailer(zhou, "Note") == line(note) and _trailer(zhou, "Unreached") == line(unreached)
    zhou.ok("return", "K-0012", "--note", note)
    assert _note(zhou) == (line(note) or None)
    assert json.loads(zhou.ok("verify", "--json").out)["findings"] == []
    _pushed(zhou)


def test_the_issues_notes_verify_and_reach_the_shared_ledger(office: Office) -> None:
    zhou = office["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--note", "浇水　关窗")
    assert _note(zhou) == "浇水 关窗" == _trailer(zhou, "Note")
    zhou.ok("lost", "K-0012", "--note", "\t钥匙　掉在\n 楼道里  ")
    assert _note(zhou) == "钥匙 掉在 楼道里" == _trailer(zhou, "Note")
    zhou.ok("found", "K-0012", "--note", " 物业　送回")
    assert zhou.ok("sync").code == 0
    assert office.tip() == zhou.head()


def _old_style(lg: Ledger, key: str, typed: str) -> None:
    """Make the last commit as keyledger made it before the fix: the file keeps what was typed,
    the trailer has it folded (" ".join(text.split()))."""
    import yaml

    path = lg.root / f"keys/{key}.yaml"
    folded = " ".join(typed.split())
    text = path.read_text(encoding="utf-8")
    assert f"note: {folded}\n" in text
    path.write_text(text.replace(f"note: {folded}\n", "note: " + yaml.safe_dump(
        typed, allow_unicode=True, default_style='"').split("\n...")[0].strip() + "\n"),
        encoding="utf-8")
    assert _note(lg, key) == typed
    lg.git("commit", "-q", "--amend", "--no-verify", "-a", "--no-edit")


def test_a_clone_holding_an_old_style_commit_syncs_after_upgrading(office: Office) -> None:
    zhou, wang, liu = office["zhou-lx"], office["wang-dh"], office["liu-sj"]
    # zhou's commit, made the old way: alone on top of the shared ledger, it is pushed as it is.
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--note", "浇水 关窗")
    _old_style(zhou, "K-0012", "浇水\u3000关窗")
    assert json.loads(zhou.ok("verify", "--json").out)["findings"] == []
    assert zhou.ok("sync").code == 0 and office.tip() == zhou.head()
    # wang's, made the old way while others pushed: it is replayed on top of theirs.
    liu.ok("sync")
    liu.ok("key", "add", "--household", "8-1-401", "--id", "K-0021")
    liu.ok("sync")
    wang.ok("sync")
    wang.ok("checkout", "K-0021", "--purpose", "plants", "--note", "开窗 通风")
    _old_style(wang, "K-0021", "开窗\t通风")
    liu.ok("key", "add", "--household", "8-1-401", "--id", "K-0022")
    liu.ok("sync")
    result = wang.ok("sync")
    assert "K-0021" in wang.git("log", "-1", "--format=%s") and office.tip() == wang.head(), \
        result.err
    liu.ok("sync")
    assert json.loads(liu.ok("verify", "--json", "--full").out)["findings"] == []


def test_names_and_visit_texts_are_normalised_once_and_verify(office: Office) -> None:
    liu = office["liu-sj"]
    liu.ok("household", "add", "8-1-403", "--name", " 张　凤英\t", "--address", "东升家园\n8号楼")
    text = (liu.root / "households/8-1-403.yaml").read_text(encoding="utf-8")
    assert "name: 张 凤英\n" in text and "address: 东升家园 8号楼\n" in text
    assert "张 凤英（8-1-403）" in liu.git("log", "-1", "--format=%s")
    liu.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--finding", "暖气\t漏水　严重",
           "--note", "电话　问候")
    visit = liu.git("show", "--format=", "--name-only", "HEAD").split()[0]
    text = (liu.root / visit).read_text(encoding="utf-8")
    assert "findings: [暖气 漏水 严重]" in text and "note: 电话 问候" in text
    assert liu.ok("sync").code == 0 and office.tip() == liu.head()


def test_the_service_records_free_text_round_trips_and_reaches_the_shared_ledger(
        office: Office) -> None:
    """What #14's commands take as free text (an owner's request, a problem found or fixed, a
    problem closed without a visit, an errand's purchases, an emergency's consent) is made one
    line once, so that the household file and the trailers verify replays say the same."""
    zhou = office["zhou-lx"]
    zhou.ok("request", "add", "8-1-401", "帮我看看\u3000阳台\t窗户\n关没关 ")
    assert _trailer(zhou, "Request") == "帮我看看 阳台 窗户 关没关"
    zhou.ok("visit", "add", "8-1-401", "--purpose", "follow-up", "--request", "1",
            "--problem", "墙面\t裂缝\u3000严重", "--fixed", "水管\u3000没关紧=>已\t关紧")
    zhou.ok("problem", "close", "8-1-401", "1", "--note", "业主\n请人\u3000修好")
    assert _trailer(zhou, "Note") == "业主 请人 修好"
    zhou.ok("visit", "add", "8-1-401", "--purpose", "errand", "--bought", "青菜\u3000两斤",
            "--advanced", "86.50")
    zhou.ok("visit", "add", "8-1-401", "--purpose", "emergency", "--let-in", "120急救,,抬下楼",
            "--consent", "女儿\t在场\u3000开门")
    assert json.loads(zhou.ok("verify", "--json").out)["findings"] == []
    assert zhou.ok("sync").code == 0 and office.tip() == zhou.head()
    home = (zhou.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    assert "\u3000" not in home and "\t" not in home
