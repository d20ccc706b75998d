"""The one place that picks the YAML loader and dumper.

Dates and times stay strings (the model parses them, with a clear error when they are wrong),
lists of plain values are written inline, mappings as blocks, Chinese as it is: the same data
always gives the same bytes, so `git diff` shows only what changed.
"""

from __future__ import annotations

from typing import Any

import yaml

_TIMESTAMP = "tag:yaml.org,2002:timestamp"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _without_timestamps(resolvers: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [(tag, rx) for tag, rx in v if tag != _TIMESTAMP] for k, v in resolvers.items()}


class Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    yaml_implicit_resolvers = _without_timestamps(_BaseLoader.yaml_implicit_resolvers)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # A field written twice would silently keep its last value: refuse it instead.
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate field {key!r}: it is written twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    yaml_implicit_resolvers = _without_timestamps(_BaseDumper.yaml_implicit_resolvers)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(isinstance(item, (str, int, float, bool)) or item is None for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Several lines (an encrypted code, a long note) read best as a literal block.
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(list, _represent_list)
Dumper.add_representer(str, _represent_str)

YAMLError = yaml.YAMLError


def load(text: str) -> Any:
    if ("&" in text or "*" in text) and _has_aliases(text):
        # A ledger file needs no anchors; a chain of aliases can expand a small file enormously.
        raise yaml.YAMLError("anchors and aliases (& and *) are not allowed in ledger files")
    return yaml.load(text, Loader=Loader)


def _has_aliases(text: str) -> bool:
    try:
        return any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)
                   for e in yaml.parse(text, Loader=Loader))
    except yaml.YAMLError:
        return False  # the loader reports the syntax error itself


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def error_line(exc: yaml.YAMLError, text: str = "") -> int | None:
    """Where a syntax error is: the start of what was left open (an unclosed bracket or quote)
    rather than where the parser gave up, which can be past the end of the file."""
    marks = (getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None))
    if isinstance(exc, yaml.composer.ComposerError):  # a second document: where it starts
        marks = marks[::-1]
    mark = marks[0] or marks[1]
    if mark is not None:
        return min(mark.line + 1, text.count("\n") + 1) if text else mark.line + 1
    position = getattr(exc, "position", None)  # a reader error: a character YAML does not allow
    return text[:position].count("\n") + 1 if position is not None and text else None


def error_message(exc: yaml.YAMLError) -> str:
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    text = ", ".join(str(p) for p in parts if p)
    if not text:
        text = str(getattr(exc, "reason", "") or exc).splitlines()[0]
    return text


class Locator:
    """The lines of a document's fields, for reporting its problems: the document is composed
    once, and each mapping indexed by its keys when first asked, so a file with ten thousand
    problems costs one pass, not ten thousand (each used to compose the whole file again)."""

    def __init__(self, text: str) -> None:
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=Loader)
        except (yaml.YAMLError, RecursionError):
            self.root = None
        self.keys: dict[int, dict[object, tuple[yaml.Node, yaml.Node]]] = {}

    def line(self, field_path: tuple[str | int, ...]) -> int | None:
        """The 1-based line of a field, or of the nearest field above it that exists."""
        node, line = self.root, None
        for step in field_path:
            if isinstance(node, yaml.MappingNode):
                index = self.keys.get(id(node))
                if index is None:
                    index = self.keys[id(node)] = {}
                    for key, value in node.value:
                        index.setdefault(key.value, (key, value))
                if step not in index:
                    break
                key, node = index[step]
                line = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                    and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line


def locate(text: str, field_path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of one field in a document (for several, make one `Locator`)."""
    return Locator(text).line(field_path)
