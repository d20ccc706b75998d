"""Door codes (密码托管): age-encrypted to the SSH keys of the household's pair and supervisors.

age has no associated data, so the plaintext carries the household and key id and is refused
when they do not match the file it was found in: a ciphertext copied onto another key is useless.
A plain code exists only in memory here; it never reaches a file, a commit, an error or a log.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Callable

from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.model import AGE_ARMOR

_ARMOR_END = "-----END AGE ENCRYPTED FILE-----"


def _armor(data: bytes) -> str:
    body = base64.b64encode(data).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([AGE_ARMOR, *lines, _ARMOR_END])


def _dearmor(text: str) -> bytes:
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or lines[0] != AGE_ARMOR or lines[-1] != _ARMOR_END:
        raise FatalError(_("The stored code is not an age-encrypted block."))
    return base64.b64decode("".join(lines[1:-1]))


def check_code(code: str) -> str:
    code = code.strip()
    if not code or len(code) > 64 or not code.isprintable():
        raise FatalError(_("A door code is 1-64 printable characters."))
    return code


def encrypt(code: str, household: str, key_id: str, recipients: list[str]) -> str:
    import pyrage

    if not recipients:
        raise FatalError(_("Nobody could read this code: the household has no A/B pair and the "
                           "ledger no supervisor with a key."))
    plaintext = json.dumps({"household": household, "key": key_id, "code": check_code(code)},
                           ensure_ascii=False).encode()
    try:
        keys = [pyrage.ssh.Recipient.from_str(r) for r in recipients]
    except pyrage.RecipientError:
        raise FatalError(_("A steward's SSH key cannot receive age-encrypted codes; it must be "
                           "ed25519 or RSA."))
    return _armor(pyrage.encrypt(plaintext, keys))


def load_identity(path: Path, passphrase: Callable[[], str]) -> object:
    """An age identity from an SSH private key; a passphrase-protected key is unlocked in memory."""
    import pyrage
    from cryptography.hazmat.primitives import serialization

    from keyledger.sshkeys import unlock

    try:
        data = path.read_bytes()
    except OSError:
        raise FatalError(_("Cannot read your SSH private key at {path}; door codes are decrypted "
                           "with it.").format(path=path))
    try:
        return pyrage.ssh.Identity.from_buffer(data)
    except pyrage.IdentityError:
        pass  # most often a passphrase: pyrage refuses encrypted keys
    key = unlock(path, passphrase)
    plain = key.private_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                              serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    try:
        return pyrage.ssh.Identity.from_buffer(plain)
    except pyrage.IdentityError:
        raise FatalError(_("{path} is not an ed25519 or RSA key; door codes need one of those.")
                         .format(path=path))


def decrypt(armored: str, household: str, key_id: str, identity: object) -> str:
    import pyrage

    try:
        plaintext = pyrage.decrypt(_dearmor(armored), [identity])
    except pyrage.DecryptError:
        raise FatalError(_("Your key cannot open the code of {key}: it was not encrypted to you. "
                           "A supervisor can run `keyledger rekey`.").format(key=key_id))
    data = json.loads(plaintext)
    if data.get("household") != household or data.get("key") != key_id:
        raise FatalError(_("The code stored in {key} belongs to another key; it was copied by "
                           "hand and is refused.").format(key=key_id))
    return str(data["code"])

