"""The Chinese help of every command: no placeholder (<str>, {ID}, KEY), every option and
argument explained, and the catalog held to the glossary (docs/glossary.md) by the check."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"SSH", "YAML", "JSON", "CSV", "HTML", "PDF", "UTF", "GBK", "ISO", "WPS", "AB"}


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_catalog_keeps_to_the_glossary_and_every_option_has_help(tool: ModuleType) -> None:
    problems = tool.style_problems("zh", tool.extract())
    assert problems == [], "\n".join(problems)


def test_the_check_finds_what_the_glossary_forbids(tool: ModuleType) -> None:
    words = tool.glossary()
    assert words.avoid["户主"] == "业主" and "越权" in words.jargon and "提交" in words.git
    cases = {"{key} 已交还户主。": "户主", "台账里没有 {id}。": "台账", "按尾注重放": "jargon",
             "见 policies.attachments.max_mb": "setting", "写入 <path>": "placeholder",
             "请加上 --witness STEWARD": "placeholder", "提交 {sha}。": "提交"}
    for text, why in cases.items():
        found = tool.style("", text, ["keyledger/cli/custody.py"], words)
        assert any(why in f for f in found), (text, found)
    assert tool.style("", "{key} 在 {holder}手里", ["keyledger/rules.py"], words) == []
    assert tool.style("", "见证人 孙玉萍", ["keyledger/rules.py"], words) == []  # not 证人
    assert tool.style("", "导入台账", ["keyledger/spreadsheet/read.py"], words) == []
    assert tool.style("", "核验每个提交", ["keyledger/verify.py"], words) == []


def _paths(tool: ModuleType) -> list[list[str]]:
    return [path.split() for path, _command in tool._commands()]


def test_every_commands_chinese_help_has_no_placeholder(tool: ModuleType) -> None:
    for path in [[]] + _paths(tool):
        shown = subprocess.run([sys.executable, "-m", "keyledger", "--lang", "zh", *path, "--help"],
                               capture_output=True, text=True,
                               env=dict(os.environ, COLUMNS="100"))
        assert shown.returncode == 0, (path, shown.stderr)
        text = shown.stdout
        assert "用法：" in text, (path, text)
        leftover = re.sub(r"--?[a-z][\w-]*|K-\d+|\b\d[\w.:/-]*|https?://\S+|ssh://\S+", " ", text)
        assert not re.search(r"<[^<>]+>|\{[^{}]*\}", leftover), (path, text)
        capitals = set(re.findall(r"\b[A-Z][A-Z_]{2,}\b", leftover)) - NAMES
        assert not capitals, (path, capitals, text)
        for line in text.splitlines():  # an option's line always has its help beside it
            if re.match(r"\s+(-\w, )?--[\w-]+( \S+)?\s*$", line):
                raise AssertionError((path, line, text))


def test_the_chinese_templates_keep_to_the_glossary(tool: ModuleType, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    words = tool.glossary()
    assert tool.template_problems(words) == []  # the shipped reports and site pages
    mine = tmp_path / "keyledger" / "templates" / "zh" / "site"
    mine.mkdir(parents=True)
    (mine / "words.j2").write_text('{% set names = {"override": "主管越权放行"} %}\n'
                                   "<h2>{{ key }} 在专柜里</h2>{# 越权 in a comment is fine #}\n",
                                   encoding="utf-8")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "PACKAGE", tmp_path / "keyledger")
    found = tool.template_problems(words)
    assert any("越权" in f and "words.j2" in f for f in found), found
    assert any("专柜" in f for f in found), found
    assert not any("placeholder" in f for f in found), found
