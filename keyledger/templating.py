"""Report templates a ledger brings with it: read without following links, run in a sandbox
that cannot reach Python's internals, and bounded in time and size.

A ledger's `templates/` came from a clone, so it is treated like any other input:

- a template is read through the ledger's folder one name at a time, never through a symbolic
  link (a `templates/en/owner.md.j2` linked to `../../../keys/zhou` would print a private key);
- it runs in Jinja2's sandbox (no `__globals__`, ranges of at most 100,000), where `**` and `*`
  cannot build a number or a text of gigabytes;
- its rendering stops after a few seconds or a few megabytes of output, with one sentence.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from keyledger import ledger
from keyledger.errors import FatalError
from keyledger.i18n import _

# A report is a page or two; a template that takes longer or writes more is broken or hostile.
SECONDS = 10
MAX_OUTPUT = 4 << 20
MAX_TEMPLATE = 256 << 10
_MAX_POWER, _MAX_REPEAT = 64, 100_000


class TemplateLimit(Exception):
    """A template ran past what a report may cost."""


class LedgerLoader(jinja2.BaseLoader):
    """Templates from a ledger's own folders (`templates/<lang>/`, then `templates/`), every
    component of the path checked to be a real folder or file, never a link."""

    def __init__(self, root: Path, folders: list[str]) -> None:
        self.root, self.folders = root, folders

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        pieces = jinja2.loaders.split_template_path(template)  # refuses ".." itself
        for folder in self.folders:
            relpath = "/".join([folder, *pieces])
            text = read_plain(self.root, relpath)
            if text is not None:
                return text, relpath, lambda: False
        raise jinja2.TemplateNotFound(template)


def read_plain(root: Path, relpath: str, limit: int = MAX_TEMPLATE) -> str | None:
    """A template of the ledger (ledger.read_plain: never through a link), or None."""
    data = ledger.read_plain(root, relpath, limit)
    if data is None:
        return None
    if len(data) > limit:
        raise FatalError(_("{path} is bigger than {limit} KB, too big for a template.").format(
            path=relpath, limit=limit // 1024))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FatalError(_("{path} is not UTF-8 text; save it as UTF-8 and try again.").format(
            path=relpath))


class Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with no arithmetic that builds something huge."""

    intercepted_binops = frozenset(["**", "*"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_POWER:
            raise TemplateLimit(_("a power of {n}").format(n=right))
        if operator == "*":
            for count, other in ((left, right), (right, left)):
                if isinstance(count, int) and isinstance(other, (str, list, tuple)) \
                        and count * max(len(other), 1) > _MAX_REPEAT:
                    raise TemplateLimit(_("a text or list repeated {n} times").format(n=count))
        return super().call_binop(context, operator, left, right)


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the rendering after `seconds` (in the main thread, where signals arrive; a
    thread's rendering is bounded by its output alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise TemplateLimit(_("more than {n} seconds").format(n=seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render(template: jinja2.Template, context: dict[str, Any], seconds: float = SECONDS,
           limit: int = MAX_OUTPUT) -> str:
    """The template rendered, or TemplateLimit once it runs too long or writes too much."""
    out, size = [], 0
    with _deadline(seconds):
        for piece in template.generate(**context):
            size += len(piece)
            if size > limit:
                raise TemplateLimit(_("more than {n} MB of output").format(n=limit >> 20))
            out.append(piece)
    return "".join(out)
