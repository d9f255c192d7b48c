"""Argument types shared by the tools, described for a model: what the value is, allowed values, default.

The meaning of `kind`, `name`, `namespace`, `apiVersion` and `context` is the same in every tool;
the namespace rule is written once here (NAMESPACE_RULE) and in the README.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

K8S_NAME_PATTERN = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
KIND_PATTERN = r"^[A-Za-z][A-Za-z0-9.]*$"
API_VERSION_PATTERN = r"^([a-z0-9.\-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$"
OPTIONAL_NAMESPACE_PATTERN = r"^$|" + K8S_NAME_PATTERN

PATTERN_WORDS: dict[str, str] = {
    K8S_NAME_PATTERN: "a Kubernetes name (letters, digits, '-', '_', '.'; starts and ends with a letter or digit)",
    OPTIONAL_NAMESPACE_PATTERN: "a namespace name (letters, digits, '-'), or omit it for all namespaces",
    KIND_PATTERN: "a kind such as Kustomization, ks or helmreleases (letters, digits, '.')",
    API_VERSION_PATTERN: "an apiVersion such as v1, apps/v1 or kustomize.toolkit.fluxcd.io/v1",
}
"""What a pattern accepts, in words for a rejected value."""

NAMESPACE_RULE = (
    "Omit `namespace` to search all namespaces: lists and searches cover them all; a tool acting on one "
    "object uses the only object with that name, or lists the candidates when several namespaces have one."
)

ContextArg = Annotated[
    str | None,
    Field(description="Kubeconfig context for this call only (default: the current one).", max_length=253),
]
KindArg = Annotated[
    str,
    Field(
        description="Kind, e.g. Kustomization, HelmRelease, Deployment.",
        min_length=1, max_length=100, pattern=KIND_PATTERN,
    ),
]
OptionalKindArg = Annotated[
    str | None,
    Field(description="Only about objects of this kind, e.g. Kustomization, Pod.",
          max_length=100, pattern=KIND_PATTERN),
]
FluxKindArg = Annotated[
    str,
    Field(
        description="Flux kind, e.g. Kustomization, HelmRelease, GitRepository.",
        min_length=1, max_length=100, pattern=KIND_PATTERN,
    ),
]
ApiVersionArg = Annotated[
    str | None,
    Field(description="e.g. kustomize.toolkit.fluxcd.io/v1. Default: the cluster's preferred version.",
          max_length=200, pattern=API_VERSION_PATTERN),
]
NAME_DESCRIPTION = "Object name (metadata.name)."
ONE_OBJECT_NAMESPACE_DESCRIPTION = "Omit to find the object by name in any namespace."
ALL_NAMESPACES_DESCRIPTION = "Omit for all namespaces."
SHARED_DESCRIPTIONS = frozenset({NAME_DESCRIPTION, ONE_OBJECT_NAMESPACE_DESCRIPTION, ALL_NAMESPACES_DESCRIPTION})
"""Descriptions that the server instructions give once (the namespace rule) or that say no more than the
parameter's name: tools/list leaves them out of each tool."""
NameArg = Annotated[
    str, Field(description=NAME_DESCRIPTION, min_length=1, max_length=253, pattern=K8S_NAME_PATTERN)
]
OptionalNameArg = Annotated[
    str | None,
    Field(description="Object name. Omit to list every object of the kind.", max_length=253,
          pattern=K8S_NAME_PATTERN),
]
NamespaceArg = Annotated[
    str | None,
    Field(description=ONE_OBJECT_NAMESPACE_DESCRIPTION,
          max_length=63, pattern=OPTIONAL_NAMESPACE_PATTERN),
]
OptionalNamespaceArg = Annotated[
    str | None,
    Field(description=ALL_NAMESPACES_DESCRIPTION, max_length=63, pattern=OPTIONAL_NAMESPACE_PATTERN),
]


# -- durations --------------------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DURATION_FORMS = "a duration such as 90s, 5m, 1h30m or 2d, or a number of seconds"


def duration_seconds(value: Any) -> float | None:
    """Seconds from "90s", "5m", "1h30m", "2d", "120" or 120; a ValueError naming the accepted forms."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; expected {DURATION_FORMS}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{value!r} is not a duration; expected {DURATION_FORMS}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"{json.dumps(value, default=str)[:60]} is not a duration; expected {DURATION_FORMS}")
    cleaned = value.strip().lower()
    try:
        number = float(cleaned)
    except ValueError:
        number = None
    if number is not None:
        return duration_seconds(number)
    position, seconds = 0, 0.0
    for match in _DURATION_PART.finditer(cleaned):
        if cleaned[position:match.start()].strip():
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        _invalid_duration(value)
    return seconds


def _invalid_duration(value: str) -> float:
    raise ValueError(f"{value[:60]!r} is not a duration; expected {DURATION_FORMS}")


def bounded_duration(low: float, high: float) -> BeforeValidator:
    def check(value: Any) -> float | None:
        seconds = duration_seconds(value)
        if seconds is not None and not low <= seconds <= high:
            raise ValueError(f"{value!r} is out of range; expected {low:g} to {high:g} seconds (e.g. 90s, 5m)")
        return seconds

    return BeforeValidator(check)


DURATION_SCHEMA: dict[str, Any] = {"type": ["string", "number"]}

SinceArg = Annotated[
    float | None,
    bounded_duration(0, 366 * 86400),
    WithJsonSchema(DURATION_SCHEMA),
    Field(description="Only the most recent: 90s, 10m, 1h30m, 2d or seconds."),
]
"""A recency window, as seconds."""


# -- patches and lists ------------------------------------------------------------------------------


def patch_text(value: Any) -> Any:
    """A patch given as an object or a list of operations becomes its JSON text; text stays as it is."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


PATCH_SCHEMA: dict[str, Any] = {"type": ["object", "array", "string"]}
PatchBody = BeforeValidator(patch_text)
