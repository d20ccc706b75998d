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
    return yaml.load(text, Loader=Loader)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def locate(text: str, field_path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of a field in a document, found only when there is an error to report."""
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return None
    line = None
    for step in field_path:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == step]
            if not match:
                break
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line
