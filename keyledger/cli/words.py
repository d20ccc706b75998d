"""Options that take a word of the vocabulary: the callbacks that turn what was typed (浇花,
周三, 有问题) into the code the files keep, before the command runs.

Every option that takes a purpose, care item, flag, kind, role or weekday names one of these as
its `callback=`, so a word is accepted by every command or by none; an unknown word is refused
in one sentence naming the option and the choices, in the interface's language (exit 2).
"""

from __future__ import annotations

from typing import Any, Callable


def _option(param: Any) -> str | None:
    return max(param.opts, key=len) if getattr(param, "opts", None) else None


def one(kind: str) -> Callable[[Any, Any, Any], Any]:
    """A single word: its code."""
    def callback(ctx: Any, param: Any, value: Any) -> Any:
        from keyledger import vocab

        return None if value is None else vocab.parse(kind, value, _option(param))
    return callback


def many(kind: str) -> Callable[[Any, Any, Any], Any]:
    """A repeated option (a list of codes), or one text of several words (`浇花、暖气` or
    `plants,heating`: the codes joined by commas, as the command splits them)."""
    def callback(ctx: Any, param: Any, value: Any) -> Any:
        from keyledger import vocab

        if value is None:
            return None
        if isinstance(value, str):
            return ",".join(vocab.parse_list(kind, value, _option(param)))
        return list(vocab.parse_list(kind, value, _option(param)))
    return callback


def days(ctx: Any, param: Any, value: Any) -> Any:
    """A schedule's days (每天, 每周三, 周一到周五): `day` or weekday codes joined by commas."""
    from keyledger import vocab

    return None if value is None else ",".join(vocab.parse_days(value, _option(param)))
