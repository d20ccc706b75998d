"""12.4: time cannot be chosen. No variable sets a command's clock; `verify`, the server hook
and `sync` find a key's or household's events out of order, an act dated before the change in
its own parent that forbids it, and times ahead of the receiving machine's clock — while a
real offline checkout, replayed by `sync` after others' commits, is still accepted."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import Ledger
from keyledger import gitops, yaml
from keyledger.model import parse_key
from trust import Office, accepted_everywhere, office, refused_everywhere  # noqa: F401

TZ = timezone(timedelta(hours=8))


def _now() -> datetime:
    return datetime.now(TZ).replace(microsecond=0)


def _forge(lg: Ledger, who: str, action: str, at: datetime, key: str = "K-0012",
           household: str = "8-1-401", committed: datetime | None = None) -> None:
    """A custody commit made by hand, dated as the forger likes, its key file as the custody
    rules would write it at that moment."""
    path = lg.root / f"keys/{key}.yaml"
    old = parse_key(str(path), path.read_text(encoding="utf-8"), key)
    if action == "checkout":
        new = replace(old, state="out", holder=who, since=at, purpose="plants",
                      expected_back=at + timedelta(hours=1), witness=None, note=None)
        extra = [("Holder", who), ("Purpose", "plants"),
                 ("Expected-Back", (at + timedelta(hours=1)).isoformat())]
    else:
        new = replace(old, state="in", holder=None, since=at, purpose=None, expected_back=None,
                      witness=None, note=None)
        extra = [("Holder", old.holder or ""), ("Purpose", old.purpose or "")]
    path.write_text(yaml.dump(new.to_dict()), encoding="utf-8")
    message = gitops.format_message(f"{action} {key}", [
        ("Action", action), ("Key", key), ("Household", household), ("Steward", who),
        *extra, ("At", at.isoformat())])
    lg.use(who)
    lg.git("add", "-A")
    env = dict(os.environ, GIT_COMMITTER_DATE=(committed or at).isoformat())
    subprocess.run(["git", "-C", str(lg.root), "commit", "-q", "--no-verify", "-m", message],
                   check=True, env=env)


def test_no_variable_sets_the_clock_of_an_installed_command(ledger: Ledger) -> None:
    script = str(Path(sys.executable).parent / "keyledger")
    env = dict(os.environ, KEYLEDGER_NOW="2020-01-01T09:00:00+08:00",
               KEYLEDGER_TEST_NOW="2020-01-01T09:00:00+08:00",
               GIT_COMMITTER_DATE="2020-01-01T09:00:00+08:00", KEYLEDGER_DIR=str(ledger.root))
    ledger.use("zhou-lx")
    before = _now()
    done = subprocess.run([script, "checkout", "K-0012", "--purpose", "plants"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    at = datetime.fromisoformat(ledger.git("log", "-1", "--format=%(trailers:key=Keyledger-At,"
                                           "valueonly)").strip())
    committed = datetime.fromisoformat(ledger.git("log", "-1", "--format=%cI").strip())
    for moment in (at, committed):
        assert before - timedelta(seconds=5) <= moment <= _now() + timedelta(seconds=5)


def test_a_return_dated_before_its_checkout_is_refused_everywhere(office: Office) -> None:
    zhou = office["zhou-lx"]
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    zhou.ok("sync")
    _forge(zhou, "zhou-lx", "return", datetime(2020, 1, 1, 9, 0, tzinfo=TZ))
    refused_everywhere(office, "zhou-lx", "a return dated 2020-01-01 09:00 cannot come after it")


def test_a_checkout_dated_before_the_revocation_it_would_break_is_refused(office: Office) -> None:
    wang, zhou = office["wang-dh"], office["zhou-lx"]
    wang.ok("household", "revoke", "8-1-401")  # the owner called: from today on, no entry
    wang.ok("sync")
    zhou.ok("sync")
    _forge(zhou, "zhou-lx", "checkout", _now() - timedelta(days=1))
    refused_everywhere(office, "zhou-lx", "and that change forbids it: the owner's authorization "
                                          "of 8-1-401 was revoked on")


def test_times_ahead_of_the_receiving_servers_clock(office: Office) -> None:
    """The server judges the time of what it receives; a clone, whose clock may be wrong by
    hours, does not refuse what the server took."""
    zhou = office["zhou-lx"]
    for ahead in (timedelta(days=3), timedelta(minutes=30)):
        zhou.git("reset", "-q", "--hard", "origin/main")
        _forge(zhou, "zhou-lx", "checkout", _now() + ahead)
        assert zhou.run("verify", "--since", "origin/main").code == 0
        pushed = subprocess.run(["git", "-C", str(zhou.root), "push", "--no-verify", "origin",
                                 "HEAD:main"], capture_output=True, text=True)
        assert pushed.returncode != 0
        assert "in the future of this machine's clock" in pushed.stderr, pushed.stderr
    # A few minutes ahead is two honest clocks differing: taken.
    zhou.git("reset", "-q", "--hard", "origin/main")
    _forge(zhou, "zhou-lx", "checkout", _now() + timedelta(minutes=2))
    accepted_everywhere(office, "zhou-lx")


def _edit_dated_2021(office: Office, *trailers: tuple[str, str]) -> None:
    """zhou's edit of 8-1-401's notes, made by hand and dated in 2021, after a real one."""
    zhou = office["zhou-lx"]
    zhou.ok("household", "edit", "8-1-401", "--notes", "钥匙在门卫")
    zhou.ok("sync")
    path = zhou.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("钥匙在门卫", "钥匙在物业"),
                    encoding="utf-8")
    message = gitops.format_message("edit notes of 8-1-401", [
        ("Action", "household-edit"), ("Household", "8-1-401"), ("Steward", "zhou-lx"),
        ("Fields", "notes"), *trailers])
    zhou.git("add", "-A")
    subprocess.run(["git", "-C", str(zhou.root), "commit", "-q", "--no-verify", "-m", message],
                   check=True, env=dict(os.environ, GIT_COMMITTER_DATE="2021-03-01T10:00:00+08:00"))


def test_a_households_changes_out_of_time_order_are_refused(office: Office) -> None:
    _edit_dated_2021(office)
    refused_everywhere(office, "zhou-lx", "a household's events come in time order")


def test_an_offline_checkout_replayed_after_others_commits_is_accepted(
        office: Office, monkeypatch) -> None:
    zhou, wang, liu = office["zhou-lx"], office["wang-dh"], office["liu-sj"]
    start = _now()

    def at(minutes: float) -> None:  # the next few minutes: the server takes nothing later
        monkeypatch.setenv("KEYLEDGER_TEST_NOW", (start + timedelta(minutes=minutes)).isoformat())

    at(1)
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--expect-back", "3h")  # offline
    at(2)  # meanwhile the others work, on another household and on this one's file
    liu.ok("household", "edit", "8-1-401", "--notes", "楼道灯坏了")
    liu.ok("household", "edit", "8-1-402", "--notes", "有狗")
    liu.ok("sync")
    at(3)
    result = zhou.ok("sync")
    assert zhou.head() == office.tip(), result.err
    assert "取出 K-0012" in zhou.git("log", "-1", "--format=%s")
    assert zhou.git("log", "-1", "--format=%(trailers:key=Keyledger-At,valueonly)").strip() == \
        (start + timedelta(minutes=1)).isoformat()
    # A revocation meanwhile does forbid it: the replay stops and says why.
    zhou.ok("return", "K-0012")
    zhou.ok("sync")
    at(3.5)
    zhou.ok("checkout", "K-0012", "--purpose", "plants", "--expect-back", "1h")  # offline again
    at(4)
    wang.ok("sync")
    wang.ok("household", "revoke", "8-1-401")
    wang.ok("sync")
    at(4.5)
    result = zhou.run("sync")
    assert result.code == 1 and "revoked" in result.err, result.err
    assert zhou.head() == office.tip()


def test_an_offline_visit_replayed_after_an_edit_of_its_household_is_accepted(
        office: Office, monkeypatch) -> None:
    """A visit says when it happened (`At`: here an hour before it is entered) and writes its
    household's open problems: made offline, it is replayed by `sync` after another steward's
    edit of the same household, and the household's time order (which holds its edits, not the
    moments events say they happened) does not refuse it."""
    zhou, liu = office["zhou-lx"], office["liu-sj"]
    start = _now()

    def at(minutes: float) -> None:
        monkeypatch.setenv("KEYLEDGER_TEST_NOW", (start + timedelta(minutes=minutes)).isoformat())

    at(1)
    zhou.ok("visit", "add", "8-1-401", "--purpose", "inspection", "--problem", "墙面有裂缝",
            "--at", f"{start - timedelta(hours=1):%Y-%m-%d %H:%M}")
    at(2)
    liu.ok("household", "edit", "8-1-401", "--notes", "楼道灯坏了")
    liu.ok("sync")
    at(3)
    result = zhou.ok("sync")
    assert zhou.head() == office.tip(), result.err
    home = (zhou.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    assert "墙面有裂缝" in home and "楼道灯坏了" in home


def test_an_edit_carrying_an_at_trailer_still_comes_in_time_order(office: Office) -> None:
    """Only the events that say when they happened in the world are ordered by their own
    rules: a household edit dated before the household's last change is refused, whatever
    `At` it carries."""
    _edit_dated_2021(office, ("At", "2021-03-01T10:00:00+08:00"))
    refused_everywhere(office, "zhou-lx", "a household's events come in time order")
