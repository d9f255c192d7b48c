"""One concurrent collection of every Flux object, turned into a FluxGraph (graph, health, inventory tools)."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.kinds import FLUX_KINDS, find_flux_kind
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.flux.state import NOTIFICATION_KINDS
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.flux_objects import readable_flux_objects

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway


@dataclass
class Collected:
    graph: FluxGraph
    notes: list[str] = field(default_factory=list)
    """Degradations the answer must mention (kinds that could not be listed, a narrowed scope)."""
    scope: str | None = None
    """The namespace the objects were listed in when the cluster-wide list was forbidden."""
    unread: tuple[str, ...] = ()
    """Flux kinds that could not be read at all (forbidden or failing): never counted as ready."""


async def collect_graph(gw: KubeGateway, namespace: str | None = None) -> Collected:
    """List every installed Flux kind in all namespaces, concurrently, and build the graph.

    All namespaces even when `namespace` is given: references cross namespaces (dependsOn,
    sourceRef.namespace), and a narrower list would report their targets as missing. When the
    cluster-wide list is forbidden (namespace-scoped RBAC), the kinds refused are listed in
    `namespace`, else in the kubeconfig context's namespace, and the answer says so in one line.
    """
    listing = await readable_flux_objects(gw, namespace)
    notes = listing.notes()
    objects = [obj for items in listing.objects.values() for obj in items]
    events = await notification_warnings(gw, listing.objects, notes, listing.scope)
    graph = FluxGraph(objects, events=events, unread_kinds=listing.unread, read_namespace=listing.scope)
    return Collected(graph, notes, listing.scope, listing.unread)


async def notification_warnings(
    gw: KubeGateway, by_kind: dict[str, list[dict[str, Any]]], notes: list[str], namespace: str | None = None,
) -> list[dict[str, Any]]:
    """Warning events of the notification kinds present (their delivery and auth failures), one list each.

    Only kinds with objects are asked about; a refused or failed list is a note, not an error.
    """
    kinds = sorted(kind for kind in NOTIFICATION_KINDS if by_kind.get(kind))
    results = await asyncio.gather(*(
        gw.list_all("Event", namespace, field_selector=f"involvedObject.kind={kind}") for kind in kinds
    ), return_exceptions=True)
    events: list[dict[str, Any]] = []
    for kind, result in zip(kinds, results, strict=True):
        if isinstance(result, KubeError):
            notes.append(f"could not read the events of {kind} objects: {str(result).splitlines()[0]}")
        elif isinstance(result, BaseException):
            raise result
        else:
            events.extend(result)
    return events


def resolve_root(
    graph: FluxGraph, kind: str, name: str, namespace: str, notes: Sequence[str] = ()
) -> ObjectKey:
    """The key of an existing Flux object, or an OperationError naming the nearest existing names.

    `notes` are the collection's degradations: when listing failed, the object may exist, so
    the error gives the listing failure instead of a misleading "not found".
    """
    flux_kind = find_flux_kind(kind)
    if flux_kind is None:
        raise OperationError(f"{kind!r} is not a Flux kind; Flux kinds: {', '.join(k.kind for k in FLUX_KINDS)}")
    key = ObjectKey(flux_kind.kind, namespace, name, flux_kind.group)
    node = graph.nodes.get(key)
    if node is not None and node.obj is not None:
        return key
    if notes:
        raise OperationError(f"cannot look up {flux_kind.kind} {namespace}/{name}: " + "; ".join(notes))
    same_kind = [k for k, n in graph.nodes.items() if k.kind == flux_kind.kind and n.obj is not None]
    in_namespace = sorted(k.name for k in same_kind if k.namespace == namespace)
    near = difflib.get_close_matches(name, in_namespace, n=5, cutoff=0.5)
    if not near:
        near = [f"{k.namespace}/{k.name}" for k in sorted(same_kind, key=str) if k.name == name][:5]
    if not near:
        near = in_namespace[:5]
    hint = f"; existing: {', '.join(near)}" if near else f"; no {flux_kind.kind} exists in namespace {namespace}"
    raise OperationError(f"{flux_kind.kind} {namespace}/{name} not found{hint}")
