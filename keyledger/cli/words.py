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


# Ids as people say them (keyledger/naming.py): a key's tag number in any case, a household by
# its resident's name or address, a steward by name. An id that is not in the ledger is refused
# here, with suggestions that show names and addresses.

def _ledger() -> Any:
    from keyledger.cli.common import state
    from keyledger.errors import FatalError
    from keyledger.ledger import find

    try:
        ledger = find(state.ledger_path)
        ledger.git_dir  # a folder that is not a repository: the command itself says so
        return ledger
    except (FatalError, OSError):
        return None  # the command itself says there is no ledger


def _resolved(resolve: Callable[[Any, str], str], value: Any) -> Any:
    ledger = _ledger() if value else None
    if ledger is None:
        return value
    if isinstance(value, (list, tuple)):
        return [resolve(ledger, v) for v in value]
    return resolve(ledger, value)


def key(ctx: Any, param: Any, value: Any) -> Any:
    from keyledger import naming

    return _resolved(naming.key, value)


def household(ctx: Any, param: Any, value: Any) -> Any:
    from keyledger import naming

    return _resolved(naming.household, value)


def steward(ctx: Any, param: Any, value: Any) -> Any:
    from keyledger import naming

    return _resolved(naming.steward, value)


def pair(ctx: Any, param: Any, value: Any) -> Any:
    """`--pair A,B`: each a steward's id or name."""
    from keyledger import naming

    return _resolved(lambda lg, v: ",".join(naming.steward(lg, s.strip()) if s.strip() else s
                                            for s in v.replace("，", ",").split(",")), value)


def assignee(ctx: Any, param: Any, value: Any) -> Any:
    """`--steward a|b|ID`: the A or B post (a, A岗), or a steward by id or name."""
    from keyledger import naming

    posts = {"a": "a", "a岗": "a", "b": "b", "b岗": "b"}

    def resolve(ledger: Any, text: str) -> str:
        post = posts.get(naming.normal(text))
        return post if post else naming.steward(ledger, text)
    return _resolved(resolve, value)


def key_or_household(ctx: Any, param: Any, value: Any) -> Any:
    from keyledger import naming

    return _resolved(naming.key_or_household, value)
