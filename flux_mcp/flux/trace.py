"""Trace any object up to the Flux object that manages it, and on to the source it came from.

The walk climbs controller ownerReferences (Pod → ReplicaSet → Deployment) and then the labels
appliers stamp on what they apply (`kustomize.toolkit.fluxcd.io/*`, `helm.toolkit.fluxcd.io/*`,
`resourceset.fluxcd.controlplane.io/*`, `fluxcd.controlplane.io/*`), hop by hop up to the root
(usually the `flux-system` Kustomization or a FluxInstance). Every Flux applier on the way is shown
with the source chain it consumes (HelmRelease → HelmChart → HelmRepository; Kustomization →
GitRepository/OCIRepository/Bucket/ExternalArtifact). Pure: it reads an `Evidence` store and asks
for what is missing (see `flux.evidence`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flux_mcp.flux.budget import clip_line
from flux_mcp.flux.evidence import UNKNOWN, Evidence
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import ObjectKey, group_of, managed_by, references_of
from flux_mcp.flux.status import object_status

MAX_HOPS = 12
MAX_SOURCE_HOPS = 4
SOURCE_EDGES = frozenset({"source", "chart", "imagepolicy", "automation"})
"""Edges along which an object consumes what another produces."""


@dataclass(frozen=True)
class TraceHop:
    key: ObjectKey
    relation: str
    """How this hop relates to the previous one: object, owned by, managed by, source, chart, ..."""
    api_version: str = ""
    state: str = "unknown"
    reason: str = ""
    message: str = ""
    revision: str = ""
    url: str = ""
    missing: bool = False
    sources: tuple[TraceHop, ...] = ()
    """For a Flux object: the chain of sources it consumes, nearest first."""
    note: str = ""

    @property
    def is_flux(self) -> bool:
        return self.key.is_flux


@dataclass(frozen=True)
class Trace:
    hops: tuple[TraceHop, ...]
    complete: bool = True
    """False when a fetch budget ran out before the walk reached the root."""
    notes: tuple[str, ...] = field(default=())

    @property
    def managers(self) -> tuple[TraceHop, ...]:
        """The Flux hops above the start object, nearest first."""
        return tuple(h for h in self.hops[1:] if h.is_flux)

    @property
    def root(self) -> TraceHop | None:
        managers = self.managers
        return managers[-1] if managers else None


def source_url(obj: Mapping[str, Any]) -> str:
    """Where a source reads from, with credentials redacted."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    status = obj.get("status") if isinstance(obj.get("status"), Mapping) else {}
    assert isinstance(spec, Mapping) and isinstance(status, Mapping)
    kind = obj.get("kind")
    url = ""
    if kind == "Bucket":
        endpoint = str(spec.get("endpoint") or "")
        if endpoint and "://" not in endpoint:
            endpoint = ("http://" if spec.get("insecure") else "https://") + endpoint
        url = f"{endpoint}/{spec.get('bucketName', '')}" if endpoint else str(spec.get("bucketName") or "")
    elif kind == "ExternalArtifact":
        artifact = status.get("artifact")
        url = str(artifact.get("url") or "") if isinstance(artifact, Mapping) else ""
    elif kind == "ImageRepository":
        url = str(spec.get("image") or "")
    else:
        url = str(spec.get("url") or "")
    return redact_text(url)


def describe(key: ObjectKey, obj: Mapping[str, Any], relation: str) -> TraceHop:
    """A hop for an existing object: its state (Flux conditions or workload health) and revision."""
    status = object_status(dict(obj), key.is_flux)
    note = ""
    if key.kind == "ExternalArtifact":
        producer = (obj.get("spec") or {}).get("sourceRef")
        if isinstance(producer, Mapping) and producer.get("name"):
            note = f"produced by {producer.get('kind', '?')} {producer.get('namespace') or key.namespace}/" \
                   f"{producer['name']}"
    return TraceHop(
        key=key, relation=relation, api_version=str(obj.get("apiVersion") or ""), state=status.state,
        reason=status.reason, message=redact_text(status.message), revision=status.revision,
        url=source_url(obj) if key.flux_kind is not None and key.flux_kind.is_source else "",
        note=note,
    )


def missing_hop(key: ObjectKey, relation: str) -> TraceHop:
    return TraceHop(key=key, relation=relation, state="missing", reason="NotFound",
                    message=f"{key.display} does not exist", missing=True)


def unreadable_hop(key: ObjectKey, relation: str, why: str) -> TraceHop:
    return TraceHop(key=key, relation=relation, state="unknown", reason="NotReadable", message=why)


def owner_of(obj: Mapping[str, Any]) -> tuple[ObjectKey, str] | None:
    """The next object up: the controller ownerReference, else the Flux applier named by labels."""
    metadata = obj.get("metadata") or {}
    references = [r for r in metadata.get("ownerReferences") or [] if isinstance(r, Mapping)]
    controller = next((r for r in references if r.get("controller")), references[0] if references else None)
    if controller is not None and controller.get("kind") and controller.get("name"):
        group = group_of(controller.get("apiVersion"))
        # Owners live in the owned object's namespace (or are cluster-scoped); a Namespace owner
        # never is namespaced.
        namespace = "" if controller.get("kind") == "Namespace" else str(metadata.get("namespace") or "")
        return ObjectKey(str(controller["kind"]), namespace, str(controller["name"]), group), "owned by"
    manager = managed_by(obj)
    if manager is not None:
        return manager, "managed by"
    return None


def source_chain(key: ObjectKey, obj: Mapping[str, Any], evidence: Evidence) -> tuple[list[TraceHop], bool]:
    """The sources `obj` consumes, nearest first; False when some are not fetched yet.

    Edges a HelmRelease records for a HelmChart that does not exist yet (chart → its
    HelmRepository, known from the chart template) are followed too.
    """
    hops: list[TraceHop] = []
    complete = True
    seen = {key}
    edges = [e for e in references_of(obj) if e.type in SOURCE_EDGES]
    frontier = [e for e in edges if e.source == key]
    while frontier and len(hops) < MAX_SOURCE_HOPS:
        edge = frontier.pop(0)
        target = edge.target
        if target in seen:
            continue
        seen.add(target)
        found = evidence.object(target)
        if found is UNKNOWN and target in evidence.unreadable:
            hops.append(unreadable_hop(target, edge.type, evidence.unreadable[target]))
            continue
        if found is UNKNOWN:
            complete = False
            continue
        if found is None:
            hops.append(missing_hop(target, edge.type))
            frontier.extend(e for e in edges if e.source == target)
            continue
        hops.append(describe(target, found, edge.type))
        more = [e for e in references_of(found) if e.type in SOURCE_EDGES and e.source == target]
        edges.extend(more)
        frontier.extend(more)
    return hops, complete


def trace(start: ObjectKey, evidence: Evidence) -> Trace:
    """Walk from `start` up to the root Flux object; call again after fetching `evidence.requests`."""
    evidence.begin_pass()
    obj = evidence.object(start)
    if obj is UNKNOWN:
        return Trace((), complete=False)
    if obj is None:
        return Trace((missing_hop(start, "object"),), notes=(f"{start.display} does not exist",))
    hops: list[TraceHop] = []
    notes: list[str] = []
    complete = True
    key, current, relation = start, obj, "object"
    visited: set[ObjectKey] = set()
    while True:
        visited.add(key)
        hop = describe(key, current, relation)
        if key.is_flux:
            sources, sources_complete = source_chain(key, current, evidence)
            complete = complete and sources_complete
            hop = replace(hop, sources=tuple(sources))
        hops.append(hop)
        parent = owner_of(current)
        if parent is None:
            break
        next_key, relation = parent
        if next_key in visited:
            # flux-system applies itself: the Kustomization's own labels name it.
            if next_key != key:
                notes.append(f"ownership cycle at {next_key.display}")
            break
        if len(hops) >= MAX_HOPS:
            notes.append(f"stopped after {MAX_HOPS} hops")
            break
        found = evidence.object(next_key)
        if found is UNKNOWN and next_key in evidence.unreadable:
            hops.append(unreadable_hop(next_key, relation, evidence.unreadable[next_key]))
            break
        if found is UNKNOWN:
            complete = False
            break
        if found is None:
            hops.append(missing_hop(next_key, relation))
            notes.append(f"{next_key.display} named by {key.display} does not exist (deleted, or labels are stale)")
            break
        key, current = next_key, found
    if not any(h.is_flux for h in hops[1:]) and not start.is_flux and complete:
        notes.append(f"{start.display} is not managed by Flux: no Flux labels on it or on its owners")
    return Trace(tuple(hops), complete=complete, notes=tuple(notes))


def _hop_line(hop: TraceHop) -> str:
    parts = [f"{hop.key.display}: {hop.state}" + (f" ({hop.reason})" if hop.reason and hop.state != "ready" else "")]
    if hop.revision:
        parts.append(f"revision {hop.revision}")
    if hop.url:
        parts.append(f"url {hop.url}")
    if hop.note:
        parts.append(hop.note)
    line = "  ".join(parts)
    if hop.message and hop.state not in ("ready",):
        message = clip_line(hop.message, 200)
        line += f"\n      {message}"
    return line


def render_trace(result: Trace) -> str:
    """Compact text: one line per hop, sources indented under their applier."""
    lines: list[str] = []
    for index, hop in enumerate(result.hops):
        prefix = "" if index == 0 else f"  ← {hop.relation} "
        lines.append(prefix + _hop_line(hop))
        for source in hop.sources:
            lines.append(f"      {source.relation}: " + _hop_line(source).replace("\n      ", "\n          "))
    root = result.root
    if root is not None:
        lines.append(f"root Flux object: {root.key.display}")
    lines.extend(f"note: {note}" for note in result.notes)
    if not result.complete:
        lines.append("note: the trace stopped early (fetch budget reached); call again on the last hop")
    return "\n".join(lines) + "\n"
