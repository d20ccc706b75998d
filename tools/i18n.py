"""Extract, merge and compile keyledger's Chinese catalog.

    python tools/i18n.py          # extract every msgid, merge into the .po, compile the .mo
    python tools/i18n.py --check  # exit 1 if a msgid lacks a translation or the .mo is stale

What is extracted:
  * every `_("literal")` in keyledger/ (adjacent literals joined, as Python joins them);
  * the docstring of every CLI command, exactly as `inspect.cleandoc` gives it — the help text
    `keyledger.cli.common.command` passes to `_()` — found by walking the Typer application;
  * the custody actions, due statuses and kinds that the CLI shows through `_(variable)`, which
    no extractor can see (the vocabulary's own names are in keyledger/vocab.py);
  * the `_()` literals of the installed `typer/core.py`, whose `_` keyledger.i18n points at this
    catalog (Missing command, No such command …);
  * the word that stands for each option's and argument's value (KEY, DATE, NOTE), which
    keyledger.cli.app translates where it builds a command.

`--check` also holds the catalog to docs/glossary.md: no msgstr may use a word the glossary says
not to use, jargon, a git word outside the commands that need one, a file or setting name or a
placeholder (<str>, {ID}, KEY) — nor may a name of keyledger/vocab.py — and every option and
argument of every command must have a help text.

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
import re
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


def _commands() -> list[tuple[str, object]]:
    """(command path, click command) of every command and group command, built untranslated."""
    _importable()
    from keyledger.cli.app import COMMANDS, load
    from keyledger.i18n import set_language

    set_language("en")
    out: list[tuple[str, object]] = []
    for name in COMMANDS:
        built = load(name, localize=False)
        out.append((name, built))
        out += [(f"{name} {sub}", cmd) for sub, cmd in getattr(built, "commands", {}).items()]
    return out


def _metavars() -> list[tuple[str, str]]:
    """(metavar, command) of every option and argument that takes a value."""
    import typer

    from keyledger.cli.app import app, metavar

    out = [(word, "keyledger") for word in map(metavar, typer.main.get_command(app).params)
           if word]
    for path, command in _commands():
        out += [(word, path) for word in map(metavar, command.params) if word]  # type: ignore[attr-defined]
    return out


def unhelped() -> list[str]:
    """The options and arguments of a command that have no help text."""
    out = []
    for path, command in _commands():
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name in ("option", "argument") and not param.hidden \
                    and not (getattr(param, "help", None) or "").strip():
                out.append(f"keyledger {path} {max(param.opts, key=len)} has no help text")
    return out


def _vocabulary() -> list[tuple[str, str, str]]:
    """(word, file, comment): the words the CLI shows through `_(variable)`, which no extractor
    can see. The vocabulary's values (purposes, care items…) are not among them: their names in
    each language are in keyledger/vocab.py itself."""
    _importable()
    from keyledger import rules

    out = [(action, "keyledger/rules.py", "custody action (history, confirm)")
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


# A commit subject may leave out what its trailers say (a 中文 subject names the household by
# name: 周丽霞 取出 K-0003（小秋百货）：紧急处置).
SUBJECT = "the subject of a commit (git log); a translation may leave out fields"


def _subjects(path: Path) -> list[tuple[str, int]]:
    """(msgid, line) of every `subject(where, "literal", …)`: a commit subject
    (keyledger/subjects.py), written in the ledger's language."""
    def literals(node: ast.expr) -> list[str]:
        """A literal, or both of `"a" if x else "b"`."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        return literals(node.body) + literals(node.orelse) if isinstance(node, ast.IfExp) else []

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [(text, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "subject"
            and len(node.args) >= 2 for text in literals(node.args[1])]


def extract() -> Messages:
    """Every msgid keyledger can pass to `_()`, with where it comes from."""
    messages = Messages()
    for path in sorted(PACKAGE.rglob("*.py")):
        found, _dynamic = _literal_calls(path)
        for msgid, line in found:
            messages.add(msgid, _relative(path), line)
        for msgid, line in _subjects(path):
            messages.add(msgid, _relative(path), line, SUBJECT)
    for doc, where, line in _command_docstrings():
        messages.add(doc, where, line, "help of a CLI command (its docstring)")
    for word, where, comment in _vocabulary():
        messages.add(word, where, 0, comment)
    for word, path in _metavars():
        messages.add(word, "keyledger/cli/app.py", 0,
                     f"stands for the value of an option or argument in help (keyledger {path})")
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
        elif _fields(done[msgid]) != _fields(msgid) and not (
                SUBJECT in entry.comments and _fields(done[msgid]) <= _fields(msgid)):
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


# --- the glossary ------------------------------------------------------------------------------

GLOSSARY = ROOT / "docs" / "glossary.md"


@dataclass
class Glossary:
    avoid: dict[str, str] = field(default_factory=dict)        # word -> the term to use
    jargon: dict[str, str] = field(default_factory=dict)       # word -> what to say instead
    git: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word -> files allowed in


def glossary() -> Glossary:
    """The tables of docs/glossary.md: the 不用 column of each concept, 行话, git 用词."""
    out = Glossary()
    section = ""
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section = line.lstrip("# ").strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set(cells[0]) <= set("- ") or cells[0] in (
                "concept", "行话", "git 用词", "用词"):
            continue
        if section == "Jargon":
            out.jargon[cells[0]] = cells[1]
        elif section in ("Git words", "Words kept to one place"):
            out.git[cells[0]] = tuple(f.strip() for f in cells[1].split(","))
        elif len(cells) >= 3:
            for word in cells[2].split("、"):
                if word.strip():
                    out.avoid[word.strip()] = cells[1]
    return out


# A file or setting name: keyledger.yaml, policies.attachments.max_mb, .git/keyledger, KEYLEDGER_NOW.
_FILE_OR_SETTING = re.compile(r"[\w.-]+\.(?:ya?ml|json|pickle|lock|py|toml|pub)\b|\bpolicies\.\w|"
                              r"\.git/|\bKEYLEDGER_[A-Z_]+|\bgpg\.\w|\buser\.\w")
# A placeholder: <str>, <编号>, {ID} (a literal brace in a format string is doubled), KEY.
_PLACEHOLDER = re.compile(r"<[^<>\s]{1,24}>|\{\{[^{}]*\}\}|\b[A-Z][A-Z_]{2,}\b")
# Upper-case words that are names, not placeholders.
_NAMES = {"SSH", "JSON", "YAML", "CSV", "HTML", "PDF", "ISO", "UTC", "URL", "LFS", "RSA", "ECDSA",
          "UTF", "GBK", "BOM", "ODS", "XLSX", "XLS", "MB", "SHA", "OK", "PATH", "AB", "WPS"}


def style(msgid: str, msgstr: str, where: list[str], words: Glossary) -> list[str]:
    """Why a Chinese text breaks the glossary; empty when it does not."""
    out = []
    fields = {f for f in _fields(msgid)}
    bare = re.sub(r"\{(" + "|".join(map(re.escape, fields)) + r")(![rsa])?(:[^{}]*)?\}", " ",
                  msgstr) if fields else msgstr
    plain = bare
    for use in sorted(set(words.avoid.values()) - set(words.git), key=len, reverse=True):
        plain = plain.replace(use, " ")  # 见证人 is not 证人, 住户档案 not 户档
    for word, use in words.avoid.items():
        if word in plain and word not in words.git:  # a word of one place: checked below
            out.append(f"uses {word!r} (the glossary's word is {use})")
    for word, instead in words.jargon.items():
        if word in bare:
            out.append(f"uses the jargon {word!r} (say {instead})")
    for word, allowed in words.git.items():
        if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", bare, re.I) and where and \
                not all(any(w == a or a.endswith("/") and w.startswith(a) for a in allowed)
                        for w in where):
            out.append(f"uses {word!r} outside the commands that need it (the glossary's "
                       "Git words, Words kept to one place)")
    for found in _FILE_OR_SETTING.findall(bare):
        out.append(f"names a file or setting ({found})")
    for found in _PLACEHOLDER.findall(bare):
        if found not in _NAMES:
            out.append(f"shows a placeholder ({found})")
    return out


def style_problems(lang: str, messages: Messages) -> list[str]:
    """The catalog's and the vocabulary's Chinese held to the glossary; options without help."""
    if lang != "zh" or not GLOSSARY.exists():
        return []
    words = glossary()
    done = translations(read_po(lang))
    out = []
    for msgid, entry in messages.items():
        if msgid in done:
            where = sorted({f for f, _n in entry.locations})
            out += [f"the zh translation of {msgid!r} {why}"
                    for why in style(msgid, done[msgid], where, words)]
    from keyledger import vocab

    for kind in vocab.KINDS.values():
        for row in kind.rows:
            out += [f"keyledger/vocab.py: the Chinese name {row.zh!r} of {kind.key} {row.code!r} "
                    f"{why}" for why in style("", row.zh, ["keyledger/vocab.py"], words)]
    return out + template_problems(words) + unhelped()


# What a template says, without its Jinja ({{ … }}, {% … %}, {# … #}) and HTML tags.
_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^<>]*>", re.S)


def template_problems(words: Glossary) -> list[str]:
    """The Chinese words of the shipped Chinese templates (reports, the site) held to the
    glossary too: its words to avoid and its jargon (the markup is not prose, so placeholders
    and file names are not looked for)."""
    out = []
    for path in sorted((PACKAGE / "templates" / "zh").rglob("*.j2")):
        where = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        prose = _TEMPLATE_CODE.sub(" ", text) + " " + " ".join(
            re.findall(r'"([^"]*[\u4e00-\u9fff][^"]*)"', text))  # and the words its tags set
        out += [f"{where}: {why}" for why in style("", prose, [where], words)
                if not why.startswith(("shows a placeholder", "names a file"))]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a translation is missing or the .mo is "
                             "stale")
    args = parser.parse_args(argv)
    messages = extract()
    if args.check:
        found = [p for lang in LANGS for p in problems(lang, messages) + style_problems(lang, messages)]
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
