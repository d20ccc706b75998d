"""The ledger's policies: policy witness, policy publish."""

from __future__ import annotations

from typing import Optional

import typer

from keyledger.cli import completion, words
from keyledger.cli.common import command, group, open_ledger, print_json, say
from keyledger.i18n import _
from keyledger import vocab

app = group()


def _listed(value: Optional[str]) -> Optional[tuple[str, ...]]:
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


@command(app)
def witness(
    purpose: Optional[str] = typer.Option(None, "--purpose", metavar="P,P…",
                                          autocompletion=completion.purposes,
                                          callback=words.many("purpose"),
                                          help=_("Purposes whose checkout needs a witness "
                                                 "(empty for none).")),
    kind: Optional[str] = typer.Option(None, "--kind", metavar="K,K…",
                                       autocompletion=completion.key_kinds,
                                       callback=words.many("key-kind"),
                                       help=_("Kinds of key whose checkout needs a witness: "
                                              "{kinds} (empty for none).").format(
                                                  kinds=vocab.choices("key-kind"))),
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
        purposes=vocab.names("purpose", policy.purposes) or "—",
        kinds=vocab.names("key-kind", policy.kinds) or "—"))


def _yes_no(value: Optional[str], option: str) -> Optional[bool]:
    """是/否, 允许/不允许, yes/no: the vocabulary's words for a setting on or off."""
    return None if value is None else vocab.parse("yes-no", value, option) == "yes"


def _length(value: Optional[str], option: str, none_ok: bool) -> object:
    """30m, 1h, 半小时, 一个半小时 (keyledger.timewords); with none_ok, none/无/不提醒 for none."""
    from keyledger.errors import FatalError
    from keyledger.timewords import duration as written

    if value is None:
        return None
    if none_ok and vocab.lookup("yes-no", value) == "no":  # none, 无, 不提醒
        return False
    try:
        duration = written(value)
    except FatalError:  # more than a year
        duration = None
    if not duration:
        raise typer.BadParameter(_("a duration like 30m or 1h") + (_(", or none")
                                                                     if none_ok else ""),
                                 param_hint=option)
    return duration


@command(app)
def publish(
    health: Optional[str] = typer.Option(None, "--health", metavar="yes|no",
                                         autocompletion=completion.yes_no,
                                         help=_("Health notes on the site's household pages.")),
    phones: Optional[str] = typer.Option(None, "--phones", metavar="yes|no",
                                         autocompletion=completion.yes_no,
                                         help=_("Phone numbers on the site's pages.")),
    reminder: Optional[str] = typer.Option(None, "--reminder", metavar="30m|none",
                                           help=_("A calendar reminder this long before each "
                                                  "visit, or none.")),
    refresh: Optional[str] = typer.Option(None, "--refresh", metavar="1h",
                                          help=_("How often a subscribed calendar is read "
                                                 "again.")),
    json: bool = typer.Option(False, "--json", help=_("Print JSON.")),
) -> None:
    """What `keyledger site` and the calendars show (`policies.publish`): shown without
    options, set with them (a supervisor's commit)."""
    ledger = open_ledger()
    asked = (_yes_no(health, "--health"), _yes_no(phones, "--phones"),
             _length(reminder, "--reminder", True), _length(refresh, "--refresh", False))
    if all(a is None for a in asked):
        policy = ledger.settings.publish
    else:
        from keyledger.policies import set_publish

        policy, sha = set_publish(ledger, *asked)  # type: ignore[arg-type]
        say(_("What the site shows is set. Commit {sha}.").format(sha=sha[:10]))
    minutes = int(policy.reminder.total_seconds() // 60) if policy.reminder else None
    if json:
        print_json({"health": policy.health, "phones": policy.phones,
                    "reminder_minutes": minutes,
                    "refresh_minutes": int(policy.refresh.total_seconds() // 60)})
        return
    print(_("Health notes on the site: {health}; phone numbers: {phones}; calendar reminder: "
            "{reminder}; calendars read again every {refresh}.").format(
        health=vocab.name("yes-no", "yes" if policy.health else "no"),
        phones=vocab.name("yes-no", "yes" if policy.phones else "no"),
        reminder=_("{n} minutes before").format(n=minutes) if minutes is not None
        else _("none"), refresh=_("{n} minutes").format(
            n=int(policy.refresh.total_seconds() // 60))))


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
