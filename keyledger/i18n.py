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
    if lang.lower().startswith("zh"):  # zh, zh_CN, zh-Hans: the one Chinese catalog
        lang = "zh"
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


_others: dict[str, gettext.NullTranslations] = {}


def in_language(lang: str) -> Callable[[str], str]:
    """The translation function of another language than the interface's: a commit subject is
    written in the ledger's language, whatever the steward's terminal speaks."""
    if lang not in _others:
        _others[lang] = gettext.translation("keyledger", localedir=_LOCALE_DIR, languages=[lang],
                                            fallback=True)
    return lambda message: _others[lang].gettext(message) if message else message


def language() -> str:
    if _translation is None:
        set_language(None)
    return _language


# --- Typer's and click's own words -------------------------------------------------------------
#
# Typer 0.28 vendors click as `typer._click`, whose messages are plain f-strings (no gettext);
# `typer.core` and `typer.rich_utils` call the standard library's `gettext.gettext` (domain
# "messages"). So `typer.core._` becomes ours, and the few click functions that word a message
# or lay out help are wrapped to go through `_` and to measure Chinese characters as two columns.
# `typer.rich_utils` (used only if the app turns rich help on) gets its panel titles from `_`
# when Typer imports it. Every wrapper calls `_` as it runs, so after a switch back to English in
# the same process it says the original words again.

_cli_hooked = False


def localize_cli() -> None:
    """Make Typer's help and usage errors speak the interface's language; call once Typer is
    imported. Free in English: nothing is patched and nothing imported."""
    global _cli_hooked
    if not _cli_hooked:
        if _translation is None or type(_translation) is gettext.NullTranslations:
            return
        _hook_typer()
        _cli_hooked = True
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        _localize_rich_utils(rich_utils)


def _wide(char: str) -> bool:
    """A character a terminal draws two columns wide (CJK, full-width forms)."""
    code = ord(char)
    return code >= 0x1100 and (code <= 0x115F or 0x2E80 <= code <= 0xA4CF
                               or 0xAC00 <= code <= 0xD7A3 or 0xF900 <= code <= 0xFAFF
                               or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFF60
                               or 0xFFE0 <= code <= 0xFFE6 or 0x20000 <= code <= 0x3FFFD)


def _has_wide(text: str) -> bool:
    return any(_wide(c) for c in text)


_WIDE = None


def columns(text: str) -> int:
    """How many terminal columns `text` takes (a wide character takes two)."""
    global _WIDE
    if text.isascii():
        return len(text)
    if _WIDE is None:
        import re

        _WIDE = re.compile("[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F"
                           "\uFF00-\uFF60\uFFE0-\uFFE6\U00020000-\U0003FFFD]")
    return len(text) + len(_WIDE.findall(text))


_NO_LINE_START = "，。、；：！？）》」』”’"
_NO_LINE_END = "（《「『“‘"


def _wide_wrapper(base: type) -> type:
    """click's TextWrapper, measuring a wide character as two columns and breaking between
    them: each becomes its own chunk followed by a NUL (so `len` counts it twice), removed after
    wrapping. Punctuation stays with the character it belongs to."""

    class WideTextWrapper(base):  # type: ignore[misc, valid-type]
        def _split_chunks(self, text: str) -> list[str]:
            chunks: list[str] = []
            for chunk in super()._split_chunks(text):
                if not _has_wide(chunk):
                    chunks.append(chunk)
                    continue
                run = ""
                for char in chunk:
                    if not _wide(char):
                        run += char
                        continue
                    if run:
                        chunks.append(run)
                        run = ""
                    if char in _NO_LINE_START and chunks:
                        chunks[-1] += char + "\0"
                    elif chunks and chunks[-1].rstrip("\0")[-1:] in tuple(_NO_LINE_END):
                        chunks[-1] += char + "\0"
                    else:
                        chunks.append(char + "\0")
                if run:
                    chunks.append(run)
            return chunks

        def wrap(self, text: str) -> list[str]:
            return [line.replace("\0", "") for line in super().wrap(text)]

    return WideTextWrapper


def _short_help(help: str, max_length: int = 45) -> str:
    """The first paragraph of a Chinese help text, cut to `max_length` columns."""
    text = " ".join(help.split("\n\n")[0].split())
    if columns(text) <= max_length:
        return text
    cut = ""
    for char in text:
        if columns(cut + char) > max_length - 1:
            break
        cut += char
    return cut.rstrip("，、；：（ ") + "…"


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


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    setattr(owner, name, make(getattr(owner, name)))


def _hook_typer() -> None:
    import typer._click._compat as click_compat
    import typer._click.core as click_core
    import typer._click.exceptions as exceptions
    import typer._click.formatting as formatting
    import typer.core as typer_core

    typer_core._ = _  # type: ignore[attr-defined]  # Options, Commands, Missing command., …

    # Typer writes a required argument {KEY} in the usage line: a placeholder, not a word.
    _wrap(typer_core.TyperArgument, "make_metavar", lambda original: (
        lambda self, ctx, usage=False: original(self, ctx, usage=usage).strip("{}")))
    if "typer.rich_utils" not in sys.modules:
        sys.meta_path.insert(0, _LocalizeOnImport())

    # Help: the usage line, the headings, the help option, and Chinese measured in columns.
    _wrap(formatting.HelpFormatter, "write_usage", lambda original: (
        lambda self, prog, args="", prefix=None:
            original(self, prog, args, _("Usage: ") if prefix is None else prefix)))
    formatting.HelpFormatter.write_heading = lambda self, heading: self.write(
        f"{'':>{self.current_indent}}" + _("{heading}:").format(heading=heading) + "\n")

    def get_help_option(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, ctx: Any) -> Any:
            option = original(self, ctx)
            if option is not None:
                option.help = _("Show this message and exit.")
            return option
        return wrapper

    _wrap(click_core.Command, "get_help_option", get_help_option)

    def format_usage(self: Any, ctx: Any, formatter: Any) -> None:
        words = {"[OPTIONS]": _("[OPTIONS]"), "COMMAND [ARGS]...": _("COMMAND [ARGS]...")}
        pieces = [words.get(piece, piece) for piece in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces))

    click_core.Command.format_usage = format_usage
    formatting.term_len = lambda text: columns(click_compat.strip_ansi(text))

    def wrap_text(original: Callable[..., str]) -> Callable[..., str]:
        def wrapper(text: str, *args: Any, **kwargs: Any) -> str:
            if _has_wide(text):
                import typer._click._textwrap as textwrap

                if not getattr(textwrap.TextWrapper, "wide", False):
                    textwrap.TextWrapper = _wide_wrapper(textwrap.TextWrapper)
                    textwrap.TextWrapper.wide = True
            return original(text, *args, **kwargs)
        return wrapper

    _wrap(formatting, "wrap_text", wrap_text)
    _wrap(click_core, "make_default_short_help", lambda original: (
        lambda help, max_length=45:
            _short_help(help, max_length) if _has_wide(help) else original(help, max_length)))

    def default_string(original: Callable[..., str]) -> Callable[..., str]:
        def wrapper(*args: Any, **kwargs: Any) -> str:
            text = original(*args, **kwargs)
            return {"True": _("True"), "False": _("False")}.get(text, text)  # [default: True]
        return wrapper

    _wrap(typer_core, "_get_default_string", default_string)

    def completion_options(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper() -> Any:
            params = original()
            words = {  # typer.completion words them without gettext
                "Install completion for the current shell.":
                    _("Install completion for the current shell."),
                "Show completion for the current shell, to copy it or customize the "
                "installation.": _("Show completion for the current shell, to copy it or "
                                   "customize the installation."),
                "Install completion for the specified shell.":
                    _("Install completion for the specified shell."),
                "Show completion for the specified shell, to copy it or customize the "
                "installation.": _("Show completion for the specified shell, to copy it or "
                                   "customize the installation."),
            }
            for param in params:
                param.help = words.get(param.help, param.help)
            return params
        return wrapper

    typer_main = sys.modules.get("typer.main")
    if typer_main is not None and hasattr(typer_main, "get_install_completion_arguments"):
        _wrap(typer_main, "get_install_completion_arguments", completion_options)

    # Errors: how click words them, and how it shows them.
    escape = exceptions._escape_control_characters
    join_hints = exceptions._join_param_hints

    def click_show(self: Any, file: Any = None) -> None:
        exceptions.echo(_("Error: {message}").format(message=self.format_message()),
                        file=file if file is not None else click_compat.get_text_stderr(),
                        color=self.show_color)

    def usage_show(self: Any, file: Any = None) -> None:
        file = file if file is not None else click_compat.get_text_stderr()
        color, hint = None, ""
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=self.ctx.command_path, option=self.ctx.help_option_names[0]) + "\n"
        if self.ctx is not None:
            color = self.ctx.color
            exceptions.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        exceptions.echo(_("Error: {message}").format(message=self.format_message()), file=file,
                        color=color)

    def bad_parameter(self: Any) -> str:
        if self.param_hint is not None:
            hint = self.param_hint
        elif self.param is not None:
            hint = self.param.get_error_hint(self.ctx)
        else:
            return _("Invalid value: {message}").format(message=_click_message(self.message))
        return _("Invalid value for {hint}: {message}").format(
            hint=join_hints(hint), message=_click_message(self.message))

    def missing_parameter(self: Any) -> str:
        hint = self.param_hint if self.param_hint is not None else (
            self.param.get_error_hint(self.ctx) if self.param is not None else None)
        kind = self.param_type or (self.param.param_type_name if self.param is not None else "")
        msg = self.message
        if self.param is not None:
            extra = self.param.type.get_missing_message(param=self.param, ctx=self.ctx)
            msg = f"{msg}. {extra}" if msg and extra else msg or extra or ""
        if kind == "option":
            text = _("Missing option {hint}.")
        elif kind == "argument":
            text = _("Missing argument {hint}.")
        else:
            text = _("Missing parameter {hint}.")
        text = text.format(hint=join_hints(hint) or "").replace(" .", ".")
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

    exceptions.ClickException.show = click_show
    exceptions.UsageError.show = usage_show
    exceptions.ClickException.format_message = lambda self: _click_message(self.message)
    exceptions.BadParameter.format_message = bad_parameter
    exceptions.MissingParameter.format_message = missing_parameter
    _wrap(exceptions.NoSuchOption, "__init__", no_such_option)
    exceptions.NoSuchOption.format_message = no_such_option_message



def _click_message(message: str) -> str:
    """A message click or Typer worded in English, in the interface's language."""
    translated = _(message)
    if translated != message:
        return translated
    import re

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
        (r"(?P<value>.*) is not a valid int\.", lambda: _("{value} is not a valid int.")),
        (r"(?P<value>.*) is not a valid float\.", lambda: _("{value} is not a valid float.")),
    )
    for pattern, msgid in patterns:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            return msgid().format(**match.groupdict())
    return message
