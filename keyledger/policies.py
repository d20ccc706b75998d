"""The ledger's policies in keyledger.yaml; changing them is a supervisor's commit (DESIGN §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from keyledger import gitops, vocab, yaml
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.identity import acting_steward
from keyledger.ledger import SETTINGS, Ledger, locked
from keyledger.model import Publish, WitnessPolicy, parse_settings
from keyledger.subjects import language, subject


def _checked(values: tuple[str, ...] | None, kind: str, option: str) -> tuple[str, ...] | None:
    return None if values is None else vocab.parse_list(kind, values, option)


@locked
def set_witness(ledger: Ledger, purposes: tuple[str, ...] | None,
                kinds: tuple[str, ...] | None) -> tuple[WitnessPolicy, str]:
    """Which purposes and kinds of key need a witness at checkout, ledger-wide; what is None
    stays as it is."""
    actor = acting_steward(ledger, supervisor=_("set the ledger's witness policy "
                                                    "(`keyledger policy witness`)"))
    purposes = _checked(purposes, "purpose", "--purpose")
    kinds = _checked(kinds, "key-kind", "--kind")
    settings = ledger.settings
    old = settings.witness
    new = WitnessPolicy(tuple(dict.fromkeys(purposes)) if purposes is not None else old.purposes,
                        tuple(dict.fromkeys(kinds)) if kinds is not None else old.kinds)
    if new == old:
        raise FatalError(_("The witness policy is already that; nothing to change."))
    policies = {**settings.policies,
                "witness": {"purposes": list(new.purposes), "kinds": list(new.kinds)}}
    text = yaml.dump(replace(settings, policies=policies).to_dict())
    parse_settings(SETTINGS, text)  # what is written must read back
    sha = ledger.change({SETTINGS: text}, gitops.format_message(
        subject(ledger, "witness needed for purposes: {purposes}; kinds of key: {kinds}",
                purposes=new.purposes, kinds=", ".join(
                    vocab.name("key-kind", k, language(settings.locale)) for k in new.kinds)
                or "—"),
        [("Action", "policy"), ("Steward", actor.id), ("Policy", "witness"),
         ("Purposes", ",".join(new.purposes)), ("Kinds", ",".join(new.kinds))]))
    return new, sha


def _duration_text(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


@locked
def set_publish(ledger: Ledger, health: bool | None, phones: bool | None,
                reminder: timedelta | None | bool, refresh: timedelta | None
                ) -> tuple[Publish, str]:
    """What the site and the calendars show; what is None stays as it is (`reminder` False: no
    reminder)."""
    actor = acting_steward(ledger, supervisor=_("set what the site and the calendars show "
                                                "(`keyledger policy publish`)"))
    settings = ledger.settings
    old = settings.publish
    new = Publish(old.health if health is None else health,
                  old.phones if phones is None else phones,
                  old.reminder if reminder is None else (None if reminder is False
                                                         else reminder),  # type: ignore[arg-type]
                  old.refresh if refresh is None else refresh)
    if new == old:
        raise FatalError(_("What the site shows is already that; nothing to change."))
    written = {"health": new.health, "phones": new.phones,
               "reminder": _duration_text(new.reminder) if new.reminder else False,
               "refresh": _duration_text(new.refresh)}
    text = yaml.dump(replace(settings, policies={**settings.policies,
                                                 "publish": written}).to_dict())
    parse_settings(SETTINGS, text)  # what is written must read back
    lang = language(settings.locale)
    said = {k: vocab.name("yes-no", "yes" if v else "no", lang)
            for k, v in (("health", new.health), ("phones", new.phones))}
    sha = ledger.change({SETTINGS: text}, gitops.format_message(
        subject(ledger, "{actor} sets the publish policy: health {health}, phones {phones}, "
                "reminder {reminder}, refresh {refresh}", actor=actor.name, **said, refresh=written["refresh"],
                reminder=written["reminder"] or vocab.name("yes-no", "no", lang)),
        [("Action", "policy"), ("Steward", actor.id), ("Policy", "publish")]))
    return new, sha


@locked
def set_welfare(ledger: Ledger, escalate_after: int | None,
                aged_from: int | None) -> tuple[int, int, str]:
    """How many calls that reach nobody the same day make a visit to the door due, and the age
    from which the elderly register counts a person 高龄; what is None stays as it is."""
    actor = acting_steward(ledger, supervisor=_("set the ledger's welfare policy "
                                                    "(`keyledger policy welfare`)"))
    for option, value in (("--escalate-after", escalate_after), ("--aged-from", aged_from)):
        if value is not None and value < 1:
            raise FatalError(_("{option} takes a whole number from 1.").format(option=option))
    settings = ledger.settings
    calls = escalate_after if escalate_after is not None else settings.escalate_after
    aged = aged_from if aged_from is not None else settings.aged_from
    if (calls, aged) == (settings.escalate_after, settings.aged_from):
        raise FatalError(_("The welfare policy is already that; nothing to change."))
    policies = {**settings.policies,
                "calls": {**settings.policies.get("calls", {}), "escalate_after": calls},
                "registers": {**settings.policies.get("registers", {}), "aged_from": aged}}
    text = yaml.dump(replace(settings, policies=policies).to_dict())
    parse_settings(SETTINGS, text)  # what is written must read back
    sha = ledger.change({SETTINGS: text}, gitops.format_message(
        subject(ledger, "welfare policy: a visit after {calls} unanswered calls; aged from {aged}",
                calls=calls, aged=aged),
        [("Action", "policy"), ("Steward", actor.id), ("Policy", "welfare"),
         ("Escalate-After", str(calls)), ("Aged-From", str(aged))]))
    return calls, aged, sha
