"""The hooks and a clone's configuration: free of absolute paths, and isolated from the ledger's
folder, so that nothing committed to a ledger runs on a steward's machine (issue 12.8a)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Ledger

# What a hostile supervisor commits at the ledger's root: Python started there with `-m`
# imports these before the standard library and keyledger itself.
PLANTED = {
    "subprocess.py": "open({marker!r}, 'a').write('subprocess.py ran\\n')\n"
                     "raise SystemExit(0)\n",
    "keyledger/__init__.py": "open({marker!r}, 'a').write('keyledger/ ran\\n')\n",
    "keyledger/__main__.py": "raise SystemExit(0)\n",
    "keyledger/server_hook.py": "raise SystemExit(0)\n",
}


@pytest.fixture
def office(ledger: Ledger, tmp_path: Path) -> Path:
    bare = tmp_path / "office.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ledger.root), str(bare)], check=True)
    ledger.ok("hook", "install-server", str(bare))
    return bare


def _clone(ledger: Ledger, office: Path, where: Path, who: str) -> Ledger:
    result = ledger.run("clone", str(office), str(where), "--key", str(ledger.keys[who]))
    assert result.code == 0, result.err
    return Ledger(where, ledger.keys, ledger.capfd)


def test_hooks_and_config_name_neither_the_clone_nor_the_virtual_environment(
        ledger: Ledger, office: Path, tmp_path: Path) -> None:
    zhou = _clone(ledger, office, tmp_path / "zhou", "zhou-lx")
    venv = str(Path(sys.executable).parent.parent)
    for text in ((zhou.root / ".git/hooks/pre-push").read_text(encoding="utf-8"),
                 (office / "hooks/pre-receive").read_text(encoding="utf-8"),
                 (zhou.root / ".git/config").read_text(encoding="utf-8")):
        assert str(zhou.root) not in text and venv not in text and "python" not in text
    assert zhou.git("config", "gpg.ssh.allowedSignersFile").strip() == \
        ".git/keyledger/allowed_signers"


def test_a_moved_clone_signs_verifies_and_syncs(ledger: Ledger, office: Path,
                                                tmp_path: Path) -> None:
    _clone(ledger, office, tmp_path / "zhou", "zhou-lx")
    moved = tmp_path / "elsewhere" / "ledger"
    moved.parent.mkdir()
    shutil.move(tmp_path / "zhou", moved)
    zhou = Ledger(moved, ledger.keys, ledger.capfd)
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    (moved / "keys").joinpath("x").write_text("")  # plain git, from a subfolder of the clone
    shown = subprocess.run(["git", "log", "-1", "--show-signature"], cwd=moved / "keys",
                           capture_output=True, text=True).stdout
    (moved / "keys/x").unlink()
    assert 'Good "git" signature for zhou-lx' in shown
    assert zhou.run("verify", "--full").code == 0
    assert zhou.ok("sync").code == 0
    assert subprocess.run(["git", "-C", str(office), "rev-parse", "main"], capture_output=True,
                          text=True).stdout.strip() == zhou.head()


def test_use_key_on_a_plain_git_clone_sets_it_up_as_clone_does(ledger: Ledger, office: Path,
                                                                tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    subprocess.run(["git", "clone", "-q", str(office), str(plain)], check=True)
    lg = Ledger(plain, ledger.keys, ledger.capfd)
    lg.ok("use-key", str(ledger.keys["wang-dh"]))
    made = _clone(ledger, office, tmp_path / "made", "wang-dh")
    assert (plain / ".git/hooks/pre-push").read_bytes() == \
        (made.root / ".git/hooks/pre-push").read_bytes()
    for name in ("gpg.format", "user.signingkey", "commit.gpgsign", "pull.ff",
                 "gpg.ssh.allowedSignersFile", "user.name", "user.email"):
        assert lg.git("config", name) == made.git("config", name), name


def _plant(folder: Path, marker: Path) -> None:
    for name, text in PLANTED.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text.format(marker=str(marker)), encoding="utf-8")


def test_nothing_committed_to_the_ledger_runs_when_a_steward_pushes(
        ledger: Ledger, office: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    liu = _clone(ledger, office, tmp_path / "liu", "liu-sj")
    _plant(liu.root, marker)
    liu.git("add", "--", *PLANTED)
    liu.git("commit", "-qm", "add helper files\n\nKeyledger-Action: files\n"
            "Keyledger-Steward: liu-sj")
    assert liu.ok("sync").code == 0  # a supervisor may add other files
    zhou = _clone(ledger, office, tmp_path / "zhou", "zhou-lx")
    assert (zhou.root / "subprocess.py").is_file() and (zhou.root / "keyledger").is_dir()
    zhou.ok("checkout", "K-0012", "--purpose", "plants")
    assert zhou.ok("sync").code == 0  # the pre-push hook ran keyledger, the real one
    # An unsigned commit pushed with plain git: the real verify in the hook refuses it.
    (zhou.root / "keys/K-0012.yaml").write_text(
        (zhou.root / "keys/K-0012.yaml").read_text(encoding="utf-8").replace("A-03", "A-09"),
        encoding="utf-8")
    zhou.git("-c", "commit.gpgsign=false", "commit", "-qam", "by hand")
    pushed = subprocess.run(["git", "push", "-q", "origin", "HEAD:main"], cwd=zhou.root / "keys",
                            capture_output=True, text=True)
    assert pushed.returncode != 0 and "not signed" in pushed.stderr, pushed.stderr
    # The shared repository's folder holds them too: its guard still refuses.
    _plant(office, marker)
    pushed = subprocess.run(["git", "-C", str(zhou.root), "push", "-q", "--no-verify", "origin",
                             "HEAD:main"], capture_output=True, text=True)
    assert pushed.returncode != 0 and "keyledger: refused" in pushed.stderr, pushed.stderr
    assert not marker.exists(), marker.read_text()


def test_a_hook_of_an_older_keyledger_is_replaced_at_the_next_sync(
        ledger: Ledger, office: Path, tmp_path: Path) -> None:
    zhou = _clone(ledger, office, tmp_path / "zhou", "zhou-lx")
    hook = zhou.root / ".git/hooks/pre-push"
    hook.write_text(f"#!/bin/sh\n# keyledger: nothing unverifiable leaves this clone.\n"
                    f"exec {sys.executable} -m keyledger -C \"$(git rev-parse --show-toplevel)\" "
                    f"verify >&2\n", encoding="utf-8")
    zhou.git("config", "gpg.ssh.allowedSignersFile",
             str(zhou.root / ".git/keyledger/allowed_signers"))
    zhou.ok("sync")
    assert sys.executable not in hook.read_text(encoding="utf-8")
    assert zhou.git("config", "gpg.ssh.allowedSignersFile").strip() == \
        ".git/keyledger/allowed_signers"


def test_a_hook_keyledger_did_not_write_is_left_alone(ledger: Ledger, office: Path,
                                                      tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    subprocess.run(["git", "clone", "-q", str(office), str(plain)], check=True)
    mine = "#!/bin/sh\necho my own hook\n"
    (plain / ".git/hooks/pre-push").write_text(mine)
    lg = Ledger(plain, ledger.keys, ledger.capfd)
    result = lg.run("use-key", str(ledger.keys["wang-dh"]))
    assert result.code == 2 and "a hook that keyledger did not write" in result.err
    assert (plain / ".git/hooks/pre-push").read_text() == mine
