"""SSH signatures of git commits, checked in-process (cryptography) instead of one ssh-keygen
per commit: what makes `verify` of a long history practical.

A signed commit carries its signature in a `gpgsig` header; the signed payload is the commit
object without that header. The signature is an SSHSIG blob (PROTOCOL.sshsig): the signer's
public key, the namespace ("git"), the hash algorithm and the signature over
"SSHSIG" ‖ namespace ‖ reserved ‖ hash algorithm ‖ H(payload).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

_BEGIN, _END = b"-----BEGIN SSH SIGNATURE-----", b"-----END SSH SIGNATURE-----"


def _strings(data: bytes, count: int, at: int = 0) -> tuple[list[bytes], int]:
    out = []
    for _ in range(count):
        (size,) = struct.unpack(">I", data[at:at + 4])
        out.append(data[at + 4:at + 4 + size])
        at += 4 + size
    return out, at


def _string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def split_commit(raw: bytes) -> tuple[bytes, bytes | None]:
    """(payload, armored signature) of a raw commit object."""
    lines = raw.split(b"\n")
    payload, signature, inside = [], [], False
    for i, line in enumerate(lines):
        if line == b"":  # headers end here; the message follows unchanged
            payload.extend(lines[i:])
            break
        if line.startswith(b"gpgsig "):
            inside = True
            signature.append(line[len(b"gpgsig "):])
        elif inside and line.startswith(b" "):
            signature.append(line[1:])
        else:
            inside = False
            payload.append(line)
    return b"\n".join(payload), (b"\n".join(signature) if signature else None)


def check(raw_commit: bytes) -> tuple[str, str]:
    """git's %G? and the signer's fingerprint: ("G", "SHA256:…"), ("N", ""), ("B", fp)."""
    payload, armored = split_commit(raw_commit)
    if armored is None or not armored.startswith(_BEGIN):
        return "N", ""
    try:
        blob = base64.b64decode(b"".join(armored.split(b"\n")[1:-1]), validate=True)
        if blob[:6] != b"SSHSIG":
            return "B", ""
        (key, namespace, reserved, hash_name, signature), _ = _strings(blob, 5, 10)
        fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode().rstrip("=")
        if namespace != b"git" or hash_name not in (b"sha256", b"sha512"):
            return "B", fingerprint
        digest = hashlib.new(hash_name.decode(), payload).digest()
        signed = b"SSHSIG" + _string(namespace) + _string(reserved) + _string(hash_name) + \
            _string(digest)
        return ("G" if _verify(key, signature, signed) else "B"), fingerprint
    except (binascii.Error, struct.error, ValueError):
        return "B", ""


def _verify(key: bytes, signature: bytes, signed: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    (kind,), at = _strings(key, 1)
    (sig_kind, sig), _ = _strings(signature, 2)
    try:
        if kind == b"ssh-ed25519" and sig_kind == b"ssh-ed25519":
            (raw,), _ = _strings(key, 1, at)
            ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(sig, signed)
            return True
        if kind == b"ssh-rsa" and sig_kind in (b"rsa-sha2-256", b"rsa-sha2-512"):
            (e, n), _ = _strings(key, 2, at)
            public = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big")).public_key()
            algorithm = hashes.SHA512() if sig_kind == b"rsa-sha2-512" else hashes.SHA256()
            public.verify(sig, signed, padding.PKCS1v15(), algorithm)
            return True
    except InvalidSignature:
        return False
    return False
