"""The fixed vocabularies of the ledger: documented in the README, checked by the model."""

from __future__ import annotations

# A follow-up (回访) may need the key too: the day after a leak was repaired.
PURPOSES = ("inspection", "plants", "pets", "heating", "contractor", "repair", "emergency",
            "delivery", "other", "follow-up")
KEY_KINDS = ("physical", "code", "card")
KEY_STATES = ("in", "out", "lost", "handed-back")
HOUSEHOLD_KINDS = ("resident", "merchant")
ROLES = ("steward", "supervisor")
FLAGS = ("lives-alone", "elderly", "away-season", "commuter", "low-income", "disabled", "pet",
         "merchant", "lock-change")
CARE = ("plants", "pets", "heating", "windows", "gas", "water", "electricity", "mail", "fridge",
        "doors")
# A visit may be made without a key: a welfare phone call, an errand (代买/代办) left at the door.
VISIT_PURPOSES = PURPOSES + ("call", "errand")
# `fixed`: a problem put right on the spot, with what was done; `problem` stays open.
CHECK_RESULTS = ("ok", "problem", "fixed", "n/a")
# How a call went. Only a call that reached someone satisfies a welfare call.
CALL_OUTCOMES = ("answered", "family", "no-answer", "busy", "off")
CALL_REACHED = ("answered", "family")
# An owner's request (帮我看看阳台窗户关没关): how it came, and from whom.
REQUEST_CHANNELS = ("phone", "wechat", "in-person", "other")
REQUEST_FROM = ("owner", "family", "neighbour", "other")
# The elderly register's living situation (居住状态).
LIVING = ("alone", "empty-nest", "with-children", "with-others")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
