"""The one translation function every user-facing string goes through.

The language comes from `--lang`, else `LC_ALL` / `LC_MESSAGES` / `LANG`; catalogs live in
`keyledger/locale/<lang>/LC_MESSAGES/keyledger.mo` (made by `tools/i18n.py`). A missing catalog
falls back to the English source strings, so the interface never breaks for want of a
translation.

Typer's own words (Usage, Options, Missing option, Try … for help) are not ours, but a steward
reads them too: `localize_cli` routes them through the same catalog, and only when a catalog is
in use — in English nothing is touched.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path
from typing import Any, Callable

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
    if not message:  # gettext("") is the catalog's header, never what the caller meant
        return message
    if _translation is None:
        set_language(None)
    assert _translation is not None
    return _translation.gettext(message)


def language() -> str:
    if _translation is None:
        set_language(None)
    return _language


# --- Typer's and click's own words -------------------------------------------------------------
#
# Typer 0.29 vendors click as `typer._click`, whose messages are plain f-strings (no gettext), and
# its own `typer.core` / `typer.rich_utils` call the standard library's `gettext.gettext` (domain
# "messages"). So: `typer.core._` becomes ours; the few click methods that word a message are
# wrapped to word it through `_`; `typer.rich_utils` — imported by Typer only to draw help or an
# error — gets its panel titles from `_` the moment it is imported (or at once if it already is).
# Every wrapper calls `_` when it runs, so after a switch back to English it says the original.

_cli_hooked = False


def localize_cli() -> None:
    """Make Typer's help and usage errors speak the interface's language; call once Typer is
    imported. Free in English: nothing is patched and nothing imported."""
    global _cli_hooked
    if not _cli_hooked:
        if type(_translation) is gettext.NullTranslations or _translation is None:
            return
        _hook_typer()
        _cli_hooked = True
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        _localize_rich_utils(rich_utils)


def _localize_rich_utils(module: Any) -> None:
    module.DEPRECATED_STRING = _("(deprecated) ")
    module.DEFAULT_STRING = _("[default: {}]")
    module.ENVVAR_STRING = _("[env var: {}]")
    module.REQUIRED_LONG_STRING = _("[required]")
    module.ARGUMENTS_PANEL_TITLE = _("Arguments")
    module.OPTIONS_PANEL_TITLE = _("Options")
    module.COMMANDS_PANEL_TITLE = _("Commands")
    module.ERRORS_PANEL_TITLE = _("Error")
    module.ABORTED_TEXT = _("Aborted.")
    module.RICH_HELP = _("Try [blue]'{command_path} {help_option}'[/] for help.")
    import re

    usage = rf"(?P<usage>{re.escape(_('Usage: '))})"
    highlights = module.OptionHighlighter.highlights
    if usage not in highlights:
        module.OptionHighlighter.highlights = [*highlights, usage]


class _LocalizeOnImport:
    """A finder that lets the normal finders load `typer.rich_utils`, then localizes it."""

    NAME = "typer.rich_utils"

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != self.NAME:
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None and spec.loader is not None:
                exec_module = spec.loader.exec_module

                def exec_and_localize(module: Any) -> None:
                    exec_module(module)
                    _localize_rich_utils(module)

                spec.loader.exec_module = exec_and_localize
                return spec
        return None


def _wrap(cls: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    setattr(cls, name, make(getattr(cls, name)))


def _hook_typer() -> None:
    import typer._click.core as click_core
    import typer._click.exceptions as click_exceptions
    import typer._click.formatting as click_formatting
    import typer.core as typer_core

    typer_core._ = _  # type: ignore[attr-defined]  # "No such command", "Missing command.", …

    if "typer.rich_utils" not in sys.modules:
        sys.meta_path.insert(0, _LocalizeOnImport())

    _wrap(click_formatting.HelpFormatter, "write_usage", lambda original: (
        lambda self, prog, args="", prefix=None:
            original(self, prog, args, _("Usage: ") if prefix is None else prefix)))

    def get_help_option(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, ctx: Any) -> Any:
            option = original(self, ctx)
            if option is not None:
                option.help = _("Show this message and exit.")
            return option
        return wrapper

    _wrap(click_core.Command, "get_help_option", get_help_option)

    exceptions = click_exceptions
    escape = exceptions._escape_control_characters
    join_hints = exceptions._join_param_hints

    def click_message(self: Any) -> str:
        return _click_message(self.message)

    def bad_parameter(self: Any) -> str:
        if self.param_hint is not None:
            hint = self.param_hint
        elif self.param is not None:
            hint = self.param.get_error_hint()
        else:
            return _("Invalid value: {message}").format(message=self.message)
        return _("Invalid value for {hint}: {message}").format(hint=join_hints(hint),
                                                              message=_click_message(self.message))

    def missing_parameter(self: Any) -> str:
        hint = self.param_hint if self.param_hint is not None else (
            self.param.get_error_hint() if self.param is not None else None)
        hint = join_hints(hint) or ""
        kind = self.param_type or (self.param.param_type_name if self.param is not None else "")
        msg = self.message
        if self.param is not None and hasattr(self.param, "get_missing_message"):
            extra = self.param.get_missing_message(ctx=self.ctx)
            msg = f"{msg}. {extra}" if msg and extra else msg or extra or ""
        if kind == "option":
            text = _("Missing option {hint}.")
        elif kind == "argument":
            text = _("Missing argument {hint}.")
        else:
            text = _("Missing parameter {hint}.")
        text = text.format(hint=hint).replace("  ", " ")
        return f"{text} {msg}" if msg else text

    def no_such_option(original: Callable[..., Any]) -> Callable[..., Any]:
        def init(self: Any, option_name: str, message: str | None = None,
                 possibilities: Any = None, ctx: Any = None) -> None:
            if message is None:
                message = _("No such option: {option}").format(option=escape(option_name))
            original(self, option_name, message, possibilities, ctx)
        return init

    def no_such_option_message(self: Any) -> str:
        if not self.possibilities:
            return self.message
        return _("{message} (Possible options: {options})").format(
            message=self.message, options=", ".join(sorted(self.possibilities)))

    exceptions.ClickException.format_message = click_message
    exceptions.BadParameter.format_message = bad_parameter
    exceptions.MissingParameter.format_message = missing_parameter
    _wrap(exceptions.NoSuchOption, "__init__", no_such_option)
    exceptions.NoSuchOption.format_message = no_such_option_message

    # A value of the wrong type (`--born abc`): pydantic's sentence, through the catalog.
    for module_name in ("typer._coercion", "typer._param_types"):
        module = sys.modules.get(module_name)
        if module is not None and hasattr(module, "get_error_msg"):
            _wrap(module, "get_error_msg", lambda original: (
                lambda exc: _click_message(original(exc))))


def _click_message(message: str) -> str:
    """A message click or pydantic worded in English, in the interface's language."""
    import re

    translated = _(message)
    if translated != message:
        return translated
    patterns: tuple[tuple[str, Callable[[], str]], ...] = (
        (r"(?P<message>.*)\. Did you mean (?P<suggestions>.*)\?",
         lambda: _("{message}. Did you mean {suggestions}?")),
        (r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)",
         lambda: _("Got unexpected extra argument(s) ({arguments})")),
        (r"Option (?P<option>'.*') requires an argument\.",
         lambda: _("Option {option} requires an argument.")),
        (r"Option (?P<option>'.*') requires (?P<n>\d+) arguments\.",
         lambda: _("Option {option} requires {n} arguments.")),
        (r"Option (?P<option>'.*') does not take a value\.",
         lambda: _("Option {option} does not take a value.")),
        (r"Argument (?P<argument>'.*') takes (?P<n>\d+) values\.",
         lambda: _("Argument {argument} takes {n} values.")),
        (r"Value (?P<value>.*) is not a valid (?P<type>\w+)\.",
         lambda: _("Value {value} is not a valid {type}.")),
    )
    for pattern, msgid in patterns:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            return msgid().format(**match.groupdict())
    return message
