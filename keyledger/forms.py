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


def record_from(parse: Callable[[str, str, str], T], ident: str, defaults: dict[str, Any],
                given: dict[str, Any], form: Path | None) -> T:
    """A new record from command-line options, over a YAML form when one is given; options
    win over the form. Problems are reported against the form's own lines, or the options."""
    overrides = {k: typed(v, k) for k, v in given.items() if v is not None}
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
    data = typed(load_form(form))
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
