"""Attacks on the trust rules (issue 12), made the way a hostile steward or server would make
them: files written and committed by hand, signed with a real key, where keyledger's own
commands would refuse. Each must be refused three times, by the one rule set they share:
`verify` in the attacker's clone, the server's pre-receive hook on a push to a real bare
repository, and `sync` in another steward's clone when a hostile server took the commit anyway.

The ledger is the issue's: liu-sj supervises, zhou-lx and wang-dh are the pair of 8-1-401 (key
K-0012, door code K-C), sun-yp (the issue's `eve`) and wang-dh the pair of 8-1-402.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import Ledger

CODE = "482913"


@dataclass
class Office:
    bare: Path
    main: Ledger                 # the ledger the office was made from (a supervisor's)
    clones: dict[str, Ledger]    # a clone per steward, each signing as its own steward

    def __getitem__(self, who: str) -> Ledger:
        return self.clones[who]

    def tip(self) -> str:
        return git(self.bare, "rev-parse", "main").strip()


def git(root: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=check, capture_output=True,
                          text=True).stdout


@pytest.fixture
def office(ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    """The shared bare repository with the server hook installed, and a clone per steward."""
    ledger.ok("household", "add", "8-1-402", "--name", "李桂芝", "--address", "东升家园8号楼1单元402",
              "--pair", "sun-yp,wang-dh", as_="liu-sj")
    ledger.ok("household", "authorize", "8-1-402", "--from", "2026-01-01", "--until", "2030-12-31",
              "--purpose", "inspection,plants")
    monkeypatch.setattr(sys, "stdin", io.StringIO(CODE + "\n"))
    ledger.ok("key", "add", "--household", "8-1-401", "--id", "K-C", "--kind", "code",
              "--label", "智能门锁密码")
    bare = tmp_path / "office.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ledger.root), str(bare)], check=True)
    ledger.ok("hook", "install-server", str(bare))
    clones = {}
    for who in ("zhou-lx", "wang-dh", "sun-yp", "liu-sj"):
        path = tmp_path / who
        result = ledger.run("clone", str(bare), str(path), "--key", str(ledger.keys[who]))
        assert result.code == 0, result.err
        clones[who] = Ledger(path, ledger.keys, ledger.capfd)
    return Office(bare, ledger, clones)


def edit(lg: Ledger, path: str, change: Callable[[str], str]) -> None:
    file = lg.root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(change(file.read_text(encoding="utf-8") if file.exists() else ""),
                    encoding="utf-8")


def commit(lg: Ledger, message: str, signer: str) -> str:
    """A signed commit of everything changed in the work tree, made by hand (git commit)."""
    lg.use(signer)
    lg.git("add", "-A")
    lg.git("commit", "-q", "--no-verify", "--allow-empty", "-m", message)
    return lg.head()


def trailers(**fields: str) -> str:
    return "\n".join(f"Keyledger-{name.replace('_', '-')}: {value}"
                     for name, value in fields.items())


def refused_by_verify(office: Office, attacker: str, message: str, victim: str) -> None:
    """`verify` in the attacker's own clone finds the commit(s) on top, saying `message`."""
    result = office[attacker].run("verify", "--json", "--full")
    findings = [f["message"] for f in json.loads(result.out)["findings"]]
    assert any(message in f for f in findings), findings


def refused_by_hook(office: Office, attacker: str, message: str, victim: str) -> None:
    """The shared ledger's pre-receive hook refuses the push, saying `message`."""
    tip = office.tip()
    pushed = subprocess.run(["git", "-C", str(office[attacker].root), "push", "--no-verify",
                             "origin", "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode != 0 and message in pushed.stderr, pushed.stderr
    assert office.tip() == tip


def refused_by_sync(office: Office, attacker: str, message: str, victim: str) -> None:
    """A hostile (or hook-less) server takes the commits anyway: `sync` in `victim`'s clone
    refuses them, saying `message`, and leaves that clone as it was; the office is put back."""
    lg = office[attacker]
    tip = office.tip()
    git(office.bare, "fetch", "-q", str(lg.root), "HEAD:refs/attack")
    git(office.bare, "update-ref", "refs/heads/main", "refs/attack")
    other = office[victim]
    before, tracking = other.snapshot(), other.git("rev-parse", "origin/main")
    try:
        synced = other.run("sync")
        assert synced.code == 2 and message in synced.err, synced.err
        assert "Traceback" not in synced.err
        assert other.snapshot() == before and other.git("rev-parse", "origin/main") == tracking
    finally:
        git(office.bare, "update-ref", "refs/heads/main", tip)  # the office back as it was
        git(office.bare, "update-ref", "-d", "refs/attack")


# The three that judge a commit by the one rule set: a test names them by these ids.
DECIDERS = {"verify": refused_by_verify, "hook": refused_by_hook, "sync": refused_by_sync}


def refused_everywhere(office: Office, attacker: str, message: str,
                       victim: str = "liu-sj") -> None:
    """The commit(s) on top of `attacker`'s clone are refused by verify there, by the server
    hook on a push, and by `sync` in `victim`'s clone after a hostile server took them; each
    saying `message`. The shared ledger and the victim's clone are left as they were."""
    for decide in DECIDERS.values():
        decide(office, attacker, message, victim)
    office[attacker].git("reset", "-q", "--hard", "origin/main")


def accepted_everywhere(office: Office, author: str, victim: str = "liu-sj") -> None:
    """The opposite: verify passes, the hook takes the push, another clone syncs it."""
    lg = office[author]
    result = lg.run("verify", "--json")
    assert json.loads(result.out)["findings"] == [], result.out
    pushed = subprocess.run(["git", "-C", str(lg.root), "push", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stderr
    lg.git("fetch", "-q")
    synced = office[victim].run("sync")
    assert synced.code == 0, synced.err
    assert office[victim].head() == lg.head()
