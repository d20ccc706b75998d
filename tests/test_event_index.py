"""The event index (keyledger/event_index.py) is what git says, after every kind of change: it
is compared, table by table, with what `git log` and the files in git give, and with an index
made again from nothing."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger import event_index
from keyledger.ledger import Ledger as Core

CUSTODY = ("checkout", "handover", "return", "lost", "handback")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def _trailers(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, _sep, value = line.partition(": ")
        if name.startswith("Keyledger-"):
            out[name[len("Keyledger-"):]] = value.strip()
    return out


def _unix(text: str | None, fallback: int) -> int:
    try:
        return int(datetime.fromisoformat(text).timestamp()) if text else fallback
    except ValueError:
        return fallback


def from_git(root: Path) -> dict:
    """What the index must hold, computed from git alone: the commits in order with their
    trailers, each ledger file's `git log`, the custody intervals the trailers make, the
    confirmations and the visits' files."""
    commits, trailers = [], {}
    log = _git(root, "log", "--reverse", "--topo-order",
               "--format=%H%x1f%ct%x1f%(trailers:only,unfold)%x1e")
    for record in log.split("\x1e"):
        if record.strip():
            sha, ct, text = record.strip("\n").split("\x1f")
            t = _trailers(text)
            trailers[sha] = (t, int(ct))
            commits.append((sha, _unix(t.get("At"), int(ct)), t.get("Action"), t.get("Key"),
                            t.get("Household"), t.get("Steward")))
    paths = {p for p in _git(root, "log", "--format=", "--name-only").split("\n")
             if p.startswith(("keys/", "households/", "stewards/")) and p.endswith(".yaml")}
    touches = {p: _git(root, "log", "--format=%H", "--", p).split() for p in sorted(paths)}
    open_: dict[str, tuple] = {}
    intervals = []
    for sha, at, action, key, *_rest in commits:
        t = trailers[sha][0]
        if action not in CUSTODY or not key:
            continue
        ended = None
        if key in open_:
            ended = open_.pop(key) + (at, action)
            intervals.append(ended)
        if action in ("checkout", "handover"):
            before = ended if action == "handover" else None
            expected = _unix(t.get("Expected-Back"), 0) or (before[5] if before else None)
            open_[key] = (key, t.get("Household", ""), t.get("Holder") or t.get("Steward", ""),
                          t.get("Purpose") or (before[3] if before else ""), at, expected,
                          t.get("Override"), t.get("Witness"))
    intervals += [i + (None, None) for i in open_.values()]
    confirms = sorted((t["Confirms"], sha) for sha, (t, _ct) in trailers.items()
                      if t.get("Action") == "confirm" and t.get("Confirms"))
    visits = []
    for p in _git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", "visits").split():
        import yaml

        v = yaml.safe_load(_git(root, "show", f"HEAD:{p}"))
        request = v.get("request") if isinstance(v.get("request"), dict) else {}
        received = request.get("received")
        visits.append((v["id"], v["household"], tuple(v["stewards"]),
                       _unix(v["started"].isoformat() if hasattr(v["started"], "isoformat")
                             else v["started"], 0),
                       v["purpose"], str(v["follow_up"]) if v.get("follow_up") else None, p,
                       v.get("outcome") or None,
                       _unix(received.isoformat() if hasattr(received, "isoformat")
                             else received, 0) or None))
    return {"commits": commits, "touches": touches, "intervals": sorted(intervals, key=str),
            "confirms": confirms, "visits": sorted(visits)}


def from_index(root: Path) -> dict:
    """The same, as the index holds it (brought up to date as any command would)."""
    db = event_index.fresh(Core(root))
    commits = list(db.execute("SELECT sha, at, action, key, household, steward FROM commits "
                              "ORDER BY seq"))
    paths = [p for (p,) in db.execute("SELECT DISTINCT path FROM touches ORDER BY path")]
    touches = {p: [sha for _seq, sha in event_index.touching(db, [p])] for p in paths}
    intervals = [(key, household, holder, purpose, start, expected, override, witness,
                  None if stop == event_index.OPEN else stop, ended_by)
                 for (key, household, holder, purpose, start, expected, override, witness, stop,
                      ended_by) in db.execute(
                     "SELECT key, household, holder, purpose, start, expected, override, "
                     "witness, stop, ended_by FROM intervals")]
    confirms = sorted(db.execute("SELECT f.target, c.sha FROM confirms f JOIN commits c "
                                 "ON c.seq = f.seq"))
    visits = sorted((i, h, tuple(json.loads(s)), started, purpose, follow, p, outcome, answers)
                    for i, h, s, started, purpose, follow, p, outcome, answers in db.execute(
                        "SELECT id, household, stewards, started, purpose, follow_up, path, "
                        "outcome, answers FROM visits"))
    return {"commits": commits, "touches": touches, "intervals": sorted(intervals, key=str),
            "confirms": confirms, "visits": visits}


def _dump(root: Path) -> list[str]:
    """Every row of the index (signature checks aside), to compare two indexes."""
    db = sqlite3.connect(str(root / ".git/keyledger/events.sqlite3"))
    try:
        return [line for line in db.iterdump() if "signatures" not in line]
    finally:
        db.close()


def assert_index_is_git(root: Path) -> None:
    """The index brought up to date equals git, and equals an index made from nothing."""
    assert from_index(root) == from_git(root)
    kept = _dump(root)
    (root / ".git/keyledger/events.sqlite3").unlink()
    assert from_index(root) == from_git(root)
    assert _dump(root) == kept


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", moment)


@pytest.fixture
def busy(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """A week of every kind of keyledger commit: custody with a witness and its confirmation,
    a handover, a loss and its finding, a reservation, visits with a follow-up (one recorded at
    a return), an edited household, a new steward and key, a schedule."""
    lg = ledger
    _at(monkeypatch, "2026-11-22T08:00:00+08:00")  # the week before the day tests look from
    lg.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04",
          as_="liu-sj")
    _at(monkeypatch, "2026-11-23T08:00:00+08:00")
    lg.ok("request", "add", "8-1-401", "帮我看看阳台窗户关没关", "--via", "微信", "--by", "业主",
          as_="zhou-lx")
    _at(monkeypatch, "2026-11-23T09:00:00+08:00")
    lg.ok("checkout", "K-0012", "--purpose", "plants", "--witness", "wang-dh", as_="zhou-lx")
    witnessed = lg.head()
    lg.ok("confirm", witnessed, as_="wang-dh")
    _at(monkeypatch, "2026-11-23T10:00:00+08:00")
    lg.ok("return", "K-0012", "--visit", "--check", "plants=ok", "--request", "1",
          as_="zhou-lx")
    _at(monkeypatch, "2026-11-24T10:00:00+08:00")
    lg.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--follow-up", "2026-11-27",
          as_="wang-dh")
    lg.ok("checkout", "K-0013", "--purpose", "heating", as_="wang-dh")
    lg.ok("handover", "K-0013", "--to", "zhou-lx", as_="wang-dh")
    lg.ok("lost", "K-0013", "--note", "dropped in the stairwell", as_="zhou-lx")
    lg.ok("found", "K-0013", "--note", "under the mat", as_="zhou-lx")
    lg.ok("reserve", "K-0012", "--from", "2026-11-26 09:00", "--until", "2026-11-26 11:00",
          "--purpose", "inspection", as_="zhou-lx")
    lg.ok("household", "edit", "8-1-401", "--name", "王秀英", as_="liu-sj")
    lg.ok("schedule", "add", "8-1-401", "--every", "wed", "--at", "10:00", "--purpose", "call",
          "--steward", "a", as_="liu-sj")
    return lg


def test_every_kind_of_keyledger_commit_is_indexed_as_git_says(busy: Ledger) -> None:
    assert_index_is_git(busy.root)
    index = from_index(busy.root)
    # The return recorded its visit in the same commit; the call asked for a follow-up.
    assert [(v[4], v[5]) for v in index["visits"]] == [("plants", None), ("call", "2026-11-27")]
    # The return answered the owner's request (its commit says when it came); the call was
    # answered: what makes each count for a due item, read from the commits' trailers.
    assert [(v[7], v[8] is not None) for v in index["visits"]] == [(None, True),
                                                                   ("answered", False)]
    assert len(index["confirms"]) == 1
    assert [i[9] for i in index["intervals"] if i[0] == "K-0013"] == ["handover", "lost"]
    # The loss flagged the household: git says the commit touched its file too.
    lost = next(c[0] for c in index["commits"] if c[2] == "lost")
    assert lost in index["touches"]["households/8-1-401.yaml"]


def test_each_new_commit_is_read_incrementally(busy: Ledger, monkeypatch) -> None:
    assert_index_is_git(busy.root)
    for args, who in ((("checkout", "K-0012", "--purpose", "pets"), "zhou-lx"),
                      (("return", "K-0012"), "zhou-lx"),
                      (("steward", "add", "cao-x", "--name", "曹",
                        "--key", str(busy.keys["outsider"]) + ".pub"), "liu-sj")):
        busy.ok(*args, as_=who)
        assert from_index(busy.root) == from_git(busy.root)
    assert_index_is_git(busy.root)


def test_a_hand_commit_is_indexed_by_what_it_changed(busy: Ledger) -> None:
    key = busy.root / "keys/K-0012.yaml"
    key.write_text(key.read_text(encoding="utf-8").replace("slot: A-03", "slot: A-09"),
                   encoding="utf-8")
    busy.git("commit", "-q", "--no-gpg-sign", "-am", "hand edit of a slot")
    assert_index_is_git(busy.root)
    # Trailers that claim a custody action but a commit that changes a household too: the
    # top-level diff shows more than the action writes, so every file it changed is read.
    home = busy.root / "households/8-1-401.yaml"
    home.write_text(home.read_text(encoding="utf-8").replace("王秀英", "王秀芳"), encoding="utf-8")
    key.write_text(key.read_text(encoding="utf-8").replace("slot: A-09", "slot: A-03"),
                   encoding="utf-8")
    busy.git("commit", "-q", "--no-gpg-sign", "-am", "looks like a return",
             "-m", "Keyledger-Action: return\nKeyledger-Key: K-0012")
    assert_index_is_git(busy.root)
    assert busy.head() in from_index(busy.root)["touches"]["households/8-1-401.yaml"]


def test_history_moved_back_rewritten_or_replaced(busy: Ledger) -> None:
    from_index(busy.root)
    # git reset --hard HEAD~3: the rows after the new HEAD go, intervals they closed reopen.
    busy.git("reset", "-q", "--hard", "HEAD~3")
    assert_index_is_git(busy.root)
    busy.git("reset", "-q", "--hard", "HEAD~2")  # before the loss: the handover's key is out
    assert from_index(busy.root) == from_git(busy.root)
    assert any(i[0] == "K-0013" and i[8] is None for i in from_index(busy.root)["intervals"])
    busy.ok("return", "K-0013", as_="zhou-lx")
    assert from_index(busy.root) == from_git(busy.root)
    # An amended tip and a rebased older commit: rows back to the last commit both share.
    busy.git("commit", "-q", "--amend", "--no-gpg-sign", "-m", "amended by hand")
    assert from_index(busy.root) == from_git(busy.root)
    base = busy.git("rev-parse", "HEAD~4").strip()
    busy.git("-c", "core.editor=true", "rebase", "-q", "--no-gpg-sign",
             "--exec", "git commit -q --amend --no-gpg-sign --no-edit --date=now", base)
    assert from_index(busy.root) == from_git(busy.root)
    # A history with another root: made again from nothing.
    busy.git("checkout", "-q", "--orphan", "other")
    busy.git("commit", "-q", "--no-gpg-sign", "-m", "a new first commit")
    assert from_index(busy.root) == from_git(busy.root)
    busy.git("checkout", "-q", "-f", "main")
    assert_index_is_git(busy.root)


def test_a_pruned_tip_means_making_it_again(busy: Ledger) -> None:
    from_index(busy.root)
    busy.git("reset", "-q", "--hard", "HEAD~2")
    busy.git("reflog", "expire", "--expire=now", "--all")
    busy.git("gc", "-q", "--prune=now")
    assert from_index(busy.root) == from_git(busy.root)


@pytest.mark.parametrize("damage", ["deleted", "truncated", "garbage", "another version",
                                    "rows beyond its tip", "a pickle", "empty"])
def test_a_missing_torn_or_foreign_index_is_made_again(busy: Ledger, damage: str) -> None:
    file = busy.root / ".git/keyledger/events.sqlite3"
    assert from_index(busy.root) == from_git(busy.root)
    data = file.read_bytes()
    if damage == "deleted":
        file.unlink()
    elif damage == "truncated":
        file.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        file.write_bytes(data[:4096] + os.urandom(len(data) - 4096))
    elif damage == "empty":
        file.write_bytes(b"")
    elif damage == "a pickle":
        import pickle

        file.write_bytes(pickle.dumps({"tip": busy.head()}))
    else:
        db = sqlite3.connect(str(file))
        if damage == "another version":
            db.execute("UPDATE meta SET value = '0' WHERE name = 'version'")
        else:  # a torn update: rows written past the commit the index names
            db.execute("INSERT INTO commits (seq, sha, at) SELECT seq + 1000, sha || 'x', at "
                       "FROM commits WHERE seq = (SELECT max(seq) FROM commits)")
        db.commit()
        db.close()
    assert from_index(busy.root) == from_git(busy.root)
    assert busy.ok("history", "K-0012").out.count("K-0012") >= 4


def test_a_history_read_in_chunks_is_the_history(busy: Ledger, monkeypatch) -> None:
    """git is fed the history a chunk at a time (its memory grows with the commits it reads);
    the index made that way is the same, and a file a killed build left behind is cleared."""
    from keyledger import event_git

    monkeypatch.setattr(event_git, "CHUNK", 3)
    (busy.root / ".git/keyledger/events.sqlite3").unlink(missing_ok=True)
    left = busy.root / ".git/keyledger/revs_killed"
    left.write_bytes(b"0" * 41 + b"\n")
    assert int(busy.git("rev-list", "--count", "HEAD").strip()) > 3 * 4
    assert from_index(busy.root) == from_git(busy.root)
    assert not left.exists()


def test_two_commands_racing_leave_one_index_that_is_git(busy: Ledger) -> None:
    (busy.root / ".git/keyledger/events.sqlite3").unlink()
    script = str(Path(sys.executable).parent / "keyledger")
    env = dict(os.environ, KEYLEDGER_DIR=str(busy.root))
    runs = [subprocess.Popen([script, *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for args in (["history", "K-0012", "--json"], ["history", "8-1-401", "--json"],
                         ["status", "--json"], ["report", "household", "8-1-401"]) * 2]
    results = [r.communicate(timeout=120) + (r.returncode,) for r in runs]
    assert all(code == 0 for _out, _err, code in results), results
    assert results[0][0] == results[4][0] and results[1][0] == results[5][0]
    assert not list((busy.root / ".git/keyledger").glob("events.sqlite3.tmp*"))
    assert_index_is_git(busy.root)


def test_history_is_the_index_and_git_alone_can_change_it(busy: Ledger) -> None:
    """`history` reads the index: a row planted in it shows; made again, git's truth returns."""
    file = busy.root / ".git/keyledger/events.sqlite3"
    shown = json.loads(busy.ok("history", "K-0012", "--json").out)
    assert [e["commit"] for e in shown] == _with_confirms(busy, "keys/K-0012.yaml")
    db = sqlite3.connect(str(file))
    db.execute("DELETE FROM touches WHERE path = 'keys/K-0012.yaml' AND seq = "
               "(SELECT max(seq) FROM touches WHERE path = 'keys/K-0012.yaml')")
    db.commit()
    db.close()
    assert len(json.loads(busy.ok("history", "K-0012", "--json").out)) == len(shown) - 1
    file.unlink()
    assert json.loads(busy.ok("history", "K-0012", "--json").out) == shown


def _with_confirms(lg: Ledger, path: str) -> list[str]:
    """`git log -- PATH` with the witnesses' confirm commits of its entries in their place."""
    shas = lg.git("log", "--format=%H", "--", path).split()
    confirms = [line.split() for line in lg.git(
        "log", "--format=%H %(trailers:key=Keyledger-Confirms,valueonly)").splitlines()
        if len(line.split()) == 2]
    keep = {sha for sha, target in confirms if target in shas}
    order = lg.git("rev-list", "HEAD").split()
    return [s for s in order if s in set(shas) | keep]


def test_sync_with_replay_and_conflicts_leaves_each_clone_indexed_as_git_says(
        shared: dict[str, Ledger]) -> None:
    zhou, wang, liu = shared["zhou-lx"], shared["wang-dh"], shared["liu-sj"]
    for clone in (zhou, wang, liu):
        from_index(clone.root)
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    wang.ok("checkout", "K-0012", "--purpose", "heating")  # will conflict
    liu.ok("steward", "add", "cao-x", "--name", "曹", "--key", str(liu.keys["outsider"]) + ".pub")
    zhou.ok("sync")
    liu.ok("sync")   # replayed onto zhou's checkout
    assert wang.run("sync").code == 1  # its checkout conflicts and is kept on a branch
    for clone in (zhou, wang, liu):
        clone.ok("sync")
        assert_index_is_git(clone.root)
        assert clone.head() == wang.head()


@pytest.fixture
def shared(ledger: Ledger, tmp_path: Path) -> dict[str, Ledger]:
    bare = tmp_path / "office.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ledger.root), str(bare)], check=True)
    ledger.ok("hook", "install-server", str(bare))
    clones = {}
    for who in ("zhou-lx", "wang-dh", "liu-sj"):
        path = tmp_path / who
        ledger.ok("clone", str(bare), str(path), "--key", str(ledger.keys[who]))
        clones[who] = Ledger(path, ledger.keys, ledger.capfd)
    return clones


def test_a_clone_builds_its_index_on_the_first_command(busy: Ledger, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(busy.root), str(copy)], check=True)
    assert not (copy / ".git/keyledger/events.sqlite3").exists()
    assert from_index(copy) == from_git(copy) == from_git(busy.root)
    shutil.rmtree(copy)


def test_what_changed_since_i_last_looked(busy: Ledger, monkeypatch) -> None:
    def since(*args: str) -> list[tuple[str, str]]:
        data = json.loads(busy.ok("status", "--json", *args).out)
        return [(c["action"], c["commit"]) for c in data["since"]["changes"]]

    busy.ok("status")  # looked
    assert since("--since", "last") == []
    _at(monkeypatch, "2026-11-25T08:00:00+08:00")
    busy.ok("checkout", "K-0013", "--purpose", "plants", as_="zhou-lx")
    first = busy.head()
    busy.ok("return", "K-0013", as_="zhou-lx")
    assert since("--since", "last") == [("checkout", first), ("return", busy.head())]
    assert since("--since", "上次") == []  # that run looked too (上次: as a steward says it)
    # By date: the events from that moment on (their own time, as the trailers say it).
    assert [a for a, _c in since("--since", "2026-11-24 10:00")][-2:] == ["checkout", "return"]
    out = busy.ok("status", "--since", "2026-11-25").out + busy.ok("status", "--since",
                                                                   "2026-11-25").err
    assert "2 recorded since" in out and first[:10] in out
    # A rewritten history: what was last seen is gone, so the time it was seen decides.
    busy.ok("status")
    busy.git("reset", "-q", "--hard", "HEAD~1")
    busy.ok("return", "K-0013", "--note", "again", as_="zhou-lx")
    assert since("--since", "last") == [("return", busy.head())]
    # history --since: the key's record from a day on, by when each event happened (its
    # Keyledger-At, or when it was committed)
    every = json.loads(busy.ok("history", "K-0013", "--json").out)
    shown = json.loads(busy.ok("history", "K-0013", "--since", "2026-11-25", "--json").out)
    day = datetime.fromisoformat("2026-11-25T00:00:00+08:00")
    assert shown == [e for e in every
                     if datetime.fromisoformat(e["trailers"].get("At") or e["committed"]) >= day]
    assert [e["action"] for e in shown][:2] == ["return", "checkout"] and len(shown) < len(every)
    assert busy.refused("history", "K-0013", "--since", "yesterday-ish").err.count("\n") == 1
