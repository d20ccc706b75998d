"""A household's whole file on one screen (一户一档): what `household show` prints and its JSON
give — the household file itself, and what it takes the keys' and visits' records to say: where
each key is (a door code: who was given it, when it was last used), the last visits, and the
follow-ups still to come. Open problems, requests and money owed are in the household file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from keyledger.ledger import Ledger
from keyledger.model import Household, Key, Visit
from keyledger.timeutil import now, zone
from keyledger.whereabouts import CodeKnown, code_known

LAST_VISITS = 5
# Follow-ups are set days or weeks ahead: the visits of the last quarter hold the ones to come,
# and the last visits shown are among them (a household not visited for a quarter shows none).
RECENT = timedelta(days=92)


@dataclass(frozen=True)
class FollowUp:
    day: date
    visit: str          # the visit that asked for it
    steward: str


@dataclass(frozen=True)
class Profile:
    household: Household
    today: date
    aged_from: int                      # the ledger's 高龄 threshold
    authorization: str                  # valid, revoked, not-in-force or none
    keys: list[Key]                     # handed-back ones too, last
    codes: dict[str, CodeKnown]         # door codes still held: who was given them, last used
    visits: list[Visit]                 # the last ones, newest first
    follow_ups: list[FollowUp]          # still to come, soonest first
    names: dict[str, str]               # steward id -> name

    def aged(self) -> bool:
        """高龄: someone in the household is at least the ledger's threshold."""
        from keyledger.register import aged

        return aged(tuple((p.born, p.birthday) for p in self.household.people), self.today,
                    self.aged_from)


def gather(ledger: Ledger, household_id: str) -> Profile:
    from keyledger.visits import visits_between

    household = ledger.household(household_id)
    today = now(zone(ledger.settings.timezone)).date()
    keys = sorted(ledger.keys_of(household.id), key=lambda k: (k.state == "handed-back", k.id))
    codes = {k.id: code_known(ledger, k) for k in keys if k.kind == "code"
             and k.state != "handed-back"}
    recent = visits_between(ledger, today - RECENT, today, household.id)
    follow_ups = [FollowUp(v.follow_up, v.id, v.stewards[0]) for v in recent
                  if v.follow_up and v.follow_up >= today and not _made(v, recent)]
    auth = household.authorization
    return Profile(household, today, ledger.settings.aged_from,
                   auth.state(today) if auth else "none", keys, codes,
                   list(reversed(recent))[:LAST_VISITS],
                   sorted(follow_ups, key=lambda f: f.day),
                   {s.id: s.name for s in ledger.stewards()})


def _made(asking: Visit, recent: list[Visit]) -> bool:
    """A follow-up asked for today is made once a later visit was recorded today."""
    tz = asking.started.tzinfo
    return any(v.started > asking.started and v.started.astimezone(tz).date() == asking.follow_up
               for v in recent)
