"""The hook scripts: `pre-push` in a steward's clone, `pre-receive` in the shared repository.

Both name no folder and no interpreter. keyledger is found on the PATH, as the steward's shell
finds it, and runs from outside the repository (`cd /`): a Python started in a folder with `-m`
looks there first for what it imports, so a `subprocess.py` or a `keyledger/` folder committed
at a ledger's root would run on every steward's machine at their next push. A clone moved to
another folder, or a keyledger installed anew in another virtual environment, keeps working.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from keyledger import gitops
from keyledger.errors import FatalError
from keyledger.i18n import _

# The first line after the shebang marks a hook as keyledger's own: it may be rewritten.
MARK = "# keyledger:"
SERVER_PROGRAM = "keyledger-server"


def _missing(program: str) -> str:
    return shlex.quote(_("keyledger: {program} is not on the PATH of this machine; nothing was "
                         "checked, so nothing is let through. Install keyledger here.").format(
                             program=program))


def pre_push() -> str:
    """Before anything leaves a clone, `keyledger verify` checks every commit not yet verified."""
    return (
        "#!/bin/sh\n"
        f"{MARK} nothing unverifiable leaves this clone (written by keyledger clone / use-key).\n"
        "# No folder and no interpreter are named here; keyledger runs from outside the ledger,\n"
        "# so that no file of the ledger can be imported in its place.\n"
        'ledger=$(pwd -P) || exit 1\n'
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        "cd / || exit 1\n"
        f"command -v keyledger >/dev/null 2>&1 || {{ echo {_missing('keyledger')} >&2; exit 1; }}\n"
        'exec keyledger -C "$ledger" verify >&2\n')


def pre_receive() -> str:
    """The shared repository's guard: every pushed commit verified before it lands."""
    return (
        "#!/bin/sh\n"
        f"{MARK} the shared ledger's guard (keyledger share create / hook install-server).\n"
        "# No folder and no interpreter are named here; keyledger runs from outside the\n"
        "# repository, so that nothing in it can be imported in its place.\n"
        'repository=$(pwd -P) || exit 1\n'
        "cd / || exit 1\n"
        f"command -v {SERVER_PROGRAM} >/dev/null 2>&1 || "
        f"{{ echo {_missing(SERVER_PROGRAM)} >&2; exit 1; }}\n"
        f'exec {SERVER_PROGRAM} pre-receive "$repository"\n')


def _write(path: Path, text: str) -> None:
    """Write a hook, unless one that is not keyledger's is there: that one is the user's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        old = path.read_text(encoding="utf-8", errors="replace")
        if old == text:
            return
        lines = old.splitlines()
        if len(lines) < 2 or not lines[1].startswith(MARK):
            raise FatalError(_("{path} is a hook that keyledger did not write; move it away "
                               "and run the command again.").format(path=path))
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, path)


def install_clone_hooks(root: Path) -> None:
    """The clone's `pre-push` hook, written again when an older keyledger wrote it otherwise
    (with its virtual environment's python and `-m keyledger` from the ledger's folder)."""
    common = gitops.git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    _write(Path(common) / "hooks" / "pre-push", pre_push())


def _empty_bare(path: Path) -> bool:
    """A bare repository with nothing in it yet: a `share create` that stopped after making it
    may make it again."""
    if not (path / "HEAD").is_file():
        return False
    bare = gitops.run(path, "rev-parse", "--is-bare-repository").stdout.strip() == "true"
    return bare and not gitops.git(path, "for-each-ref", check=False).strip()


def install_server(bare: Path, create: bool = False) -> Path:
    """The guard of a shared bare repository and its settings: no history rewritten or
    deleted, every object checked as it comes in. With `create`, the repository is made."""
    bare = bare.expanduser().absolute()
    if create and not _empty_bare(bare):
        if bare.exists() and (not bare.is_dir() or any(bare.iterdir())):
            raise FatalError(_("{path} already exists and is not empty; the shared ledger needs "
                               "a new folder.").format(path=bare))
        bare.mkdir(parents=True, exist_ok=True)
        made = gitops.run(bare, "init", "-q", "--bare", "-b", "main")
        if made.returncode != 0:
            raise FatalError(_("Could not create {path}: {error}").format(
                path=bare, error=made.stderr.strip()))
    if gitops.run(bare, "rev-parse", "--is-bare-repository").stdout.strip() != "true":
        raise FatalError(_("{path} is not a bare git repository.").format(path=bare))
    hook = bare / "hooks" / "pre-receive"
    _write(hook, pre_receive())
    for name, value in (("receive.denyNonFastForwards", "true"),
                        ("receive.denyDeletes", "true"), ("receive.fsckObjects", "true"),
                        ("core.logAllRefUpdates", "true")):
        gitops.git(bare, "config", name, value)
    return hook
