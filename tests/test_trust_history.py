"""12.11: the shared ledger has one history: the hook takes only fast-forwards of main, and
`sync` refuses a shared ledger that does not begin with the clone's first commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Ledger
from trust import Office, git, office  # noqa: F401  (the fixture)


def _push(lg: Ledger, *refspec: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(lg.root), "push", "--no-verify", "origin", *refspec],
                          capture_output=True, text=True)


def _other_ledger(tmp_path: Path, keys: dict[str, Path], capfd) -> Ledger:
    from keyledger.cli import run

    root = tmp_path / "elsewhere"
    assert run(["init", str(root), "--community", "别的社区", "--supervisor", "liu-sj",
                "--name", "刘淑娟", "--key", str(keys["liu-sj"])]) == 0
    return Ledger(root, keys, capfd)


def test_the_hook_takes_only_fast_forwards_of_main(office: Office, tmp_path: Path) -> None:
    zhou = office["zhou-lx"]
    tip = office.tip()
    other = _other_ledger(tmp_path, office.main.keys, office.main.capfd)
    zhou.git("fetch", "-q", str(other.root), "HEAD:refs/heads/stranger")
    # A branch with another first commit, a tag pointing at a blob, a second branch of main.
    result = _push(zhou, "stranger:refs/heads/stranger")
    assert result.returncode != 0
    assert "refs/heads/stranger: the shared ledger is the one branch main" in result.stderr
    blob = zhou.git("rev-parse", "HEAD:keys/K-0012.yaml").strip()
    result = _push(zhou, f"{blob}:refs/tags/evidence")
    assert result.returncode != 0 and "refs/tags/evidence: the shared ledger is the one branch" \
        in result.stderr
    result = _push(zhou, "HEAD:refs/heads/copy")
    assert result.returncode != 0 and "refs/heads/copy" in result.stderr
    # main replaced by the other ledger's history.
    result = _push(zhou, "+stranger:refs/heads/main")
    assert result.returncode != 0 and ("not a fast-forward" in result.stderr
                                       or "non-fast-forward" in result.stderr)
    refs = git(office.bare, "for-each-ref", "--format=%(refname)").split()
    assert refs == ["refs/heads/main"] and office.tip() == tip
    # What is allowed still is: a verified fast-forward of main.
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    assert _push(zhou, "HEAD:main").returncode == 0


def test_sync_refuses_a_shared_ledger_with_another_first_commit(office: Office,
                                                                tmp_path: Path) -> None:
    zhou, wang = office["zhou-lx"], office["wang-dh"]
    other = _other_ledger(tmp_path, office.main.keys, office.main.capfd)
    wang.ok("checkout", "K-0012", "--purpose", "plants")  # one clone with a commit to push
    # The server's main is replaced behind the hook's back (a hostile or restored server).
    git(office.bare, "fetch", "-q", str(other.root), "HEAD:refs/stranger")
    git(office.bare, "update-ref", "refs/heads/main", "refs/stranger")
    for lg in (zhou, wang):
        before, tracking = lg.snapshot(), lg.git("rev-parse", "origin/main")
        result = lg.run("sync")
        assert result.code == 2 and "Traceback" not in result.err
        assert "does not begin with this clone's first commit" in result.err
        assert len([line for line in result.err.splitlines() if line.strip()]) == 1
        assert lg.snapshot() == before and lg.git("rev-parse", "origin/main") == tracking
    assert office.tip() == git(office.bare, "rev-parse", "refs/stranger").strip()
