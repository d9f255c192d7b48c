"""The sandbox's Flux schemas agree with the real CRDs (../shared/reference): every field the sandbox
documents exists there with the same type, enum, pattern, bounds, default and required-ness; every
object the sandbox documents in full has exactly the real fields; CEL rules sit on the same nodes
with the same messages. Then the same mutated objects get the same verdicts from both."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from flux_mcp.sandbox.discovery import Catalog
from flux_mcp.sandbox.fleet import build_fleet
from flux_mcp.sandbox.openapi import validate
from flux_mcp.sandbox.schemas import crd_schema
from tests.sandbox.reference_crds import reference_schemas

_COMPARED = ("type", "enum", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
             "minLength", "maxLength", "minItems", "maxItems", "default", "nullable",
             "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
             "x-kubernetes-map-type")
_FLUX_TYPES = Catalog(operator=True).crd_types


def _differences(ours: dict[str, Any], real: dict[str, Any], path: str, stats: dict[str, int]) -> Iterator[str]:
    stats["documented"] += 1
    for key in _COMPARED:
        if ours.get(key) != real.get(key):
            yield f"{path}: {key} is {ours.get(key)!r}, the CRD says {real.get(key)!r}"
    ours_open = bool(ours.get("x-kubernetes-preserve-unknown-fields"))
    real_open = bool(real.get("x-kubernetes-preserve-unknown-fields"))
    if real_open and not ours_open:
        yield f"{path}: the CRD keeps unknown fields, the sandbox does not"
    ours_props, real_props = ours.get("properties") or {}, real.get("properties") or {}
    for name in sorted(set(ours_props) - set(real_props)):
        yield f"{path}.{name}: not a field of the CRD"
    missing = sorted(set(real_props) - set(ours_props))
    if missing and not ours_open:
        yield f"{path}: closed in the sandbox but lacks {', '.join(missing)}"
    stats["undocumented"] += len(missing)
    ours_required, real_required = sorted(ours.get("required") or ()), sorted(real.get("required") or ())
    if ours_required != real_required:
        yield f"{path}: required {ours_required}, the CRD says {real_required}"
    ours_rules = sorted(r.get("message", r["rule"]) for r in ours.get("x-kubernetes-validations") or ())
    real_rules = sorted(r.get("message", r["rule"]) for r in real.get("x-kubernetes-validations") or ())
    if ours_rules != real_rules:
        yield f"{path}: CEL rules {ours_rules}, the CRD has {real_rules}"
    for name in sorted(set(ours_props) & set(real_props)):
        if name != "metadata" or path:
            yield from _differences(ours_props[name], real_props[name], f"{path}.{name}", stats)
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(ours.get(key), dict) and isinstance(real.get(key), dict):
            yield from _differences(ours[key], real[key], path + suffix, stats)
        elif isinstance(ours.get(key), dict) != isinstance(real.get(key), dict):
            yield f"{path}{suffix}: present on one side only"


def _described(node: dict[str, Any], path: str) -> Iterator[str]:
    for name, child in (node.get("properties") or {}).items():
        if not child.get("description") and name != "metadata":
            yield f"{path}.{name}"
        yield from _described(child, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _described(node[key], path + "[]")


@pytest.mark.parametrize("rt", _FLUX_TYPES, ids=[t.kind for t in _FLUX_TYPES])
def test_the_sandbox_schema_agrees_with_the_real_crd(rt: Any) -> None:
    real = reference_schemas()[(rt.api_version, rt.kind)]
    stats = {"documented": 0, "undocumented": 0}
    assert list(_differences(crd_schema(rt.kind), real, "", stats)) == []
    assert stats["undocumented"] == 0, f"{stats['undocumented']} fields of the real CRD are not documented"
    assert list(_described(crd_schema(rt.kind), rt.kind)) == []


def test_explain_documents_what_users_run() -> None:
    post_build = crd_schema("Kustomization")["properties"]["spec"]["properties"]["postBuild"]["properties"]
    assert post_build["substituteStrategy"]["enum"] == ["WithVariables", "Always"]
    assert post_build["substituteFrom"]["items"]["required"] == ["kind", "name"]


# --- same objects, same verdicts ---------------------------------------------------------------


def _leaves(schema: dict[str, Any], value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...],
                                                                                                 dict[str, Any]]]:
    yield path, schema
    if isinstance(value, dict):
        for key, item in value.items():
            sub = (schema.get("properties") or {}).get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if sub is not None:
                yield from _leaves(sub, item, (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _leaves(schema["items"], item, (*path, i))


def _set(obj: Any, path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        obj = obj[part]
    if value is _DELETE:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


_DELETE = object()


def _mutations(obj: dict[str, Any], schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each way a user could get a field wrong, one at a time."""
    for path, node in _leaves(schema, obj, ()):
        if not path or path[0] == "metadata":
            continue
        where = ".".join(map(str, path))
        typ = node.get("type")
        bad = {"string": 42, "integer": "many", "boolean": "yes", "array": {"a": 1}, "object": ["x"]}.get(typ or "")
        tries: list[tuple[str, Any]] = [("type", bad)] if bad is not None else []
        if node.get("enum"):
            tries.append(("enum", "NotAValue"))
        if node.get("pattern"):
            tries.append(("pattern", "banana banana"))
        if typ == "object" and isinstance(node.get("properties"), dict) and \
                not node.get("x-kubernetes-preserve-unknown-fields"):
            tries.append(("unknown", "new-field"))
        if isinstance(path[-1], str):
            tries.append(("delete", _DELETE))
        for what, value in tries:
            mutated = copy.deepcopy(obj)
            if what == "unknown":
                target = mutated
                for part in path:
                    target = target[part]
                target["notAField"] = "x"
            else:
                _set(mutated, path, value)
            yield f"{where} ({what})", mutated


def test_mutated_fleet_objects_get_the_same_verdict_from_both_schemas() -> None:
    real_schemas = reference_schemas()
    compared = 0
    disagreements = []
    seen: set[tuple[str, str]] = set()
    for obj in build_fleet(scale=0, operator=True).objects:
        if "fluxcd" not in obj["apiVersion"] or (obj["kind"], obj["metadata"]["name"]) in seen:
            continue
        seen.add((obj["kind"], obj["metadata"]["name"]))
        ours, real = crd_schema(obj["kind"]), real_schemas[(obj["apiVersion"], obj["kind"])]
        for label, mutated in _mutations(obj, real):
            ours_result, _ = validate(ours, mutated)
            real_result, _ = validate(real, mutated)
            compared += 1
            if ([str(e) for e in ours_result.errors], ours_result.unknown) != \
                    ([str(e) for e in real_result.errors], real_result.unknown):
                disagreements.append(f"{obj['kind']}/{obj['metadata']['name']} {label}: sandbox "
                                     f"{[str(e) for e in ours_result.errors] + ours_result.unknown}, real "
                                     f"{[str(e) for e in real_result.errors] + real_result.unknown}")
    assert compared > 1000
    assert disagreements == []
