"""Structural masking of object trees: what a key, a kind or an embedded manifest says is secret.

Runs before anything renders, projects (`fields`), filters (`grep`) or cuts an object, so every
later step only ever sees masked values. Free-text detectors then run on every string leaf.
"""

from __future__ import annotations

import json
from typing import Any

import re2
import yaml

from flux_mcp.flux.redaction.detectors import redact_text
from flux_mcp.flux.redaction.rules import (
    KIND_FIELDS,
    LAST_APPLIED,
    MASK,
    SECRET_DATA_FIELDS,
    is_credential_name,
    is_public_value,
)

try:  # the C loader parses large embedded manifests several times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_EMBEDDED_MANIFEST = 256_000
"""A string that declares `kind: Secret` and is longer than this is masked whole instead of parsed."""

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_SECRET_KIND = re2.compile(r"kind[\"']?[ \t]*:[ \t]*[\"']?Secret\b", options=_OPTIONS)
_MIN_DETECTABLE = 8
"""No text detector matches fewer characters: shorter strings skip them."""


def _is_maskable(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return not is_public_value(value)
    return isinstance(value, int | float)


def _mask_url(value: Any) -> Any:
    """Keep scheme and host of a URL whose path, query or userinfo is the credential."""
    if not isinstance(value, str) or not value or value == MASK:
        return value
    scheme, sep, rest = value.partition("://")
    if not sep:
        return MASK
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/{MASK}"


def _mask_secret_manifest(obj: dict[str, Any]) -> dict[str, Any]:
    masked = dict(obj)
    for field in SECRET_DATA_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            masked[field] = {key: MASK for key in values}
        elif values is not None:
            masked[field] = MASK
    return masked


def _mask_kind_fields(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    masked = dict(obj)
    for path in KIND_FIELDS[kind]:
        parent = masked
        for i, step in enumerate(path[:-1]):
            child = parent.get(step)
            if not isinstance(child, dict):
                break
            child = dict(child)
            parent[step] = child
            parent = child
            if i == len(path) - 2 and path[-1] in parent:
                parent[path[-1]] = _mask_url(parent[path[-1]]) if kind == "Provider" else MASK
    return masked


def _embedded_manifest(text: str) -> str:
    """A string that is (or holds) a Secret manifest, with the Secret's values masked."""
    if len(text) > MAX_EMBEDDED_MANIFEST:
        return MASK
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        return MASK  # unreadable but says kind: Secret: nothing of it is shown
    masked = [mask_tree(doc) for doc in documents]
    if text.lstrip()[:1] in ("{", "["):
        return "\n".join(json.dumps(doc, separators=(",", ":"), default=str) for doc in masked)
    return "---\n".join(
        yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=10_000) for doc in masked
    )


def _patch_text(text: str) -> str:
    """A kustomize patch (YAML/JSON text) masked as the object tree it stands for."""
    if len(text) > MAX_EMBEDDED_MANIFEST:
        return MASK
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        return redact_text(text)
    masked = [mask_tree(doc) for doc in documents]
    if masked == documents:
        return text
    return "---\n".join(
        yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=10_000) for doc in masked
    )


def mask_string(text: str) -> str:
    if len(text) < _MIN_DETECTABLE:
        return text
    if "Secret" in text and _SECRET_KIND.search(text):
        return _embedded_manifest(text)
    return redact_text(text)


def _mask_list(items: list[Any], credential: bool) -> list[Any]:
    out: list[Any] = []
    hide_next = False
    for item in items:
        if credential or hide_next:
            out.append(MASK if _is_maskable(item) else mask_tree(item))
            hide_next = False
            continue
        # An argument list: ["--password", "X"] hides X; "--password=X" is the text detectors' job.
        if isinstance(item, str) and item.startswith("-") and "=" not in item and is_credential_name(item.lstrip("-")):
            hide_next = True
        out.append(mask_tree(item))
    return out


def mask_tree(value: Any) -> Any:
    """A copy of any JSON-like value with every credential the rules recognise masked."""
    if isinstance(value, str):
        return mask_string(value)
    if isinstance(value, list):
        return _mask_list(value, False)
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    if kind == "Secret" and any(f in value for f in SECRET_DATA_FIELDS):
        value = _mask_secret_manifest(value)
    elif isinstance(kind, str) and kind in KIND_FIELDS:
        value = _mask_kind_fields(value, kind)
    target = value.get("target")
    if isinstance(target, dict) and target.get("kind") == "Secret" and isinstance(value.get("patch"), str):
        # A kustomize patch aimed at a Secret (FluxInstance/Kustomization spec.patches) writes its values.
        value = {**value, "patch": MASK}
    name = value.get("name")
    env_like = isinstance(name, str) and "value" in value and is_credential_name(name)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == LAST_APPLIED:
            continue
        if env_like and key == "value" and _is_maskable(item):
            out[key] = MASK
        elif key == "patch" and isinstance(item, str):
            out[key] = _patch_text(item)
        elif isinstance(key, str) and is_credential_name(key):
            if _is_maskable(item):
                out[key] = MASK
            elif isinstance(item, list):
                out[key] = _mask_list(item, True)
            else:
                out[key] = mask_tree(item)
        else:
            out[key] = mask_tree(item)
    return out
