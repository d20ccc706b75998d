"""keyledger's own derived data in `.git/keyledger/`: data that cannot run code, kept only in
a repository git itself would work in.

Everything here is derived (caches, indexes, what was verified) and never trusted over git; it
is made again whenever it is missing, damaged or of another shape. So:

- it is JSON, read by `load` into plain values and the model's own record classes, named from
  a fixed list: unlike a pickle, a file planted in a shared folder can say wrong things but
  never run code;
- it is read and written without following symbolic links, and a write that fails (a
  read-only disk) only means it is made again next time;
- `check_owner` applies git's own rule (`safe.directory`, "dubious ownership"): a repository
  owned by somebody else is refused before anything in it is read.

Use `load`/`save` (one value) or `load_table`/`save_table` (many, each decoded when asked for)
for any file of the state folder (the listing index, the cache of parsed
files, the event index).
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from keyledger.errors import FatalError
from keyledger.i18n import _

# Tags start with "-", which no id and no file name of the ledger does; a mapping with such a
# key of its own is written as a list of pairs instead, so a tag is never mistaken for data.
_DATACLASS, _DATETIME, _DATE, _TIME, _DURATION, _SET, _PAIRS = (
    "-o", "-dt", "-d", "-tm", "-td", "-s", "-m")


@cache
def _classes() -> dict[str, type]:
    """The record classes a state file may name: the model's dataclasses (a household's open
    service records among them), nothing else."""
    from keyledger import model, service_model

    return {name: cls for module in (model, service_model) for name, cls in vars(module).items()
            if isinstance(cls, type) and dataclasses.is_dataclass(cls)
            and cls.__module__ == module.__name__}


@cache
def shape() -> str:
    """A digest of the record classes' fields: a file written by a version whose records had
    another shape is not read (it is made again)."""
    import hashlib  # only where a record's shape is asked (a TAB reads none)

    names = sorted((n, [f.name for f in dataclasses.fields(c)]) for n, c in _classes().items())
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()[:16]


def _encode(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind in (list, tuple):
        return [_encode(v) for v in value]
    if kind is dict:
        if any(type(k) is not str or k[:1] == "-" for k in value):
            return {_PAIRS: [[_encode(k), _encode(v)] for k, v in value.items()]}
        return {k: _encode(v) for k, v in value.items()}
    if kind is datetime:
        return {_DATETIME: value.isoformat()}
    if kind is date:
        return {_DATE: value.isoformat()}
    if kind is time:
        return {_TIME: value.isoformat()}
    if kind is timedelta:
        return {_DURATION: value.total_seconds()}
    if kind in (set, frozenset):
        return {_SET: [_encode(v) for v in value]}
    if dataclasses.is_dataclass(value) and _classes().get(kind.__name__) is kind:
        return {_DATACLASS: [kind.__name__,
                             [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]]}
    raise TypeError(f"cannot keep a {kind.__name__} in keyledger's state folder")


def _record(value: list[Any]) -> Any:
    name, fields = value
    cls = _classes()[name]  # KeyError for any other name: the file is not used
    # The model's records hold tuples (they are frozen and hashable); JSON gives lists back.
    return cls(*[tuple(v) if type(v) is list else v for v in fields])


_DECODE = {_DATACLASS: _record, _DATETIME: datetime.fromisoformat, _DATE: date.fromisoformat,
           _TIME: time.fromisoformat, _DURATION: lambda s: timedelta(seconds=s),
           _SET: frozenset,
           _PAIRS: lambda pairs: {tuple(k) if type(k) is list else k: v for k, v in pairs}}


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        (tag, value), = obj.items()
        if tag[:1] == "-":
            return _DECODE[tag](value)
    return obj


def dumps(value: Any) -> str:
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_hook)


def load(path: Path | str, version: int = 0) -> Any | None:
    """What `save` kept at `path`, or None when there is nothing usable: missing, a symbolic
    link, damaged, or written by another version or for records of another shape."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with open(fd, "rb") as handle:
            envelope = loads(handle.read())
        if envelope["version"] != version or envelope["shape"] != shape():
            return None
        return envelope["data"]
    except Exception:  # any damage to a derived file only means making it again
        return None


def text(path: Path | str) -> str | None:
    """A small text file of the state folder (a stamp, a remembered commit), or None when it is
    missing, a symbolic link, or not text."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with open(fd, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, ValueError):
        return None


def save(path: Path | str, value: Any, version: int = 0) -> bool:
    """Keep `value` at `path` (written whole, then renamed into place); False when it could not
    be written — a read-only disk — which only means it is made again next time."""
    return write_text(path, json.dumps({"version": version, "shape": shape(), "data": _encode(value)},
                                   ensure_ascii=False, separators=(",", ":")))


def write_text(path: Path | str, text: str) -> bool:
    """Write a file of the state folder whole, then rename it into place, never through a
    symbolic link; False when it could not be written."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def load_table(path: Path | str, version: int = 0) -> dict[str, tuple[str, str]]:
    """What `save_table` kept: {name: (stamp, encoded value)}, empty when nothing usable is
    there. Each value is decoded on its own, when asked for (`loads`)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with open(fd, "rb") as handle:
            header, _sep, body = handle.read().decode("utf-8").partition("\n")
        if json.loads(header) != {"version": version, "shape": shape()}:
            return {}
        table = {}
        for row in body.split("\n") if body else ():
            name, stamp, value = row.split("\t", 2)
            table[name] = (stamp, value)
        return table
    except Exception:  # any damage to a derived file only means making it again
        return {}


def save_table(path: Path | str, table: dict[str, tuple[str, str]], version: int = 0) -> bool:
    """Keep many encoded values (`dumps`) by name, each with a stamp telling when it is stale,
    one line each: loading a street office's 100,000 of them is one split, not one JSON
    document of escaped documents (three times slower)."""
    header = json.dumps({"version": version, "shape": shape()})
    rows = [f"{name}\t{stamp}\t{value}" for name, (stamp, value) in table.items()
            if not any(c in name or c in stamp for c in "\t\n")]
    return write_text(path, "\n".join([header, *rows]))


def check_owner(root: Path, git_dir: Path) -> None:
    """Refuse a repository git itself would refuse ("dubious ownership"): one whose folder
    belongs to another user, unless `safe.directory` lists it. git decides (it knows sudo's
    rule and every form of safe.directory); it is asked only when the owners differ."""
    uid = os.geteuid()
    try:
        owners = {os.stat(root).st_uid, os.stat(git_dir).st_uid}
    except OSError:
        return  # nothing there to read anything from
    if owners == {uid}:
        return
    from keyledger import gitops

    result = gitops.run(root, "rev-parse", "--git-dir")
    if result.returncode != 0 and "dubious ownership" in result.stderr:
        raise FatalError(_("{path} belongs to another user, and git refuses to work in it "
                           "(\"dubious ownership\"); keyledger does too. If you trust it, run: "
                           "git config --global --add safe.directory {path}").format(path=root))
