"""The floor of a custody commit (issue 7): what any Python CLI that makes one signed commit of one
changed file must pay, and nothing more.

    .venv/bin/python bench/floor_commit.py LEDGER KEY

Imports typer and yaml (a CLI of this kind loads both), flips the key file's `state:` line
(in <-> out; run it twice and the file is as it was), then commits that one file with git
plumbing, signed as the clone is configured (`keyledger use-key`): `hash-object -w`,
`update-index --cacheinfo` of that one path, `write-tree`, `commit-tree -S`, `update-ref`.
No reading of other files, no checks, no locking.
"""

from __future__ import annotations

import subprocess
import sys

import typer  # noqa: F401  (the import cost is part of the floor)
import yaml  # noqa: F401


def git(root: str, *args: str, input: str | None = None) -> str:
    result = subprocess.run(["git", "-C", root, *args], input=input, capture_output=True,
                            text=True)
    if result.returncode != 0:
        sys.exit(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def main() -> None:
    root, key = sys.argv[1], sys.argv[2]
    path = f"keys/{key}.yaml"
    with open(f"{root}/{path}", encoding="utf-8") as handle:
        text = handle.read()
    if "\nstate: in\n" in text:
        text, now = text.replace("\nstate: in\n", "\nstate: out\n", 1), "out"
    else:
        text, now = text.replace("\nstate: out\n", "\nstate: in\n", 1), "in"
    with open(f"{root}/{path}", "w", encoding="utf-8") as handle:
        handle.write(text)
    blob = git(root, "hash-object", "-w", "--", path)
    git(root, "update-index", "--cacheinfo", f"100644,{blob},{path}")
    tree = git(root, "write-tree")
    message = f"floor: {key} {now}\n\nKeyledger-Action: floor\nKeyledger-Key: {key}\n"
    commit = git(root, "commit-tree", "-S", tree, "-p", "HEAD", "-F", "-", input=message)
    git(root, "update-ref", "HEAD", commit)


if __name__ == "__main__":
    main()
