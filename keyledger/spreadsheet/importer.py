"""The import itself: every new and changed household of a register in one signed commit, or
nothing; with --skip-bad, the good rows in one commit and the others in FILE-未导入.xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from keyledger import gitops, rules, yaml
from keyledger.ledger import Ledger, locked
from keyledger.subjects import subject
from keyledger.spreadsheet.plan import Plan, Progress, plan_import
from keyledger.spreadsheet.rejects import write_rejects


@locked
def import_households(ledger: Ledger, path: Path, mapping: dict[str, str],
                      dry_run: bool = False, update: bool = False, sheet: str | None = None,
                      skip_bad: bool = False, progress: Progress | None = None,
                      hand_back: Callable[[bytes], None] | None = None
                      ) -> tuple[Plan, str | None, bytes | None]:
    """The plan, the commit (None for a dry run, when nothing differs, or when the plan is
    refused: see `Plan.refusal`), and with --skip-bad the workbook of the rows left out, for
    `rejects_path(path)`. `hand_back` is given that workbook before the commit is made: when
    it cannot be kept (written), nothing is imported, so no row is in neither place."""
    from keyledger.identity import acting_steward

    actor = acting_steward(ledger)
    plan = plan_import(ledger, path, mapping, update, sheet, progress)
    if dry_run or (plan.refusal() is not None and not skip_bad):
        return plan, None, None
    # The rule verify applies to the commit: a household already in the ledger is changed by
    # its A/B pair or a supervisor, and a pair is a supervisor's to assign.
    who = rules.Actor(actor.id, actor.role == "supervisor")
    for p in plan.writes():
        rules.check_household_change(None if p.status == "add" else ledger.household(
            p.household.id), p.household, who, "household-import")
    rejects = write_rejects(plan.table, plan.rejected) if skip_bad and plan.rejected else None
    if rejects is not None and hand_back is not None:
        hand_back(rejects)
    writes = plan.writes()
    if not writes:
        return plan, None, rejects
    files: dict[str, str | bytes | None] = {
        ledger.relpath("household", p.household.id): yaml.dump(p.household.to_dict())
        for p in writes}
    added = sum(1 for p in writes if p.status == "add")
    sha = ledger.change(files, gitops.format_message(
        subject(ledger, "{actor} imports {added} new and {changed} changed households from {file}",
                actor=actor.name, added=added, changed=len(writes) - added, file=path.name),
        [("Action", "household-import"), ("Steward", actor.id), ("Count", str(len(writes)))]))
    return plan, sha, rejects
