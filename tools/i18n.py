"""Extract, merge and compile keyledger's Chinese catalog.

    python tools/i18n.py          # extract every msgid, merge into the .po, compile the .mo
    python tools/i18n.py --check  # exit 1 if a msgid lacks a translation or the .mo is stale

What is extracted:
  * every `_("literal")` in keyledger/ (adjacent literals joined, as Python joins them);
  * the docstring of every CLI command, exactly as `inspect.cleandoc` gives it — the help text
    `keyledger.cli.common.command` passes to `_()` — found by walking the Typer application;
  * the words of keyledger/vocab.py (and the custody actions, due statuses and kinds) that the
    CLI shows through `_(variable)`, which no extractor can see;
  * the `_()` literals of the installed `typer/core.py`, whose `_` keyledger.i18n points at this
    catalog (Missing command, No such command …).

The .po is the translators' file; the compiled .mo is committed beside it, so an install needs
no build step. Needs Babel (`pip install Babel`, part of the `test` extra) to read and write them.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import importlib.util
import inspect
import io
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "keyledger"
DOMAIN = "keyledger"
LANGS = ("zh",)


def po_path(lang: str) -> Path:
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


@dataclass
class Entry:
    msgid: str
    locations: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


class Messages(dict[str, Entry]):
    def add(self, msgid: str, where: str, line: int = 0, comment: str | None = None) -> None:
        if not msgid:
            return
        entry = self.setdefault(msgid, Entry(msgid))
        if (where, line) not in entry.locations:
            entry.locations.append((where, line))
        if comment and comment not in entry.comments:
            entry.comments.append(comment)


# --- extraction ---------------------------------------------------------------------------------

def _literal_calls(path: Path, keyword: str = "_") -> tuple[list[tuple[str, int]], list[int]]:
    """(msgid, line) of every `keyword("literal")` call, and the lines of calls whose argument is
    not a literal (a variable: its values must come from elsewhere; an f-string: a bug)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found, dynamic = [], []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == keyword and len(node.args) == 1 and not node.keywords):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg.value, node.lineno))
            else:
                dynamic.append(node.lineno)
    found.sort(key=lambda item: item[1])
    return found, sorted(dynamic)


def _relative(path: Path | str) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def _importable() -> None:
    """This working tree's keyledger, not an installed one."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _command_docstrings() -> list[tuple[str, str, int]]:
    """(cleaned docstring, file, line) of every command of the application, in the order the
    top level lists them (keyledger.cli.app.COMMANDS), each group's commands in its order."""
    _importable()
    import importlib

    import typer

    from keyledger.cli.app import COMMANDS

    out: list[tuple[str, str, int]] = []

    def add(function: object) -> None:
        if function is not None and function.__doc__:
            out.append((inspect.cleandoc(function.__doc__),
                        _relative(inspect.getsourcefile(function) or ""),
                        function.__code__.co_firstlineno))

    for module, attribute, _short in COMMANDS.values():
        target = getattr(importlib.import_module(f"keyledger.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            for info in target.registered_commands:
                add(info.callback)
        else:
            add(target)
    return out


def _vocabulary() -> list[tuple[str, str, str]]:
    """(word, file, comment): the codes the CLI shows through `_(variable)`."""
    _importable()
    from keyledger import rules, vocab

    lists = [
        (vocab.PURPOSES, "purpose of a checkout (shown in tables and messages)"),
        (vocab.VISIT_PURPOSES, "purpose of a visit"),
        (vocab.KEY_STATES, "state of a key"),
        (vocab.KEY_KINDS, "kind of key"),
        (vocab.HOUSEHOLD_KINDS, "kind of household"),
        (vocab.ROLES, "role of a steward"),
        (vocab.FLAGS, "care flag of a household"),
        (vocab.CARE, "care-list item of a household"),
        (vocab.CHECK_RESULTS, "how a care-list item was found on a visit"),
        (vocab.CALL_OUTCOMES, "how a call went"),
        (vocab.REQUEST_CHANNELS, "how an owner's request came"),
        (vocab.REQUEST_FROM, "who made an owner's request"),
        (vocab.LIVING, "living situation of a household (elderly register)"),
    ]
    out = [(word, "keyledger/vocab.py", comment) for words, comment in lists for word in words]
    out += [(action, "keyledger/rules.py", "custody action (history, confirm)")
            for action in (*rules.ACTIONS, "confirm")]
    out += [(action, where, "action of a commit (history)") for action, where in _commit_actions()]
    out += [(word, "keyledger/schedules.py", "status of a due item")
            for word in ("done", "due", "missed")]
    out += [(word, "keyledger/schedules.py", "kind of a due item")
            for word in ("scheduled", "follow-up", "escalation", "request")]
    return out


def _commit_actions() -> list[tuple[str, str]]:
    """The `Action` trailers keyledger writes (`("Action", "key-add")`), which `history` shows
    through `_()`; and the household actions passed to `households._save`."""
    def strings(node: ast.expr) -> list[str]:
        """A literal, or both literals of `"a" if x else "b"`."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            both = strings(node.body) + strings(node.orelse)
            return both if len(both) == 2 else []
        return []

    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Tuple) and len(node.elts) == 2
                    and strings(node.elts[0]) == ["Action"]):
                found += [(value, _relative(path)) for value in strings(node.elts[1])]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "_save" and path.name == "households.py"
                  and len(node.args) > 3 and isinstance(node.args[3], ast.Constant)):
                found.append((node.args[3].value, _relative(path)))
    return found


def extract() -> Messages:
    """Every msgid keyledger can pass to `_()`, with where it comes from."""
    messages = Messages()
    for path in sorted(PACKAGE.rglob("*.py")):
        found, _dynamic = _literal_calls(path)
        for msgid, line in found:
            messages.add(msgid, _relative(path), line)
    for doc, where, line in _command_docstrings():
        messages.add(doc, where, line, "help of a CLI command (its docstring)")
    for word, where, comment in _vocabulary():
        messages.add(word, where, 0, comment)
    spec = importlib.util.find_spec("typer.core")
    if spec and spec.origin:
        found, _dynamic = _literal_calls(Path(spec.origin))
        for msgid, line in found:
            messages.add(msgid, "typer/core.py", 0, "Typer's own word")
    return messages


def dynamic_calls() -> list[str]:
    """Where `_()` is given a non-literal, for a reviewer to check it is covered."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        out += [f"{_relative(path)}:{line}" for line in _literal_calls(path)[1]]
    return out


# --- catalogs -----------------------------------------------------------------------------------

def _template(messages: Messages) -> "object":
    from babel.messages.catalog import Catalog

    template = Catalog(domain=DOMAIN, project="keyledger", charset="utf-8",
                       fuzzy=False)
    for entry in messages.values():
        template.add(entry.msgid, locations=[(f, n or None) for f, n in entry.locations],
                     auto_comments=entry.comments)
    return template


def read_po(lang: str) -> "object":
    from babel.messages.pofile import read_po as read

    with po_path(lang).open("rb") as f:
        return read(f, locale=lang, domain=DOMAIN)


def merge(lang: str, messages: Messages) -> "object":
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    path = po_path(lang)
    if path.exists():
        catalog = read_po(lang)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=lang, domain=DOMAIN, project="keyledger", fuzzy=False)
    catalog.update(_template(messages), update_creation_date=False)  # type: ignore[attr-defined]
    catalog.obsolete.clear()  # type: ignore[attr-defined]  # git remembers removed strings
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())
    return catalog


def compile_mo(lang: str, catalog: "object") -> None:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    path = mo_path(lang)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())


def _fields(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text)
                if name is not None}
    except ValueError:
        return {"<malformed>"}


def translations(catalog: "object") -> dict[str, str]:
    """msgid → msgstr of every translated, non-fuzzy message (what the .mo must hold)."""
    return {m.id: m.string for m in catalog  # type: ignore[attr-defined]
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def problems(lang: str, messages: Messages) -> list[str]:
    """Why the catalog of `lang` is not ready to ship; empty when it is."""
    out = []
    if not po_path(lang).exists():
        return [f"{_relative(po_path(lang))} is missing; run tools/i18n.py"]
    catalog = read_po(lang)
    done = translations(catalog)
    for msgid, entry in messages.items():
        where = ", ".join(f"{f}:{n}" if n else f for f, n in entry.locations[:2])
        if msgid not in done:
            out.append(f"no {lang} translation for {msgid!r} ({where})")
        elif _fields(done[msgid]) != _fields(msgid):
            out.append(f"the {lang} translation of {msgid!r} has placeholders "
                       f"{sorted(_fields(done[msgid]))}, not {sorted(_fields(msgid))}")
    if not mo_path(lang).exists():
        out.append(f"{_relative(mo_path(lang))} is missing; run tools/i18n.py")
    else:
        with mo_path(lang).open("rb") as f:
            shipped = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
        shipped.pop("", None)
        if shipped != done:
            out.append(f"{_relative(mo_path(lang))} is stale (it differs from the .po); "
                       "run tools/i18n.py")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a translation is missing or the .mo is "
                             "stale")
    args = parser.parse_args(argv)
    messages = extract()
    if args.check:
        found = [p for lang in LANGS for p in problems(lang, messages)]
        for problem in found:
            print(problem, file=sys.stderr)
        print(f"{len(messages)} msgids; {len(found)} problem(s).", file=sys.stderr)
        return 1 if found else 0
    for lang in LANGS:
        catalog = merge(lang, messages)
        compile_mo(lang, catalog)
        missing = [m for m in messages if m not in translations(catalog)]
        print(f"{_relative(po_path(lang))}: {len(messages)} msgids, {len(missing)} untranslated",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
