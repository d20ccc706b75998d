"""Killed at any point, a command leaves a ledger the next command finds clean or repairs;
many commands at once on one clone neither lose nor merge a change."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import Ledger
from test_sync import shared  # noqa: F401  (the fixture: a bare repository and three clones)

SCRIPT = str(Path(sys.executable).parent / "keyledger")


@pytest.fixture(autouse=True, params=range(int(os.environ.get("KEYLEDGER_REPEAT", "1"))))
def repeat(request: pytest.FixtureRequest) -> int:
    """KEYLEDGER_REPEAT=20 runs every test here 20 times: they must pass repeatedly, not once."""
    return int(request.param)


def _run(lg: Ledger, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KEYLEDGER_DIR=str(lg.root))
    if fault:
        env["KEYLEDGER_FAULT"] = fault
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True)


def _consistent(lg: Ledger) -> None:
    """Work tree and index are exactly HEAD, and no temporary file is left."""
    assert lg.git("status", "--porcelain", "--untracked-files=all") == ""
    assert not list(lg.root.rglob(".*.tmp*"))
    assert not (lg.root / ".git/keyledger/journal").exists()


@pytest.mark.parametrize("point", ["after-journal", "after-write", "after-index",
                                   "after-commit-tree"])
def test_killed_before_the_commit_lands_the_change_is_undone(ledger: Ledger, point: str,
                                                            tmp_path: Path) -> None:
    ledger.use("zhou-lx")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"photo")
    ledger.ok("checkout", "K-0012", "--purpose", "plants")
    head = ledger.head()
    killed = _run(ledger, "return", "K-0012", "--visit", "--check", "plants=ok", "--photo",
                  str(photo), fault=point)
    assert killed.returncode == -signal.SIGKILL
    assert ledger.head() == head
    after = _run(ledger, "status", "--json")
    assert after.returncode == 0, after.stderr
    assert "An interrupted keyledger command was undone" in after.stderr
    assert json.loads(after.stdout)["out"][0]["id"] == "K-0012"  # still out: the return never happened
    _consistent(ledger)
    done = _run(ledger, "return", "K-0012")
    assert done.returncode == 0, done.stderr
    _consistent(ledger)


def test_killed_after_the_commit_landed_the_change_stays(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    head = ledger.head()
    killed = _run(ledger, "checkout", "K-0012", "--purpose", "plants", fault="after-update-ref")
    assert killed.returncode == -signal.SIGKILL
    assert ledger.head() != head
    after = _run(ledger, "checkout", "K-0012", "--purpose", "plants")
    assert after.returncode == 2 and "already out with 周丽霞" in after.stderr
    _consistent(ledger)
    assert ledger.git("log", "-1", "--format=%G?").strip() == "G"


def test_kill_9_from_outside_in_the_middle_of_a_command(ledger: Ledger) -> None:
    ledger.use("zhou-lx")
    head = ledger.head()
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root), KEYLEDGER_FAULT="pause:after-write")
    proc = subprocess.Popen([SCRIPT, "checkout", "K-0012", "--purpose", "plants"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = ledger.root / ".git/keyledger/journal"
    deadline = time.monotonic() + 30
    while "state: out" not in (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert journal.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert ledger.head() == head
    done = _run(ledger, "checkout", "K-0012", "--purpose", "heating")
    assert done.returncode == 0, done.stderr
    assert "undone" in done.stderr
    assert "purpose: heating" in (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    _consistent(ledger)


def test_many_commands_at_once_lose_and_merge_nothing(ledger: Ledger) -> None:
    for n in range(13, 21):
        ledger.ok("key", "add", "--household", "8-1-401", "--id", f"K-00{n}", as_="liu-sj")
    ledger.use("zhou-lx")
    head = ledger.head()
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root))
    keys = [f"K-00{n}" for n in range(12, 21)]
    procs = [subprocess.Popen([SCRIPT, "checkout", key, "--purpose", "plants"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for key in keys for _ in range(2)]  # every key asked for twice, all at once
    results = [(p.wait(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    succeeded = sum(1 for code, _ in results if code == 0)
    assert all(code == 0 or "already out" in err or "busy" in err for code, err in results)
    for i, key in enumerate(keys):  # each key checked out once, unless both asks found it busy
        pair = results[2 * i:2 * i + 2]
        assert [c for c, _ in pair].count(0) == 1 or all("busy" in e for _, e in pair), (key, pair)
    assert succeeded >= len(keys) - 2  # on a loaded 2-core machine a couple may time out
    commits = ledger.git("rev-list", f"{head}..HEAD").split()
    assert len(commits) == succeeded
    for sha in commits:  # one key file per commit, never two changes merged into one
        assert len(ledger.git("diff-tree", "--no-commit-id", "--name-only", "-r", sha).split()) == 1
    status = json.loads(ledger.ok("status", "--json").out)
    assert len(status["out"]) == succeeded
    _consistent(ledger)


# Every point where a sync can be killed: during the replay (commit objects only), while it
# moves the clone to the replayed history, after it moved, and before it pushed.
SYNC_POINTS = ["after-replay", "after-journal", "after-write", "after-index", "after-update-ref",
               "before-push"]


def _offline_checkout_and_a_visit_on_the_shared_ledger(shared: dict[str, Ledger]) -> Ledger:
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")  # offline
    wang.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "电话问候")
    wang.ok("sync")
    return zhou


def _nothing_lost(shared: dict[str, Ledger]) -> None:
    """After a final sync: the offline checkout and the other's visit are on the shared ledger,
    each exactly once, and every clone verifies."""
    zhou, wang, office = shared["zhou-lx"], shared["wang-dh"], shared["office"]
    subjects = office.git("log", "--format=%s", "main").splitlines()
    assert sum(" 取出 K-0012" in s for s in subjects) == 1, subjects
    assert sum(s.startswith("王德厚 电话问候") for s in subjects) == 1, subjects
    assert zhou.head() == office.git("rev-parse", "main").strip()
    wang.ok("sync")
    for lg in (zhou, wang):
        out = json.loads(lg.ok("status", "--json").out)["out"]
        assert [(o["id"], o["holder"]) for o in out] == [("K-0012", "zhou-lx")]
        assert json.loads(lg.ok("verify", "--json", "--full").out)["findings"] == []
    _consistent(zhou)


@pytest.mark.parametrize("point", SYNC_POINTS)
def test_a_sync_killed_anywhere_keeps_the_offline_commits(shared: dict[str, Ledger],
                                                         point: str) -> None:
    zhou = _offline_checkout_and_a_visit_on_the_shared_ledger(shared)
    killed = _run(zhou, "sync", fault=point)
    assert killed.returncode == -signal.SIGKILL
    after = _run(zhou, "status", "--json")
    assert after.returncode == 0, after.stderr
    assert "The last `keyledger sync` was interrupted before it finished; your own commits are " \
           "all here." in after.stderr
    assert json.loads(after.stdout)["out"][0]["holder"] == "zhou-lx"  # the checkout is here
    _consistent(zhou)
    done = _run(zhou, "sync")
    assert done.returncode == 0, done.stderr
    assert "The last sync was interrupted before it finished" in done.stderr
    assert "interrupted" not in _run(zhou, "status").stderr  # said once it is done
    _nothing_lost(shared)


def test_a_sync_killed_from_outside_while_it_writes_keeps_the_offline_commits(
        shared: dict[str, Ledger]) -> None:
    zhou = _offline_checkout_and_a_visit_on_the_shared_ledger(shared)
    env = dict(os.environ, KEYLEDGER_DIR=str(zhou.root), KEYLEDGER_FAULT="pause:after-write")
    proc = subprocess.Popen([SCRIPT, "sync"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    journal = zhou.root / ".git/keyledger/journal"
    deadline = time.monotonic() + 60
    while not list(zhou.root.glob("visits/*/*/*.yaml")):  # the other's visit is written
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    assert journal.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = _run(zhou, "status")
    assert after.returncode == 0, after.stderr
    assert "An interrupted keyledger command was undone" in after.stderr
    _consistent(zhou)
    assert _run(zhou, "sync").returncode == 0
    _nothing_lost(shared)


def test_syncs_killed_at_random_moments_lose_nothing(shared: dict[str, Ledger], repeat: int) -> None:
    zhou = _offline_checkout_and_a_visit_on_the_shared_ledger(shared)
    env = dict(os.environ, KEYLEDGER_DIR=str(zhou.root))
    rng = random.Random(repeat)
    for _ in range(4):
        proc = subprocess.Popen([SCRIPT, "sync"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.2, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = _run(zhou, "status", "--json")
        assert after.returncode == 0, after.stderr
        assert json.loads(after.stdout)["out"][0]["holder"] == "zhou-lx"
        _consistent(zhou)
    done = _run(zhou, "sync")
    assert done.returncode == 0, done.stderr
    _nothing_lost(shared)


def test_a_file_is_never_seen_half_written_even_by_a_kill_during_the_write(
        ledger: Ledger, tmp_path: Path, repeat: int) -> None:
    """A visit note near a ledger file's limit (1 MB): a reader watching the folder, and a
    kill -9 sent the moment the file shows, land inside the write if it is not atomic."""
    import yaml

    ledger.use("zhou-lx")
    note = "电话问候，老人说一切正常。" * 25_000
    form = tmp_path / "visit.yaml"
    form.write_text(yaml.safe_dump({"purpose": "call", "note": note}, allow_unicode=True),
                    encoding="utf-8")
    head = ledger.head()
    env = dict(os.environ, KEYLEDGER_DIR=str(ledger.root))
    visits = ledger.root / "visits"
    for _attempt in range(2):
        proc = subprocess.Popen([SCRIPT, "visit", "add", "8-1-401", "--from-file", str(form)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen: bytes | None = None
        while seen is None and proc.poll() is None:
            shown = [p for p in visits.rglob("*.yaml") if not p.name.startswith(".")] \
                if visits.is_dir() else []
            if shown:
                seen = shown[0].read_bytes()
                proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert seen is not None, "the visit file never appeared"
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()  # type: ignore[union-attr]
        record = yaml.load(seen, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert isinstance(record, dict) and record.get("note") == note, "seen half-written"
        # A git child of the killed command may still be finishing with the index's lock.
        deadline = time.monotonic() + 10
        while (ledger.root / ".git/index.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        after = _run(ledger, "status")
        assert after.returncode == 0, after.stderr
        assert "An interrupted keyledger command was undone" in after.stderr
        assert ledger.head() == head
        _consistent(ledger)
