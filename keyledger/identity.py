"""Who is acting: the steward whose registered SSH key this clone signs with.

The allowed-signers file that git verifies signatures against is derived from `stewards/` and
kept in `.git/keyledger/`, stamped with the tree id of `stewards/` it was made from, so it is
regenerated whenever the roster changes, here or in a commit that arrived from another clone.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from keyledger import gitops, statedir
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger, file_stamp, settled

if TYPE_CHECKING:
    from keyledger.model import Steward


_SETTINGS = (r"^(user\.signingkey|gpg\.format|remote\.origin\.url|"
             r"keyledger\.autoshare|keyledger\.sharetimeout)$")


def clone_settings(ledger: Ledger) -> dict[str, str]:
    """The clone's git settings keyledger acts on — signing, and sharing (`autoshare`) — in one
    git process, once per command: this runs at the start of every changing command, and its
    sharing at the end. A command that changes them sets `ledger.clone_settings = None`."""
    if ledger.clone_settings is None:
        ledger.clone_settings = dict(line.split(" ", 1) for line in gitops.git(
            ledger.root, "config", "--get-regexp", _SETTINGS, check=False).splitlines()
            if " " in line)
    return ledger.clone_settings


def signing_key_setting(ledger: Ledger) -> str:
    """The clone's `user.signingkey`, as configured (a key file or `key::` and a public key)."""
    found = clone_settings(ledger)
    value = found.get("user.signingkey")
    if not value or found.get("gpg.format") != "ssh":
        raise FatalError(_("This clone has no SSH signing key configured: run "
                           "`keyledger use-key ~/.ssh/id_ed25519` with your own key."))
    return value


def signing_public_key(ledger: Ledger, setting: str | None = None) -> str:
    from keyledger import sshkeys  # hashlib and base64: whoami's kept answer needs neither

    return sshkeys.public_of_signingkey(setting or signing_key_setting(ledger))


def steward_of_key(ledger: Ledger, public: str) -> Steward | None:
    from keyledger import sshkeys

    for steward in ledger.stewards():
        if steward.key and sshkeys.same_key(steward.key, public):
            return steward
    return None


def refuse_retired(ledger: Ledger, public: str) -> None:
    """A key a supervisor replaced (`steward key`) says so, rather than "nobody's"."""
    from keyledger import sshkeys

    for steward in ledger.stewards():
        for old in steward.retired_keys:
            if sshkeys.same_key(old.key, public):
                raise FatalError(_("The key {fp} is {name}'s old key, replaced on {until}: it "
                                   "signs nothing now. Use the new key: `keyledger use-key "
                                   "NEW_KEY`.").format(fp=sshkeys.fingerprint(public),
                                                       name=steward.name,
                                                       until=old.until.isoformat()))


def acting_steward(ledger: Ledger, supervisor: str | None = None,
                   setting: str | None = None) -> Steward:
    """The steward this clone signs as; `supervisor`, when given, names the act that only a
    supervisor may do, for the refusal to say."""
    from keyledger import sshkeys

    public = signing_public_key(ledger, setting)
    steward = steward_of_key(ledger, public)
    if steward is None:
        refuse_retired(ledger, public)
        raise FatalError(_("The signing key of this clone ({fp}) belongs to no steward of this "
                           "ledger; a supervisor must register it with `keyledger steward add`.")
                         .format(fp=sshkeys.fingerprint(public)))
    if not steward.active:
        raise FatalError(_("{name} ({id}) is no longer an active steward of this ledger.")
                         .format(name=steward.name, id=steward.id))
    if supervisor and steward.role != "supervisor":
        names = ", ".join(s.name for s in supervisors(ledger)) or "—"
        raise FatalError(_("Only a supervisor may {act}; {name} ({id}) is a steward: ask a "
                           "supervisor ({supervisors}) to do it.").format(
                               act=supervisor, name=steward.name, id=steward.id,
                               supervisors=names))
    return steward


_ANSWER = ("id", "name", "role", "fingerprint")
_STAMP_VERSION = 2


def whoami(ledger: Ledger) -> dict[str, str]:
    """Who this clone signs as: id, name, role and the key's fingerprint.

    The answer is kept in `.git/keyledger/identity.json` with a stamp of all it was derived
    from — the signing-key setting, the status (times, size, inode) of the key files it names
    and of every roster file — so asking again reads neither the key nor the roster; a change
    to any of them, by keyledger, by git or by hand, changes the stamp and the answer is worked
    out again. Nothing is kept while a file it rests on is too young to trust (`settled`)."""
    setting = signing_key_setting(ledger)
    stamp, all_settled = _identity_stamp(ledger, setting)
    path = ledger.state_dir / "identity.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept["stamp"] == stamp and tuple(kept["steward"]) == _ANSWER:
            return {field: str(kept["steward"][field]) for field in _ANSWER}
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none kept yet, or unreadable: work it out
    from keyledger import sshkeys

    steward = acting_steward(ledger, setting=setting)
    answer = dict(zip(_ANSWER, (steward.id, steward.name, steward.role,
                                sshkeys.fingerprint(steward.key))))
    if all_settled:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            tmp.write_text(json.dumps({"stamp": stamp, "steward": answer}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # not kept: only slower next time
    return answer


def _identity_stamp(ledger: Ledger, setting: str) -> tuple[list[object], bool]:
    """The stamp, and whether every file in it is old enough to trust it later."""
    stats: list[os.stat_result] = []

    def stat(path: str) -> list[int] | None:
        try:
            stats.append(os.stat(path))
        except OSError:
            return None
        return list(file_stamp(stats[-1]))

    files: list[object] = []
    if not setting.startswith("key::"):
        named = os.path.expanduser(setting)
        files = [stat(named), stat(named + ".pub")]
    try:
        roster = sorted((e.name, stat(e.path)) for e in os.scandir(ledger.root / "stewards"))
    except OSError:
        roster = []
    stamp = [_STAMP_VERSION, setting, files, [[name, st] for name, st in roster]]
    return stamp, all(settled(st) for st in stats)


def private_key_path(ledger: Ledger) -> Path:
    """The SSH private key that opens door codes: KEYLEDGER_IDENTITY, else the signing key's."""
    explicit = os.environ.get("KEYLEDGER_IDENTITY")
    if explicit:
        return Path(explicit).expanduser()
    value = gitops.config_get(ledger.root, "user.signingkey") or ""
    if value.startswith("key::") or not value:
        raise FatalError(_("Door codes are opened with your SSH private key: set "
                           "KEYLEDGER_IDENTITY to its file."))
    path = Path(value).expanduser()
    return path.with_suffix("") if path.suffix == ".pub" else path


def supervisors(ledger: Ledger) -> list[Steward]:
    return [s for s in ledger.stewards() if s.role == "supervisor" and s.active]


def allowed_signers_path(ledger: Ledger) -> Path:
    return ledger.state_dir / "allowed_signers"


def _roster_folder_time(ledger: Ledger) -> str:
    try:
        return str(os.stat(ledger.root / "stewards").st_mtime_ns)
    except OSError:
        return ""


def roster_may_have_changed(ledger: Ledger) -> bool:
    """Whether `stewards/` may differ from what the allowed-signers file was made from, by one
    stat: git rewrites a file it checks out (a pull, a reset), which touches the folder."""
    kept = statedir.text(allowed_signers_path(ledger).with_suffix(".stamp"))
    if kept is None:
        return True
    recorded = kept.split("\n")
    return len(recorded) != 2 or recorded[1] != _roster_folder_time(ledger)


def refresh_allowed_signers(ledger: Ledger, force: bool = False,
                            roster: list[Steward] | None = None) -> Path:
    path = allowed_signers_path(ledger)
    stamp_path = path.with_suffix(".stamp")
    tree = gitops.git(ledger.root, "rev-parse", "-q", "--verify", "HEAD:stewards",
                      check=False).strip()
    stamp = f"{tree}\n{_roster_folder_time(ledger)}"
    recorded = statedir.text(stamp_path) or ""
    if not force and path.exists() and recorded.split("\n")[0] == tree:
        if recorded != stamp:
            stamp_path.write_text(stamp)
        return path
    from keyledger import sshkeys

    # Every steward ever registered stays here, active or not, so that old commits still verify;
    # whether a signer was active at the time is a question for `verify`, not for git.
    # A replaced key stays too, valid before the moment it was replaced: git checks a commit
    # against it at the commit's own date, so the commits it signed verify and later ones not.
    lines = []
    for s in (roster if roster is not None else ledger.stewards()):
        if s.key:
            lines.append(f'{s.id} namespaces="git" {sshkeys.normalize(s.key)}\n')
        for old in s.retired_keys:  # valid-before is exclusive; git dates to the second
            until = (old.until.astimezone(timezone.utc) + timedelta(seconds=1)).strftime(
                "%Y%m%d%H%M%SZ")
            lines.append(f'{s.id} namespaces="git",valid-before="{until}" '
                         f'{sshkeys.normalize(old.key)}\n')
    ledger.write_atomic(str(path.relative_to(ledger.root)), "".join(lines))
    stamp_path.write_text(stamp)
    return path


def configure_clone(ledger: Ledger, steward: Steward, signingkey: str,
                    roster: list[Steward] | None = None) -> None:
    """Point this clone's git at the steward's key; every commit from here on is SSH-signed,
    and nothing leaves the clone unverified (its pre-push hook).

    Nothing set here names the clone's own folder: git runs its commands (and the hooks) from
    the top of the work tree, so the allowed-signers file is named relative to it, and the clone
    can be moved or copied to another folder."""
    from keyledger.hooks import install_clone_hooks

    install_clone_hooks(ledger.root)  # first: a hook of the user's own stops it here
    signers = refresh_allowed_signers(ledger, force=True, roster=roster)
    for name, value in (("gpg.format", "ssh"), ("user.signingkey", signingkey),
                        ("commit.gpgsign", "true"), ("tag.gpgsign", "true"),
                        ("pull.ff", "only"),
                        ("gpg.ssh.allowedSignersFile", os.path.relpath(signers, ledger.root)),
                        ("user.name", steward.name),
                        ("user.email", f"{steward.id}@keyledger.invalid")):
        gitops.git(ledger.root, "config", name, value)
    ledger.clone_settings = None


def keep_movable(ledger: Ledger) -> None:
    """A clone set up by an older keyledger named the allowed-signers file by its absolute path
    and wrote a pre-push hook that ran its own python with `-m` in the ledger's folder: both
    are set as `configure_clone` sets them now. A hook of the user's own is left alone."""
    from keyledger.hooks import install_clone_hooks

    value = gitops.config_get(ledger.root, "gpg.ssh.allowedSignersFile")
    if value and os.path.isabs(value):
        gitops.git(ledger.root, "config", "gpg.ssh.allowedSignersFile",
                   os.path.relpath(allowed_signers_path(ledger), ledger.root))
    try:
        install_clone_hooks(ledger.root)
    except FatalError:
        pass
