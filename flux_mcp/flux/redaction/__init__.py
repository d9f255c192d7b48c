"""The one redaction boundary: structural rules on object trees, then linear-time text detectors.

Secrets reach a transcript by more roads than Secret.data: a Git URL with user:password in a
GitRepository message, a bearer token echoed in an event, a controller log line, HelmRelease
values, a container `env` entry, a Secret manifest embedded in a ResourceSet or an annotation.
Tools mask what they fetch *before* they project, filter, tabulate or cut it (`redact_object`,
`redact_value`, `redact_text`), and the tool boundary applies the same pass to every byte it
sends (text, structured content, progress, errors, audit lines, log records), so nothing masked
can be recovered by a filter, a cut or a guess.

- `rules`: which names mean a credential (one rule set, used by both passes).
- `tree`: structural masking of objects.
- `detectors`: text detectors on RE2 (why a curated list: see its docstring).
"""

from __future__ import annotations

import logging
from typing import Any

from flux_mcp.flux.redaction.detectors import may_hold_secret, redact_text
from flux_mcp.flux.redaction.rules import LAST_APPLIED, MASK, is_credential_name
from flux_mcp.flux.redaction.tree import mask_string, mask_tree

__all__ = [
    "LAST_APPLIED", "MASK", "RedactingFilter", "is_credential_name", "mask_secret_data", "mask_string",
    "may_hold_secret", "redact_object", "redact_text", "redact_value", "strip_noise",
]


def strip_noise(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop managedFields and the last-applied annotation: bulky, and the latter can hold secrets."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return obj
    if "managedFields" not in metadata and LAST_APPLIED not in (metadata.get("annotations") or {}):
        return obj
    metadata = {k: v for k, v in metadata.items() if k != "managedFields"}
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        annotations = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        if annotations:
            metadata["annotations"] = annotations
        else:
            metadata.pop("annotations")
    return {**obj, "metadata": metadata}


def mask_secret_data(obj: dict[str, Any]) -> dict[str, Any]:
    """Replace every value of a Secret's data/stringData with a mask, keeping the keys."""
    if obj.get("kind") != "Secret":
        return obj
    return {**obj, **{f: {k: MASK for k in v} for f in ("data", "stringData", "binaryData")
                      if isinstance(v := obj.get(f), dict)}}


def redact_object(obj: dict[str, Any], mask_secrets: bool = True) -> dict[str, Any]:
    """A copy of a Kubernetes object that is safe to show in a chat transcript."""
    cleaned = strip_noise(obj)
    if not mask_secrets:
        return cleaned
    return dict(mask_tree(cleaned))


def redact_value(value: Any, mask_secrets: bool = True) -> Any:
    """Redact any JSON-like value (objects, lists, strings) for output."""
    if not mask_secrets:
        return value
    return mask_tree(value)


class RedactingFilter(logging.Filter):
    """Our own log records go through the same pass: a traceback can quote a token or a URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact_text(message), None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
