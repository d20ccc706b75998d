"""Integrity: check (the files) and verify (the history)."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli.common import open_ledger, print_json, say, stdout
from keyledger.i18n import _


def check(json: bool = typer.Option(False, "--json", help=_("Print JSON."))) -> None:
    """Validate every file of the ledger and every reference; exit 1 if anything is wrong."""
    from keyledger.checks import check_ledger, source_line

    ledger = open_ledger()
    problems = check_ledger(ledger)
    if json:
        print_json([{"path": p.path, "line": p.line, "field": p.field, "message": p.message}
                    for p in problems])
    else:
        out = stdout()
        for p in problems:
            out.print(str(p), markup=False)
            line = source_line(ledger, p)
            if line is not None:
                out.print(f"    {line}", markup=False, style="dim")
        say(_("{n} problem(s) found.").format(n=len(problems)) if problems
            else _("The ledger's files are valid."))
    if problems:
        raise typer.Exit(1)


def verify(
    since: Optional[str] = typer.Option(None, "--since", metavar="COMMIT",
                                        help=_("Verify only the commits after COMMIT.")),
    pin: Optional[str] = typer.Option(None, "--pin", metavar="FINGERPRINT",
                                      help=_("Refuse a history whose first commit is not signed "
                                             "by this key.")),
    full: bool = typer.Option(False, "--full", help=_("Verify from the first commit again.")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """Verify the history: signatures, signers' roles, trailers replayed through the rules."""
    import sys

    from keyledger.verify import verify as walk

    ledger = open_ledger()
    progress = None
    bar = None
    if not json and sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True, console=None)
        task = bar.add_task(_("verifying"), total=None)
        bar.start()

        def progress(done: int, total: int) -> None:
            if done % 200 == 0 or done == total:
                bar.update(task, completed=done, total=total)
    try:
        result = walk(ledger, since, pin, full, progress)
    finally:
        if bar is not None:
            bar.stop()
    if json:
        print_json({"root": result.root, "root_fingerprint": result.root_fingerprint,
                    "from": result.start, "checked": result.checked,
                    "findings": [{"commit": f.commit, "subject": f.subject, "message": f.message}
                                 for f in result.findings]})
    else:
        say(_("First commit {sha} signed by {fp} (pin it with --pin).").format(
            sha=result.root[:10], fp=result.root_fingerprint))
        for f in result.findings:
            stdout().print(str(f), markup=False)
        say(_("{n} commit(s) verified, {k} finding(s).").format(n=result.checked,
                                                              k=len(result.findings)))
    if result.findings:
        raise typer.Exit(1)
