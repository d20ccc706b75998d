"""When each commit happened, and whether a key's and a household's events come in time order.

A commit's moment is its `Keyledger-At` trailer (custody actions, visits, confirmations), else
git's committer time — which keyledger writes from the same clock (keyledger.gitops), and which
no option or environment variable of keyledger sets (keyledger.timeutil). `verify`, the server
hook and `sync`'s replay ask this module, so they find the same things:

- the events changing one household's file come in time order (a few minutes of clock
  difference between two honest machines aside: timeutil.CLOCK_SKEW);
- a custody act is not dated before the change of its household's file, in its own parent,
  that forbids it (a checkout dated the day before the authorization's revocation);
- nothing is dated ahead of the server's clock as it receives it (a steward's machine, whose
  clock may be wrong by hours, is not the judge of the shared ledger's time).

The order of one key's events is the custody rules' own (rules.check_order): the key file's
`since` is the moment of its last custody event.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from keyledger import gitops
from keyledger.i18n import _
from keyledger.timeutil import CLOCK_SKEW

def moment(trailers: dict[str, str], committed: str) -> datetime:
    """When the commit says it happened."""
    at = trailers.get("At")
    if at:
        try:
            when = datetime.fromisoformat(at)
            if when.tzinfo is not None:
                return when
        except ValueError:
            pass  # said by the replay, as a trailer that cannot be read
    return datetime.fromisoformat(committed)


class LastChanges:
    """When each file last changed before the commit being checked: remembered from the walk,
    and for a file the walk has not yet seen change, asked of git — one `git log` from where
    the walk began, read only until it has named every file asked for."""

    def __init__(self, root: Path, start: str | None) -> None:
        self.root, self.start = root, start
        self.times: dict[str, datetime | None] = {}
        self.previous: tuple[str, datetime] | None = None  # the last commit walked

    def walked(self, sha: str, committed: datetime) -> None:
        self.previous = (sha, committed)

    def worth_asking(self, when: datetime, parents: list[str]) -> bool:
        """Whether a commit dated `when` can come before a change already in the history. A
        change is recorded in a commit made after it, so only a commit dated before its parent
        was made (a few minutes of clocks aside) is asked about; the others, every honest
        commit made at the moment it records, cost no walk of the history."""
        if not parents:
            return False
        if self.previous is not None and self.previous[0] == parents[0]:
            made = self.previous[1]
        else:
            out = gitops.git(self.root, "log", "-1", "--format=%cI", parents[0], check=False)
            made = datetime.fromisoformat(out.strip()) if out.strip() else None
            if made is not None:
                self.previous = (parents[0], made)
        return made is None or when < made - CLOCK_SKEW

    def of(self, paths: list[str]) -> dict[str, datetime | None]:
        missing = [p for p in paths if p not in self.times]
        if missing:
            self.times.update(dict.fromkeys(missing))  # from the first commit: never changed
            if self.start is not None:
                self._look_up(missing)
        return {p: self.times[p] for p in paths}

    def changed(self, paths: list[str], when: datetime) -> None:
        for path in paths:
            self.times[path] = when

    def _look_up(self, paths: list[str]) -> None:
        wanted = set(paths)
        log = subprocess.Popen(
            gitops._argv(self.root, "log", "--no-renames", "--name-only", "-z",
                         "--format=%x1e%cI%x1f%(trailers:key=Keyledger-At,valueonly,separator=)"
                         "%x1f", self.start, "--", *paths),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8",
            errors="replace", env=gitops._env())
        try:
            pending = ""
            for chunk in iter(lambda: log.stdout.read(1 << 16), ""):  # type: ignore[union-attr]
                pending += chunk
                *records, pending = pending.split("\x1e")
                for record in records:
                    self._take(record, wanted)
                if not wanted:
                    return
            self._take(pending, wanted)
        finally:
            log.kill()
            log.wait()

    def _take(self, record: str, wanted: set[str]) -> None:
        if record.count("\x1f") < 2:
            return
        committed, at, names = record.split("\x1f", 2)
        when = moment({"At": at.strip()}, committed.strip())
        for name in names.split("\0"):
            name = name.strip("\n")
            if name in wanted:
                self.times[name] = when
                wanted.discard(name)


def out_of_order(when: datetime, last: datetime | None) -> bool:
    return last is not None and when < last - CLOCK_SKEW


def ahead(when: datetime, clock: datetime, allowed: timedelta) -> str | None:
    """Why a moment cannot be accepted by a machine whose clock says `clock`, or None."""
    if when <= clock + allowed:
        return None
    return _("it is dated {when}, in the future of this machine's clock ({now}); if that "
             "clock is right, the commit's is not").format(
                 when=when.isoformat(timespec="minutes"), now=clock.isoformat(timespec="minutes"))
