"""The structural checks kube-apiserver makes on an object after a patch (apply included).

A real API server decodes the patched JSON into its Go type before anything else, so a patch that
leaves `metadata` something other than an object, or turns `ConfigMap.data` into a string, fails
with 422 Invalid ("cannot unmarshal string into Go struct field ConfigMap.data of type
map[string]string") and changes nothing. The sandbox has no Go types; it checks the few typed
fields the emulated fleet relies on: object metadata, the string maps of every object
(labels, annotations) and the string maps of the core kinds (ConfigMap and Secret). Custom
resources stay open, as CRDs with `x-kubernetes-preserve-unknown-fields` are.
"""

from __future__ import annotations

from typing import Any

from flux_mcp.sandbox import errors
from flux_mcp.sandbox.discovery import ResourceType

_METADATA_STRING_MAPS = ("labels", "annotations")
_CORE_STRING_MAPS: dict[str, tuple[str, ...]] = {
    "ConfigMap": ("data", "binaryData"),
    "Secret": ("data", "stringData"),
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _check_string_map(rt: ResourceType, name: str, owner: dict[str, Any], key: str, path: str) -> None:
    value = owner.get(key)
    if value is None:
        return  # absent, or removed by a merge patch's null
    if not isinstance(value, dict):
        raise errors.invalid(
            rt, name, f"{path}: Invalid value: {_json_type(value)}: must be a map of string to string", path,
        )
    for item_key, item in value.items():
        if not isinstance(item, str):
            field = f"{path}[{item_key}]"
            raise errors.invalid(rt, name, f"{field}: Invalid value: {_json_type(item)}: must be a string", field)


def check_structure(rt: ResourceType, name: str, obj: dict[str, Any]) -> None:
    """Raise 422 Invalid when `obj` (the result of a patch of object `name`) is not well-typed."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise errors.invalid(rt, name, "metadata: Required value: must be an object", "metadata")
    if not metadata.get("name"):
        # Removing the name is an update of an immutable field, not a way back to the URL's name.
        raise errors.invalid(rt, name, 'metadata.name: Invalid value: "": field is immutable', "metadata.name")
    for key in _METADATA_STRING_MAPS:
        _check_string_map(rt, name, metadata, key, f"metadata.{key}")
    if not rt.group:
        for key in _CORE_STRING_MAPS.get(rt.kind, ()):
            _check_string_map(rt, name, obj, key, key)
