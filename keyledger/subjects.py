"""Commit subjects in the ledger's language: a 中文 ledger's `git log --oneline` reads
"周丽霞 取出 K-0003（小秋百货）：紧急处置", whatever language the steward's interface speaks.

The subject is for people; the trailers under it stay codes for programs (DESIGN §3). Each
subject is an English msgid of the catalog (tools/i18n.py extracts the literal given to
`subject`); values named `purpose` and `role` are named in the ledger's language too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keyledger.ledger import Ledger

# Fields whose values are codes of the vocabulary, named in the subject's language.
_WORDS = {"purpose": "visit-purpose", "role": "role", "kind": "key-kind",
          "outcome": "call-outcome", "via": "request-channel", "by": "request-from"}


def language(locale: str) -> str:
    return "zh" if locale.lower().startswith("zh") else "en"


def subject(where: "Ledger | str", message: str, **fields: Any) -> str:
    """`message` in the language of the ledger (or of the locale given), filled with `fields`."""
    from keyledger import vocab
    from keyledger.i18n import in_language

    lang = language(where if isinstance(where, str) else where.settings.locale)
    said = in_language(lang)
    values = {k: vocab.name(_WORDS[k], v, lang) if k in _WORDS and isinstance(v, str) else v
              for k, v in fields.items()}
    if isinstance(values.get("purposes"), (list, tuple)):
        values["purposes"] = vocab.names("purpose", values["purposes"], lang)
    if "action" in values:
        values["action"] = said(str(values["action"]))
    return said(message).format(**values)
