"""Records shared as they are made.

In a clone of a shared ledger (it has the remote `origin`), a command that records something
starts a `sync` in a process of its own once its commit is made, and returns: the steward waits
for the record, never for the network. That sync is bounded in time (`keyledger share auto
--timeout`, 5 seconds unless set), runs from outside the ledger's folder, and cannot touch the
record, which is made before it starts. What it found is kept in `.git/keyledger/` for the next
command: an offline attempt is told once and the next command tries again; `sync` and `status`
read the same file.

Files in `.git/keyledger/`: `share-requested` (when a command last asked for a sync),
`share-attempt.json` (what the last sync found, written by `sync` itself), `share-told` (the
attempt last told), `sync.lock` (one sync at a time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keyledger.errors import FatalError
    from keyledger.ledger import Ledger
    from keyledger.sync import Synced

DEFAULT_TIMEOUT = 5.0
# A command that finds the last attempt offline tries again, but not more often than this.
RETRY_AFTER = 30.0
_ROUNDS = 3  # records made while a sync runs are shared by it, a few rounds at most


def settings(ledger: Ledger) -> tuple[bool, float]:
    """Whether this clone shares its records as they are made, and the time each sync is given:
    on wherever there is a shared ledger, unless `share auto --off` turned it off."""
    from keyledger.identity import clone_settings

    found = clone_settings(ledger)
    on = "remote.origin.url" in found and found.get("keyledger.autoshare", "true").lower() \
        not in ("false", "no", "off", "0")
    try:
        timeout = float(found.get("keyledger.sharetimeout", DEFAULT_TIMEOUT))
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    return on, timeout


def _read(path: Path) -> Any:
    from keyledger import statedir

    try:
        return json.loads(statedir.text(path) or "null")
    except ValueError:
        return None


def _write(path: Path, data: Any) -> None:
    from keyledger import statedir

    statedir.write_text(path, json.dumps(data, ensure_ascii=False))  # False: a read-only disk


def last_attempt(ledger: Ledger) -> dict[str, Any] | None:
    return _read(ledger.state_dir / "share-attempt.json")


def record(ledger: Ledger, error: FatalError | None, done: Synced | None, told: bool) -> None:
    """What a sync found; `told` when the steward saw it happen (a `sync` they ran)."""
    from keyledger.errors import FatalError
    from keyledger.errors import SigningFailed
    from keyledger.sync import Unreachable
    from keyledger.timeutil import now, zone

    if error is not None:
        kind = ("offline" if isinstance(error, Unreachable) else
                "signing" if isinstance(error, SigningFailed) else "refused")
        detail = error.message
    elif done is not None and done.conflict_branch:
        kind, detail = "conflict", done.explanation or ""
    else:
        kind, detail = ("shared" if done and done.pushed else "current"), ""
    try:
        at = now(zone(ledger.settings.timezone)).isoformat()
    except FatalError:  # a broken settings file is for `check` to report, not this record
        at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    attempt = {"id": time.time_ns(), "at": at,
               "kind": kind, "detail": detail,
               "conflict": done.conflict_branch if done else None}
    _write(ledger.state_dir / "share-attempt.json", attempt)
    if told:
        _write(ledger.state_dir / "share-told", {"id": attempt["id"], "kind": kind})


def _notice(ledger: Ledger, attempt: dict[str, Any]) -> str | None:
    """What the steward is told of a sync that ran in the background, once."""
    from keyledger.i18n import _

    told_path = ledger.state_dir / "share-told"
    told = _read(told_path) or {}
    if told.get("id") == attempt.get("id"):
        return None
    _write(told_path, {"id": attempt.get("id"), "kind": attempt.get("kind")})
    kind, detail = attempt.get("kind"), attempt.get("detail") or ""
    if kind == "offline":
        if told.get("kind") == "offline":
            return None  # still offline: said once already
        return _("Not shared yet: the shared ledger could not be reached. Your records are kept "
                 "here and go with your next record, or `keyledger sync`.")
    if kind in ("shared", "current"):
        return _("Back online: your records are shared.") if told.get("kind") == "offline" \
            else None
    if kind == "conflict":
        return detail + " " + _("`keyledger conflict list` shows what waits.")
    return _("Your records could not be shared: {why}").format(why=detail)


def after_command(ledger: Ledger, committed: bool) -> list[str]:
    """At the end of every command: tell what a background sync found (once), and start one
    when this command recorded something, or when the last one was offline a while ago."""
    attempt = last_attempt(ledger)
    notices = []
    if attempt is not None:
        said = _notice(ledger, attempt)
        if said:
            notices.append(said)
    stale = attempt is not None and attempt.get("kind") == "offline" and \
        time.time() - attempt.get("id", 0) / 1e9 > RETRY_AFTER
    if committed or stale:
        request(ledger)
    return notices


def request(ledger: Ledger) -> bool:
    """Start a sync in a process of its own, if this clone shares as it records."""
    on, timeout = settings(ledger)
    if not on:
        return False
    from keyledger.i18n import language

    _write(ledger.state_dir / "share-requested", time.time_ns())
    env = dict(os.environ)
    if "keyledger.signing" in sys.modules:  # a key unlocked by this command signs there too
        from keyledger.signing import hand_over

        env.update(hand_over())
    try:
        # -P and cwd /: nothing in the ledger's folder can be imported in keyledger's place.
        subprocess.Popen([sys.executable, "-P", "-m", "keyledger.autoshare", str(ledger.root),
                          language(), str(timeout)], cwd="/", stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, env=env)
    except OSError:
        return False  # the record stands; the next command or `sync` shares it
    return True


def _work(root: Path, timeout: float) -> None:
    from keyledger.errors import FatalError
    from keyledger.ledger import Ledger
    from keyledger.sync import Busy, sync

    ledger = Ledger(root)
    requested = ledger.state_dir / "share-requested"
    for _round in range(_ROUNDS):
        asked = _read(requested)
        try:
            sync(ledger, timeout=timeout, wait=0, background=True)
        except Busy:
            return  # the sync under way sees this request when it is done
        except FatalError:
            pass  # recorded by sync, told by the next command
        except Exception as exc:  # noqa: BLE001 — no terminal here: kept for the next command
            record(ledger, FatalError(f"{type(exc).__name__}: {exc}"), None, told=False)
        if _read(requested) == asked:
            return


def main(argv: list[str]) -> int:
    from keyledger.i18n import set_language

    from keyledger.signing import stop_handed_agent

    root, lang, timeout = argv
    set_language(lang)
    try:
        _work(Path(root), float(timeout))
    finally:
        stop_handed_agent()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
