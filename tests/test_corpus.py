"""The bad input corpus: broken ledgers and bad requests, one YAML file per case in corpus/.

Each case copies a small ledger made once per session (the `ledger` fixture's: a supervisor,
an A/B pair, one more steward, household 8-1-401 and its key K-0012), breaks it as the case
says, runs one keyledger command line and checks its exit status and messages. No traceback
ever reaches the user; a refused request (exit 2) writes nothing; `--debug` shows the traceback.

A case file:

    description: what is broken
    replace: {path: [[old, new]]}  # hand edits: each old text (which must be there) replaced
    write: {path: text}          # files written into the ledger (text, UTF-8)
    bytes: {path: base64}        # files written as raw bytes (non-UTF-8 content)
    symlink: {path: target}      # symbolic links made in the ledger
    rename: {old: new}           # files renamed by hand
    remove: [path]               # files deleted by hand
    outside: {path: text}        # files beside the ledger (forms, photos), for options naming them
    commit: true                 # commit the changes above by hand (git add -A, git commit)
    commit_outside:              # then a commit made with plain git, outside keyledger
      message: "..."
      paths: {path: text}
    fill: {"@NAME@": {repeat: "x", times: 1000}}   # long text, substituted in run and write
    as: zhou-lx                  # the steward whose key signs (liu-sj otherwise)
    env: {NAME: value}
    stdin: "..."
    run: [command, args...]      # without -C; "{root}" is the ledger, "{outside}" the folder
                                 # beside it (the working directory), "{keys}" the SSH keys' folder
    exit: 1
    expect: [substrings of stdout + stderr]
    reject: [substrings that must not appear]
    max_output: 20000            # at most this many characters of output
"""

from __future__ import annotations

import base64
import hashlib
import json
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from conftest import STEWARDS, Ledger
from keyledger.cli import run as cli_run

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.glob("*.yaml"))
# A fixed moment inside the household's authorization, unless a case says otherwise.
NOW = "2026-11-25T14:00:00+08:00"
# Refusals of three kinds (a broken file, an id, an option's value): --debug shows the traceback.
DEBUG_CASES = ["40-non-utf8-key-checkout", "27-id-escape-checkout", "56-bad-expect-back-99999d"]


def _isolated(mp: pytest.MonkeyPatch) -> None:
    for var in ("KEYLEDGER_DIR", "KEYLEDGER_TEST_NOW", "LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR"):
        mp.delenv(var, raising=False)
    mp.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(scope="session")
def base_ledger(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]) -> Path:
    """The `ledger` fixture's ledger, made once: every case starts from a copy of it."""
    root = tmp_path_factory.mktemp("corpus-base") / "ledger"

    def ok(*args: str) -> None:
        assert cli_run(list(args)) == 0, args

    with pytest.MonkeyPatch.context() as mp:
        _isolated(mp)
        ok("init", str(root), "--community", "花卉社区", "--supervisor", "liu-sj",
           "--name", STEWARDS["liu-sj"], "--key", str(keys["liu-sj"]))
        lg = ["-C", str(root)]
        for ident in ("zhou-lx", "wang-dh", "sun-yp"):
            ok(*lg, "steward", "add", ident, "--name", STEWARDS[ident], "--phone", "13900000001",
               "--key", str(keys[ident]) + ".pub")
        ok(*lg, "household", "add", "8-1-401", "--name", "王秀兰", "--address",
           "东升家园8号楼1单元401", "--pair", "zhou-lx,wang-dh", "--flag", "elderly", "--flag",
           "away-season", "--care", "plants", "--care", "heating")
        ok(*lg, "household", "authorize", "8-1-401", "--from", "2026-01-01", "--until",
           "2030-12-31", "--purpose", "inspection,plants,pets,heating,contractor,repair,delivery,"
           "other")
        ok(*lg, "key", "add", "--household", "8-1-401", "--id", "K-0012", "--slot", "A-03",
           "--label", "入户门钥匙, 两把一串")
    return root


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def _snapshot(folder: Path, root: Path) -> tuple[str, str, str]:
    """HEAD, git status, and a digest of every file in the case's folder (the ledger's work tree
    and the files beside it); links are taken as what they point at, never followed."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if ".git" in rel.parts:
            continue
        digest.update(str(rel).encode() + b"\0")
        if path.is_symlink():
            digest.update(b"-> " + os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return (_git(root, "rev-parse", "HEAD").strip(),
            _git(root, "status", "--porcelain", "--untracked-files=all"), digest.hexdigest())


def prepare(case: dict[str, Any], base: Path, folder: Path, keys: dict[str, Path],
            capfd: pytest.CaptureFixture[str]) -> tuple[Ledger, Callable[[str], str]]:
    """A copy of the base ledger in `folder`, broken as the case says; and the function that
    puts the case's placeholders' values in."""
    root = folder / "ledger"
    shutil.copytree(base, root, symlinks=True)
    _git(root, "config", "gpg.ssh.allowedSignersFile",
         str(root / ".git" / "keyledger" / "allowed_signers"))
    lg = Ledger(root, keys, capfd)
    lg.use(case.get("as", "liu-sj"))
    subs = {name: spec["repeat"] * spec["times"] for name, spec in case.get("fill", {}).items()}
    subs.update({"{root}": str(root), "{outside}": str(folder),
                 "{keys}": str(keys["liu-sj"].parent)})

    def fill(text: str) -> str:
        for name, value in subs.items():
            text = text.replace(name, value)
        return text

    for relpath, text in case.get("outside", {}).items():
        (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / relpath).write_text(fill(text), encoding="utf-8")
    for old, new in case.get("rename", {}).items():
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        (root / old).rename(root / new)
    for relpath in case.get("remove", []):
        (root / relpath).unlink()
    for relpath, edits in case.get("replace", {}).items():
        text = (root / relpath).read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, (relpath, old)
            text = text.replace(old, fill(new))
        (root / relpath).write_text(text, encoding="utf-8")
    for relpath, text in case.get("write", {}).items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(fill(text), encoding="utf-8")
    for relpath, data in case.get("bytes", {}).items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(base64.b64decode(data))
    for relpath, target in case.get("symlink", {}).items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        if (root / relpath).is_dir() and not (root / relpath).is_symlink():
            shutil.rmtree(root / relpath)
        (root / relpath).unlink(missing_ok=True)
        (root / relpath).symlink_to(fill(target))
    if case.get("commit"):
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"hand edit: {case['description']}")
    outside_commit = case.get("commit_outside")
    if outside_commit:
        for relpath, text in outside_commit.get("paths", {}).items():
            (root / relpath).parent.mkdir(parents=True, exist_ok=True)
            (root / relpath).write_text(fill(text), encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", outside_commit["message"])
    return lg, fill


def run_case(case: dict[str, Any], lg: Ledger, fill: Callable[[str], str], folder: Path,
             monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, str]:
    """Run the case's command line on its ledger, from the folder beside it."""
    monkeypatch.setenv("KEYLEDGER_TEST_NOW", NOW)
    for name, value in case.get("env", {}).items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setattr(sys, "stdin", io.StringIO(case.get("stdin", "")))
    monkeypatch.chdir(folder)
    args = [fill(str(a)) for a in case["run"]]
    result = lg.run(*extra, *args)
    return result.code, result.out + result.err


class _CaseLoader(yaml.SafeLoader):
    """YAML as the cases are written: dates stay text (a case may hold a date that does not exist)."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _load(path: Path) -> dict[str, Any]:
    case = yaml.load(path.read_text(encoding="utf-8"), Loader=_CaseLoader)
    assert {"description", "run", "exit", "expect"} <= set(case), path
    return case


def _short(output: str) -> str:
    return output if len(output) < 3000 else output[:1500] + "\n[…]\n" + output[-1500:]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 45


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, base_ledger: Path, keys: dict[str, Path], tmp_path: Path,
              capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    case = _load(path)
    lg, fill = prepare(case, base_ledger, tmp_path, keys, capfd)
    before = _snapshot(tmp_path, lg.root)
    code, output = run_case(case, lg, fill, tmp_path, monkeypatch)
    shown = f"keyledger {' '.join(map(str, case['run']))[:200]}\nexit {code}\n{_short(output)}"
    print(shown)
    assert "Traceback" not in output, shown
    assert code == case["exit"], shown
    for text in case["expect"]:
        assert str(text) in output, f"expected {text!r} in:\n{shown}"
    for text in case.get("reject", []):
        assert str(text) not in output, f"did not expect {text!r} in:\n{shown}"
    if "max_output" in case:
        assert len(output) <= case["max_output"], f"{len(output)} characters of output:\n{shown}"
    if case["exit"] == 2:
        assert _snapshot(tmp_path, lg.root) == before, f"a refused request wrote:\n{shown}"


@pytest.mark.parametrize("name", DEBUG_CASES)
def test_debug_shows_the_traceback(name: str, base_ledger: Path, keys: dict[str, Path],
                                   tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    case = _load(CORPUS / f"{name}.yaml")
    lg, fill = prepare(case, base_ledger, tmp_path, keys, capfd)
    code, output = run_case(case, lg, fill, tmp_path, monkeypatch, "--debug")
    assert code == case["exit"], output
    assert "Traceback" in output, output


def test_the_sample_ledger_built_as_the_demo_does_checks_and_verifies(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """demo/story.sh's setup: a signed ledger made from the files of ledger/ through keyledger's
    own commands, with fresh keys; `check` and `verify --full` must both pass on it."""
    sample = Path(__file__).parent.parent / "ledger"
    keys = tmp_path / "keys"
    keys.mkdir()
    ids = sorted(p.stem for p in (sample / "stewards").glob("*.yaml"))
    for ident in ids:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ident, "-f",
                        str(keys / ident)], check=True)
    root = tmp_path / "ledger"
    settings = yaml.safe_load((sample / "keyledger.yaml").read_text(encoding="utf-8"))
    supervisor = "liu-sj"
    name = yaml.safe_load((sample / f"stewards/{supervisor}.yaml").read_text(encoding="utf-8"))

    def ok(*args: str, stdin: str = "") -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        assert cli_run(list(args)) == 0, (args, capfd.readouterr().err)

    ok("init", str(root), "--community", settings["community"], "--settings",
       str(sample / "keyledger.yaml"), "--supervisor", supervisor, "--name", name["name"],
       "--key", str(keys / supervisor))
    lg = ["-C", str(root)]
    for ident in ids:
        if ident != supervisor:
            ok(*lg, "steward", "add", ident, "--from-file", str(sample / f"stewards/{ident}.yaml"),
               "--key", str(keys / ident) + ".pub")
    for path in sorted((sample / "households").glob("*.yaml")):
        ok(*lg, "household", "add", path.stem, "--from-file", str(path))
    for n, path in enumerate(sorted((sample / "keys").glob("*.yaml"))):
        ok(*lg, "key", "add", "--from-file", str(path), stdin=f"{2357 + 1357 * n}\n")
    assert len(list((root / "keys").glob("*.yaml"))) == len(list((sample / "keys").glob("*.yaml")))
    capfd.readouterr()
    assert cli_run([*lg, "check"]) == 0
    assert "The ledger's files are valid." in capfd.readouterr().err
    assert cli_run([*lg, "verify", "--full", "--json"]) == 0
    report = json.loads(capfd.readouterr().out)
    assert report["findings"] == [] and report["checked"] == int(_git(root, "rev-list", "--count",
                                                                     "HEAD"))
