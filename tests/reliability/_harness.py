"""Small named helpers the reliability tests share: judging errors, the probe object, canary forms."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request

# Calling tools is tests/harness.py's job; test_secret_canaries.py still imports these names from here.
from tests.harness import call_tool, list_tools  # noqa: F401
from tests.harness import everything_of as result_blob  # noqa: F401

from ._catalogue import PROBE_CONFIGMAP, PROBE_NAMESPACE

_BARE_ERROR = re.compile(r"^\s*Error executing tool [\w-]+\s*:?\s*$")
_UNMAPPED = re.compile(r"internal error [0-9a-f]{8}|Traceback \(most recent call last\)")


def error_problem(text: str, cause: re.Pattern[str] | None = None) -> str | None:
    """Why an error text is not 'one clear ToolError naming the cause' (None when it is)."""
    if _BARE_ERROR.match(text):
        return f"bare error without a reason: {text!r}"
    if not text.strip():
        return "empty error text"
    if _UNMAPPED.search(text):
        return f"unmapped exception reached the client: {text[:300]!r}"
    if cause is not None and not cause.search(text):
        return f"error does not name the cause /{cause.pattern}/: {text[:300]!r}"
    return None


def ensure_probe_configmap(api_url: str) -> None:
    """Create the unmanaged ConfigMap the patch/delete rows act on (idempotent; 409 is fine)."""
    body = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": PROBE_CONFIGMAP, "namespace": PROBE_NAMESPACE},
            "data": {"probe": "1"},
        }
    ).encode()
    request = urllib.request.Request(
        f"{api_url}/api/v1/namespaces/{PROBE_NAMESPACE}/configmaps",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer reliability"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise


def canary_forms(canary: str) -> list[str]:
    """The canary and the base64 fragments that betray it inside any base64-encoded value.

    A Secret's `data` holds base64 of a value that may contain the canary at any offset; encoding
    it after 0, 1 and 2 filler bytes and keeping the stable middle catches each alignment.
    """
    forms = [canary]
    raw = canary.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = 4 if offset else 0
        stable = encoded[start : len(encoded) - 4]
        if len(stable) >= 8:
            forms.append(stable)
    return forms


def leaked_canaries(blob: str, canaries: list[str]) -> list[str]:
    return [canary for canary in canaries if any(form in blob for form in canary_forms(canary))]
