"""A ledger on disk: finding it, reading its files, and changing them in one signed commit."""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from keyledger import gitops, yaml
from keyledger.errors import FatalError, Problem
from keyledger.i18n import _
from keyledger.ids import check_id, nearest
from keyledger.model import (Household, Key, Settings, Steward, parse_household, parse_key,
                             parse_settings, parse_steward)

SETTINGS = "keyledger.yaml"
FOLDERS = {"steward": "stewards", "household": "households", "key": "keys"}
T = TypeVar("T")


def find(explicit: str | None) -> "Ledger":
    """The ledger named by -C, else KEYLEDGER_DIR, else the nearest folder upward holding one."""
    start = explicit or os.environ.get("KEYLEDGER_DIR")
    if start:
        root = Path(start).expanduser().resolve()
        if not (root / SETTINGS).is_file():
            raise FatalError(_("{path} is not a keyledger ledger (no keyledger.yaml there).")
                             .format(path=root))
        return Ledger(root)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS).is_file():
            return Ledger(folder)
    raise FatalError(_("No ledger here: run inside one, pass -C LEDGER, set KEYLEDGER_DIR, "
                       "or create one with `keyledger init`."))


class Ledger:
    def __init__(self, root: Path):
        self.root = root

    @property
    def git_dir(self) -> Path:
        return self.root / ".git"

    @property
    def state_dir(self) -> Path:
        """keyledger's own derived data, inside .git so it is never committed."""
        path = self.git_dir / "keyledger"
        path.mkdir(exist_ok=True)
        return path

    # Reading ---------------------------------------------------------------------------------

    def read_text(self, relpath: str) -> str:
        path = self.root / relpath
        if path.is_symlink():
            raise FatalError(_("{path} is a symbolic link; ledger files must be plain files.")
                             .format(path=relpath))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FatalError(_("{path} does not exist.").format(path=relpath))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FatalError(_("{path} is not UTF-8 text; save it as UTF-8 and try again.")
                             .format(path=relpath),
                             [Problem(relpath, line, None, _("not UTF-8 at byte {n}")
                                      .format(n=exc.start))])

    @cached_property
    def settings(self) -> Settings:
        return parse_settings(SETTINGS, self.read_text(SETTINGS))

    def ids(self, kind: str) -> list[str]:
        folder = self.root / FOLDERS[kind]
        if not folder.is_dir():
            return []
        return sorted(e.name[:-5] for e in os.scandir(folder) if e.name.endswith(".yaml"))

    def relpath(self, kind: str, ident: str) -> str:
        return f"{FOLDERS[kind]}/{ident}.yaml"

    def exists(self, kind: str, ident: str) -> bool:
        return (self.root / self.relpath(kind, ident)).is_file()

    def _read(self, kind: str, ident: str, parse: Callable[[str, str, str], T]) -> T:
        check_id(ident, _(kind))
        relpath = self.relpath(kind, ident)
        if not (self.root / relpath).exists() and not (self.root / relpath).is_symlink():
            close = nearest(ident, self.ids(kind))
            hint = _(" Did you mean: {ids}?").format(ids=", ".join(close)) if close else ""
            raise FatalError(_("There is no {kind} {ident!r} in this ledger.").format(
                kind=_(kind), ident=ident) + hint)
        return parse(relpath, self.read_text(relpath), ident)

    def steward(self, ident: str) -> Steward:
        return self._read("steward", ident, parse_steward)

    def household(self, ident: str) -> Household:
        return self._read("household", ident, parse_household)

    def key(self, ident: str) -> Key:
        return self._read("key", ident, parse_key)

    def stewards(self) -> list[Steward]:
        return [self.steward(i) for i in self.ids("steward")]

    def households(self) -> list[Household]:
        return [self.household(i) for i in self.ids("household")]

    def keys(self) -> list[Key]:
        return [self.key(i) for i in self.ids("key")]

    def grep(self, kind: str, field: str, value: str, indent: str = "") -> list[str]:
        """Ids of the files whose `field` line may hold `value`, found by git grep, not by parsing
        every file; callers parse the few candidates to confirm."""
        pattern = f"^{indent}{field}: ['\"]?{re.escape(value)}['\"]?$"
        out = gitops.git(self.root, "grep", "-l", "--untracked", "-E", "-e", pattern, "--",
                         FOLDERS[kind] + "/", check=False)
        return sorted(Path(line).name[:-5] for line in out.splitlines() if line.endswith(".yaml"))

    def keys_of(self, household: str) -> list[Key]:
        return [k for k in map(self.key, self.grep("key", "household", household))
                if k.household == household]

    # Changing --------------------------------------------------------------------------------

    @contextmanager
    def lock(self, wait: float = 10.0) -> Iterator[None]:
        """One changing command at a time on a clone; a second one waits, then says it is busy."""
        with open(self.state_dir / "lock", "w") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise FatalError(_("The ledger is busy with another keyledger command; "
                                           "try again in a moment."))
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write_atomic(self, relpath: str, content: str | bytes | None) -> None:
        """Write through a temporary file and a rename: a crash never leaves half a file."""
        path = self.root / relpath
        if content is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        with open(tmp, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def check_clean(self, paths: list[str]) -> None:
        dirty = gitops.dirty_paths(self.root, paths)
        if dirty:
            raise FatalError(_("{path} has changes that were never committed (a hand edit, or a "
                               "command that was interrupted): look at `git diff`, then commit "
                               "or discard them (`git checkout -- {path}`).").format(path=dirty[0]))

    def change(self, files: dict[str, str | bytes | None], message: str) -> str:
        """Write `files` (None deletes) and record them in one signed commit, or change nothing."""
        paths = sorted(files)
        with self.lock():
            if paths:
                self.check_clean(paths)
            before = {p: (self.root / p).read_bytes() if (self.root / p).is_file() else None
                      for p in paths}
            try:
                for relpath, text in files.items():
                    self.write_atomic(relpath, text)
                return gitops.commit(self.root, paths, message)
            except BaseException:
                for relpath, text in before.items():
                    self.write_atomic(relpath, text)
                raise



def load_form(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FatalError(_("Cannot read {path}: {error}").format(path=path, error=exc))
    except yaml.YAMLError as exc:
        raise FatalError(_("{path} is not valid YAML; fix it and try again.").format(path=path),
                         [Problem(str(path), yaml.error_line(exc), None, str(exc).splitlines()[0])])
    if not isinstance(data, dict):
        raise FatalError(_("{path} must hold a mapping of fields.").format(path=path))
    return data


def read_form(path: Path, ident: str, defaults: dict[str, Any],
              overrides: dict[str, Any]) -> tuple[str, str]:
    """A record from a YAML form a person filled in; options given on the command line win.

    Returns the form's name and the merged text, which the model then validates, so a mistake in
    the form is reported against the form's own path and field.
    """
    data = load_form(path)
    if data.get("id", ident) != ident:
        raise FatalError(_("{path} describes {other!r}, not {id!r}.").format(
            path=path, other=data.get("id"), id=ident))
    merged = {**defaults, **data, **{k: v for k, v in overrides.items() if v is not None}}
    return str(path), yaml.dump(merged)


def record_from(parse: Callable[[str, str, str], T], ident: str, defaults: dict[str, Any],
                given: dict[str, Any], form: Path | None) -> T:
    """A new record from command-line options, over a YAML form when one is given."""
    if form is not None:
        return parse(*read_form(form, ident, defaults, given), ident)
    text = yaml.dump({**defaults, **{k: v for k, v in given.items() if v is not None}})
    try:
        return parse("--", text, ident)
    except FatalError as exc:
        first = exc.problems[0] if exc.problems else None
        if first is None or first.field is None:
            raise
        raise FatalError(_("--{option}: {message}.").format(
            option=first.field.split(".")[0].split("[")[0], message=first.message))
