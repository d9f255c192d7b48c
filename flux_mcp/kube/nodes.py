"""A Node's readiness in one line, as errors about its kubelet quote it."""

from __future__ import annotations

from typing import Any


def node_ready_line(node: dict[str, Any]) -> str:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            since = f" since {condition['lastTransitionTime']}" if condition.get("lastTransitionTime") else ""
            message = f": {condition['message']}" if condition.get("message") else ""
            return f"Ready={condition.get('status')} {condition.get('reason') or ''}{since}{message}".replace(" :", ":")
    return "no Ready condition (no kubelet has ever reported for this node)"
