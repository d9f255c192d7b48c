"""Cluster reads shared by several tools: every Flux object at once, events, durations.

All helpers fetch in bulk (one list per kind, one events list per call) and concurrently;
none makes a round trip per object.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.flux.kinds import FLUX_KINDS, FluxKind, find_flux_kind
from flux_mcp.flux.pattern import PatternError, UserPattern, compile_pattern
from flux_mcp.flux.redaction import redact_text
from flux_mcp.kube.discovery import ResourceKind

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

EVENT_KIND = "Event"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# -- Flux objects ----------------------------------------------------------------------------------


async def installed_flux_kinds(
    gw: KubeGateway, kinds: Iterable[str] | None = None
) -> list[tuple[FluxKind, ResourceKind]]:
    """The Flux kinds this cluster serves (optionally only those named), at their preferred version."""
    wanted: list[FluxKind] = list(FLUX_KINDS)
    if kinds is not None:
        wanted = []
        for name in kinds:
            flux_kind = find_flux_kind(name)
            if flux_kind is None:
                raise ToolError(f"{name!r} is not a Flux kind; Flux kinds: {', '.join(k.kind for k in FLUX_KINDS)}")
            if flux_kind not in wanted:
                wanted.append(flux_kind)
    served = {(rk.group, rk.kind): rk for rk in await gw.discovery()}
    return [(fk, served[(fk.group, fk.kind)]) for fk in wanted if (fk.group, fk.kind) in served]


async def list_flux_objects(
    gw: KubeGateway,
    namespace: str | None = None,
    kinds: Iterable[str] | None = None,
    *,
    errors: dict[str, str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every object of every installed Flux kind (or of `kinds`), listed concurrently.

    Returns kind → objects, with an entry (possibly empty) for each installed kind; kinds whose CRD
    is absent are skipped. A failing list raises its ToolError, unless `errors` is given: then the
    kind is left out and `errors[kind]` says why (for reports that should degrade, not fail).
    """
    installed = await installed_flux_kinds(gw, kinds)

    async def one(rk: ResourceKind) -> list[dict[str, Any]]:
        return await gw.list_all(rk, namespace=namespace or None)

    results = await asyncio.gather(*(one(rk) for _, rk in installed), return_exceptions=True)
    objects: dict[str, list[dict[str, Any]]] = {}
    for (fk, _), result in zip(installed, results, strict=True):
        if isinstance(result, BaseException):
            if errors is None or not isinstance(result, ToolError):
                raise result
            errors[fk.kind] = str(result)
            continue
        objects[fk.kind] = result
    return objects


# -- events ----------------------------------------------------------------------------------------


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


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def compile_grep(pattern: str | None) -> UserPattern | None:
    """A case-insensitive RE2 pattern from a `grep` argument; a ToolError when it is invalid."""
    if not pattern:
        return None
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise ToolError(f"invalid grep regular expression {redact_text(pattern)!r}: {exc}") from exc


def parse_duration(text: str, argument: str = "since") -> timedelta:
    """`90s`, `10m`, `2h`, `1d`, `1h30m` → a timedelta; a ToolError naming `argument` for anything else."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ToolError(f"{argument}: empty duration; use forms like 30s, 10m, 2h, 1d or 1h30m")
    position, seconds = 0, 0.0
    for match in _DURATION.finditer(cleaned):
        if cleaned[position:match.start()].strip():
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise ToolError(f"{argument}: invalid duration {text!r}; use forms like 30s, 10m, 2h, 1d or 1h30m")
    return timedelta(seconds=seconds)


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """`45s`, `12m`, `3h`, `2d` since `moment` (kubectl style)."""
    if moment is None:
        return "?"
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


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
) -> list[dict[str, Any]]:
    """Core/v1 Events in one list call, filtered server-side by involved object and type.

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
    return await gw.list_all(rk, namespace=namespace or None, field_selector=",".join(selectors) or None)


async def warning_events_by_object(
    gw: KubeGateway, namespace: str | None, kind: str, name: str | None = None, per_object: int = 3
) -> dict[tuple[str, str], list[EventSummary]]:
    """(namespace, name) → the newest Warning events of objects of `kind` (one events list in all)."""
    events = await fetch_events(gw, namespace, involved_kind=kind, involved_name=name, event_type="Warning")
    by_object: dict[tuple[str, str], list[EventSummary]] = {}
    for summary in summarize_events(events):
        by_object.setdefault((summary.namespace, summary.object_name), []).append(summary)
    return {key: summaries[-per_object:] for key, summaries in by_object.items()}


def event_line(summary: EventSummary, now: datetime | None = None, with_object: bool = True) -> str:
    repeat = f" (x{summary.count})" if summary.count > 1 else ""
    target = f" {summary.object_ref}" if with_object else ""
    return f"{age(summary.last_seen, now)} ago {summary.type}{target} {summary.reason}{repeat}: {summary.message}"
