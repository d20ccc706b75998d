"""Door codes: who may change a code's ciphertext, and who can really open it — found from the
ciphertext itself, with no key and no decryption.

age writes one header stanza per recipient; an SSH recipient's stanza (`-> ssh-ed25519 TAG …`,
`-> ssh-rsa TAG`) carries a tag: the first four bytes of the SHA-256 of the recipient's public
key. So the stewards a code is encrypted to are the roster's keys whose tags the header holds,
and `code_recipients` — what people read — can be held to them. Pure functions: `verify`, the
server hook, `sync`'s replay, `check` and the commands share them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from keyledger.errors import Refused
from keyledger.i18n import _
from keyledger.model import AGE_ARMOR, Household, Key, Steward

_SSH_STANZAS = ("ssh-ed25519", "ssh-rsa")


def tag(public_key: str) -> str | None:
    """The tag age gives an SSH public key (`ssh-ed25519 AAAA… comment`)."""
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return None
    return base64.b64encode(hashlib.sha256(blob).digest()[:4]).decode().rstrip("=")


def stanzas(armored: str) -> list[tuple[str, str]] | None:
    """The recipient stanzas of an armored age file as (type, first argument), without age's
    random `*-grease` ones; None when it is not an age file."""
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or lines[0] != AGE_ARMOR or not lines[-1].startswith("-----END AGE"):
        return None
    try:
        data = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (ValueError, binascii.Error):
        return None
    header, sep, _payload = data.partition(b"\n---")
    rows = header.split(b"\n")
    if not sep or rows[0] != b"age-encryption.org/v1":
        return None
    found = []
    for row in rows[1:]:
        if row.startswith(b"-> "):
            args = row[3:].decode("ascii", "replace").split()
            if args and not args[0].endswith("-grease"):
                found.append((args[0], args[1] if len(args) > 1 else ""))
    return found


def ssh_tags(armored: str) -> frozenset[str]:
    """The tags of the SSH keys a code is encrypted to (see the module's docstring)."""
    return frozenset(arg for kind, arg in stanzas(armored) or [] if kind in _SSH_STANZAS)


@dataclass(frozen=True)
class Recipients:
    """Whom a code is really encrypted to: stewards by their current key, stewards by a key
    they replaced (`steward key`: it may be in a stranger's hands now), and how many
    recipients are no steward's key at all (another key, a passphrase, a plugin)."""
    stewards: frozenset[str]
    replaced: tuple[str, ...]
    strangers: int

    def named(self) -> str:
        """In words, for a message: the stewards, then the keys that are not theirs now."""
        return ", ".join(sorted(self.stewards)
                         + [_("{id}'s replaced key").format(id=i) for i in self.replaced]
                         + [_("a key of no steward")] * self.strangers) or "—"


def real_recipients(armored: str, roster: Iterable[Steward]) -> Recipients:
    """Whom the code is encrypted to, among the stewards registered at any time."""
    current: dict[str, str] = {}
    retired: dict[str, str] = {}
    for steward in roster:
        t = tag(steward.key) if steward.key else None
        if t:
            current[t] = steward.id
        retired.update({t: steward.id for t in (tag(old.key) for old in steward.retired_keys)
                        if t})
    found = [arg if kind in _SSH_STANZAS else None for kind, arg in stanzas(armored) or []]
    return Recipients(frozenset(current[t] for t in found if t in current),
                      tuple(sorted({retired[t] for t in found
                                    if t not in current and t in retired})),
                      sum(1 for t in found if t not in current and t not in retired))


def readers(household: Household, roster: dict[str, Steward]) -> frozenset[str]:
    """Who may open a household's door codes: its active A/B stewards and the active
    supervisors."""
    return frozenset([s.id for s in roster.values() if s.role == "supervisor" and s.active]
                     + [i for i in household.pair if i in roster and roster[i].active])


# Which commands may write a code's ciphertext, and who may run them for it.
def check_rights(action: str, household: Household, actor_id: str, supervisor: bool) -> None:
    if action == "rekey" and not supervisor:
        raise Refused(_("Only a supervisor re-encrypts door codes (`keyledger rekey`)."))
    # Registering a code is writing one: a steward outside the pair could otherwise put a code
    # of their choosing (one they know) in the household's file beside the real one.
    if action in ("code-rotate", "key-add") and not supervisor and actor_id not in household.pair:
        raise Refused(_("Only {household}'s A/B pair or a supervisor may change its door code.")
                      .format(household=household.id))
    if action not in ("rekey", "code-rotate", "key-add"):
        raise Refused(_("A door code is written only by `key add`, `key rotate-code` or "
                        "`rekey`, not by a {action} commit.").format(action=action))


def check_sealed(key: Key, household: Household, roster: dict[str, Steward]) -> None:
    """A code as it is written: encrypted to exactly the stewards its `code_recipients`
    names, and only to those who may open it."""
    if key.code is None:
        return
    real = real_recipients(key.code, roster.values())
    recorded = frozenset(key.code_recipients)
    if real.replaced or real.strangers or real.stewards != recorded:
        raise Refused(_("the door code of {key} is encrypted to {real}, but its file says "
                        "{recorded}").format(key=key.id, real=real.named(),
                                             recorded=", ".join(sorted(recorded)) or "—"))
    outsiders = sorted(recorded - readers(household, roster))
    if outsiders:
        raise Refused(_("the door code of {key} is encrypted to {who}, who may not open the "
                        "codes of {household} (its A/B pair and the supervisors may)").format(
                            key=key.id, who=", ".join(outsiders), household=household.id))


def check_code_change(before: Key | None, after: Key, household: Household,
                      roster: dict[str, Steward], actor_id: str, action: str) -> None:
    """A commit that writes a key file's code: the action and its signer may, and the code
    is sealed as `check_sealed` says. Leaving the code as it was needs no right."""
    if before is not None and (before.code, before.code_recipients) == \
            (after.code, after.code_recipients):
        return
    actor = roster.get(actor_id)
    check_rights(action, household, actor_id, bool(actor and actor.active
                                                    and actor.role == "supervisor"))
    check_sealed(after, household, roster)
