"""12.8(c): what keyledger keeps in .git/keyledger/ cannot run code, and a repository owned by
another user is refused as git refuses it."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Ledger
from keyledger import statedir


class _Boom:
    """A pickle that runs a command when loaded, as a planted cache would."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def _plant(folder: Path, marker: Path) -> None:
    """A code-running pickle under every name a cache has had, and every file the state
    folder holds overwritten with it."""
    payload = pickle.dumps(_Boom(marker))
    names = [p.name for p in folder.iterdir() if p.is_file()] + [
        f"cache-{k}.pickle" for k in ("steward", "household", "key", "visit")] + [
        f"listing-{k}{p}.pickle" for k in ("key", "household") for p in ("", "-rows", "-records",
                                                                        "-names")]
    for name in names:
        if name not in ("lock", "journal", "allowed_signers"):
            (folder / name).write_bytes(payload)


def test_no_module_of_keyledger_uses_pickle() -> None:
    package = Path(statedir.__file__).parent
    users = [p for p in package.rglob("*.py") if "import pickle" in p.read_text(encoding="utf-8")
             or "pickle." in p.read_text(encoding="utf-8")]
    assert users == []


def test_a_planted_pickle_in_the_state_folder_runs_nothing(ledger: Ledger, tmp_path: Path) -> None:
    ledger.ok("household", "list")
    ledger.ok("status")
    ledger.ok("steward", "list")
    marker = tmp_path / "ran"
    _plant(ledger.root / ".git/keyledger", marker)
    assert "王秀兰" in ledger.ok("household", "list").out
    assert "K-0012" in ledger.ok("key", "list").out
    ledger.ok("status")
    ledger.ok("steward", "list")
    ledger.ok("whoami")
    assert not marker.exists()


def test_state_files_round_trip_the_models_records_and_refuse_other_classes(
        ledger: Ledger, tmp_path: Path) -> None:
    from keyledger.ledger import Ledger as Real

    lg = Real(ledger.root)
    records = [lg.key("K-0012"), lg.household("8-1-401"), lg.steward("zhou-lx")]
    path = tmp_path / "state.json"
    assert statedir.save(path, {"records": records, "set": frozenset({"a"}), "-odd": (1, 2)})
    kept = statedir.load(path)
    assert kept["records"] == records and kept["set"] == {"a"} and kept["-odd"] == [1, 2]
    # A file naming a class that is not one of the model's records is not used at all.
    text = path.read_text(encoding="utf-8").replace('"Key"', '"Popen"')
    path.write_text(text, encoding="utf-8")
    assert statedir.load(path) is None
    # Nor is one reached through a symbolic link.
    statedir.save(tmp_path / "real.json", [1])
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert statedir.load(tmp_path / "link.json") is None
    with pytest.raises(TypeError):
        statedir.dumps(object())


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder another user's needs root")
def test_a_ledger_owned_by_another_user_is_refused_as_git_refuses_it(
        ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.ok("steward", "list")
    shared = tmp_path / "shared-drive" / "ledger"
    shutil.copytree(ledger.root, shared, symlinks=True)
    marker = tmp_path / "ran"
    _plant(shared / ".git/keyledger", marker)
    subprocess.run(["chown", "-R", "nobody", str(shared)], check=True)
    other = Ledger(shared, ledger.keys, ledger.capfd)
    for command in (["steward", "list"], ["status"], ["household", "list"], ["verify"]):
        result = other.run(*command)
        assert result.code == 2, result
        assert "belongs to another user" in result.err and "safe.directory" in result.err
        assert "Traceback" not in result.err
    assert not marker.exists()
    # Trusted the way git is told to trust it, it is a ledger like any other (and the planted
    # files are still only data).
    config = tmp_path / "gitconfig"
    config.write_text(f"[safe]\n\tdirectory = {shared}\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert "周丽霞" in other.ok("steward", "list").out
    assert not marker.exists()


def test_a_journal_never_names_a_file_outside_the_ledger(ledger: Ledger, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    journal = ledger.root / ".git/keyledger/journal"
    journal.write_text(json.dumps({"head": ledger.head(), "paths": [
        f"../../{victim.name}", str(victim), "keys/K-0012.yaml"]}), encoding="utf-8")
    ledger.ok("status")
    assert victim.read_text(encoding="utf-8") == "keep me"
