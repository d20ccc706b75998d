"""The ledger's policies: policy witness."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli import completion
from keyledger.cli.common import command, group, open_ledger, print_json, say
from keyledger.i18n import _

app = group()


def _listed(value: Optional[str]) -> Optional[tuple[str, ...]]:
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


@command(app)
def witness(
    purpose: Optional[str] = typer.Option(None, "--purpose", metavar="P,P…",
                                          autocompletion=completion.purposes,
                                          help=_("Purposes whose checkout needs a witness "
                                                 "(empty for none).")),
    kind: Optional[str] = typer.Option(None, "--kind", metavar="K,K…",
                                       help=_("Kinds of key whose checkout needs a witness: "
                                              "physical, code, card (empty for none).")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """The ledger's witness policy: shown without options, set with them (a supervisor's
    commit)."""
    ledger = open_ledger()
    if purpose is None and kind is None:
        policy = ledger.settings.witness
    else:
        from keyledger.policies import set_witness

        policy, sha = set_witness(ledger, _listed(purpose), _listed(kind))
        say(_("The witness policy is set. Commit {sha}.").format(sha=sha[:10]))
    if json:
        print_json({"purposes": list(policy.purposes), "kinds": list(policy.kinds)})
        return
    print(_("A witness is required for purposes: {purposes}; for kinds of key: {kinds}.").format(
        purposes=", ".join(_(p) for p in policy.purposes) or "—",
        kinds=", ".join(_(k) for k in policy.kinds) or "—"))


@command(app)
def welfare(
    escalate_after: Optional[int] = typer.Option(None, "--escalate-after", metavar="N",
                                                 help=_("Calls that reach nobody the same day "
                                                        "before a visit to the door is due "
                                                        "(2 unless set).")),
    aged_from: Optional[int] = typer.Option(None, "--aged-from", metavar="AGE",
                                            help=_("The age from which the elderly register "
                                                   "counts a person 高龄 (80 unless set).")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """The ledger's welfare policy: shown without options, set with them (a supervisor's
    commit)."""
    ledger = open_ledger()
    calls, aged = ledger.settings.escalate_after, ledger.settings.aged_from
    if escalate_after is not None or aged_from is not None:
        from keyledger.policies import set_welfare

        calls, aged, sha = set_welfare(ledger, escalate_after, aged_from)
        say(_("The welfare policy is set. Commit {sha}.").format(sha=sha[:10]))
    if json:
        print_json({"escalate_after": calls, "aged_from": aged})
        return
    print(_("A visit to the door is due after {calls} calls that reach nobody the same day; "
            "the elderly register counts a person 高龄 from {aged}.").format(calls=calls,
                                                                            aged=aged))
