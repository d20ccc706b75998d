"""A commit's tree made from its parent's trees (keyledger/trees.py): the same tree git's own
index would give, and nothing staged by anyone else in it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Ledger
from keyledger.trees import tree_with


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_the_tree_is_the_one_git_writes_from_its_index(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    # Names that test git's order: a folder sorts as if its name ended with '/'.
    for path in ("a.txt", "a-b", "a/x.yaml", "a.b/c", "b/only.yaml", "户/王.yaml", "z"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
    parent = git(root, "rev-parse", "HEAD")

    (root / "a/x.yaml").write_text("changed", encoding="utf-8")
    (root / "a/y.yaml").write_text("new", encoding="utf-8")
    (root / "a0").write_text("sorts after the folder a/", encoding="utf-8")
    (root / "n/m").mkdir(parents=True)
    (root / "n/m/z.yaml").write_text("deep and new", encoding="utf-8")
    (root / "户/李.yaml").write_text("中文", encoding="utf-8")
    (root / "a-b").unlink()
    (root / "b/only.yaml").unlink()  # the folder b/ goes with its last file
    changed = ["a/x.yaml", "a/y.yaml", "a0", "n/m/z.yaml", "户/李.yaml", "a-b", "b/only.yaml"]
    files = {p: git(root, "hash-object", "-w", "--", p) if (root / p).exists() else None
             for p in changed}
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    ours = tree_with(root, parent, files, scratch)

    git(root, "add", "-A")
    assert ours == git(root, "write-tree")
    assert git(root, "cat-file", "-t", ours) == "tree"  # written, not only computed
    assert "b/" not in git(root, "ls-tree", "--name-only", ours)
    assert list(scratch.iterdir()) == []


def test_nothing_staged_by_hand_goes_into_a_custody_commit(ledger: Ledger) -> None:
    (ledger.root / "notes.txt").write_text("a steward's own notes", encoding="utf-8")
    ledger.git("add", "notes.txt")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert ledger.git("show", "--name-only", "--format=", "HEAD").split() == ["keys/K-0012.yaml"]
    assert ledger.git("diff", "--cached", "--name-only").split() == ["notes.txt"]
    assert ledger.git("diff", "--name-only") == ""  # the index holds the committed key file
    subprocess.run(["git", "-C", str(ledger.root), "fsck", "--strict", "--no-dangling"],
                   check=True, capture_output=True)


def test_a_tree_lost_from_the_repository_stops_the_commit(ledger: Ledger) -> None:
    tree = ledger.git("rev-parse", "HEAD:households").strip()
    (ledger.root / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    before = ledger.head()
    result = ledger.run("household", "add", "9-2-101", "--name", "赵秀兰", "--address", "x",
                        "--pair", "zhou-lx,wang-dh", as_="liu-sj")
    assert result.code == 2 and "lost the tree of households" in result.err
    assert ledger.head() == before
    assert not (ledger.root / "households" / "9-2-101.yaml").exists()


def test_a_file_where_a_folder_was_emptied_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "x").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "x" / "a").write_text("a", encoding="utf-8")
    (root / "top").write_text("top", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
    parent = git(root, "rev-parse", "HEAD")
    (root / "x" / "a").unlink()
    (root / "x").rmdir()
    (root / "x").write_text("now a file", encoding="utf-8")
    blob = git(root, "hash-object", "-w", "--", "x")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ours = tree_with(root, parent, {"x/a": None, "x": blob}, scratch)
    git(root, "add", "-A")
    assert ours == git(root, "write-tree")
