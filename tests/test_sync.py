"""Several stewards, one ledger: a bare repository as the shared remote, a clone per steward."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from conftest import Ledger


@pytest.fixture
def shared(ledger: Ledger, tmp_path: Path) -> dict[str, Ledger]:
    """The office's bare repository with the server guard, and clones for three stewards."""
    bare = tmp_path / "office.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ledger.root), str(bare)], check=True)
    ledger.ok("hook", "install-server", str(bare))
    clones = {"office": Ledger(bare, ledger.keys, ledger.capfd)}
    for who in ("zhou-lx", "wang-dh", "liu-sj"):
        path = tmp_path / who
        result = ledger.run("clone", str(bare), str(path), "--key", str(ledger.keys[who]))
        assert result.code == 0, result.err
        clones[who] = Ledger(path, ledger.keys, ledger.capfd)
    return clones


def _holders(lg: Ledger) -> dict[str, str | None]:
    return {o["id"]: o["holder"] for o in json.loads(lg.ok("status", "--json").out)["out"]}


def test_clone_sets_up_signing_and_the_guard(shared: dict[str, Ledger]) -> None:
    zhou = shared["zhou-lx"]
    assert zhou.ok("whoami").out.startswith("zhou-lx\t")
    assert (zhou.root / ".git/hooks/pre-push").exists()
    assert (shared["office"].root / "hooks/pre-receive").exists()


def test_two_offline_checkouts_of_one_key_one_wins_one_is_explained(shared: dict[str, Ledger]) -> None:
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    wang.ok("checkout", "K-0012", "--purpose", "heating")
    assert zhou.ok("sync").code == 0
    result = wang.run("sync")
    assert result.code == 1
    assert "could not be applied to the shared ledger" in result.err
    assert "already out with 周丽霞" in result.err
    assert "周丽霞 取出 K-0012" in result.err  # what happened on the other side
    # In a steward's words: the colleague by name, times as read, no commit ids.
    import re
    assert re.search(r"” \(周丽霞, \d{4}-\d\d-\d\d \d\d:\d\d\)\.", result.err), result.err
    assert re.search(r"” \(\d{4}-\d\d-\d\d \d\d:\d\d\) could not be applied", result.err)
    assert zhou.head()[:10] not in result.err and "by zhou-lx" not in result.err
    branch = [b.strip() for b in wang.git("branch", "--list", "keyledger/conflict-*").split()]
    assert len(branch) == 1
    kept = wang.git("log", "-1", "--format=%(trailers:key=Keyledger-Purpose,valueonly)", branch[0])
    assert kept.strip() == "heating"  # nothing lost
    assert _holders(wang) == {"K-0012": "zhou-lx"}  # the clone shows the shared ledger
    assert wang.git("status", "--porcelain") == ""
    for clone in (zhou, wang):
        clone.ok("sync")
        assert json.loads(clone.ok("verify", "--json", "--full").out)["findings"] == []


def test_offline_checkout_is_marked_until_pushed(shared: dict[str, Ledger]) -> None:
    zhou = shared["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    status = json.loads(zhou.ok("status", "--json").out)
    assert status["out"][0]["offline"] is True and status["sync"]["unpushed"] == 1
    assert "1 record(s) not yet shared, the first since " in zhou.ok("status").err
    zhou.ok("sync")
    status = json.loads(zhou.ok("status", "--json").out)
    assert status["out"][0]["offline"] is False and status["sync"]["unpushed"] == 0
    assert status["sync"]["last_sync"]


def test_one_hands_over_while_the_supervisor_returns_it(shared: dict[str, Ledger]) -> None:
    zhou, liu = shared["zhou-lx"], shared["liu-sj"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    zhou.ok("sync")
    liu.ok("sync")
    zhou.ok("handover", "K-0012", "--to", "wang-dh")
    liu.ok("return", "K-0012", "--override", "key found on the office desk")
    liu.ok("sync")
    result = zhou.run("sync")
    assert result.code == 1 and "is not out" in result.err
    assert _holders(zhou) == {}


def test_a_roster_change_while_a_steward_is_offline(shared: dict[str, Ledger]) -> None:
    wang, liu = shared["wang-dh"], shared["liu-sj"]
    wang.ok("checkout", "K-0012", "--purpose", "plants")
    liu.ok("steward", "deactivate", "wang-dh")
    liu.ok("sync")
    result = wang.run("sync")
    assert result.code == 1 and "no longer an active steward" in result.err
    assert _holders(wang) == {}


def test_sync_never_pushes_after_a_failed_fetch(shared: dict[str, Ledger], tmp_path: Path) -> None:
    zhou = shared["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    zhou.git("remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    before = zhou.snapshot()
    result = zhou.run("sync")
    assert result.code == 2 and "Could not reach the shared ledger" in result.err
    assert zhou.snapshot() == before


def _push_bad(office: Ledger, lg: Ledger) -> str:
    result = subprocess.run(["git", "-C", str(lg.root), "push", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert result.returncode != 0
    return result.stderr


def _edit(lg: Ledger, path: str, old: str, new: str) -> None:
    file = lg.root / path
    file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_the_server_guard_refuses_each_kind_of_bad_push(shared: dict[str, Ledger]) -> None:
    office, zhou, wang = shared["office"], shared["zhou-lx"], shared["wang-dh"]
    head = office.git("rev-parse", "HEAD").strip()
    trailers = "\n\nKeyledger-Action: key-edit\nKeyledger-Steward: zhou-lx"

    def attempt(signer: str | None, path: str, old: str, new: str, message: str) -> str:
        zhou.git("reset", "-q", "--hard", "origin/main")
        _edit(zhou, path, old, new)
        if signer:
            zhou.use(signer)
            zhou.git("commit", "-qam", message)
        else:
            zhou.git("-c", "commit.gpgsign=false", "commit", "-qam", message)
        return _push_bad(office, zhou)

    assert "not signed" in attempt(None, "keys/K-0012.yaml", "A-03", "A-04", "x" + trailers)
    assert "a key of no steward" in attempt("outsider", "keys/K-0012.yaml", "A-03", "A-04",
                                            "x" + trailers)
    assert "its trailers name zhou-lx but it was signed by wang-dh" in attempt(
        "wang-dh", "keys/K-0012.yaml", "A-03", "A-04", "x" + trailers)
    assert "not signed by a supervisor" in attempt(
        "wang-dh", "stewards/wang-dh.yaml", "role: steward", "role: supervisor",
        "x\n\nKeyledger-Action: steward-add\nKeyledger-Steward: wang-dh")
    assert "not a valid ledger file" in attempt("zhou-lx", "keys/K-0012.yaml", "state: in",
                                                "state: gone", "x" + trailers)
    assert "the custody rules refuse it" in attempt(
        "sun-yp", "keys/K-0012.yaml", "state: in\nholder: null\nsince: null\npurpose: null",
        "state: out\nholder: sun-yp\nsince: 2026-11-25T14:00:00+08:00\npurpose: plants",
        "checkout\n\nKeyledger-Action: checkout\nKeyledger-Key: K-0012\nKeyledger-Household: "
        "8-1-401\nKeyledger-Steward: sun-yp\nKeyledger-Purpose: plants\nKeyledger-At: "
        "2026-11-25T14:00:00+08:00")
    assert office.git("rev-parse", "HEAD").strip() == head  # nothing landed
    # A rewrite: wang's clone pushes a commit, zhou force-pushes over it.
    zhou.use("zhou-lx")
    zhou.git("reset", "-q", "--hard", "origin/main")
    wang.ok("checkout", "K-0012", "--purpose", "plants")
    wang.ok("sync")
    zhou.ok("checkout", "K-0012", "--purpose", "heating")
    result = subprocess.run(["git", "-C", str(zhou.root), "push", "--no-verify", "--force",
                             "origin", "HEAD:main"], capture_output=True, text=True)
    assert result.returncode != 0 and ("not a fast-forward" in result.stderr
                                       or "non-fast-forward" in result.stderr)


KEYS = ("K-0012", "K-0013")  # few keys, so that the clones really contend for them


def _operation(rng: random.Random, clone: Ledger, who: str, n: int, folder: Path) -> list[str]:
    """One random operation of a steward, each with its own `--note op-N` or id so that it can
    be found again in the final history. Mostly one that this clone's own view allows (a key
    it sees in for a checkout, one it holds for a return), so that many are accepted; what
    the clones cannot see of each other while offline makes the conflicts."""
    kind = rng.choice(["checkout", "checkout", "return", "return", "handover", "visit"]
                      + (["roster"] if who == "liu-sj" else []))
    wanted = {"checkout": "state: in", "return": f"holder: {who}", "handover": f"holder: {who}"}
    fitting = [k for k in KEYS if kind in wanted and wanted[kind] in
               (clone.root / f"keys/{k}.yaml").read_text(encoding="utf-8")]
    key = rng.choice(fitting if fitting and rng.random() < 0.8 else list(KEYS))
    override = ["--override", "supervisor round"] if who == "liu-sj" else []
    if kind == "checkout":
        return ["checkout", key, "--purpose", "plants", "--note", f"op-{n}", *override]
    if kind == "return":
        return ["return", key, "--note", f"op-{n}", *override]
    if kind == "handover":
        return ["handover", key, "--to", rng.choice(["zhou-lx", "wang-dh"]), "--note",
                f"op-{n}", *override]
    if kind == "visit":
        return ["visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", f"op-{n}"]
    new = folder / f"helper-{n}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(new)], check=True)
    return ["steward", "add", f"helper-{n}", "--name", f"帮手{n}", "--key", f"{new}.pub"]


def _custody_holds_at_every_commit(lg: Ledger) -> None:
    """Each key file, at every commit of the history, parsed: `out` with exactly one holder,
    `in` with none, and every change to it the transition its commit's action allows."""
    from keyledger.model import parse_key

    previous: dict[str, object] = {}
    for line in lg.git("log", "--reverse", "--format=%H %(trailers:key=Keyledger-Action,"
                       "valueonly,separator=)|%(trailers:key=Keyledger-Key,valueonly,"
                       "separator=)").splitlines():
        sha, _, rest = line.partition(" ")
        action, _, named = rest.partition("|")
        for key in KEYS:
            path = f"keys/{key}.yaml"
            if not lg.git("ls-tree", "--name-only", sha, path).strip():
                continue
            k = parse_key(path, lg.git("show", f"{sha}:{path}"), key)
            assert (k.state == "out") == (k.holder is not None), (sha, key, k.state, k.holder)
            before = previous.get(key)
            if before is not None and (before.state, before.holder) != (k.state, k.holder):
                assert named == key, (sha, action, key)  # only its own commits move a key
                assert (before.state, k.state, action) in {
                    ("in", "out", "checkout"), ("out", "in", "return"),
                    ("out", "out", "handover")}, (sha, action, before.state, k.state)
            previous[key] = k


@pytest.mark.parametrize("seed", [20261122, 7, 1949])
def test_random_operations_and_sync_orders_lose_nothing(shared: dict[str, Ledger], seed: int,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    clones = {k: v for k, v in shared.items() if k != "office"}
    liu = clones["liu-sj"]
    liu.ok("key", "add", "--household", "8-1-401", "--id", "K-0013", "--slot", "A-04")
    assert liu.run("sync").code == 0
    for clone in clones.values():
        assert clone.run("sync").code == 0
    made: list[tuple[str, str]] = []  # (clone, full message) of every operation its clone took
    conflicts = 0
    for n in range(48):
        # Each operation at its own moment: the messages (and their At trailers) are unique.
        monkeypatch.setenv("KEYLEDGER_TEST_NOW", f"2026-12-01T{9 + n // 60:02d}:{n % 60:02d}:00+08:00")
        who = rng.choice(list(clones))
        clone = clones[who]
        if rng.random() < 0.4:
            result = clone.run("sync")
            assert result.code in (0, 1), result.err  # 1: a conflict, explained, never an error
            conflicts += result.code == 1
            continue
        before = clone.head()
        result = clone.run(*_operation(rng, clone, who, n, tmp_path))
        assert result.code in (0, 2), result.err
        if result.code == 0:
            assert clone.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
            made.append((who, clone.git("log", "-1", "--format=%B")))
        else:
            assert clone.head() == before  # a refusal writes nothing
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-12-01T12:00:00+08:00")
    for _ in range(2):
        for clone in clones.values():
            result = clone.run("sync")
            assert result.code in (0, 1), result.err
            conflicts += result.code == 1
    heads = {clone.head() for clone in clones.values()}
    assert heads == {shared["office"].git("rev-parse", "main").strip()}  # one history everywhere
    assert len({message for _, message in made}) == len(made)
    history = liu.git("log", "--format=%B%x00").split("\x00")
    accepted = rejected = 0
    for who, message in made:
        in_main = sum(m.strip("\n") == message.strip("\n") for m in history)
        branches = _conflict_branches(clones[who])
        kept = [b for b in branches if message.strip("\n") in [
            m.strip("\n") for m in clones[who].git("log", "--format=%B%x00", b).split("\x00")]]
        assert in_main == 1 or (in_main == 0 and kept), (who, message)
        accepted += in_main == 1
        rejected += in_main == 0
    assert accepted >= 8, (accepted, rejected)
    assert conflicts >= 1 and rejected >= 1, (conflicts, rejected)
    for name, clone in clones.items():
        assert json.loads(clone.ok("verify", "--json", "--full").out)["findings"] == [], name
        for branch in _conflict_branches(clone):  # every rejected operation, explained
            note = clone.root / ".git/keyledger/conflicts" / f"{branch.split('/')[-1]}.txt"
            assert "could not be applied to the shared ledger" in note.read_text(encoding="utf-8")
            assert f"kept as conflict {branch.removeprefix('keyledger/conflict-')}" in \
                note.read_text(encoding="utf-8")
    _custody_holds_at_every_commit(liu)


def _conflict_branches(lg: Ledger) -> list[str]:
    return lg.git("for-each-ref", "--format=%(refname:short)", "refs/heads/keyledger/").split()


def test_a_steward_deactivated_while_offline_is_told_and_not_stuck(
        shared: dict[str, Ledger]) -> None:
    wang, liu, office = shared["wang-dh"], shared["liu-sj"], shared["office"]
    wang.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "电话问候，一切正常")
    liu.ok("steward", "deactivate", "wang-dh")
    liu.ok("sync")
    shared_head = office.git("rev-parse", "main").strip()
    result = wang.run("sync")
    assert result.code == 1, result.err
    assert "wang-dh is no longer an active steward on the shared ledger. " in result.err
    assert "网格员 王德厚（wang-dh）离岗" in result.err  # what the other side did
    assert "failed to push" not in result.err
    assert office.git("rev-parse", "main").strip() == shared_head  # nothing pushed
    (branch,) = _conflict_branches(wang)
    assert wang.git("log", "-1", "--format=%s", branch).startswith("王德厚 电话问候")  # kept
    assert wang.head() == shared_head and wang.git("status", "--porcelain") == ""
    again = wang.run("sync")  # not stuck: the next sync has nothing left to refuse
    assert again.code == 0, again.err


def test_a_supervisor_demoted_while_offline_keeps_the_roster_change_on_a_branch(
        shared: dict[str, Ledger], tmp_path: Path) -> None:
    liu, office = shared["liu-sj"], shared["office"]
    liu.ok("steward", "add", "outsider", "--name", "路人甲", "--role", "supervisor", "--key",
           str(liu.keys["outsider"]) + ".pub")
    liu.ok("sync")
    other = tmp_path / "outsider"
    assert liu.run("clone", str(office.root), str(other), "--key",
                   str(liu.keys["outsider"])).code == 0
    second = Ledger(other, liu.keys, liu.capfd)
    liu.ok("steward", "deactivate", "sun-yp")  # offline
    _edit(second, "stewards/liu-sj.yaml", "role: supervisor", "role: steward")
    second.git("commit", "-qam", "demote liu-sj to steward\n\nKeyledger-Action: steward-edit\n"
               "Keyledger-Steward: outsider")
    second.ok("sync")
    result = liu.run("sync")
    assert result.code == 1, result.err
    assert ("it changes the roster or the policies, and liu-sj is no longer a supervisor on the "
            "shared ledger. ") in result.err
    assert "“demote liu-sj to steward”" in result.err
    assert "failed to push" not in result.err
    (branch,) = _conflict_branches(liu)
    assert "离岗" in liu.git("log", "-1", "--format=%s", branch)
    assert liu.head() == office.git("rev-parse", "main").strip()
    assert json.loads(liu.ok("verify", "--json", "--full").out)["findings"] == []


def test_a_refused_fetch_never_moves_origin_main(shared: dict[str, Ledger]) -> None:
    office, zhou, wang = shared["office"], shared["zhou-lx"], shared["wang-dh"]
    before = zhou.git("rev-parse", "origin/main").strip()
    hook = office.root / "hooks/pre-receive"
    hook.rename(hook.with_suffix(".off"))  # a server without its guard takes anything
    _edit(wang, "keys/K-0012.yaml", "A-03", "A-09")
    wang.git("-c", "commit.gpgsign=false", "commit", "-qam", "moved by hand")
    _push_bad_ok = subprocess.run(["git", "-C", str(wang.root), "push", "-q", "--no-verify",
                                   "origin", "HEAD:main"], capture_output=True, text=True)
    assert _push_bad_ok.returncode == 0, _push_bad_ok.stderr
    result = zhou.run("sync")
    assert result.code == 2 and "fail verification" in result.err and "not signed" in result.err
    assert zhou.git("rev-parse", "origin/main").strip() == before  # still the verified state


def test_sync_errors_give_the_reason_not_gits_last_line(shared: dict[str, Ledger],
                                                        tmp_path: Path) -> None:
    office, zhou = shared["office"], shared["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    hook = office.root / "hooks/pre-receive"
    guard = hook.read_text(encoding="utf-8")
    hook.write_text("#!/bin/sh\necho 'keyledger: refused: refs/heads/main: the office is closed "
                    "for the holiday' >&2\nexit 1\n", encoding="utf-8")
    result = zhou.run("sync")
    assert result.code == 2
    assert "(keyledger: refused: refs/heads/main: the office is closed for the holiday)" in result.err
    assert "failed to push some refs" not in result.err
    hook.write_text(guard, encoding="utf-8")
    zhou.git("remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    result = zhou.run("sync")
    assert result.code == 2
    assert "does not appear to be a git repository" in result.err
    assert "repository exists" not in result.err


def test_conflict_branches_follow_the_ledgers_clock_and_never_overwrite_each_other(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:
    zhou, wang = shared["zhou-lx"], shared["wang-dh"]
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T14:00:00+08:00")
    for purpose in ("heating", "pets"):  # two conflicts in the same second
        zhou.ok("checkout", "K-0012", "--purpose", "plants")
        wang.ok("checkout", "K-0012", "--purpose", purpose)
        zhou.ok("sync")
        result = wang.run("sync")
        assert result.code == 1
        assert ".. " not in result.err and "first. On the shared ledger, meanwhile" in result.err
        zhou.ok("return", "K-0012")
        zhou.ok("sync")
        wang.ok("sync")
    branches = _conflict_branches(wang)
    assert branches == ["keyledger/conflict-20261125-140000",
                        "keyledger/conflict-20261125-140000-2"]
    kept = [wang.git("log", "-1", "--format=%(trailers:key=Keyledger-Purpose,valueonly)", b).strip()
            for b in branches]
    assert kept == ["heating", "pets"]  # the first was not overwritten by the second
    status = wang.ok("status")
    for branch in branches:
        name = branch.removeprefix("keyledger/conflict-")
        assert f"Unresolved conflict {name}: operations the shared ledger refused wait here. " \
               f"`keyledger conflict show {name}`" in status.err
    shown = json.loads(wang.ok("status", "--json").out)["sync"]["conflicts"]
    assert [c["branch"] for c in shown] == branches
    assert all((wang.root / c["explanation"]).is_file() for c in shown)
    wang.ok("conflict", "drop", "20261125-140000")
    assert "Unresolved conflict 20261125-140000:" not in wang.ok("status").err


def test_clone_without_a_path_names_the_folder_after_the_repository(
        shared: dict[str, Ledger], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    office = shared["office"]
    (tmp_path / "phone").mkdir()
    monkeypatch.chdir(tmp_path / "phone")
    result = office.run("clone", str(office.root), "--key", str(office.keys["sun-yp"]))
    assert result.code == 0, result.err
    assert (tmp_path / "phone/office/keys/K-0012.yaml").is_file()


def test_a_rolled_back_shared_ledger_is_told_when_sync_pushes_the_lost_commits_back(
        shared: dict[str, Ledger]) -> None:
    office, zhou = shared["office"], shared["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    zhou.ok("sync")
    office.git("update-ref", "refs/heads/main", "main~1")  # the office restored an old backup
    result = zhou.run("sync")
    assert result.code == 0, result.err
    assert "The shared ledger had lost 1 commit(s) it held at your last sync" in result.err
    assert office.git("rev-parse", "main").strip() == zhou.head()


def test_status_says_since_when_in_the_ledgers_time_not_the_machines(
        shared: dict[str, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:
    """A laptop set to UTC: the first unshared record's time is said in the ledger's zone
    (Asia/Shanghai), like the last sync's; a clone that never shared says so, not "never"."""
    from datetime import datetime

    monkeypatch.setenv("TZ", "UTC")
    zhou = shared["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    since = json.loads(zhou.ok("status", "--json").out)["sync"]["unpushed_since"]
    local = datetime.fromisoformat(since)
    assert local.utcoffset().total_seconds() == 8 * 3600
    told = zhou.ok("status", "--lang", "zh").err
    assert f"最早一条自 {local.month}月{local.day}日" in told and f"{local:%H:%M} 起" in told
    (zhou.root / ".git/keyledger/last-sync").unlink()  # as after `git clone` and `use-key`
    told = zhou.ok("status", "--lang", "zh").err
    assert "本机还没有共享过记录" in told and "上次共享于 从未" not in told
