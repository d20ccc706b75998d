"""Issue 17 end to end, over a real ssh server with git-shell and over a local path: the
supervisor's ledger shared in one command, three stewards' clones, records shared as they are
made, one steward offline, a conflict resolved with `conflict redo`, a passphrase-protected key
in ssh-agent, and a lost phone's key replaced with its old commits still verifying."""

from __future__ import annotations

import json
import shlex
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import Ledger
from sshserver import SSHServer, ssh_server  # noqa: F401 — the fixture
from test_passphrase import _add_to_agent, _locked_copy, _without_terminal, agent  # noqa: F401,F811
from test_share import settle


def _office_head(office: Path) -> str:
    return subprocess.run(["git", "-C", str(office), "rev-parse", "main"], capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.fixture(params=["path", "ssh"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, str]:
    """(what `share create` is given, the bare repository's folder, an address that is down)."""
    if request.param == "path":
        office = tmp_path / "office" / "ledger.git"
        return str(office), office, str(tmp_path / "unplugged" / "ledger.git")
    server: SSHServer = request.getfixturevalue("ssh_server")
    return (server.url("ledger.git"), server.folder / "ledger.git",
            f"ssh://{server.user}@127.0.0.1:1{server.folder / 'ledger.git'}")


def test_from_init_to_three_stewards_sharing_as_they_work(
        ledger: Ledger, tmp_path: Path, where: tuple[str, Path, str], agent: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, office, down = where
    liu = ledger
    # The supervisor, once.
    created = liu.ok("share", "create", url, as_="liu-sj")
    (command,) = [line for line in created.out.splitlines() if line.startswith("keyledger clone")]
    assert _office_head(office) == liu.head()

    # Three stewards clone with the printed command; zhou's key has a passphrase, in ssh-agent.
    locked = _locked_copy(liu.keys["zhou-lx"], tmp_path)
    _add_to_agent(locked, tmp_path)
    keys = {"zhou-lx": locked, "wang-dh": liu.keys["wang-dh"], "sun-yp": liu.keys["sun-yp"]}
    clones: dict[str, Ledger] = {}
    for who, key in keys.items():
        words = [str(key) if w == "~/.ssh/id_ed25519" else w for w in shlex.split(command)[1:]]
        result = liu.run(*words[:2], str(tmp_path / who), *words[2:])
        assert result.code == 0, result.err
        clones[who] = Ledger(tmp_path / who, liu.keys, liu.capfd)
        clones[who].ok("share", "auto", "--on", "--timeout", "10")
    zhou, wang, sun = clones["zhou-lx"], clones["wang-dh"], clones["sun-yp"]

    # wang is offline (the office's line is down for him); zhou is not.
    wang.git("remote", "set-url", "origin", down)
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T09:00:00+08:00")
    assert wang.ok("checkout", "K-0012", "--purpose", "heating", "--note", "看暖气").code == 0
    assert settle(wang)["kind"] == "offline"
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T09:05:00+08:00")
    done = _without_terminal(zhou, "checkout", "K-0012", "--purpose", "plants")  # signed by the agent
    assert done.returncode == 0, done.stderr
    assert settle(zhou)["kind"] == "shared"
    assert _office_head(office) == zhou.head()  # shared as it was made
    assert zhou.git("log", "-1", "--format=%G? %GS").strip() == "G zhou-lx"
    assert "Not shared yet" in wang.ok("status").err  # said once

    # The third steward's first sync sees zhou's checkout.
    assert "1 new commit(s)" in sun.ok("sync").err
    holders = {o["id"]: o["holder"] for o in json.loads(sun.ok("status", "--json").out)["out"]}
    assert holders == {"K-0012": "zhou-lx"}

    # wang is back: his checkout is a conflict; zhou brings the key back; wang redoes it.
    wang.git("remote", "set-url", "origin", url)
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T11:00:00+08:00")
    assert wang.run("sync").code == 1
    (conflict,) = json.loads(wang.ok("conflict", "list", "--json").out)
    assert "already out with 周丽霞" in wang.ok("conflict", "show").err
    assert "cannot be recorded on today's ledger" in wang.refused("conflict", "redo").err
    done = _without_terminal(zhou, "return", "K-0012")
    assert done.returncode == 0, done.stderr
    settle(zhou)
    wang.ok("sync")
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", "2026-11-25T11:30:00+08:00")
    assert f"Conflict {conflict['name']} is resolved." in wang.ok("conflict", "redo").err
    assert settle(wang)["kind"] == "shared"
    assert _office_head(office) == wang.head()
    key = json.loads(wang.ok("key", "show", "K-0012", "--json").out)
    assert (key["holder"], key["since"]) == ("wang-dh", "2026-11-25T11:30:00+08:00")

    # sun loses her phone: a new key in place; what the old one signed still verifies. (git
    # checks a replaced key against each commit's own date: from here on, the real clock.)
    monkeypatch.delenv("KEYLEDGER_TEST_NOW")
    sun.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered",
           "--note", "电话问候，一切正常")
    settle(sun)
    old_visit = sun.head()
    new = tmp_path / "sun-new"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(new)], check=True)
    liu.ok("sync")
    liu.ok("share", "auto", "--on")
    liu.ok("steward", "key", "sun-yp", "--key", f"{new}.pub")
    assert settle(liu)["kind"] == "shared"
    fresh = tmp_path / "sun-new-phone"
    assert liu.run("clone", url, str(fresh), "--key", str(new)).code == 0
    sun2 = Ledger(fresh, liu.keys, liu.capfd)
    shown = sun2.git("log", "-1", "--show-signature", old_visit)
    assert 'Good "git" signature for sun-yp' in shown
    assert json.loads(sun2.ok("verify", "--full", "--json").out)["findings"] == []
    history = json.loads(sun2.ok("history", "8-1-401", "--json").out)
    assert all(e["verified"] for e in history)
    sun2.ok("share", "auto", "--on")
    sun2.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered",
            "--note", "回访")
    assert settle(sun2)["kind"] == "shared"
    # The lost phone, still signing with the old key, is refused by the shared ledger.
    earlier = f"{datetime.now() - timedelta(days=1):%Y-%m-%d} 08:00"  # its own visit id
    sun.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered",
           "--note", "旧手机", "--at", earlier)
    assert settle(sun)["kind"] == "conflict"
    assert "that was replaced on" in json.loads(sun.ok("conflict", "list", "--json").out)[0][
        "explanation"]

    # One history everywhere, every commit verified from the first.
    for lg in (liu, zhou, wang, sun2):
        lg.ok("sync")
        assert lg.head() == _office_head(office)
        assert json.loads(lg.ok("verify", "--full", "--json").out)["findings"] == []
