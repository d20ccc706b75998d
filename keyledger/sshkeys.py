"""SSH public keys: reading them, comparing them and naming them by fingerprint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import subprocess
from pathlib import Path
from typing import Callable

from keyledger.errors import FatalError
from keyledger.i18n import _

# pyrage (door codes) and ssh-keygen signing both take these; ECDSA and DSA are refused.
ALLOWED_TYPES = ("ssh-ed25519", "ssh-rsa")


def parse_public(line: str) -> tuple[str, str]:
    """(type, base64 blob) of an OpenSSH public key line; the comment is ignored."""
    parts = line.strip().split()
    if len(parts) < 2:
        raise FatalError(_("{line!r} is not an SSH public key.").format(line=line.strip()[:60]))
    kind, blob = parts[0], parts[1]
    if kind not in ALLOWED_TYPES:
        raise FatalError(_("SSH keys of type {kind} are not accepted: use an ed25519 (or RSA) key, "
                           "made with `ssh-keygen -t ed25519`.").format(kind=kind))
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        raw = b""
    # The blob starts with its own type, length-prefixed; a truncated or mislabelled key is refused.
    size = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else 0
    if raw[4:4 + size] != kind.encode() or len(raw) < 4 + size + 4 + 16:
        raise FatalError(_("{line!r} is not an SSH public key.").format(line=line.strip()[:60]))
    return kind, blob


def normalize(line: str) -> str:
    """The key without its comment, as it is stored in a steward's file."""
    kind, blob = parse_public(line)
    return f"{kind} {blob}"


def fingerprint(line: str) -> str:
    _kind, blob = parse_public(line)
    digest = hashlib.sha256(base64.b64decode(blob)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def same_key(a: str, b: str) -> bool:
    return parse_public(a) == parse_public(b)


def resolve(spec: str) -> tuple[str, str]:
    """(public key line, value for git's user.signingkey) from what a user passed as --key.

    A private key file (its .pub beside it) signs by itself; a .pub file signs through ssh-agent;
    `key::ssh-ed25519 …` is a literal key, also signed through the agent.
    """
    if spec.startswith("key::"):
        return normalize(spec[5:]), spec
    path = Path(spec).expanduser()
    if not path.is_file():
        raise FatalError(_("No SSH key file at {path}.").format(path=path))
    text = path.read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith(ALLOWED_TYPES + ("ecdsa-", "ssh-dss", "sk-")):
        return normalize(text), str(path.resolve())
    public = path.with_name(path.name + ".pub")
    if public.is_file():
        return normalize(public.read_text(encoding="utf-8")), str(path.resolve())
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True)
    if derived.returncode != 0:
        raise FatalError(_("{path} is neither an SSH public key nor a private key that "
                           "ssh-keygen can read.").format(path=path))
    return normalize(derived.stdout), str(path.resolve())


def public_of_signingkey(value: str) -> str:
    """The public key behind a user.signingkey value that keyledger (or the user) configured."""
    return resolve(value)[0]


_OPENSSH_MAGIC = b"openssh-key-v1\0"


def encrypted(data: bytes) -> bool:
    """Whether a private key file is protected by a passphrase, read from its header alone (no
    crypto library: this runs before every signature)."""
    text = data.decode("ascii", "replace")
    if "-----BEGIN OPENSSH PRIVATE KEY-----" in text:
        body = "".join(line for line in text.splitlines() if line and not line.startswith("-"))
        try:
            raw = base64.b64decode(body)
        except binascii.Error:
            return False
        if raw.startswith(_OPENSSH_MAGIC):
            at = len(_OPENSSH_MAGIC)
            size = int.from_bytes(raw[at:at + 4], "big")
            return raw[at + 4:at + 4 + size] != b"none"
        return False
    return "ENCRYPTED" in text  # PEM: "Proc-Type: 4,ENCRYPTED", "BEGIN ENCRYPTED PRIVATE KEY"


def unlock(path: Path, passphrase: Callable[[], str]) -> object:
    """The private key in `path`, unlocked in memory with the passphrase asked for (never
    written anywhere)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    data = path.read_bytes()
    secret = passphrase().encode()
    for load in (serialization.load_ssh_private_key, serialization.load_pem_private_key):
        try:
            return load(data, password=secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    raise FatalError(_("Could not unlock {path}: wrong passphrase, or not an ed25519/RSA "
                       "SSH private key.").format(path=path))
