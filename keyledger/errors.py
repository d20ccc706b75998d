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
