"""Container logs of the sandbox pods, with the `pods/log` query semantics."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LogKey = tuple[str, str, str, bool]
"""(namespace, pod, container, previous)"""


@dataclass(frozen=True)
class LogLine:
    at: datetime
    text: str


def rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def controller_line(
    at: datetime,
    level: str,
    msg: str,
    group: str,
    kind: str,
    name: str,
    namespace: str,
    reconcile_id: str | None = None,
    **extra: Any,
) -> str:
    """A controller-runtime JSON log line as the Flux controllers write it."""
    record: dict[str, Any] = {
        "level": level,
        "ts": rfc3339_nano(at),
        "msg": msg,
        "controller": kind.lower(),
        "controllerGroup": group,
        "controllerKind": kind,
        kind: {"name": name, "namespace": namespace},
        "namespace": namespace,
        "name": name,
        "reconcileID": reconcile_id or str(uuid.uuid4()),
    }
    record.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(record, separators=(",", ":"))


class PodLogs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[LogKey, list[LogLine]] = {}

    def append(
        self, namespace: str, pod: str, container: str, text: str,
        at: datetime | None = None, previous: bool = False,
    ) -> None:
        with self._lock:
            self._lines.setdefault((namespace, pod, container, previous), []).append(
                LogLine(at or datetime.now(UTC), text)
            )

    def extend(self, key: LogKey, lines: list[LogLine]) -> None:
        with self._lock:
            self._lines.setdefault(key, []).extend(lines)

    def has(self, namespace: str, pod: str, container: str, previous: bool) -> bool:
        with self._lock:
            return (namespace, pod, container, previous) in self._lines

    def read(
        self,
        namespace: str,
        pod: str,
        container: str,
        previous: bool = False,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        limit_bytes: int | None = None,
    ) -> str:
        with self._lock:
            lines = list(self._lines.get((namespace, pod, container, previous), []))
        if since_seconds is not None:
            cutoff = datetime.now(UTC) - timedelta(seconds=since_seconds)
            lines = [line for line in lines if line.at >= cutoff]
        if tail_lines is not None:
            lines = lines[-tail_lines:] if tail_lines > 0 else []
        text = "".join(
            (f"{rfc3339_nano(line.at)} {line.text}\n" if timestamps else f"{line.text}\n") for line in lines
        )
        if limit_bytes is not None:
            text = text.encode()[:limit_bytes].decode(errors="ignore")
        return text
