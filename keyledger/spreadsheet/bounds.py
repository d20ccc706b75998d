"""What a register may be before keyledger reads it (issue 12.12): a workbook is a zip of XML
that someone else made, so its size, what it unpacks to and its XML are checked before calamine
or the ODS reader sees it. Each limit is far above a whole street office's register."""

from __future__ import annotations

import zipfile
from pathlib import Path

from keyledger.errors import FatalError
from keyledger.i18n import _

# A street office has about 100,000 households: its register as .xlsx is ~8 MB, unpacked ~60 MB.
MAX_FILE_BYTES = 64 * 2**20
MAX_UNPACKED_BYTES = 256 * 2**20
MAX_MEMBERS = 10_000
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# The prolog of an XML member is read for a document type declaration: Excel and LibreOffice
# never write one, and it is where entity expansion ("billion laughs") hides.
_PROLOG_BYTES = 4096
_CHUNK = 1 << 20


def check_size(path: Path, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise FatalError(_("{file} is {mb} MB; a register keyledger imports is at most {limit} MB "
                           "(split it into several files).").format(
                               file=path, mb=size // 2**20, limit=MAX_FILE_BYTES // 2**20))


def check_zip(path: Path) -> None:
    """A workbook (.xlsx, .ods) whose members unpack to at most MAX_UNPACKED_BYTES, really (each
    member is unpacked once here and its checksum checked, so a size that lies is caught), and
    whose XML has no document type declaration."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _damaged(path, _("it holds {n} files").format(n=len(members)))
            declared = sum(m.file_size for m in members)
            if declared > MAX_UNPACKED_BYTES:
                raise FatalError(_(
                    "{file} unpacks to {mb} MB (a \"zip bomb\", or far more than a register); "
                    "keyledger reads workbooks that unpack to at most {limit} MB.").format(
                        file=path, mb=declared // 2**20, limit=MAX_UNPACKED_BYTES // 2**20))
            for member in members:
                _check_member(path, archive, member)
    except zipfile.BadZipFile as exc:
        raise _damaged(path, str(exc))
    except (OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: a compression Excel never uses.
        raise _damaged(path, str(exc))


def _check_member(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    with archive.open(member) as stream:  # zipfile stops at the declared size, checks the CRC
        head = stream.read(_PROLOG_BYTES)
        if member.filename.endswith((".xml", ".rels")) and _declares_doctype(head):
            raise FatalError(_("{file} has an XML document type declaration in {member} (a way "
                               "to hide an \"entity bomb\"); Excel and LibreOffice never write "
                               "one, so keyledger does not read it.").format(
                                   file=path, member=member.filename))
        while stream.read(_CHUNK):
            pass


def _declares_doctype(head: bytes) -> bool:
    for encoding in ("utf-8", "utf-16"):
        try:
            text = head.decode(encoding, errors="ignore").upper()
        except LookupError:  # pragma: no cover - both codecs are built in
            continue
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return True
    return False


def _damaged(path: Path, why: str) -> FatalError:
    return FatalError(_("{file} cannot be read as a workbook: it is damaged ({why}). Open it in "
                        "Excel or WPS and save it again.").format(file=path, why=why))


def check_shape(name: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS + 20:  # title, header and footer lines around the data
        raise FatalError(_("{file} has {n} rows; keyledger imports at most {limit} households at "
                           "a time: split the register into several files.").format(
                               file=name, n=rows, limit=MAX_ROWS))
    if columns > MAX_COLUMNS:
        raise FatalError(_("{file} has {n} columns; a register has at most {limit}. Is it the "
                           "right sheet (--sheet NAME)?").format(file=name, n=columns,
                                                                 limit=MAX_COLUMNS))
