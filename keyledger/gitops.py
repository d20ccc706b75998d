"""git, driven through its plumbing: one signed commit per change, trailers, history.

Commits are made with `commit-tree -S`, never GitPython's `index.commit` (which does not sign),
and only the paths a command changed are staged, so nothing else is swept into its commit.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from keyledger.errors import FatalError
from keyledger.i18n import _

ZERO = "0" * 40
TRAILER_PREFIX = "Keyledger-"


def git(root: Path, *args: str, input: str | None = None, check: bool = True) -> str:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    result = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True,
                            text=True, env=env)
    if check and result.returncode != 0:
        raise FatalError(_("git {command} failed: {error}").format(
            command=args[0], error=result.stderr.strip().splitlines()[-1:] or ["?"]))
    return result.stdout


def config_get(root: Path, name: str) -> str | None:
    value = git(root, "config", "--get", name, check=False).strip()
    return value or None


def head(root: Path) -> str | None:
    value = git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return value or None


def dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` whose work-tree or staged content differs from HEAD."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    return [entry[3:] for entry in out.split("\0") if entry]


def format_message(subject: str, trailers: list[tuple[str, str]]) -> str:
    # A trailer is one line: typed text is folded so it cannot forge another trailer.
    lines = [f"{TRAILER_PREFIX}{name}: {' '.join(str(value).split())}" for name, value in trailers
             if value not in (None, "")]
    return " ".join(subject.split()) + "\n\n" + "\n".join(lines) + "\n"


def commit(root: Path, paths: list[str], message: str) -> str:
    """Stage exactly `paths` (written or deleted in the work tree), sign and commit them."""
    parent = head(root)
    if paths:
        git(root, "update-index", "--add", "--remove", "--", *paths)
    tree = git(root, "write-tree").strip()
    if parent:
        changed = set(git(root, "diff-tree", "-r", "--name-only", "-z", parent, tree).split("\0"))
        changed.discard("")
        extra = sorted(changed - set(paths))
        if extra:
            git(root, "reset", "-q", parent, "--", *paths)
            raise FatalError(_("Staged changes not made by keyledger are in the index ({paths}); "
                               "commit or unstage them first.").format(paths=", ".join(extra[:3])))
    args = ["commit-tree", "-S", tree, "-F", "-"] + (["-p", parent] if parent else [])
    result = subprocess.run(["git", "-C", str(root), *args], input=message, capture_output=True,
                            text=True)
    if result.returncode != 0:
        git(root, "reset", "-q", *( [parent] if parent else []), "--", *paths, check=False)
        raise FatalError(_("git could not sign the commit ({error}); check `keyledger whoami` and "
                           "that the signing key is readable or in ssh-agent.").format(
                               error=(result.stderr.strip().splitlines() or ["?"])[-1]))
    sha = result.stdout.strip()
    git(root, "update-ref", "-m", "keyledger: " + message.splitlines()[0], "HEAD", sha,
        parent or ZERO)
    return sha


@dataclass(frozen=True)
class LogEntry:
    sha: str
    signature: str  # git's %G?: G good, N none, B bad, U/E unknown key or cannot check
    signer: str     # the principal from the allowed-signers file
    committed: str
    subject: str
    trailers: dict[str, str]

    @property
    def verified(self) -> bool:
        return self.signature == "G" and self.signer == self.trailers.get("Steward")


_FIELDS = "%H%x1f%G?%x1f%GS%x1f%cI%x1f%s%x1f%(trailers:only,unfold)%x1e"


def log(root: Path, paths: list[str], limit: int | None = None, rev: str = "HEAD") -> list[LogEntry]:
    args = ["log", f"--format={_FIELDS}"] + ([f"-n{limit}"] if limit else []) + [rev, "--", *paths]
    entries = []
    for record in git(root, *args).split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, sig, signer, committed, subject, trailer_text = record.split("\x1f")
        trailers = {}
        for line in trailer_text.splitlines():
            name, _sep, value = line.partition(": ")
            if name.startswith(TRAILER_PREFIX):
                trailers[name[len(TRAILER_PREFIX):]] = value.strip()
        entries.append(LogEntry(sha, sig, signer, committed, subject, trailers))
    return entries
