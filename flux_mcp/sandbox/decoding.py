"""Decoding a body into its Go type, as kube-apiserver does before anything else, for the typed fields
of built-in kinds the sandbox serves: a value of the wrong JSON type fails, and how the failure is
worded depends on the verb (measured on kube-apiserver v1.37):

- create / update: 400 `Deployment in version "v1" cannot be handled as a Deployment: json: cannot
  unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`;
- merge or JSON patch: 422 `"" is invalid: patch: Invalid value: "<the whole patched object as
  JSON>": json: cannot unmarshal …` (the object is quoted back: a Secret's data included);
- strategic merge patch: 422 `… patch: Invalid value: "map[spec:map[replicas:three]]": unrecognized
  type: int32` (the patch itself, in Go's map notation);
- server-side apply: 500 `failed to create typed patch object (ns/name; apps/v1, Kind=Deployment):
  .spec.replicas: expected numeric (int or float), got string`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from flux_mcp.sandbox.discovery import ResourceType
from flux_mcp.sandbox.errors import StatusError

Verb = Literal["create", "patch", "strategic", "apply"]


@dataclass(frozen=True)
class _Typed:
    path: tuple[str, ...]
    """Where the value is; "*" is every value of a map."""
    go_field: str
    go_type: str
    kind: Literal["string", "int", "bool", "string-map"]


_STRING_MAP = "map[string]string"
_METADATA = (
    _Typed(("metadata", "labels"), "ObjectMeta.metadata.labels", _STRING_MAP, "string-map"),
    _Typed(("metadata", "labels", "*"), "ObjectMeta.metadata.labels", "string", "string"),
    _Typed(("metadata", "annotations"), "ObjectMeta.metadata.annotations", _STRING_MAP, "string-map"),
    _Typed(("metadata", "annotations", "*"), "ObjectMeta.metadata.annotations", "string", "string"),
)
_REPLICATED = ("Deployment", "StatefulSet", "ReplicaSet")
_BUILTIN: dict[tuple[str, str], tuple[_Typed, ...]] = {
    ("", "ConfigMap"): (_Typed(("data",), "ConfigMap.data", _STRING_MAP, "string-map"),
                        _Typed(("data", "*"), "ConfigMap.data", "string", "string"),
                        _Typed(("binaryData", "*"), "ConfigMap.binaryData", "[]uint8", "string")),
    ("", "Secret"): (_Typed(("data",), "Secret.data", "map[string][]uint8", "string-map"),
                     _Typed(("stringData",), "Secret.stringData", _STRING_MAP, "string-map"),
                     _Typed(("type",), "Secret.type", "v1.SecretType", "string"),
                     _Typed(("data", "*"), "Secret.data", "[]uint8", "string"),
                     _Typed(("stringData", "*"), "Secret.stringData", "string", "string")),
    **{("apps", kind): (_Typed(("spec", "replicas"), f"{kind}Spec.spec.replicas", "int32", "int"),)
       for kind in _REPLICATED},
}
_BUILTIN[("apps", "Deployment")] += (_Typed(("spec", "paused"), "DeploymentSpec.spec.paused", "bool", "bool"),)


@dataclass(frozen=True)
class _Mistyped:
    typed: _Typed
    path: str
    """Where, in server-side apply's notation (`.spec.replicas`, `.metadata.labels.a`)."""
    value: Any


def _fits(typed: _Typed, value: Any) -> bool:
    if value is None:
        return True  # absent, or removed by a merge patch's null
    if typed.kind == "string":
        return isinstance(value, str)
    if typed.kind == "bool":
        return isinstance(value, bool)
    if typed.kind == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    return isinstance(value, dict)


def _find(obj: dict[str, Any], rt: ResourceType) -> _Mistyped | None:
    typed_fields = _METADATA + _BUILTIN.get((rt.group, rt.kind), ()) if not rt.crd else _METADATA
    for typed in typed_fields:
        found = _values_at(obj, typed.path, "")
        for where, value in found:
            if not _fits(typed, value):
                return _Mistyped(typed, where, value)
    return None


def _values_at(node: Any, path: tuple[str, ...], where: str) -> list[tuple[str, Any]]:
    if not path:
        return [(where, node)]
    if not isinstance(node, dict):
        return []
    head, rest = path[0], path[1:]
    if head == "*":
        return [hit for key, value in node.items() for hit in _values_at(value, rest, f"{where}.{key}")]
    return _values_at(node[head], rest, f"{where}.{head}") if head in node else []


def _json_kind(value: Any, into: str) -> str:
    """How Go's encoding/json names the JSON value it could not unmarshal."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float) and into == "int32":
        return f"number {value:g}"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _go_quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _go_map(value: Any) -> str:
    """A decoded JSON value printed as Go's fmt prints map[string]interface{} (keys sorted)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_map(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_map(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "<nil>" if value is None else str(value)


def _go_value(value: Any) -> str:
    """A decoded JSON value as Go's %#v prints it inside an interface{}."""
    if isinstance(value, dict):
        return "map[string]interface {}{" + ", ".join(
            f"{json.dumps(k)}:{_go_value(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_value(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return _go_map(value)


def _ssa_got(typed: _Typed, value: Any) -> str:
    """How structured-merge-diff names the value it could not type (measured: "three" for an int is
    `string`, "yes" for a bool `&{yes}`, a list for a map `&{[a]}`, 3 for a string `&value.…{Value:3}`)."""
    if typed.kind in ("string-map", "bool"):
        return "&{" + _go_map(value) + "}"
    if isinstance(value, str):
        return "string"
    return f"&value.valueUnstructured{{Value:{_go_value(value)}}}"


def _strategic_detail(typed: _Typed, value: Any) -> str:
    if typed.kind == "string" and not isinstance(value, dict | list):
        go = "bool" if isinstance(value, bool) else "float64" if isinstance(value, float) else "int64"
        return f"cannot convert {go} to string"
    return f"unrecognized type: {typed.go_type}"


_SSA_EXPECTED = {"string": "string", "int": "numeric (int or float)", "bool": "boolean", "string-map": "map"}


def check_decoding(rt: ResourceType, obj: dict[str, Any], verb: Verb, patch: Any = None) -> None:
    """Raise the Status kube-apiserver answers when `obj` (the object after the write) does not decode.

    `patch` is the strategic merge patch as sent (that verb quotes it back instead of the object)."""
    wrong = _find(obj, rt)
    if wrong is None:
        return
    typed = wrong.typed
    unmarshal = (f"json: cannot unmarshal {_json_kind(wrong.value, typed.go_type)} into Go struct field "
                 f"{typed.go_field} of type {typed.go_type}")
    if verb == "create":
        raise StatusError(400, "BadRequest",
                          f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {unmarshal}')
    if verb == "apply":
        metadata = obj.get("metadata") or {}
        where = f"{metadata.get('namespace') or ''}/{metadata.get('name') or ''}"
        group_version = f"{rt.group}/{rt.version}" if rt.group else f"/{rt.version}"
        if typed.kind == "int" and isinstance(wrong.value, float):
            # A number the schema takes that its Go type cannot hold fails later, converting the object.
            raise StatusError(500, "", f"failed to convert new object ({where}; {group_version}, Kind={rt.kind}) "
                                       f"to proper version: unable to convert unstructured object to "
                                       f"{group_version.lstrip('/')}, Kind={rt.kind}: cannot convert float64 to "
                                       f"{typed.go_type}")
        raise StatusError(500, "", f"failed to create typed patch object ({where}; {group_version}, "
                                   f"Kind={rt.kind}): {wrong.path}: expected {_SSA_EXPECTED[typed.kind]}, "
                                   f"got {_ssa_got(typed, wrong.value)}")
    if verb == "strategic":
        quoted, detail = _go_quoted(_go_map(patch)), _strategic_detail(typed, wrong.value)
    else:
        quoted, detail = _go_quoted(json.dumps(obj, separators=(",", ":"), ensure_ascii=False)), unmarshal
    message = f"Invalid value: {quoted}: {detail}"
    raise StatusError(422, "Invalid", f' "" is invalid: patch: {message}',
                      {"causes": [{"reason": "FieldValueInvalid", "message": message, "field": "patch"}]})
