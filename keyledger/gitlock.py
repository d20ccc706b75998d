"""git's index lock (`.git/index.lock`) left behind by a git that was killed: named, with
whether a process still holds it and the command that frees it; removed when keyledger can
prove it is its own and stale.

git creates the lock with O_EXCL, writes the new index into it and renames it into place; a git
killed in between leaves it, and every later git that writes the index fails with "remove the
file manually to continue" — without saying which file, or whether another git is at work.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from keyledger.errors import FatalError
from keyledger.i18n import _


def holders(lock: Path) -> list[tuple[int, str]] | None:
    """The processes that have `lock` open (pid, command line), from /proc; None where there is
    no /proc to ask (nothing can then be proved about the lock)."""
    found = []
    target = str(lock)
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # gone, or another user's: git runs as the steward
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        line = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
                    found.append((int(pid), line.strip()))
                    break
            except OSError:
                continue
    return found


def from_stderr(stderr: str) -> FatalError | None:
    """git's "Unable to create '…/index.lock': File exists" as keyledger's sentence."""
    start = stderr.find("Unable to create '")
    end = stderr.find("index.lock': File exists")
    if start < 0 or end < 0:
        return None
    return error(Path(stderr[start + len("Unable to create '"):end]))


def error(git_dir: Path) -> FatalError:
    """The sentence for a git that failed on the index lock."""
    lock = git_dir / "index.lock"
    held = holders(lock)
    if held:
        pid, line = held[0]
        return FatalError(_("{lock} is held by a running process ({pid}: {command}), most "
                            "likely a git at work; wait for it to finish and try again.").format(
                                lock=lock, pid=pid, command=line[:80] or "?"))
    holder = _("no process holds it") if held == [] else _("whether a process holds it cannot "
                                                           "be told here")
    return FatalError(_("{lock} was left by a git that was stopped ({holder}), and git refuses "
                        "to work until it is gone; the files may differ from the last commit. "
                        "Remove it and look: rm {lock} && git -C {root} status").format(
                            lock=lock, holder=holder,
                            root=git_dir.parent if git_dir.name == ".git" else git_dir))


def clear_own(git_dir: Path, since: float, wait: float = 5.0) -> bool:
    """Remove the index lock if it is keyledger's own and stale: made after `since` (when the
    interrupted keyledger command began) and held by no process — a git child of the killed
    command is given `wait` seconds to finish first. True if there is no lock left."""
    lock = git_dir / "index.lock"
    deadline = time.monotonic() + wait
    while True:
        try:
            made = os.lstat(lock).st_mtime
        except FileNotFoundError:
            return True
        held = holders(lock)
        if held is None:
            return False  # no way to tell whether a git still writes it
        if not held:
            if made < since:
                return False  # older than keyledger's command: not provably its own
            lock.unlink(missing_ok=True)
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
