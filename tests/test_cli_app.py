"""The top level of the command line: every command builds, is documented, and a command imports
only the module it needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keyledger.cli.app import COMMANDS, load

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _paths() -> list[str]:
    paths = []
    for name in COMMANDS:
        command = load(name)
        assert command.name == name
        paths.append(name)
        if hasattr(command, "list_commands"):
            subs = command.list_commands(None)
            assert subs, f"group {name} has no commands"
            paths += [f"{name} {sub}" for sub in subs]
    return paths


@pytest.mark.parametrize("path", _paths())
def test_every_command_is_documented_in_the_readme(path: str) -> None:
    assert f"keyledger {path}" in README or f"`{path}" in README, path


def _imported(*argv: str) -> set[str]:
    """The modules loaded by running one command line in a fresh interpreter."""
    script = ("import sys\nfrom keyledger.cli import run\nrun(sys.argv[1:])\n"
              "print('\\n'.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    return set(done.stdout.split())


def test_help_imports_no_command_module() -> None:
    modules = _imported("--help")
    assert "keyledger.cli.app" in modules
    assert not {m for m in modules if m.startswith("keyledger.cli.")} - {
        "keyledger.cli.app", "keyledger.cli.common", "keyledger.cli.completion"}
    assert "rich" not in modules and "yaml" not in modules


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    modules = _imported("-C", str(tmp_path), "whoami")
    cli = {m for m in modules if m.startswith("keyledger.cli.")}
    assert "keyledger.cli.setup" in cli
    assert not cli & {"keyledger.cli.custody", "keyledger.cli.household", "keyledger.cli.visit",
                      "keyledger.cli.report", "keyledger.cli.exchange"}


def test_an_unknown_command_is_refused_with_suggestions() -> None:
    done = subprocess.run([sys.executable, "-m", "keyledger", "chekout"], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    assert done.returncode == 2
    assert "checkout" in done.stderr
