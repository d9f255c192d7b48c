"""A small, safe subset of kubectl JSONPath for projecting fields out of objects.

Supported, optionally wrapped in `{...}` and/or starting with `$`:
  .spec.url                                  keys
  .metadata.labels['app.kubernetes.io/name'] quoted keys (dots, slashes)
  .spec.containers[0].image                  list index (negative counts from the end)
  .spec.containers[*].image                  every element
  .status.conditions[?(@.type=="Ready")].status   filter on a (dotted) key with == or !=
No recursion (`..`), no slices, no functions: the expression is parsed, never evaluated as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

SUPPORTED = (
    ".a.b, .a['dotted.key'], .a[0], .a[*].b, .a[?(@.type==\"Ready\")].status (also !=); "
    "optionally wrapped in {} or starting with $"
)
_MAX_EXPRESSION = 300

_KEY = re.compile(r"\.([A-Za-z0-9_\-]+)")
_QUOTED = re.compile(r"""\[\s*(['"])(.*?)\1\s*\]""")
_INDEX = re.compile(r"\[\s*(-?\d+|\*)\s*\]")
_FILTER = re.compile(
    r"""\[\s*\?\(\s*@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(?:(['"])(.*?)\3|(-?\d+(?:\.\d+)?|true|false))\s*\)\s*\]"""
)


@dataclass(frozen=True)
class _Step:
    op: str  # "key" | "index" | "all" | "filter"
    key: str = ""
    index: int = 0
    filter_path: tuple[str, ...] = ()
    negate: bool = False
    value: Any = None


@dataclass(frozen=True)
class FieldPath:
    expression: str
    steps: tuple[_Step, ...]

    @property
    def multi(self) -> bool:
        return any(step.op in ("all", "filter") for step in self.steps)

    def select(self, obj: Any) -> Any:
        """The value at this path: one value, a list when a wildcard/filter matched several, None if absent."""
        current: list[Any] = [obj]
        for step in self.steps:
            current = [found for value in current for found in _apply(step, value)]
        if not self.multi:
            return current[0] if current else None
        return current[0] if len(current) == 1 else (current or None)


def _apply(step: _Step, value: Any) -> list[Any]:
    if step.op == "key":
        return [value[step.key]] if isinstance(value, dict) and step.key in value else []
    if not isinstance(value, list):
        return []
    if step.op == "index":
        return [value[step.index]] if -len(value) <= step.index < len(value) else []
    if step.op == "all":
        return list(value)
    matches = []
    for item in value:
        probe: Any = item
        for key in step.filter_path:
            probe = probe.get(key) if isinstance(probe, dict) else None
        equal = probe == step.value or (probe is not None and str(probe) == str(step.value))
        if equal != step.negate:
            matches.append(item)
    return matches


def _literal(quoted: str | None, bare: str | None) -> Any:
    if quoted is not None:
        return quoted
    assert bare is not None
    if bare in ("true", "false"):
        return bare == "true"
    return float(bare) if "." in bare else int(bare)


def parse_field_path(expression: str) -> FieldPath:
    """Parse one expression, or raise a ToolError saying what is wrong and what is supported."""
    text = expression.strip()
    if len(text) > _MAX_EXPRESSION:
        raise ToolError(f"field expression too long ({len(text)} characters, at most {_MAX_EXPRESSION})")
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    if not text or text == ".":
        raise ToolError(f"empty field expression {expression!r}; supported forms: {SUPPORTED}")
    steps: list[_Step] = []
    position = 0
    while position < len(text):
        if text.startswith("..", position):
            raise _unsupported(expression, "recursive descent `..` is not supported")
        match = _KEY.match(text, position)
        if match:
            steps.append(_Step("key", key=match.group(1)))
            position = match.end()
            continue
        match = _QUOTED.match(text, position)
        if match:
            steps.append(_Step("key", key=match.group(2)))
            position = match.end()
            continue
        match = _INDEX.match(text, position)
        if match:
            token = match.group(1)
            steps.append(_Step("all") if token == "*" else _Step("index", index=int(token)))
            position = match.end()
            continue
        match = _FILTER.match(text, position)
        if match:
            path = tuple(p for p in match.group(1).split(".") if p)
            steps.append(_Step(
                "filter", filter_path=path, negate=match.group(2) == "!=",
                value=_literal(match.group(4) if match.group(3) else None, match.group(5)),
            ))
            position = match.end()
            continue
        raise _unsupported(expression, f"cannot parse at {text[position:position + 20]!r}")
    return FieldPath(expression, tuple(steps))


def _unsupported(expression: str, why: str) -> ToolError:
    return ToolError(f"unsupported field expression {expression!r}: {why}. Supported forms: {SUPPORTED}")
