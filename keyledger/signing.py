"""Signing with a key that has a passphrase: one prompt per command or sync, never one per commit.

git signs by running `ssh-keygen -Y sign -f KEY`, which uses ssh-agent when the agent holds that
key, and otherwise reads the key file itself — asking for its passphrase on the terminal, in
English, once for every commit, and failing without a terminal. So before keyledger signs, it
looks: a key without a passphrase, or one the agent holds, signs as it is. Otherwise keyledger
asks for the passphrase once (in the interface's language), unlocks the key in memory, and hands
it to a private ssh-agent of its own (a socket in a fresh 0700 folder) for as long as the command
and the sync it starts in the background run; that sync stops the agent when it is done. No
terminal and no agent: one sentence, and nothing is signed.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from keyledger.i18n import _

if TYPE_CHECKING:
    from keyledger.ledger import Ledger

AGENT_PID = "KEYLEDGER_AGENT_PID"  # the private agent handed to the background sync
# The unlocked key leaves the agent after this long even if nobody stops it.
_KEY_LIFETIME = "600"


class _Agent:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: str | None = None
        self.previous_socket: str | None = None
        self.handed_over = False


_agent = _Agent()


def _private_key_file(setting: str) -> Path | None:
    """The private key file a `user.signingkey` names; None for a key git signs with through
    the user's own ssh-agent (`key::…` or a `.pub` file)."""
    if setting.startswith("key::") or setting.endswith(".pub"):
        return None
    return Path(setting).expanduser()


def has_terminal() -> bool:
    """Whether this process has a terminal to ask on (getpass would fall back to stdin)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def agent_holds(public: str) -> bool:
    """Whether the ssh-agent of this process's environment holds this public key."""
    from keyledger import sshkeys

    if not os.environ.get("SSH_AUTH_SOCK"):
        return False
    listed = subprocess.run(["ssh-add", "-L"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    for line in listed.stdout.splitlines() if listed.returncode == 0 else []:
        try:
            if sshkeys.same_key(line, public):
                return True
        except Exception:  # noqa: BLE001 — a certificate or a key type keyledger refuses
            continue
    return False


def ready(ledger: Ledger, passphrase: Callable[[], str] | None) -> None:
    """Make sure git can sign for this clone without asking anyone: see the module's text.
    `passphrase` asks the steward; None where nobody can be asked (a background sync)."""
    from keyledger import sshkeys
    from keyledger.identity import signing_key_setting
    from keyledger.errors import SigningFailed

    if _agent.process is not None:
        return  # unlocked earlier in this command
    setting = signing_key_setting(ledger)
    path = _private_key_file(setting)
    if path is None:
        return
    try:
        data = path.read_bytes()
    except OSError:
        raise SigningFailed(_("Cannot read your SSH key {path}; nothing was signed.").format(
            path=path))
    if not sshkeys.encrypted(data):
        return
    public = sshkeys.public_of_signingkey(setting)
    if agent_holds(public):
        return
    if passphrase is None or not has_terminal():
        raise SigningFailed(_("Your SSH key {path} has a passphrase and is not in ssh-agent, and "
                              "there is no terminal to ask for it: add it with `ssh-add {path}`, "
                              "or run keyledger on a terminal.").format(path=path))
    key = sshkeys.unlock(path, passphrase)
    _start(key)


def _start(key: object) -> None:
    """A private ssh-agent holding `key`, for git's ssh-keygen (SSH_AUTH_SOCK of this process)."""
    import shutil
    import tempfile

    from cryptography.hazmat.primitives import serialization

    from keyledger.errors import SigningFailed

    folder = tempfile.mkdtemp(prefix="keyledger-agent-")
    address = os.path.join(folder, "agent")
    try:
        process = subprocess.Popen(["ssh-agent", "-D", "-a", address], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise SigningFailed(_("ssh-agent is not installed; a key with a passphrase needs it."))
    _agent.process, _agent.folder = process, folder
    _agent.previous_socket, _agent.handed_over = os.environ.get("SSH_AUTH_SOCK"), False
    _wait_listening(address)
    pem = key.private_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                            serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    added = subprocess.run(["ssh-add", "-q", "-t", _KEY_LIFETIME, "-"], input=pem,
                           capture_output=True, env=dict(os.environ, SSH_AUTH_SOCK=address))
    if added.returncode != 0:
        release()
        raise SigningFailed(_("Your unlocked key could not be handed to ssh-agent ({error}); "
                              "nothing was signed.").format(
                                  error=added.stderr.decode(errors="replace").strip()))
    os.environ["SSH_AUTH_SOCK"] = address


def _wait_listening(path: str) -> None:
    """Until the agent answers on its socket (it exists a moment before it listens)."""
    import socket

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(path)
                return
            except OSError:
                time.sleep(0.01)


def hand_over() -> dict[str, str]:
    """The environment a background sync needs to sign with the key unlocked here; it stops the
    agent when it is done."""
    if _agent.process is None:
        return {}
    _agent.handed_over = True
    return {AGENT_PID: str(_agent.process.pid)}


def release() -> None:
    """At the end of a command: the private agent stops, unless a background sync took it."""
    if _agent.process is None:
        return
    if _agent.previous_socket is None:
        os.environ.pop("SSH_AUTH_SOCK", None)
    else:
        os.environ["SSH_AUTH_SOCK"] = _agent.previous_socket
    if not _agent.handed_over:
        import shutil

        _agent.process.terminate()
        _agent.process.wait(timeout=5)
        shutil.rmtree(_agent.folder or "", ignore_errors=True)
    _agent.process = _agent.folder = None


def stop_handed_agent() -> None:
    """In the background sync: stop the agent its command handed over, and its folder."""
    import shutil
    import signal

    pid = os.environ.pop(AGENT_PID, None)
    socket = os.environ.get("SSH_AUTH_SOCK", "")
    if pid and pid.isdigit():
        try:
            os.kill(int(pid), signal.SIGTERM)
        except OSError:
            pass  # gone already
        if os.path.basename(os.path.dirname(socket)).startswith("keyledger-agent-"):
            shutil.rmtree(os.path.dirname(socket), ignore_errors=True)
