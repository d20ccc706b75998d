"""A real OpenSSH server on the loopback interface, started by a test, with git-shell as the
only thing an account may run: the shared ledger over the transport stewards really use.

Debian's openssh-server (`make test` installs it when it can). The server has its own host key,
`authorized_keys` and home folder in a temporary folder; git-shell offers git and, through
`~/git-shell-commands/`, `keyledger-server`. The test is skipped, saying why, where sshd
cannot run.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class SSHServer:
    port: int
    user: str
    folder: Path            # where the shared repositories go
    ssh_command: str        # GIT_SSH_COMMAND for the clients
    log: Path

    def url(self, name: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.folder / name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ssh_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SSHServer]:
    if not os.path.exists(SSHD) or not shutil.which("git-shell"):
        pytest.skip("OpenSSH's sshd or git-shell is not installed (Debian: openssh-server, git)")
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        try:  # sshd's privilege-separation folder, as Debian's service makes it
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        except OSError as exc:
            pytest.skip(f"sshd needs /run/sshd, which cannot be made here: {exc}")
    base = tmp_path / "sshd"
    (base / "home/git-shell-commands").mkdir(parents=True)
    (base / "repos").mkdir()
    server = Path(sys.executable).parent / "keyledger-server"
    (base / "home/git-shell-commands/keyledger-server").symlink_to(server)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / name)],
                       check=True)
    (base / "authorized_keys").write_text((base / "client.pub").read_text())
    port = _free_port()
    (base / "known_hosts").write_text(f"[127.0.0.1]:{port} {(base / 'host.pub').read_text()}")
    path = f"{server.parent}:/usr/local/bin:/usr/bin:/bin"
    (base / "sshd_config").write_text(f"""\
ListenAddress 127.0.0.1
Port {port}
HostKey {base / 'host'}
PidFile {base / 'sshd.pid'}
AuthorizedKeysFile {base / 'authorized_keys'}
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
LogLevel ERROR
ForceCommand env HOME={base / 'home'} PATH={path} git-shell -c "$SSH_ORIGINAL_COMMAND"
""")
    log = base / "sshd.log"
    daemon = subprocess.Popen([SSHD, "-D", "-f", str(base / "sshd_config"), "-E", str(log)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            if daemon.poll() is not None:
                pytest.skip(f"sshd could not start here: {log.read_text() if log.exists() else ''}"
                            f"{daemon.stderr.read().decode() if daemon.stderr else ''}".strip())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("sshd did not listen on the loopback interface within 10 s")
                time.sleep(0.05)
        command = (f"ssh -i {base / 'client'} -o IdentitiesOnly=yes -o BatchMode=yes "
                   f"-o UserKnownHostsFile={base / 'known_hosts'} -o StrictHostKeyChecking=yes")
        monkeypatch.setenv("GIT_SSH_COMMAND", command)
        yield SSHServer(port, getpass.getuser(), base / "repos", command, log)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
