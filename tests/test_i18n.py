"""The Chinese interface: every string has a translation, the shipped .mo is the .po compiled,
and under zh the help of every command and a refusal are Chinese — Typer's own words included."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import Ledger

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("keyledger_i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    pytest.importorskip("babel", reason="tools/i18n.py reads the .po with Babel (the test extra)")
    return _tool()


@pytest.fixture(scope="module")
def messages(tool: ModuleType) -> dict[str, object]:
    return tool.extract()


def test_extraction_finds_literals_docstrings_vocabulary_and_typer_words(
        messages: dict[str, object]) -> None:
    import inspect

    from keyledger.cli.schedule import due
    from keyledger.vocab import CARE, PURPOSES

    assert "Print JSON." in messages
    assert inspect.cleandoc(due.__doc__ or "") in messages  # a two-line docstring, exactly
    # The vocabulary names its values itself (one table, keyledger/vocab.py), not the catalog:
    # a care item `plants` (绿植) and the purpose `plants` (浇花) are two names for one msgid.
    # (`follow-up` is also a kind of due item, a word of the schedules shown through _().)
    assert not (set(PURPOSES + CARE) - {"follow-up"}) & set(messages)
    assert {"checkout", "handover", "missed"} <= set(messages)
    assert {"Usage: ", "Show this message and exit.", "Missing command."} <= set(messages)


def test_every_msgid_has_a_chinese_translation(tool: ModuleType,
                                               messages: dict[str, object]) -> None:
    problems = [p for p in tool.problems("zh", messages) if "stale" not in p]
    assert problems == [], "run `python tools/i18n.py` and translate:\n" + "\n".join(problems)


def test_shipped_mo_is_the_po_compiled(tool: ModuleType, messages: dict[str, object]) -> None:
    assert tool.mo_path("zh").exists()
    stale = [p for p in tool.problems("zh", messages) if "stale" in p or "missing;" in p]
    assert stale == [], stale


def test_check_mode_exits_0_when_the_catalog_is_complete(tool: ModuleType) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "i18n.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# --- help under zh ------------------------------------------------------------------------------

# Walks the click tree of the application in a fresh interpreter (help texts are translated when
# the command modules are imported) and prints, as JSON, each command's help and the names that
# may stay Latin in it: command names, options, metavars.
WALK = r"""
import contextlib, io, json, sys
from keyledger.cli import run
from keyledger.cli.app import app
import typer.main

root = typer.main.get_command(app)
pages, names = [], set()

def walk(command, path):
    names.add(command.name or "")
    metavars = set()
    for param in command.params:
        if param.metavar:
            metavars.add(param.metavar)
        names.update(o.lstrip("-") for o in param.opts if not o.startswith("-"))
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = run([*path, "--help"])
    pages.append({"path": path, "code": code, "help": buffer.getvalue(),
                  "metavars": sorted(metavars)})
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            walk(command.get_command(None, name), [*path, name])

walk(root, [])
print(json.dumps({"pages": pages, "names": sorted(names)}, ensure_ascii=False))
"""

# Words that are names, not English: technical names a steward types or sees on their screen.
NAMES = {"keyledger", "git", "SSH", "ssh", "ssh-agent", "ssh-keygen", "YAML", "yaml", "JSON", "Markdown",
         "cron", "pre-receive", "pub", "Asia/Shanghai", "zh_CN", "K-NNNN", "zhou-lx",
         "wang-dh", "shell", "Excel", "CSV", "csv", "xlsx", "xls", "HTML", "html", "md",
         "iCalendar", "ods", "GBK", "WPS"}


def _allowed_words() -> set[str]:
    from keyledger import vocab

    codes = {w for words in (vocab.PURPOSES, vocab.VISIT_PURPOSES, vocab.KEY_KINDS,
                             vocab.KEY_STATES, vocab.HOUSEHOLD_KINDS, vocab.ROLES, vocab.FLAGS,
                             vocab.CARE, vocab.CHECK_RESULTS, vocab.WEEKDAYS,
                             vocab.CALL_OUTCOMES, vocab.REQUEST_CHANNELS, vocab.REQUEST_FROM,
                             vocab.LIVING) for w in words}
    return NAMES | codes | {"day"}  # `--every day`


def _english_left(text: str, names: set[str], metavars: list[str]) -> list[str]:
    names = names | {part for m in metavars for part in re.findall(r"[A-Z][A-Z_]+", m)}
    for metavar in sorted(metavars, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(metavar)}(?![A-Za-z])", " ", text)
    text = re.sub(r"<[^<>]*>|\{[^{}]*\}", " ", text)          # <str>, {KEY}
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", text)   # --purpose, -C, -h
    text = re.sub(r"\b[\w.-]*\d[\w.-]*\b", " ", text)            # ids: K-0012, 8-1-401, A-03
    words = re.findall(r"[A-Za-z][A-Za-z_/.-]*[A-Za-z]|[A-Za-z]", text)
    return sorted({w for w in words
                   if len(re.sub(r"[^A-Za-z]", "", w)) >= 3 and w not in names
                   and not all(part in names for part in re.split(r"[./]", w) if part)})


@pytest.fixture(scope="module")
def zh_help() -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env.update(LANG="zh_CN.UTF-8", COLUMNS="200")
    done = subprocess.run([sys.executable, "-c", WALK], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_help_of_every_command_is_chinese_under_zh(zh_help: dict) -> None:
    pages = zh_help["pages"]
    assert len(pages) > 40  # the root, the groups, and every command under them
    allowed = _allowed_words() | set(zh_help["names"])
    english = {}
    for page in pages:
        assert page["code"] == 0, page
        assert "用法：" in page["help"] and "显示本帮助并退出" in page["help"], page["help"]
        left = _english_left(page["help"], allowed, page["metavars"])
        if left:
            english[" ".join(["keyledger", *page["path"]])] = left
    assert english == {}


def test_root_help_is_chinese_with_lang_zh_whatever_the_environment(zh_help: dict) -> None:
    script = Path(sys.executable).parent / "keyledger"
    command = [str(script)] if script.exists() else [shutil.which("keyledger") or "keyledger"]
    env = dict(os.environ, LANG="C", COLUMNS="200")
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    zh = subprocess.run([*command, "--lang", "zh", "--help"], capture_output=True, text=True,
                        env=env)
    assert zh.returncode == 0, zh.stderr
    assert "用法：keyledger [选项] 命令 [参数]..." in zh.stdout
    assert "命令：" in zh.stdout and "选项：" in zh.stdout
    assert _english_left(zh.stdout, _allowed_words() | set(zh_help["names"]),
                         ["LEDGER", "zh|en"]) == []
    en = subprocess.run([*command, "--help"], capture_output=True, text=True, env=env)
    assert "Usage: keyledger" in en.stdout and "Show this message and exit." in en.stdout


# --- a refusal under zh -------------------------------------------------------------------------

@pytest.fixture
def back_to_english() -> object:
    from keyledger.i18n import set_language

    yield
    set_language(None)  # the environment says nothing: English for the tests that follow


def test_a_refusal_under_zh_is_chinese(ledger: Ledger, back_to_english: object) -> None:
    result = ledger.refused("--lang", "zh", "checkout", "K-9999", "--purpose", "plants",
                            as_="zhou-lx")
    assert "档案里没有钥匙 'K-9999'" in result.err, result.err
    assert _english_left(result.err, _allowed_words(), []) == [], result.err

    refused = ledger.refused("--lang", "zh", "checkout", "K-0012", "--purpose", "plants",
                             "--override", "临时", as_="zhou-lx")
    assert "只有主管能用 --override" in refused.err, refused.err


def test_typer_usage_errors_are_chinese_under_zh_and_english_otherwise(
        ledger: Ledger, back_to_english: object) -> None:
    missing = ledger.run("--lang", "zh", "checkout", "K-0012", as_="zhou-lx")
    assert missing.code == 2
    assert "缺少选项 '--purpose'" in missing.err and "错误：" in missing.err, missing.err
    assert "运行 'keyledger checkout -h' 查看帮助" in missing.err
    unknown = ledger.run("--lang", "zh", "chekout")
    assert "没有 'chekout' 这个命令" in unknown.err and "checkout" in unknown.err
    bad = ledger.run("--lang", "zh", "household", "add", "9-9-999", "--born", "abc")
    assert "'--born' 的取值无效：'abc' 不是整数。" in bad.err, bad.err

    english = ledger.run("--lang", "en", "checkout", "K-0012", as_="zhou-lx")
    assert "Missing option '--purpose'" in english.err and "Error: " in english.err
    assert "Try 'keyledger checkout -h' for help." in english.err


def test_chinese_output_through_vocabulary(ledger: Ledger, back_to_english: object) -> None:
    ledger.ok("--lang", "zh", "checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    status = ledger.ok("--lang", "zh", "status")
    assert "浇花" in status.out and "持有人" in status.out, status.out
    key = ledger.ok("--lang", "zh", "key", "show", "K-0012")
    assert "状态：已取出" in key.out, key.out
    assert _english_left(key.out, _allowed_words(), []) == [], key.out


def test_lang_may_follow_the_command_but_a_reports_own_lang_is_the_reports(
        ledger: Ledger, back_to_english: object) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    after = ledger.ok("status", "--lang", "zh")
    assert "持有人" in after.out, after.out
    report = ledger.ok("report", "owner", "8-1-401", "--lang", "en")
    assert "持有人" not in report.out and re.search(r"[A-Za-z]{4}", report.out), report.out


def test_an_unknown_interface_language_is_refused(ledger: Ledger, back_to_english: object) -> None:
    result = ledger.refused("status", "--lang", "fr")
    assert "zh or en, not 'fr'" in result.err, result.err
    under_zh = ledger.refused("--lang", "zh", "report", "owner", "8-1-401", "--lang", "fr")
    assert "--lang：“fr”不是可用的语言；请从以下选择：中文、英文。" in under_zh.err, under_zh.err
