"""Builders for what root-cause analysis and trace read besides Flux objects: workloads, pods, events,
controller log lines, and an in-memory cluster that answers an analysis' requests round by round.

    deployment, replica_set, pods = workload("api-server", "team-api", managed_by="Kustomization/api",
                                             crash=True)
    cluster = Cluster([ks, deployment, replica_set, *pods], pod_logs={"api-server-abc12": ["panic: x"]})
    analysis, rounds = cluster.settle(lambda ev: analyze(key_of(ks), ev))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flux_mcp.flux.evidence import Evidence, parse_controller_log
from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.refs import ObjectKey
from tests.unit.builders import TIME, k8s_object, owner_reference

T = TypeVar("T")


def key_of(obj: Mapping[str, Any]) -> ObjectKey:
    return ObjectKey.of(obj)


def container_status(name: str = "app", *, waiting: str | None = None, restarts: int = 0,
                     last_terminated: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"waiting": {"reason": waiting, "message": f"{waiting} ..."}} if waiting else {
        "running": {"startedAt": TIME}}
    status: dict[str, Any] = {"name": name, "ready": waiting is None, "restartCount": restarts, "state": state}
    if last_terminated:
        status["lastState"] = {"terminated": {"reason": last_terminated, "exitCode": 1}}
    return status


def pod(name: str, namespace: str, *, labels: dict[str, str], owner: dict[str, Any] | None = None,
        container: str = "app", waiting: str | None = None, restarts: int = 0,
        last_terminated: str | None = None, phase: str = "Running") -> dict[str, Any]:
    return k8s_object(
        "Pod", name, namespace, labels=labels,
        owner_references=[owner_reference(owner)] if owner else (),
        spec={"containers": [{"name": container, "image": "example/app:1"}]},
        status={"phase": phase, "containerStatuses": [
            container_status(container, waiting=waiting, restarts=restarts, last_terminated=last_terminated)]},
    )


def workload(
    name: str, namespace: str, *, managed_by: str | None = None, replicas: int = 1, crash: bool = False,
    waiting: str = "CrashLoopBackOff", restarts: int = 5, container: str = "app",
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Deployment + ReplicaSet + Pods; with `crash` the pods wait in `waiting` and the rollout is stuck."""
    selector = {"app": name}
    ready = 0 if crash else replicas
    deployment = k8s_object(
        "Deployment", name, namespace, managed_by=managed_by, labels={"app": name},
        spec={"replicas": replicas, "selector": {"matchLabels": selector}},
        status={"replicas": replicas, "readyReplicas": ready},
    )
    replica_set = k8s_object(
        "ReplicaSet", f"{name}-5d4f8", namespace, labels={**selector, "pod-template-hash": "5d4f8"},
        owner_references=[owner_reference(deployment)],
        spec={"replicas": replicas, "selector": {"matchLabels": selector}},
        status={"replicas": replicas, "readyReplicas": ready},
    )
    replica_set["apiVersion"] = "apps/v1"
    pods = [
        pod(f"{name}-5d4f8-{suffix}", namespace, labels={**selector, "pod-template-hash": "5d4f8"},
            owner=replica_set, container=container, waiting=waiting if crash else None,
            restarts=restarts + i if crash else 0)
        for i, suffix in enumerate(("abc12", "def34", "ghi56")[:replicas])
    ]
    return deployment, replica_set, pods


def warning_event(obj: Mapping[str, Any], reason: str, message: str, *, count: int = 1,
                  minute: int = 0) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{metadata.get('name')}.{reason.lower()}{minute}",
                     "namespace": metadata.get("namespace")},
        "involvedObject": {"kind": obj.get("kind"), "name": metadata.get("name"),
                           "namespace": metadata.get("namespace"), "apiVersion": obj.get("apiVersion")},
        "type": "Warning", "reason": reason, "message": message, "count": count,
        "lastTimestamp": f"2026-01-01T00:{minute:02d}:00Z",
    }


def controller_log_line(obj: Mapping[str, Any], msg: str, *, level: str = "error", error: str = "",
                        nested_only: bool = False) -> str:
    """A controller-runtime JSON line as Flux controllers write it (`nested_only`: the older form)."""
    metadata = obj.get("metadata") or {}
    kind = str(obj.get("kind"))
    record: dict[str, Any] = {
        "level": level, "ts": "2026-01-01T00:00:00.000Z", "msg": msg, "controllerKind": kind,
        kind: {"name": metadata.get("name"), "namespace": metadata.get("namespace")},
        "reconcileID": "0000-1111",
    }
    if not nested_only:
        record.update({"name": metadata.get("name"), "namespace": metadata.get("namespace")})
    if error:
        record["error"] = error
    return json.dumps(record)


def _matches(labels: Mapping[str, str], selector: str) -> bool:
    pairs = [part.split("=", 1) for part in selector.split(",") if part]
    return all(labels.get(k) == v for k, v in pairs)


@dataclass
class Cluster:
    """An in-memory cluster that answers Evidence requests, counting rounds and fetches like the tool."""

    objects: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)
    pod_logs: dict[str, list[str]] = field(default_factory=dict)
    """pod name → log lines (previous and current alike)."""
    controller_logs: dict[str, list[str]] = field(default_factory=dict)
    """component → raw log lines."""
    fetched: list[ObjectKey] = field(default_factory=list)

    def find(self, key: ObjectKey) -> dict[str, Any] | None:
        for obj in self.objects:
            if key_of(obj) == key:
                return obj
        return None

    def answer(self, evidence: Evidence) -> None:
        requests = evidence.requests
        for key in requests.objects:
            self.fetched.append(key)
            evidence.add_object(key, self.find(key))
        for key in requests.events:
            evidence.events[key] = [
                e for e in self.events
                if e["involvedObject"]["name"] == key.name and e["involvedObject"]["kind"] == key.kind
                and e["involvedObject"]["namespace"] == key.namespace
            ]
        for query in requests.pods:
            evidence.pods[query] = [
                o for o in self.objects
                if o["kind"] == "Pod" and o["metadata"].get("namespace") == query.namespace
                and _matches(o["metadata"].get("labels") or {}, query.selector)
            ]
        for log_query in requests.pod_logs:
            evidence.pod_logs[log_query] = list(self.pod_logs.get(log_query.pod, []))
        for component in requests.controller_logs:
            evidence.controller_logs[component] = parse_controller_log("\n".join(
                self.controller_logs.get(component, [])))

    def settle(self, step: Callable[[Evidence], T], start: Iterable[Mapping[str, Any]] = (),
               max_rounds: int = 12) -> tuple[T, int]:
        """Run `step` until it asks for nothing (or `max_rounds`, then once more in final mode)."""
        evidence = Evidence()
        for obj in start:
            evidence.add_object(key_of(obj), obj)
        for rounds in range(max_rounds):
            result = step(evidence)
            if not evidence.requests:
                return result, rounds
            self.answer(evidence)
        evidence.final = True
        return step(evidence), max_rounds


def component_of(kind: str) -> str:
    flux_kind = find_flux_kind(kind)
    assert flux_kind is not None
    return flux_kind.component
