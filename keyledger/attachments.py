"""Photos and scanned letters, stored once under attachments/<sha256>.<ext>.

When git-lfs is installed, the ledger tracks attachments with it: the first stored attachment
also writes `.gitattributes` (in the same commit) and enables the filter in this clone.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from keyledger import gitops
from keyledger.errors import FatalError, os_error
from keyledger.i18n import _

FOLDER = "attachments"
LFS_RULE = f"{FOLDER}/** filter=lfs diff=lfs merge=lfs -text"
_NAME = re.compile(rf"{FOLDER}/([0-9a-f]{{64}})\.[a-z0-9]{{1,8}}")
_LFS_OID = re.compile(rb"version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\n")


def name_digest(relpath: str) -> str | None:
    """The sha256 an attachment's name gives, None when the path is no attachment's name."""
    match = _NAME.fullmatch(relpath)
    return match.group(1) if match else None


def content_digest(blob: bytes) -> str | None:
    """The sha256 of an attachment stored as `blob`: of the bytes themselves, or the one a
    git-lfs pointer names (its content lives in git-lfs, which checks it)."""
    if blob.startswith(b"version https://git-lfs"):
        match = _LFS_OID.match(blob)
        return match.group(1).decode() if match else None
    return hashlib.sha256(blob).hexdigest()


def prepare(root: Path, source: Path, max_bytes: int) -> tuple[str, bytes | None]:
    """The attachment's path in the ledger, and its bytes if the ledger does not hold it yet."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FatalError(_("Cannot read {path}: {error}").format(path=source, error=os_error(exc)))
    if len(data) > max_bytes:
        raise FatalError(_("{path} is {size} MB; attachments may be at most {limit} MB "
                           "(policies.attachments.max_mb).").format(
                               path=source, size=round(len(data) / 2**20, 1),
                               limit=round(max_bytes / 2**20, 1)))
    ext = source.suffix.lower().lstrip(".")
    ext = ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) else "bin"
    digest = hashlib.sha256(data).hexdigest()
    # The same bytes under another name (a.JPG, a.jpeg) are the same attachment.
    stored = sorted((root / FOLDER).glob(f"{digest}.*"))
    if stored:
        return f"{FOLDER}/{stored[0].name}", None
    return f"{FOLDER}/{digest}.{ext}", data


def store(root: Path, sources: list[Path], max_bytes: int, supervisor: bool = False
          ) -> tuple[list[str], dict[str, str | bytes | None]]:
    """Paths of the attachments, and the files to add with the commit (new ones only). Only a
    supervisor's commit turns git-lfs on for the ledger (`.gitattributes` is a supervisor's);
    once it is on, everybody's attachments go to it."""
    paths, files = [], {}
    for source in sources:
        relpath, data = prepare(root, source, max_bytes)
        digest = relpath.rsplit(".", 1)[0]
        relpath = next((p for p in files if p.rsplit(".", 1)[0] == digest), relpath)
        paths.append(relpath)
        if data is not None and relpath not in files:
            files[relpath] = data
    if files:
        files.update(_lfs(root, supervisor))
    return paths, files


def _lfs(root: Path, supervisor: bool) -> dict[str, str | bytes | None]:
    if shutil.which("git-lfs") is None:
        return {}
    attributes = root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.is_file() else ""
    if LFS_RULE in text.splitlines():
        gitops.git(root, "lfs", "install", "--local")
        return {}
    if not supervisor:
        return {}
    gitops.git(root, "lfs", "install", "--local")
    return {".gitattributes": text + ("" if not text or text.endswith("\n") else "\n") + LFS_RULE + "\n"}
