"""Fetch what an analysis walk asked for (`flux.evidence.Requests`), in one concurrent batch per round.

The walks in `flux.rca` and `flux.trace` are pure; this is their only I/O. A round fetches every
requested object, pod list, event list and log at once, so the number of rounds is the depth of
the chain being followed (bounded by `MAX_ROUNDS`), never one round trip per object in a loop.
Failures to read supporting evidence (events, logs) degrade to a note; when the API was unavailable
(5xx, unreachable) rather than refusing, the fetcher also records what it could not read, so the
answer says it may be missing evidence instead of passing the gap off as harmless. Failures to read
the objects themselves surface as the gateway's KubeError.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flux_mcp.flux.budget import clip_line
from flux_mcp.flux.evidence import Evidence, PodLogQuery, PodQuery, Requests, parse_controller_log
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import Forbidden, KubeError, KubeletUnreachable, Unavailable, Unreachable
from flux_mcp.ops.events import fetch_events
from flux_mcp.ops.kubelets import KubeletGate
from flux_mcp.ops.locate import locate
from flux_mcp.ops.namespace_scope import across_namespaces

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway  # lightkube loads on first use, not at start-up

log = logging.getLogger("flux_mcp.ops.evidence")

MAX_ROUNDS = 8
MAX_OBJECTS_PER_ROUND = 40
MAX_PODS = 20
POD_LOG_TAIL = 60
CONTROLLER_LOG_TAIL = 1000
T = TypeVar("T")


class EvidenceFetcher:
    """Fetches requests into an Evidence store through one gateway; counts the API calls it makes."""

    def __init__(self, gw: KubeGateway) -> None:
        self.gw = gw
        self.calls = 0
        self.unavailable: list[str] = []
        """What could not be read because the API was unavailable (not because it refused)."""
        self._kinds: dict[tuple[str, str], ResourceKind] | None = None
        self._kubelets = KubeletGate()
        """Logs of pods on a node whose kubelet did not answer are not asked for again."""

    async def resource_kind(self, key: ObjectKey) -> ResourceKind | None:
        if self._kinds is None:
            self._kinds = {(rk.group, rk.kind): rk for rk in await self.gw.discovery()}
        rk = self._kinds.get((key.group, key.kind))
        if rk is None and not key.group:
            rk = next((r for (_, kind), r in self._kinds.items() if kind == key.kind), None)
        return rk

    async def run(
        self, evidence: Evidence, step: Callable[[], object], rounds: int = MAX_ROUNDS
    ) -> None:
        """Call `step` (a pure walk over `evidence`) and fetch its requests until it asks for nothing."""
        for _ in range(rounds):
            step()
            if not evidence.requests:
                return
            await self.fetch(evidence, evidence.requests)
        evidence.final = True

    async def fetch(self, evidence: Evidence, requests: Requests) -> None:
        objects = sorted(requests.objects)[:MAX_OBJECTS_PER_ROUND]
        await asyncio.gather(
            *(self._object(evidence, key) for key in objects),
            *(self._events(evidence, key) for key in sorted(requests.events)),
            *(self._pods(evidence, query) for query in sorted(requests.pods)),
            *(self._pod_log(evidence, query) for query in sorted(requests.pod_logs)),
            *(self._controller_log(evidence, component) for component in sorted(requests.controller_logs)),
        )

    def _gap(self, evidence: Evidence, what: str, exc: KubeError) -> None:
        if isinstance(exc, KubeletUnreachable) and exc.node:
            # The API server is fine: one node's kubelet is not answering it (its Ready condition says why).
            said = clip_line(redact_text(exc.server_message.splitlines()[0]), 100) if exc.server_message else ""
            evidence.gaps.append(f"{what}: the kubelet on node {exc.node} is unreachable"
                                 + (f" ({said})" if said else "") + (f"; node {exc.node}: "
                                 f"{clip_line(redact_text(exc.node_ready), 120)}" if exc.node_ready else ""))
        elif isinstance(exc, KubeletUnreachable):
            evidence.gaps.append(f"{what} ({_first_line(exc)})")
        elif isinstance(exc, Unavailable | Unreachable):
            self.unavailable.append(what)
            evidence.gaps.append(f"{what} (the Kubernetes API was unavailable: {_first_line(exc)})")
        else:
            evidence.gaps.append(f"{what} ({_first_line(exc)})")

    async def _counted(self, call: Awaitable[T]) -> T:
        self.calls += 1
        return await call

    async def _object(self, evidence: Evidence, key: ObjectKey) -> None:
        rk = await self.resource_kind(key)
        if rk is None:
            evidence.add_object(key, None)
            evidence.gaps.append(f"{key.display}: the cluster does not serve kind {key.kind}"
                                 + (f" ({key.group})" if key.group else ""))
            return
        try:
            obj = await self._counted(self.gw.get_or_none(rk, key.name, key.namespace or None))
        except Forbidden as exc:
            # a tenant's reference into a namespace it may not read: unknown, not missing
            why = f"{key.display} ({_first_line(exc)})"
            evidence.unreadable[key] = why
            evidence.gaps.append(why)
            return
        evidence.add_object(key, obj)

    async def _events(self, evidence: Evidence, key: ObjectKey) -> None:
        events: list[dict[str, Any]] = []
        try:
            listed = await self._counted(fetch_events(
                self.gw, key.namespace or None, involved_kind=key.kind, involved_name=key.name,
                event_type="Warning",
            ))
            events = listed.value
            if listed.narrowed_to:
                # a cluster-scoped object's events, of the one namespace this identity may list them in
                evidence.gaps.append(f"events of {key.display} outside namespace {listed.narrowed_to} (listing "
                                     "Events in all namespaces is forbidden for this identity)")
        except KubeError as exc:
            log.debug("events of %s unavailable: %s", key, exc)
            self._gap(evidence, f"events of {key.display}", exc)
        evidence.events[key] = events

    async def _pods(self, evidence: Evidence, query: PodQuery) -> None:
        try:
            page = await self._counted(self.gw.list("Pod", query.namespace, label_selector=query.selector,
                                                    limit=MAX_PODS))
            evidence.pods[query] = page.items
        except KubeError as exc:
            self._gap(evidence, f"pods {query.selector} in {query.namespace}", exc)
            evidence.pods[query] = []

    async def _pod_log(self, evidence: Evidence, query: PodLogQuery) -> None:
        """Exactly the instance asked for: the walk labels what it shows and asks for the current
        container itself when the previous one left nothing (no silent fallback)."""
        text = ""
        node = _node_of(evidence, query.namespace, query.pod)
        try:
            text = await self._kubelets.fetch(node, lambda: self._counted(self.gw.pod_logs(
                query.pod, query.namespace, container=query.container or None, tail_lines=POD_LOG_TAIL,
                previous=query.previous, timestamps=False,
            )))
        except KubeletUnreachable as exc:
            self._unreadable_pod(evidence, query.namespace, query.pod, exc)
        except KubeError as exc:
            if not query.previous:
                self._gap(evidence, f"logs of pod {query.namespace}/{query.pod}", exc)
            # A previous instance that does not exist (or was rotated away) left no logs.
        evidence.pod_logs[query] = text.splitlines()

    def _unreadable_pod(self, evidence: Evidence, namespace: str, pod: str, exc: KubeletUnreachable) -> None:
        if (namespace, pod) in evidence.unreadable_pod_logs:
            return
        evidence.unreadable_pod_logs.add((namespace, pod))
        self._gap(evidence, f"logs of pod {namespace}/{pod}", exc)

    async def _controller_log(self, evidence: Evidence, component: str) -> None:
        """The recent log of a Flux controller, found by its `app=<component>` pod label."""
        lines = []
        try:
            selector = f"app={component}"
            found = await self._counted(across_namespaces(
                self.gw, "Pod", lambda ns: self.gw.list("Pod", ns, label_selector=selector, limit=5)))
            page = found.value
            if found.narrowed_to and not page.items:
                evidence.gaps.append(f"{component} logs (listing Pods in all namespaces is forbidden for this "
                                     f"identity, and namespace {found.narrowed_to} has no {selector} pod)")
            for pod in page.items[:2]:
                metadata = pod.get("metadata") or {}
                name, namespace = str(metadata.get("name")), str(metadata.get("namespace"))
                node = str((pod.get("spec") or {}).get("nodeName") or "")
                text = await self._kubelets.fetch(node, functools.partial(
                    self._controller_pod_log, name, namespace))
                lines.extend(parse_controller_log(text))
        except KubeError as exc:
            self._gap(evidence, f"{component} logs", exc)
        evidence.controller_logs[component] = lines

    async def _controller_pod_log(self, name: str, namespace: str) -> str:
        return await self._counted(self.gw.pod_logs(name, namespace, tail_lines=CONTROLLER_LOG_TAIL,
                                                    timestamps=False))


def _node_of(evidence: Evidence, namespace: str, pod: str) -> str:
    """The node a pod the walk has already read runs on ("" when unknown or not yet scheduled)."""
    candidates = [obj for key, obj in evidence.objects.items() if obj is not None and key.kind == "Pod"]
    candidates += [obj for listed in evidence.pods.values() for obj in listed]
    for obj in candidates:
        metadata = obj.get("metadata") or {}
        if metadata.get("name") == pod and metadata.get("namespace") == namespace:
            return str((obj.get("spec") or {}).get("nodeName") or "")
    return ""


@dataclass(frozen=True)
class Walk(Generic[T]):
    """The outcome of `walk_from`."""

    start: ObjectKey
    answer: T
    """The pure walk's final answer."""
    api_calls: int
    """API calls made, the first read included."""
    unavailable: tuple[str, ...] = ()
    """Evidence not read because the API was unavailable: the answer may be missing part of it."""

    @property
    def unavailable_note(self) -> str:
        if not self.unavailable:
            return ""
        return ("the Kubernetes API was unavailable while reading " + ", ".join(self.unavailable)
                + ": this answer may be missing evidence; retry when the API answers again")


async def walk_from(
    gw: KubeGateway, kind: str, name: str, namespace: str | None, api_version: str | None,
    walk: Callable[[ObjectKey, Evidence], T],
) -> Walk[T]:
    """Read one object and run a pure walk from it (`rca.analyze`, `trace.trace`) until it has what it needs."""
    rk = await gw.resolve(kind, api_version)
    obj = await gw.get(rk, name, await locate(gw, rk, name, namespace))
    start = ObjectKey.of(obj)
    evidence = Evidence()
    evidence.add_object(start, obj)
    fetcher = EvidenceFetcher(gw)
    await fetcher.run(evidence, lambda: walk(start, evidence))
    return Walk(start, walk(start, evidence), fetcher.calls + 1, tuple(fetcher.unavailable))


def _first_line(exc: Exception) -> str:
    return clip_line(redact_text(str(exc).splitlines()[0]), 160) if str(exc) else type(exc).__name__
