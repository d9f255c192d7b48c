"""Kubernetes Events: one list call per question, series collapsed into one summary each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.timestamps import age, parse_time
from flux_mcp.ops.namespace_scope import Scoped, list_across

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

EVENT_KIND = "Event"


@dataclass(frozen=True)
class EventSummary:
    """One event, or a series of identical events collapsed into one line."""

    last_seen: datetime | None
    first_seen: datetime | None
    type: str
    reason: str
    message: str
    count: int
    object_kind: str
    object_name: str
    namespace: str
    source: str

    @property
    def object_ref(self) -> str:
        if self.namespace:
            return f"{self.object_kind}/{self.namespace}/{self.object_name}"
        return f"{self.object_kind}/{self.object_name}"


def event_times(event: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(first, last) time of an event, across the core/v1 and events.k8s.io field variants."""
    series = event.get("series") or {}
    metadata = event.get("metadata") or {}
    last = (
        parse_time(series.get("lastObservedTime"))
        or parse_time(event.get("lastTimestamp"))
        or parse_time(event.get("eventTime"))
        or parse_time(metadata.get("creationTimestamp"))
    )
    first = parse_time(event.get("firstTimestamp")) or parse_time(event.get("eventTime")) or last
    return first, last


def summarize_events(events: Sequence[dict[str, Any]]) -> list[EventSummary]:
    """Collapse series (same object, type, reason and message) into one summary; oldest first."""
    grouped: dict[tuple[str, ...], EventSummary] = {}
    for event in events:
        involved = event.get("involvedObject") or event.get("regarding") or {}
        first, last = event_times(event)
        count = int(event.get("count") or (event.get("series") or {}).get("count") or 1)
        source = event.get("source") or {}
        reporter = source.get("component") or event.get("reportingComponent") or event.get("reportingController")
        summary = EventSummary(
            last_seen=last, first_seen=first, type=str(event.get("type") or "Normal"),
            reason=str(event.get("reason") or ""), message=str(event.get("message") or event.get("note") or ""),
            count=count, object_kind=str(involved.get("kind") or ""), object_name=str(involved.get("name") or ""),
            namespace=str(involved.get("namespace") or (event.get("metadata") or {}).get("namespace") or ""),
            source=str(reporter or ""),
        )
        key = (summary.object_kind, summary.namespace, summary.object_name, summary.type, summary.reason,
               summary.message)
        previous = grouped.get(key)
        if previous is not None:
            summary = EventSummary(
                last_seen=_latest(previous.last_seen, summary.last_seen),
                first_seen=_earliest(previous.first_seen, summary.first_seen),
                type=summary.type, reason=summary.reason, message=summary.message,
                count=previous.count + summary.count, object_kind=summary.object_kind,
                object_name=summary.object_name, namespace=summary.namespace,
                source=previous.source or summary.source,
            )
        grouped[key] = summary
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(grouped.values(), key=lambda s: s.last_seen or epoch)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((t for t in (a, b) if t is not None), default=None)


async def fetch_events(
    gw: KubeGateway,
    namespace: str | None = None,
    *,
    involved_kind: str | None = None,
    involved_name: str | None = None,
    event_type: str | None = None,
    fallback: str | None = None,
) -> Scoped[list[dict[str, Any]]]:
    """Core/v1 Events in one list call, filtered server-side by involved object and type.

    Without a namespace, Events of every namespace; when that list is forbidden, those of `fallback`
    (else the kubeconfig context's namespace), with `narrowed_to` saying so (ops.namespace_scope).
    core/v1 is used rather than events.k8s.io/v1: the latter fails to decode when eventTime is null,
    which it is for events written through the core API (most controllers, Flux included).
    """
    selectors = []
    if involved_kind:
        selectors.append(f"involvedObject.kind={involved_kind}")
    if involved_name:
        selectors.append(f"involvedObject.name={involved_name}")
    if event_type:
        selectors.append(f"type={event_type}")
    rk = await gw.resolve(EVENT_KIND, "v1")
    return await list_across(gw, rk, namespace or None, field_selector=",".join(selectors) or None,
                             fallback=fallback)


async def warning_events_by_object(
    gw: KubeGateway, namespace: str | None, kind: str, name: str | None = None, per_object: int = 3
) -> Scoped[dict[tuple[str, str], list[EventSummary]]]:
    """(namespace, name) → the newest Warning events of objects of `kind` (one events list in all)."""
    events = await fetch_events(gw, namespace, involved_kind=kind, involved_name=name, event_type="Warning")
    by_object: dict[tuple[str, str], list[EventSummary]] = {}
    for summary in summarize_events(events.value):
        by_object.setdefault((summary.namespace, summary.object_name), []).append(summary)
    return Scoped({key: summaries[-per_object:] for key, summaries in by_object.items()}, events.narrowed_to)


def event_line(summary: EventSummary, now: datetime | None = None, with_object: bool = True) -> str:
    repeat = f" (x{summary.count})" if summary.count > 1 else ""
    target = f" {summary.object_ref}" if with_object else ""
    return f"{age(summary.last_seen, now)} ago {summary.type}{target} {summary.reason}{repeat}: {summary.message}"
