"""What an analysis knows about the cluster, and what it still wants to know.

The analyses in `rca` and `trace` are pure walks over an `Evidence` store. When a walk reaches
something the store does not hold yet (an object, a workload's pods, events, log lines) the
lookup answers `UNKNOWN` and records a request; the walk stops that branch. The tool fetches all
requests of one pass in a batch and runs the walk again, so the number of API round trips is the
depth of the causal chain, not the number of objects looked at. After the last allowed round the
store is marked `final` and unknowns count as "not available": the walk concludes with what it has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

from flux_mcp.flux.refs import ObjectKey


class _Unknown(Enum):
    UNKNOWN = "unknown"


UNKNOWN: Final = _Unknown.UNKNOWN
"""Answer of a lookup whose data has not been fetched yet."""


@dataclass(frozen=True, order=True)
class PodQuery:
    """The pods of a workload: a label selector in one namespace."""

    namespace: str
    selector: str
    """Label selector text, `a=b,c=d`."""


@dataclass(frozen=True, order=True)
class PodLogQuery:
    namespace: str
    pod: str
    container: str
    previous: bool
    """Logs of the previous (crashed) container instance: the useful ones in CrashLoopBackOff."""


@dataclass(frozen=True)
class ControllerLogLine:
    """One JSON log line of a Flux controller, reduced to what an analysis shows."""

    level: str
    message: str
    kind: str
    namespace: str
    name: str
    ts: str = ""
    reconcile_id: str = ""

    def matches(self, key: ObjectKey) -> bool:
        return self.name == key.name and self.namespace == key.namespace and (
            not self.kind or self.kind == key.kind
        )


@dataclass
class Requests:
    """Everything one pass of a walk wanted and did not find."""

    objects: set[ObjectKey] = field(default_factory=set)
    events: set[ObjectKey] = field(default_factory=set)
    pods: set[PodQuery] = field(default_factory=set)
    pod_logs: set[PodLogQuery] = field(default_factory=set)
    controller_logs: set[str] = field(default_factory=set)
    """Flux components (controller Deployment names) whose logs are wanted."""

    def __bool__(self) -> bool:
        return bool(self.objects or self.events or self.pods or self.pod_logs or self.controller_logs)


@dataclass
class Evidence:
    """The facts fetched so far. Lookups of facts not yet fetched answer UNKNOWN and record a request."""

    objects: dict[ObjectKey, dict[str, Any] | None] = field(default_factory=dict)
    """None marks an object the API confirmed does not exist."""
    events: dict[ObjectKey, list[dict[str, Any]]] = field(default_factory=dict)
    pods: dict[PodQuery, list[dict[str, Any]]] = field(default_factory=dict)
    pod_logs: dict[PodLogQuery, list[str]] = field(default_factory=dict)
    controller_logs: dict[str, list[ControllerLogLine]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    """Evidence that could not be fetched (for example pods/log forbidden), said once each."""
    unreadable: dict[ObjectKey, str] = field(default_factory=dict)
    """Objects this identity may not read (RBAC), with why: neither missing nor still to be fetched.
    A walk passes over them (a tenant's source in another namespace) instead of waiting for them."""
    unreadable_pod_logs: set[tuple[str, str]] = field(default_factory=set)
    """(namespace, pod) whose logs no request can read now (its node's kubelet does not answer): an
    empty log of theirs means nothing, not "the container wrote nothing"."""
    final: bool = False
    """Set after the last fetch round: unknown facts are then treated as unavailable."""
    requests: Requests = field(default_factory=Requests)

    def begin_pass(self) -> None:
        self.requests = Requests()

    def add_object(self, key: ObjectKey, obj: Mapping[str, Any] | None) -> None:
        self.objects[key] = dict(obj) if obj is not None else None

    # -- lookups ---------------------------------------------------------------------------------

    def object(self, key: ObjectKey) -> dict[str, Any] | _Unknown | None:
        if key in self.objects:
            return self.objects[key]
        if not self.final and key not in self.unreadable:
            self.requests.objects.add(key)
        return UNKNOWN

    def events_of(self, key: ObjectKey) -> list[dict[str, Any]] | _Unknown:
        if key in self.events:
            return self.events[key]
        if not self.final:
            self.requests.events.add(key)
        return UNKNOWN

    def pods_of(self, query: PodQuery) -> list[dict[str, Any]] | _Unknown:
        if query in self.pods:
            return self.pods[query]
        if not self.final:
            self.requests.pods.add(query)
        return UNKNOWN

    def pod_log(self, query: PodLogQuery) -> list[str] | _Unknown:
        if query in self.pod_logs:
            return self.pod_logs[query]
        if not self.final:
            self.requests.pod_logs.add(query)
        return UNKNOWN

    def controller_log(self, component: str, key: ObjectKey) -> list[ControllerLogLine] | _Unknown:
        lines = self.controller_logs.get(component)
        if lines is None:
            if not self.final:
                self.requests.controller_logs.add(component)
            return UNKNOWN
        return [line for line in lines if line.matches(key)]


def parse_controller_log(text: str) -> list[ControllerLogLine]:
    """Parse a Flux controller's JSON log (one object per line); other lines are skipped.

    Flux controllers log `controllerKind`, `name`, `namespace` and `reconcileID` next to
    `level`, `msg` and `ts`; errors carry the cause in `error`. Older releases nest the object as
    `"<Kind>": {"name": ..., "namespace": ...}`, which is read too.
    """
    lines: list[ControllerLogLine] = []
    for raw in text.splitlines():
        raw = raw.strip()
        start = raw.find("{")
        if start < 0:
            continue
        try:
            entry = json.loads(raw[start:])
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        kind = str(entry.get("controllerKind") or "")
        name = entry.get("name")
        namespace = entry.get("namespace")
        nested = entry.get(kind) if kind else None
        if isinstance(nested, dict):
            name = name or nested.get("name")
            namespace = namespace or nested.get("namespace")
        if not name:
            continue
        message = str(entry.get("msg") or "")
        if entry.get("error"):
            message = f"{message}: {entry['error']}" if message else str(entry["error"])
        lines.append(ControllerLogLine(
            level=str(entry.get("level") or ""), message=message, kind=kind,
            namespace=str(namespace or ""), name=str(name), ts=str(entry.get("ts") or ""),
            reconcile_id=str(entry.get("reconcileID") or ""),
        ))
    return lines
