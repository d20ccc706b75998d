"""The fixed vocabularies of the ledger: documented in the README, checked by the model."""

from __future__ import annotations

PURPOSES = ("inspection", "plants", "pets", "heating", "contractor", "repair", "emergency",
            "delivery", "other")
KEY_KINDS = ("physical", "code", "card")
KEY_STATES = ("in", "out", "lost", "handed-back")
HOUSEHOLD_KINDS = ("resident", "merchant")
ROLES = ("steward", "supervisor")
FLAGS = ("lives-alone", "elderly", "away-season", "commuter", "low-income", "disabled", "pet",
         "merchant", "lock-change")
CARE = ("plants", "pets", "heating", "windows", "gas", "water", "electricity", "mail", "fridge",
        "doors")
# A visit may be made without a key: a welfare phone call, a doorstep delivery.
VISIT_PURPOSES = PURPOSES + ("call", "follow-up")
CHECK_RESULTS = ("ok", "problem", "n/a")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
