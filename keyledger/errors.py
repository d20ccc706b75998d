"""Errors as data: a problem has a source (path, line, field) until the CLI prints it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class FatalError(Exception):
    """A request that cannot be carried out; the CLI prints it and exits with status 2."""

    message: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class Refused(FatalError):
    """A request the custody rules refuse."""


class SigningFailed(FatalError):
    """This clone could not sign: a local problem, never a conflict with another steward."""


def os_error(exc: OSError) -> str:
    """The system's reason in the interface's language: strerror is the C library's English."""
    import errno

    from keyledger.i18n import _

    return {errno.ENOENT: _("no such file or folder"), errno.EACCES: _("permission denied"),
            errno.EPERM: _("permission denied"), errno.EISDIR: _("it is a folder"),
            errno.ENOTDIR: _("a part of the path is not a folder"),
            errno.ENOSPC: _("no space left on the disk"),
            errno.EROFS: _("the disk is read-only")}.get(exc.errno or 0, exc.strerror or str(exc))
