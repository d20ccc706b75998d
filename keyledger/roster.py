"""Founding a ledger and keeping its roster of stewards."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from keyledger import gitops, sshkeys, yaml
from keyledger.errors import FatalError, os_error
from keyledger.i18n import _
from keyledger.identity import (acting_steward, configure_clone, refresh_allowed_signers,
                                refuse_retired, steward_of_key)
from keyledger.ids import check_id
from keyledger.forms import STEWARD_WORDS, load_form, record_from
from keyledger.ledger import SETTINGS, Ledger, locked
from keyledger.model import DEFAULT_EXPECTED_BACK, Steward, parse_settings, parse_steward
from keyledger.subjects import subject
from keyledger.timeutil import zone


def init_ledger(path: Path, community: str, supervisor: str, name: str, key: str,
                phone: str | None = None, timezone: str | None = None,
                locale: str | None = None, settings_form: Path | None = None) -> tuple[Ledger, str]:
    check_id(supervisor, _("steward"))
    if not community.strip() or not name.strip():
        raise FatalError(_("A community name and the supervisor's name are both needed."))
    base = load_form(settings_form) if settings_form else {
        "schema": 1, "timezone": "Asia/Shanghai", "locale": "zh_CN",
        "policies": {"expected_back": dict(DEFAULT_EXPECTED_BACK)}}
    given = {"community": community.strip(), "timezone": timezone, "locale": locale}
    settings_text = yaml.dump({**base, **{k: v for k, v in given.items() if v}})
    settings = parse_settings(str(settings_form or SETTINGS), settings_text)
    zone(settings.timezone)
    public, signingkey = sshkeys.resolve(key)
    path = path.expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise FatalError(_("{path} is a file; a new ledger needs an empty or new folder.")
                         .format(path=path))
    if path.exists() and any(path.iterdir()):
        raise FatalError(_("{path} is not empty; a new ledger needs an empty or new folder.")
                         .format(path=path))
    steward = Steward(supervisor, name.strip(), phone, "supervisor", public, True)
    settings_text, steward_text = yaml.dump(settings.to_dict()), yaml.dump(steward.to_dict())
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FatalError(_("Cannot create {path}: {error}.").format(path=path, error=os_error(exc)))
    try:
        gitops.git(path, "init", "-q", "-b", "main")
        ledger = Ledger(path)
        configure_clone(ledger, steward, signingkey, roster=[steward])
        sha = ledger.change(
            {SETTINGS: settings_text, f"stewards/{supervisor}.yaml": steward_text},
            gitops.format_message(
                subject(settings.locale, "ledger of {community} begun, supervisor {name}",
                        community=settings.community, name=steward.name),
                [("Action", "init"), ("Steward", supervisor), ("Roster", supervisor),
                 ("Role", "supervisor")]))
    except BaseException:
        shutil.rmtree(path) if created else [shutil.rmtree(p) if p.is_dir() else p.unlink()
                                             for p in path.iterdir()]
        raise
    return ledger, sha


def use_key(ledger: Ledger, key: str) -> Steward:
    public, signingkey = sshkeys.resolve(key)
    refresh_allowed_signers(ledger)
    steward = steward_of_key(ledger, public)
    if steward is None:
        refuse_retired(ledger, public)
        raise FatalError(_("The key {fp} belongs to no steward of this ledger; a supervisor must "
                           "register it first with `keyledger steward add`.")
                         .format(fp=sshkeys.fingerprint(public)))
    if not steward.active:
        raise FatalError(_("The key {fp} is registered to {name} ({id}), who is no longer an "
                           "active steward: their key signs nothing here; a supervisor can make "
                           "them active again with `keyledger steward reactivate {id}`.")
                         .format(fp=sshkeys.fingerprint(public), name=steward.name, id=steward.id))
    configure_clone(ledger, steward, signingkey)
    return steward


@locked
def add_steward(ledger: Ledger, ident: str, name: str | None, key: str | None,
                phone: str | None = None, role: str | None = None,
                from_file: Path | None = None) -> tuple[Steward, str]:
    check_id(ident, _("steward"))
    actor = acting_steward(ledger, supervisor=_("register a steward (`keyledger steward add`)"))
    if ledger.exists("steward", ident):
        raise FatalError(_("There is already a steward {id!r}; choose another id.").format(id=ident))
    defaults = {"schema": 1, "id": ident, "role": "steward", "active": True}
    given = {"name": name, "phone": phone, "role": role,
             "key": sshkeys.resolve(key)[0] if key else None}
    steward = record_from(parse_steward, ident, defaults, given, from_file, STEWARD_WORDS)
    steward = replace(steward, key=sshkeys.normalize(steward.key))
    other = _registered_to(ledger, steward.key)
    if other is not None:
        raise FatalError(_("That SSH key is already registered to {id}; every steward signs "
                           "with a key of their own.").format(id=other.id))
    relpath = ledger.relpath("steward", ident)
    text = yaml.dump(steward.to_dict())
    sha = ledger.change({relpath: text}, gitops.format_message(
        subject(ledger, "{actor} registers {role} {name} ({id})", actor=actor.name,
                role=steward.role, name=steward.name, id=ident),
        [("Action", "steward-add"), ("Steward", actor.id), ("Roster", ident),
         ("Role", steward.role)]))
    refresh_allowed_signers(ledger, force=True)
    return steward, sha


def _registered_to(ledger: Ledger, public: str) -> Steward | None:
    """The steward a key is, or was (a replaced key), registered to."""
    for other in ledger.stewards():
        if any(sshkeys.same_key(k, public) for k in (other.key, *(r.key for r in
                                                                   other.retired_keys)) if k):
            return other
    return None


@locked
def deactivate_steward(ledger: Ledger, ident: str) -> tuple[Steward, str]:
    """A supervisor's commit: the steward leaves; their file and signatures stay."""
    steward = ledger.steward(ident)
    actor = acting_steward(ledger,
                           supervisor=_("deactivate a steward (`keyledger steward deactivate`)"))
    if not steward.active:
        raise FatalError(_("{id} is already inactive.").format(id=ident))
    if steward.id == actor.id:
        raise FatalError(_("A supervisor cannot deactivate themselves; ask another supervisor."))
    return _set_active(ledger, steward, actor, False)


@locked
def reactivate_steward(ledger: Ledger, ident: str) -> tuple[Steward, str]:
    """A supervisor's commit: a steward who left (leave, a move) signs again, with the key on
    their file; their door-code access comes back with the next `rekey`."""
    steward = ledger.steward(ident)
    actor = acting_steward(ledger,
                           supervisor=_("reactivate a steward (`keyledger steward reactivate`)"))
    if steward.active:
        raise FatalError(_("{id} is already active.").format(id=ident))
    return _set_active(ledger, steward, actor, True)


def _set_active(ledger: Ledger, steward: Steward, actor: Steward,
                active: bool) -> tuple[Steward, str]:
    steward = replace(steward, active=active)
    said = subject(ledger, "{role} {name} ({id}) is active again", role=steward.role,
                   name=steward.name, id=steward.id) if active else \
        subject(ledger, "{role} {name} ({id}) has left", role=steward.role, name=steward.name,
                id=steward.id)
    sha = ledger.change({ledger.relpath("steward", steward.id): yaml.dump(steward.to_dict())},
                        gitops.format_message(
                            said,
                            [("Action", "steward-reactivate" if active else "steward-deactivate"),
                             ("Steward", actor.id),
                             ("Roster", steward.id), ("Role", steward.role)]))
    refresh_allowed_signers(ledger, force=True)
    return steward, sha


@locked
def edit_steward(ledger: Ledger, ident: str, name: str | None = None, phone: str | None = None,
                 role: str | None = None) -> tuple[Steward, str]:
    """A supervisor's commit: a steward's name, phone or role (a promotion or a demotion).
    The key stays: a new key is a new registration, so old signatures keep their signer."""
    steward = ledger.steward(ident)
    actor = acting_steward(ledger, supervisor=_("change a steward's file (`keyledger steward "
                                                "edit`)"))
    given = {"name": name, "phone": phone, "role": role}
    if all(v is None for v in given.values()):
        raise FatalError(_("Nothing to change: give --name, --phone or --role."))
    edited = record_from(parse_steward, ident, steward.to_dict(), given, None, STEWARD_WORDS)
    changed = [f for f in ("name", "phone", "role") if getattr(edited, f) != getattr(steward, f)]
    if not changed:
        raise FatalError(_("{id}'s file already says that; nothing to change.").format(id=ident))
    if steward.role == "supervisor" and edited.role != "supervisor" and steward.active and not [
            s for s in ledger.stewards() if s.role == "supervisor" and s.active and s.id != ident]:
        raise FatalError(_("{id} is the only active supervisor; register or promote another "
                           "supervisor first.").format(id=ident))
    sha = ledger.change({ledger.relpath("steward", ident): yaml.dump(edited.to_dict())},
                        gitops.format_message(
                            subject(ledger, "{role} {name} ({id}) changed: {fields}",
                                    role=edited.role, name=edited.name, id=ident,
                                    fields=", ".join(changed)),
                            [("Action", "steward-edit"), ("Steward", actor.id), ("Roster", ident),
                             ("Role", edited.role), ("Fields", ",".join(changed))]))
    refresh_allowed_signers(ledger, force=True)
    return edited, sha


@locked
def replace_key(ledger: Ledger, ident: str, key: str) -> tuple[Steward, Steward, str]:
    """A supervisor's commit: the steward signs with a new key from now on (a phone or laptop
    lost or replaced); the old one is kept under `retired_keys` with this moment, so that what
    it signed before still verifies and nothing it signs after does."""
    from keyledger.model import RetiredKey
    from keyledger.roster_rules import check_steward_change
    from keyledger.timeutil import now

    steward = ledger.steward(ident)
    actor = acting_steward(ledger, supervisor=_("replace a steward's key (`keyledger steward "
                                                "key`)"))
    public = sshkeys.resolve(key)[0]
    if sshkeys.same_key(public, steward.key):
        raise FatalError(_("That is already {name}'s key; nothing to change.").format(
            name=steward.name))
    other = _registered_to(ledger, public)
    if other is not None:
        raise FatalError(_("That SSH key is already registered to {id}; every steward signs "
                           "with a key of their own.").format(id=other.id))
    moment = now(zone(ledger.settings.timezone))
    new = replace(steward, key=public,
                  retired_keys=steward.retired_keys + (RetiredKey(steward.key, moment),))
    check_steward_change(steward, new)
    sha = ledger.change({ledger.relpath("steward", ident): yaml.dump(new.to_dict())},
                        gitops.format_message(
                            subject(ledger, "{actor} replaces the key of {role} {name}",
                                    actor=actor.name, role=new.role, name=new.name),
                            [("Action", "steward-key"), ("Steward", actor.id), ("Roster", ident),
                             ("Role", new.role), ("At", moment.isoformat())]))
    refresh_allowed_signers(ledger, force=True)
    return steward, new, sha
