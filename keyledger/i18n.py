"""The one translation function every user-facing string goes through.

The language comes from `--lang`, else `LC_ALL` / `LC_MESSAGES` / `LANG`; catalogs live in
`keyledger/locale/<lang>/LC_MESSAGES/keyledger.mo`. A missing catalog falls back to the English
source strings, so the interface never breaks for want of a translation.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation: gettext.NullTranslations | None = None
_language = "en"


def language_from_env() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> None:
    global _translation, _language
    lang = lang or language_from_env()
    _language = lang
    _translation = gettext.translation(
        "keyledger", localedir=_LOCALE_DIR, languages=[lang], fallback=True
    )


def _(message: str) -> str:
    if _translation is None:
        set_language(None)
    assert _translation is not None
    return _translation.gettext(message)


def language() -> str:
    if _translation is None:
        set_language(None)
    return _language
