"""Forms: a record from command-line options over an optional YAML file (`--from-file`), with
problems reported against the file's own lines or the options that caused them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, TypeVar

from keyledger import text, yaml
from keyledger.errors import FatalError, Problem, os_error
from keyledger.i18n import _

T = TypeVar("T")


def load_form(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}.").format(path=path, error=os_error(exc)))
    except UnicodeDecodeError:
        raise FatalError(_("{path} is not UTF-8 text; save it as UTF-8.").format(path=path))
    except yaml.YAMLError as exc:
        raise FatalError(_("{path} is not valid YAML; fix it and try again.").format(path=path),
                         [Problem(str(path), yaml.error_line(exc), None, yaml.error_message(exc))])
    if not isinstance(data, dict):
        raise FatalError(_("{path} must hold a mapping of fields.").format(path=path))
    nul = next((name for name, value in data.items() if text.has_nul(value)), None)
    if nul is not None:
        raise FatalError(_("{path}: the field {field} holds a NUL character (\\0), which no text in "
                           "a ledger may hold; remove it (it often comes from a binary file or a "
                           "broken export).").format(path=path, field=nul),
                         [Problem(str(path), yaml.locate(path.read_text(encoding="utf-8"), (nul,)),
                                  str(nul), _("holds a NUL character"))])
    return data


# Fields of several lines (a household's notes, a visit's note); every other text is one line.
_BLOCKS = ("notes", "note")


def typed(value: Any, name: object = None) -> Any:
    """A value as typed in an option or a form, its text normalised once (keyledger.text):
    what the file holds is then what every trailer, report and listing says."""
    if isinstance(value, str):
        return text.block(value) if name in _BLOCKS else text.line(value)
    if isinstance(value, dict):
        return {k: typed(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [typed(v, name) for v in value]
    return value


# Fields whose command-line option has another name.
_OPTIONS = {"flags": "flag", "contacts": "contact", "people": "name", "away": "away",
            "care": "care", "pair": "pair", "household": "household"}


def _field_path(field: str) -> tuple[str | int, ...]:
    return tuple(int(t[1:-1]) if t.startswith("[") else t
                 for t in re.findall(r"\[\d+\]|[^.\[\]]+", field))


# The fields of each kind of form that hold words of the vocabulary (`[]`: each item of a list).
# A form may say them as people do (浇花, 独居, 每周三); the record keeps the codes.
HOUSEHOLD_WORDS = {"kind": "household-kind", "flags": "flag", "care": "care",
                   "witness_for": "purpose", "authorization.purposes": "purpose",
                   "schedule.[].purpose": "visit-purpose", "schedule.[].every": "days",
                   "living": "living"}
VISIT_WORDS = {"purpose": "visit-purpose", "checklist.[].item": "care",
               "checklist.[].result": "check-result", "outcome": "call-outcome"}
KEY_WORDS = {"kind": "key-kind"}
STEWARD_WORDS = {"role": "role"}


def _codes(data: Any, path: list[str], kind: str) -> Any:
    """`data` with the words at `path` as codes; a word the vocabulary does not know is left as
    it is, for the model to report with its line."""
    from keyledger import vocab

    if path:
        head, *rest = path
        if head == "[]":
            return [_codes(v, rest, kind) for v in data] if isinstance(data, list) else data
        if isinstance(data, dict) and head in data:
            return {**data, head: _codes(data[head], rest, kind)}
        return data
    if isinstance(data, list):
        return [_codes(v, [], kind) for v in data]
    if not isinstance(data, str):
        return data
    if kind == "days":
        try:
            return ",".join(vocab.parse_days(data))
        except FatalError:
            return data
    return vocab.lookup(kind, data) or data


def in_codes(data: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
    for field, kind in words.items():
        data = _codes(data, field.split("."), kind)
    return data


def record_from(parse: Callable[[str, str, str], T], ident: str, defaults: dict[str, Any],
                given: dict[str, Any], form: Path | None,
                words: dict[str, str] | None = None) -> T:
    """A new record from command-line options, over a YAML form when one is given; options
    win over the form. Problems are reported against the form's own lines, or the options.
    The `words` fields (see HOUSEHOLD_WORDS) may be given as people say them."""
    overrides = in_codes({k: typed(v, k) for k, v in given.items() if v is not None},
                         words or {})
    if form is None:
        try:
            return parse("--", yaml.dump({**defaults, **overrides}), ident)
        except FatalError as exc:
            first = exc.problems[0] if exc.problems else None
            if first is None or first.field is None:
                raise
            name = first.field.split(".")[0].split("[")[0]
            raise FatalError(_("--{option}: {message}.").format(
                option=_OPTIONS.get(name, name), message=first.message))
    data = in_codes(typed(load_form(form)), words or {})
    if "id" in data and data["id"] != ident:
        raise FatalError(_("{path} describes {other!r}, not {id!r}.").format(
            path=form, other=data["id"], id=ident))
    try:
        return parse(str(form), yaml.dump({**defaults, **data, **overrides}), ident)
    except FatalError as exc:
        original = form.read_text(encoding="utf-8")
        exc.problems = [replace(p, line=yaml.locate(original, _field_path(p.field)) if p.field
                                else p.line) for p in exc.problems]
        raise
