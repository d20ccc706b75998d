"""Photos and scanned letters, stored once under attachments/<sha256>.<ext>."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from keyledger.errors import FatalError
from keyledger.i18n import _

FOLDER = "attachments"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def prepare(root: Path, source: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, bytes | None]:
    """The attachment's path in the ledger, and its bytes if the ledger does not hold it yet."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}").format(path=source, error=exc.strerror))
    if len(data) > max_bytes:
        raise FatalError(_("{path} is {size} MB; attachments may be at most {limit} MB.").format(
            path=source, size=round(len(data) / 2**20, 1), limit=round(max_bytes / 2**20, 1)))
    ext = source.suffix.lower().lstrip(".")
    ext = ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) else "bin"
    relpath = f"{FOLDER}/{hashlib.sha256(data).hexdigest()}.{ext}"
    return relpath, None if (root / relpath).is_file() else data
