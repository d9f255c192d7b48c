"""The one redaction pass applied to everything the server returns.

Secrets reach a transcript by more roads than Secret.data: a Git URL with user:password in a
GitRepository message, a bearer token echoed in an event, a controller log line, the
last-applied-configuration annotation that still holds a Secret's stringData. Every string we
return goes through `redact_text`; every object through `redact_object`.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "****"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^\s/@'\"<>]+)@")
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=\-]{8,})")
_KEY_VALUE = re.compile(
    r"(?i)(\"?\b(?:password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token"
    r"|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|authorization)\"?\s*[=:]\s*\"?)"
    r"(?!\*\*\*\*)([^\s\"',;&}()]+)"
)
_KNOWN_TOKENS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_\-]{16,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}"
    r"|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)"
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        return f"{match.group('scheme')}{user}:{MASK}@"
    # A lone user part is usually a login name (git@, ssh://git@) unless it looks like a token.
    if len(userinfo) >= 20:
        return f"{match.group('scheme')}{MASK}@"
    return match.group(0)


# Lower-cased literals covering every pattern below : keep them in step.
_NEEDLES = ("://", "bearer", "basic", "token", "passw", "pwd", "secret", "api_key", "api-key", "apikey",
            "access_key", "access-key", "accesskey", "private_key", "private-key", "privatekey", "authorization",
            "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "akia", "eyj", "-----begin")


def _may_hold_secret(text: str) -> bool:
    # Plain substring scans of the lower-cased text are ~30x faster than one case-insensitive
    # alternation regex over a 40 kB page; the exact patterns below still decide what is masked.
    low = text.lower()
    return any(needle in low for needle in _NEEDLES)


def redact_text(text: str) -> str:
    """Mask credentials inside free text: URL userinfo, auth headers, key=value secrets, tokens."""
    if not text or not _may_hold_secret(text):
        return text
    text = _PRIVATE_KEY.sub(f"-----BEGIN PRIVATE KEY----- {MASK}", text)
    text = _URL_USERINFO.sub(_mask_userinfo, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _KNOWN_TOKENS.sub(MASK, text)


def _redact_strings(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_strings(v) for v in value]
    return value


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
    masked = dict(obj)
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, dict):
            masked[field] = {key: MASK for key in values}
    return masked


def redact_object(obj: dict[str, Any], mask_secrets: bool = True) -> dict[str, Any]:
    """A copy of a Kubernetes object that is safe to show in a chat transcript."""
    cleaned = strip_noise(obj)
    if not mask_secrets:
        return cleaned
    return dict(_redact_strings(mask_secret_data(cleaned)))


def redact_value(value: Any, mask_secrets: bool = True) -> Any:
    """Redact any JSON-like value (objects, lists, strings) for output."""
    if not mask_secrets:
        return value
    if isinstance(value, dict) and "kind" in value and "metadata" in value:
        return redact_object(value, mask_secrets)
    return _redact_strings(value)
