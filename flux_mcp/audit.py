"""Audit log: one JSON line per tool call, arguments redacted, file readable by its owner only."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flux_mcp.flux.redaction import redact_value

# Free-form payloads can carry anything (a Secret manifest, a patch with a password): the audit
# keeps a fingerprint of them, never the text.
_OPAQUE_ARGUMENTS = frozenset({"yaml_content", "patch"})


def audit_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for key, value in arguments.items():
        if key in _OPAQUE_ARGUMENTS and isinstance(value, str):
            digest = hashlib.sha256(value.encode()).hexdigest()[:16]
            safe[key] = {"sha256": digest, "chars": len(value)}
        else:
            safe[key] = redact_value(value)
    return safe


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)

    def record(self, tool: str, arguments: dict[str, Any], outcome: str, duration_ms: float, error: str = "") -> None:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "tool": tool,
            "arguments": audit_arguments(arguments),
            "outcome": outcome,
            "duration_ms": round(duration_ms, 1),
        }
        if error:
            entry["error"] = error
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
