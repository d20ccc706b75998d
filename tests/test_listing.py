"""The listing index (keyledger/listing.py): `household list`, `key list`, `status` and `due`
read it, and it is never stale — whatever changed the files since the last listing, git or a
hand, is seen."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import Ledger
from keyledger import statedir
from keyledger.listing import VERSION


def _index(ledger: Ledger, kind: str, part: str = "") -> Path:
    return ledger.root / ".git" / "keyledger" / f"listing-{kind}{part}.json"


def _names(ledger: Ledger) -> dict[str, str]:
    lines = ledger.ok("household", "list").out.splitlines()[1:]
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines}


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _settle(ledger: Ledger) -> None:
    """Let the files' stamps grow older than two seconds — the index keeps nothing resting on a
    younger one (a change time cannot be set back) — and let git's index learn them, as `git
    status` would; then list once, so the index rests on them."""
    time.sleep(2.1)
    ledger.git("update-index", "-q", "--refresh")
    _names(ledger)


def test_household_list_reads_the_index_and_does_not_rewrite_it_when_nothing_changed(
        ledger: Ledger) -> None:
    assert _names(ledger) == {"8-1-401": "王秀兰"}
    header = _index(ledger, "household")
    rows = _index(ledger, "household", "-rows")
    assert header.is_file() and rows.is_file()
    _settle(ledger)
    written = header.stat().st_mtime_ns, rows.stat().st_mtime_ns
    # Nothing changed: the listing is the index's, which is not written again.
    token, data = statedir.load(rows, VERSION)
    data["8-1-401"] = ["只在索引里"] + data["8-1-401"][1:]
    statedir.save(rows, (token, data), VERSION)
    assert _names(ledger) == {"8-1-401": "只在索引里"}
    assert header.stat().st_mtime_ns == written[0]
    # A torn write (rows of another token) is seen and the rows made again from the files.
    statedir.save(rows, ("another token", data), VERSION)
    assert _names(ledger) == {"8-1-401": "王秀兰"}


def test_every_kind_of_change_to_the_files_is_seen(ledger: Ledger) -> None:
    path = ledger.root / "households" / "8-1-401.yaml"
    assert _names(ledger)["8-1-401"] == "王秀兰"
    # keyledger's own commit
    ledger.ok("household", "edit", "8-1-401", "--name", "王秀英")
    assert _names(ledger)["8-1-401"] == "王秀英"
    # a hand edit, never committed, then put back by git
    _settle(ledger)
    _edit(path, "王秀英", "王秀芳")
    assert _names(ledger)["8-1-401"] == "王秀芳"
    ledger.git("checkout", "--", "households/8-1-401.yaml")
    assert _names(ledger)["8-1-401"] == "王秀英"
    # a hand edit of the same size whose modification time is put back (touch -r)
    _settle(ledger)
    before = path.stat()
    _edit(path, "王秀英", "李秀英")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _names(ledger)["8-1-401"] == "李秀英"
    # committed by hand with git, outside keyledger
    ledger.git("commit", "-q", "--no-verify", "--no-gpg-sign", "-am", "hand commit")
    assert _names(ledger)["8-1-401"] == "李秀英"
    # history moved back
    ledger.git("reset", "-q", "--hard", "HEAD~1")
    assert _names(ledger)["8-1-401"] == "王秀英"


def test_a_file_git_does_not_track_is_listed_and_its_edits_are_seen(ledger: Ledger) -> None:
    source = ledger.root / "households" / "8-1-401.yaml"
    _settle(ledger)
    assert list(_names(ledger)) == ["8-1-401"]
    copy = ledger.root / "households" / "9-2-101.yaml"
    copy.write_text(source.read_text(encoding="utf-8").replace("8-1-401", "9-2-101"),
                    encoding="utf-8")
    assert _names(ledger)["9-2-101"] == "王秀兰"
    _settle(ledger)
    _edit(copy, "王秀兰", "赵秀兰")  # in place: the folder does not change
    assert _names(ledger)["9-2-101"] == "赵秀兰"
    copy.unlink()
    assert list(_names(ledger)) == ["8-1-401"]


def test_key_list_and_status_follow_custody(ledger: Ledger) -> None:
    def state() -> str:
        return ledger.ok("key", "list").out.splitlines()[1].split("\t")[4]

    assert state() == "in"
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert state() == "out"
    assert "K-0012" in ledger.ok("status").out
    ledger.ok("return", "K-0012", as_="zhou-lx")
    assert state() == "in"
    assert "K-0012" not in ledger.ok("status").out
    # a hand edit that puts the key out is what status shows (and `check` will judge)
    path = ledger.root / "keys" / "K-0012.yaml"
    _settle(ledger)
    ledger.ok("status")
    _edit(path, "state: in", "state: lost")
    assert state() == "lost"


def test_due_sees_a_schedule_added_by_hand_and_leaves_out_keys_handed_back(
        ledger: Ledger) -> None:
    ledger.ok("schedule", "add", "8-1-401", "--every", "day", "--at", "10:00", "--purpose",
              "call", "--steward", "a", "--from", "2020-01-01", as_="liu-sj")
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04")
    due = ledger.ok("due", "--json").out
    assert '"K-0013"' in due and '"K-0012"' in due
    ledger.ok("handback", "K-0013", "--note", "交还业主", as_="liu-sj")
    due = ledger.ok("due", "--json").out
    assert '"K-0012"' in due and '"K-0013"' not in due
    # the schedule taken out by hand, uncommitted: nothing is due
    path = ledger.root / "households" / "8-1-401.yaml"
    _settle(ledger)
    text = path.read_text(encoding="utf-8")
    head, _sep, _rest = text.partition("schedule:")
    path.write_text(head + "schedule: []\nnotes: ''\n", encoding="utf-8")
    assert ledger.ok("due", "--json").out.strip() == "[]"
    subprocess.run(["git", "-C", str(ledger.root), "checkout", "--", "households/8-1-401.yaml"],
                   check=True)
    assert '"K-0012"' in ledger.ok("due", "--json").out


def test_stat_data_gone_stale_is_refreshed_once_past_a_limit(ledger: Ledger,
                                                            monkeypatch) -> None:
    from keyledger import listing

    path = ledger.root / "households" / "8-1-401.yaml"
    past = time.time() - 100  # as a copy of the ledger or a `touch` leaves it: a new stamp
    os.utime(path, (past, past))
    assert ledger.git("diff-files", "--name-only") == "households/8-1-401.yaml\n"
    assert _names(ledger)["8-1-401"] == "王秀兰"
    assert ledger.git("diff-files", "--name-only") == "households/8-1-401.yaml\n"
    monkeypatch.setattr(listing, "REFRESH_PAST", 0)
    assert _names(ledger)["8-1-401"] == "王秀兰"
    assert ledger.git("diff-files", "--name-only") == ""


def _copy(ledger: Ledger, ident: str) -> Path:
    source = ledger.root / "households" / "8-1-401.yaml"
    copy = ledger.root / "households" / f"{ident}.yaml"
    copy.write_text(source.read_text(encoding="utf-8").replace("8-1-401", ident),
                    encoding="utf-8")
    return copy


def test_a_file_a_reset_leaves_untracked_is_watched_as_untracked(ledger: Ledger) -> None:
    copy = _copy(ledger, "9-2-101")
    ledger.git("add", "households/9-2-101.yaml")
    ledger.git("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "hand add")
    _settle(ledger)
    ledger.git("reset", "-q", "HEAD~1")  # mixed: the file stays, git no longer tracks it
    assert _names(ledger)["9-2-101"] == "王秀兰"
    _settle(ledger)
    _edit(copy, "王秀兰", "赵秀兰")  # in place: the folder does not change
    assert _names(ledger)["9-2-101"] == "赵秀兰"


def test_the_users_git_settings_do_not_hide_a_hand_edit(ledger: Ledger, monkeypatch) -> None:
    path = ledger.root / "households" / "8-1-401.yaml"
    ledger.git("config", "core.trustctime", "false")
    ledger.git("config", "core.checkStat", "minimal")
    _settle(ledger)
    before = path.stat()
    _edit(path, "王秀兰", "李秀兰")  # same size, modification time put back
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _names(ledger)["8-1-401"] == "李秀兰"
    monkeypatch.setenv("GIT_LITERAL_PATHSPECS", "1")
    _edit(path, "李秀兰", "张秀兰")
    assert _names(ledger)["8-1-401"] == "张秀兰"


def test_a_file_changed_while_the_listing_reads_is_read_again(ledger: Ledger,
                                                              monkeypatch) -> None:
    from keyledger import listing

    path = ledger.root / "households" / "8-1-401.yaml"
    ledger.ok("household", "edit", "8-1-401", "--name", "王秀英")  # HEAD moves: it is re-read
    asked = listing._changed

    def racing(lg: object, folders: list[str]) -> list[str]:
        out = asked(lg, folders)  # type: ignore[arg-type]
        _edit(path, "王秀英", "王秀芳")  # another process, right after git looked
        return out

    monkeypatch.setattr(listing, "_changed", racing)
    assert _names(ledger)["8-1-401"] == "王秀芳"
    monkeypatch.setattr(listing, "_changed", asked)
    ledger.git("checkout", "--", "households/8-1-401.yaml")  # the edit is undone
    assert _names(ledger)["8-1-401"] == "王秀英"


def test_a_remembered_tree_pruned_from_the_repository_means_a_rebuild(ledger: Ledger) -> None:
    path = ledger.root / "households" / "8-1-401.yaml"
    _edit(path, "王秀兰", "王秀芳")
    ledger.git("commit", "-q", "--no-verify", "--no-gpg-sign", "-am", "hand")
    assert _names(ledger)["8-1-401"] == "王秀芳"
    ledger.git("reset", "-q", "--hard", "HEAD~1")
    ledger.git("reflog", "expire", "--expire=now", "--all")
    ledger.git("gc", "-q", "--prune=now")
    assert _names(ledger)["8-1-401"] == "王秀兰"


def test_a_damaged_index_file_is_made_again(ledger: Ledger) -> None:
    assert _names(ledger)["8-1-401"] == "王秀兰"
    rows = _index(ledger, "household", "-rows")
    data = bytearray(rows.read_bytes())
    data[len(data) // 2] ^= 0xFF
    rows.write_bytes(bytes(data[: len(data) - 3]))
    assert _names(ledger)["8-1-401"] == "王秀兰"


def test_a_file_in_a_subfolder_that_git_stops_tracking_is_not_a_household(
        ledger: Ledger) -> None:
    old = ledger.root / "households" / "old"
    old.mkdir()
    (old / "9-2-101.yaml").write_text("an archived file, not a household\n", encoding="utf-8")
    ledger.git("add", "households/old/9-2-101.yaml")
    ledger.git("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "archive")
    assert list(_names(ledger)) == ["8-1-401"]
    ledger.git("rm", "-q", "--cached", "households/old/9-2-101.yaml")
    ledger.git("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "unarchive")
    assert list(_names(ledger)) == ["8-1-401"]
    assert list(_names(ledger)) == ["8-1-401"]  # and it is not watched as an untracked one


def test_a_piped_table_longer_than_one_write_comes_out_whole_and_in_order(
        monkeypatch, capsys) -> None:
    """A listing of a street office is written as its rows come (never all held as text): the
    lines are every row, in order, a tab in a cell a space, whatever the size of each write."""
    from keyledger.cli import common

    monkeypatch.setattr(common, "_WRITTEN_AT_ONCE", 4)
    rows = ([f"{n:03}", f"名字{n}", "a\tb" if n == 7 else "x"] for n in range(13))
    common.table(["id", "name", "note"], rows, title="households")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["# households", "id\tname\tnote"]
    assert lines[2:] == [f"{n:03}\t名字{n}\t{'a b' if n == 7 else 'x'}" for n in range(13)]
