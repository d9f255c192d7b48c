"""Field documentation from a CustomResourceDefinition's openAPIV3Schema, like `kubectl explain`.

The schema is read from the CRD installed in the cluster, so the answer matches the Flux version
actually running there (a field added in a newer release is reported as unknown, with the valid
names listed). Paths are dotted (`spec.chart.spec`); arrays are stepped through transparently
(`spec.dependsOn.name` describes the items' `name`), `[]`/`[0]` suffixes are accepted too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from flux_mcp.flux.budget import clip_line

_INDEX_SUFFIX = re.compile(r"\[[0-9]*\]$")
_ONE_LINE = 120


class SchemaPathError(ValueError):
    """A path segment that the schema does not define; carries the names that do exist."""

    def __init__(self, kind: str, path: str, segment: str, valid: list[str], why: str = "") -> None:
        self.kind = kind
        self.path = path
        self.segment = segment
        self.valid = valid
        where = f"{kind}.{path}" if path else kind
        if why:
            message = f"{where} has no field {segment!r}: {why}"
        elif valid:
            close = difflib.get_close_matches(segment, valid, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            message = f"{where} has no field {segment!r}.{hint} Valid fields: {', '.join(valid)}"
        else:
            message = f"{where} has no field {segment!r}: it has no child fields"
        super().__init__(message)


@dataclass(frozen=True)
class ChildField:
    name: str
    type: str
    description: str
    """The first sentence of the description, at most one line."""
    required: bool = False


@dataclass(frozen=True)
class FieldExplanation:
    kind: str
    group: str
    version: str
    path: str
    """Dotted path inside the object; empty for the object itself."""
    type: str
    description: str
    required: bool = False
    """Whether the parent object requires this field."""
    enum: tuple[str, ...] = ()
    default: Any = None
    constraints: dict[str, Any] = field(default_factory=dict)
    """format, pattern, minimum, maximum, maxLength... as written in the schema."""
    children: tuple[ChildField, ...] = ()
    open_ended: bool = False
    """True when the field accepts arbitrary content (x-kubernetes-preserve-unknown-fields)."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


_CONSTRAINT_KEYS = (
    "format", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
    "x-kubernetes-validations",
)


def crd_version(crd: dict[str, Any], version: str | None = None) -> tuple[str, dict[str, Any]]:
    """The version name and openAPIV3Schema to explain: `version` when served, else the storage version."""
    versions = [v for v in (crd.get("spec") or {}).get("versions") or [] if isinstance(v, dict)]
    served = [v for v in versions if v.get("served", True)]
    chosen = None
    if version:
        chosen = next((v for v in served if v.get("name") == version), None)
    if chosen is None:
        chosen = next((v for v in served if v.get("storage")), None) or (served[0] if served else None)
    if chosen is None:
        name = (crd.get("metadata") or {}).get("name", "?")
        raise ValueError(f"CustomResourceDefinition {name} serves no version")
    schema = ((chosen.get("schema") or {}).get("openAPIV3Schema")) or {}
    if not schema:
        raise ValueError(
            f"CustomResourceDefinition {(crd.get('metadata') or {}).get('name', '?')} version "
            f"{chosen.get('name')} publishes no openAPIV3Schema"
        )
    return str(chosen.get("name", "")), schema


def explain_crd(crd: dict[str, Any], path: str | None = None, version: str | None = None) -> FieldExplanation:
    """Explain `path` (dotted, optional) of the kind a CRD defines, in its served storage version."""
    spec = crd.get("spec") or {}
    kind = str((spec.get("names") or {}).get("kind", ""))
    chosen, schema = crd_version(crd, version)
    return explain_schema(schema, path or "", kind=kind, group=str(spec.get("group", "")), version=chosen)


def split_path(path: str, kind: str = "") -> list[str]:
    """Dotted path → segments; a leading kind name (`helmrelease.spec`) and index suffixes are dropped."""
    segments = [s.strip() for s in path.strip().strip(".").split(".") if s.strip()]
    segments = [_INDEX_SUFFIX.sub("", s) for s in segments]
    if segments and kind and segments[0].lower() == kind.lower():
        segments = segments[1:]
    return segments


def explain_schema(
    schema: dict[str, Any], path: str, *, kind: str = "", group: str = "", version: str = ""
) -> FieldExplanation:
    node = _merged(schema)
    required = False
    walked: list[str] = []
    for segment in split_path(path, kind):
        node = _items(node)
        properties = node.get("properties")
        if isinstance(properties, dict) and properties:
            if segment not in properties:
                matches = [name for name in properties if name.lower() == segment.lower()]
                if len(matches) != 1:
                    raise SchemaPathError(kind, ".".join(walked), segment, sorted(properties))
                segment = matches[0]
            required = segment in (node.get("required") or [])
            node = _merged(properties[segment])
        elif isinstance(node.get("additionalProperties"), dict):
            # A map (for example spec.postBuild.substitute): any key has the value schema.
            required = False
            node = _merged(node["additionalProperties"])
        else:
            why = (
                "it accepts arbitrary content (x-kubernetes-preserve-unknown-fields), so the CRD "
                "documents nothing below it"
                if node.get("x-kubernetes-preserve-unknown-fields") else ""
            )
            raise SchemaPathError(kind, ".".join(walked), segment, [], why)
        walked.append(segment)
    return _explanation(node, kind, group, version, ".".join(walked), required)


def _merged(node: Any) -> dict[str, Any]:
    """A schema node with allOf members folded in (controller-gen rarely emits them, others do)."""
    if not isinstance(node, dict):
        return {}
    parts = [p for p in node.get("allOf") or [] if isinstance(p, dict)]
    if not parts:
        return node
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for part in parts:
        part = _merged(part)
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**(merged.get("properties") or {}), **value}
            elif key == "required":
                merged["required"] = [*(merged.get("required") or []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _items(node: dict[str, Any]) -> dict[str, Any]:
    """Arrays (possibly of arrays) are stepped through to their item schema."""
    while node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = _merged(node["items"])
    return node


def type_name(node: dict[str, Any]) -> str:
    """kubectl-style type: string, integer, []Object, map[string]string, int-or-string."""
    node = _merged(node)
    if node.get("x-kubernetes-int-or-string"):
        return "int-or-string"
    typ = node.get("type")
    if typ == "array":
        items = node.get("items")
        return "[]" + (type_name(items) if isinstance(items, dict) else "Object")
    if typ == "object" or (typ is None and ("properties" in node or "additionalProperties" in node)):
        additional = node.get("additionalProperties")
        if not node.get("properties") and isinstance(additional, dict):
            return "map[string]" + type_name(additional)
        return "Object"
    if typ is None:
        return "any" if node.get("x-kubernetes-preserve-unknown-fields") else "Object"
    return str(typ)


def one_line(description: str, limit: int = _ONE_LINE) -> str:
    """The first sentence of a schema description, on one line."""
    text = " ".join(description.split())
    match = re.search(r"(?<=[.!?])\s", text)
    if match:
        text = text[: match.start()]
    return clip_line(text, limit)


def _explanation(
    node: dict[str, Any], kind: str, group: str, version: str, path: str, required: bool
) -> FieldExplanation:
    body = _items(node)
    own_required = set(body.get("required") or [])
    properties: dict[str, Any] = body["properties"] if isinstance(body.get("properties"), dict) else {}
    children = tuple(
        ChildField(name, type_name(child), one_line(str(_merged(child).get("description", ""))),
                   name in own_required)
        for name, child in sorted(properties.items())
    )
    constraints = {key: node[key] for key in _CONSTRAINT_KEYS if key in node}
    if "x-kubernetes-validations" in constraints:
        constraints["x-kubernetes-validations"] = [
            rule.get("message") or rule.get("rule") for rule in constraints["x-kubernetes-validations"]
            if isinstance(rule, dict)
        ]
    enum = node.get("enum") or _items(node).get("enum") or ()
    return FieldExplanation(
        kind=kind, group=group, version=version, path=path, type=type_name(node),
        description=" ".join(str(node.get("description", "")).split()),
        required=required,
        enum=tuple(str(e) for e in enum),
        default=node.get("default"),
        constraints=constraints,
        children=children,
        open_ended=bool(body.get("x-kubernetes-preserve-unknown-fields")) and not properties,
    )


def render_explanation(explanation: FieldExplanation) -> str:
    """Compact text in the spirit of `kubectl explain`."""
    e = explanation
    title = f"{e.kind}.{e.path}" if e.path else e.kind
    lines = [f"KIND:     {e.kind}", f"VERSION:  {e.api_version}"]
    if e.path:
        lines.append(f"FIELD:    {e.path} <{e.type}>" + ("  (required)" if e.required else ""))
    lines.append("")
    lines.append("DESCRIPTION:")
    lines.append(f"  {e.description or '(no description in the CRD schema)'}")
    if e.enum:
        lines.append(f"ENUM:     {', '.join(e.enum)}")
    if e.default is not None:
        lines.append(f"DEFAULT:  {e.default}")
    for key, value in e.constraints.items():
        lines.append(f"{key}: {value}")
    if e.children:
        lines.append("")
        lines.append("FIELDS:")
        width = min(max(len(c.name) for c in e.children), 28)
        for child in e.children:
            flag = " -required-" if child.required else ""
            lines.append(f"  {child.name:<{width}} <{child.type}>{flag}  {child.description}".rstrip())
    elif e.open_ended:
        lines.append("")
        lines.append(f"{title} accepts arbitrary content; the CRD documents no fields below it.")
    return "\n".join(lines) + "\n"
