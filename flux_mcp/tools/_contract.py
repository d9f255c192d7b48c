"""The one argument contract of every tool, applied at the server's door before any tool runs.

Each tool declares its parameters once, with the shared types of `_params`; this module holds what
is common to all of them:

- unknown arguments are refused with the closest valid name ("did you mean 'namespace'?");
- enum values are matched case-insensitively, and a single string is taken where a list is expected;
- a rejected value is one or two lines naming the argument, what was given and what is accepted,
  never a validation library's dump;
- the published schema is compact (no generated titles, optional fields without their `null`
  branch) and closed (`additionalProperties: false`).

Durations and patches are typed values (`_params.DurationArg`, `_params.PatchArg`): their
validators turn "90s", "5m", "1h30m" or plain seconds into seconds, and an object into its JSON.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from flux_mcp.tools._params import PATTERN_WORDS, SHARED_DESCRIPTIONS

MAX_ERROR_LINES = 2

ALIASES: dict[str, tuple[str, ...]] = {
    "namespace": ("ns", "root_namespace", "namespaces", "target_namespace", "object_namespace"),
    "kind": ("root_kind", "resource", "resource_kind", "type_kind", "object_kind"),
    "name": ("root_name", "resource_name", "object_name", "pod", "context_name"),
    "apiVersion": ("api_version", "apiversion", "version", "group_version"),
    "selector": ("label_selector", "labelSelector", "labels", "l"),
    "field_selector": ("fieldSelector", "field-selector"),
    "continue_token": ("continue", "continueToken", "next", "page_token", "cursor"),
    "pod_name": ("pod", "name"),
    "pod_selector": ("selector", "label_selector"),
    "since": ("since_seconds", "age", "window", "duration"),
    "timeout": ("timeout_seconds", "wait_timeout", "deadline"),
    "limit": ("max", "tail", "lines", "count", "max_results"),
    "yaml_content": ("yaml", "manifest", "manifests", "content"),
    "type": ("patch_type", "event_type", "level"),
    "dry_run": ("dryRun", "dry-run"),
    "grep": ("filter", "pattern", "match", "search"),
    "context": ("kube_context", "kubecontext", "cluster"),
    "with_source": ("withSource", "source"),
    "include_inventory": ("inventory",),
}
"""Names a model commonly sends for a parameter, suggested when that parameter exists in the tool."""


def closest_parameter(given: str, parameters: list[str]) -> str | None:
    """The parameter `given` most likely means: the same name in another case, a known alias, a near spelling."""
    lowered = given.lower().replace("-", "_")
    for parameter in parameters:
        if parameter.lower().replace("-", "_") == lowered:
            return parameter
    for parameter in parameters:
        if any(lowered == alias.lower() for alias in ALIASES.get(parameter, ())):
            return parameter
    near = difflib.get_close_matches(given, parameters, n=1, cutoff=0.6)
    return near[0] if near else None


def unknown_argument_message(given: str, parameters: list[str]) -> str:
    suggestion = closest_parameter(given, parameters)
    if suggestion is not None:
        return f"unknown argument '{given}': did you mean '{suggestion}'?"
    accepted = ", ".join(parameters) if parameters else "none"
    return f"unknown argument '{given}'; accepted arguments: {accepted}"


def _variants(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schema itself, or the branches of its anyOf."""
    branches = schema.get("anyOf")
    return [b for b in branches if isinstance(b, Mapping)] if isinstance(branches, list) else [schema]


def _enum(schema: Mapping[str, Any]) -> list[Any] | None:
    for branch in _variants(schema):
        if isinstance(branch.get("enum"), list):
            return list(branch["enum"])
        if "const" in branch:
            return [branch["const"]]
    return None


def _accepts(schema: Mapping[str, Any], json_type: str) -> bool:
    for branch in _variants(schema):
        declared = branch.get("type")
        if declared == json_type or (isinstance(declared, list) and json_type in declared):
            return True
    return False


def normalize_arguments(arguments: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(arguments with enum case and single-string lists normalised, one problem line per unknown argument)."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    names = list(properties)
    problems: list[str] = []
    normalized: dict[str, Any] = {}
    for key, value in arguments.items():
        prop = properties.get(key)
        if prop is None:
            problems.append(unknown_argument_message(key, names))
            continue
        choices = _enum(prop)
        if choices is not None and isinstance(value, str):
            value = next((c for c in choices if isinstance(c, str) and c.lower() == value.strip().lower()), value)
        elif isinstance(value, str) and _accepts(prop, "array") and not _accepts(prop, "string"):
            value = _as_list(value)
        normalized[key] = value
    return normalized, problems


def _as_list(value: str) -> Any:
    """A JSON list written as text stays a list; any other single string becomes a list of one."""
    if value.lstrip().startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return [value]
        return parsed
    return [value]


def _given(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


TYPE_WORDS = {"string": "a string", "number": "a number", "integer": "an integer", "object": "an object",
              "array": "a list", "boolean": "true or false"}


def accepted(schema: Mapping[str, Any]) -> str:
    """What a parameter accepts, in words, from its JSON schema."""
    choices = _enum(schema)
    if choices is not None:
        return "one of " + ", ".join(str(c) for c in choices) + " (any case)"
    for branch in _variants(schema):
        kind = branch.get("type")
        if isinstance(kind, list):
            return " or ".join(TYPE_WORDS.get(str(k), str(k)) for k in kind)
        if kind == "integer" or kind == "number":
            noun = "an integer" if kind == "integer" else "a number"
            low, high = branch.get("minimum"), branch.get("maximum")
            if low is not None and high is not None:
                return f"{noun} from {low:g} to {high:g}"
            return noun
        if kind == "boolean":
            return "true or false"
        if kind == "array":
            return "a list of strings, or one string"
        if kind == "object":
            return "an object"
        if kind == "string":
            words = PATTERN_WORDS.get(str(branch.get("pattern", "")), "a string")
            if branch.get("maxLength") is not None:
                words += f" of at most {branch['maxLength']} characters"
            return words
    return "a value of the documented type"


def validation_message(exc: ValidationError, schema: Mapping[str, Any]) -> str:
    """One line per rejected argument (at most two): the argument, the value given, what is accepted."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    lines: list[str] = []
    seen: set[str] = set()
    for error in exc.errors():
        location = error.get("loc") or ()
        field = str(location[0]) if location else "arguments"
        if field in seen:
            continue
        seen.add(field)
        prop = properties.get(field, {})
        kind = error.get("type", "")
        if kind == "missing":
            lines.append(f"missing required argument '{field}': {accepted(prop)}")
        elif kind == "value_error":
            reason = error.get("ctx", {}).get("error")
            lines.append(f"{field}: {reason}" if reason is not None else f"{field}: {_given(error.get('input'))} "
                         f"is not accepted; expected {accepted(prop)}")
        else:
            lines.append(f"{field}: {_given(error.get('input'))} is not accepted; expected {accepted(prop)}")
    return problems_message(lines)


def problems_message(problems: list[str]) -> str:
    if len(problems) > MAX_ERROR_LINES:
        return "\n".join([*problems[: MAX_ERROR_LINES - 1],
                          f"{problems[MAX_ERROR_LINES - 1]} (and {len(problems) - MAX_ERROR_LINES} more)"])
    return "\n".join(problems)


# -- the published schema ---------------------------------------------------------------------------

SCHEMA_NOISE = ("title",)
VALIDATION_ONLY = ("pattern", "maxLength", "minLength", "maxItems")
"""Checked by the server, which names what it accepts in words when a value is refused: a caller needs
the type, the enum, the range and the description to write a call, not the regular expression."""
SHARED_PARAMETERS = ("context", "apiVersion")
"""Parameters described once, in the server instructions, instead of in every tool."""


def compact_schema(schema: Mapping[str, Any], *, closed: bool, keep_required: bool = True) -> dict[str, Any]:
    """A smaller schema with the same meaning for a caller.

    Generated `title`s go; an optional field's `anyOf [T, null]` with default null becomes T (omitting
    it is how a caller says "none"); `closed` adds `additionalProperties: false` to the arguments
    object. Output schemas drop `required`: structured content leaves out fields that are null.
    """
    compacted: dict[str, Any] = _compact(schema, keep_required)
    if closed:
        compacted["additionalProperties"] = False
        for name in SHARED_PARAMETERS:
            prop = compacted.get("properties", {}).get(name)
            if isinstance(prop, dict):
                prop.pop("description", None)
        for prop in compacted.get("properties", {}).values():
            if isinstance(prop, dict) and prop.get("description") in SHARED_DESCRIPTIONS:
                del prop["description"]
    return compacted


def _compact(node: Any, keep_required: bool) -> Any:
    if isinstance(node, list):
        return [_compact(item, keep_required) for item in node]
    if not isinstance(node, Mapping):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in (*SCHEMA_NOISE, *VALIDATION_ONLY) and not isinstance(value, Mapping):
            continue
        if key == "default" and (value is None or value is False):
            continue  # omitting an optional value or a flag already means none / false
        if key == "required" and not keep_required:
            continue
        if key == "properties" and isinstance(value, Mapping):
            result[key] = {name: _compact(prop, keep_required) for name, prop in value.items()}
        else:
            result[key] = _compact(value, keep_required)
    return _drop_null_branch(result)


def _drop_null_branch(node: dict[str, Any]) -> dict[str, Any]:
    branches = node.get("anyOf")
    if not isinstance(branches, list) or node.get("default") is not None:
        return node
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(branches):
        return node
    merged = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
    return {**kept[0], **merged}
