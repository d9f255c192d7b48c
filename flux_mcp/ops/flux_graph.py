"""One concurrent collection of every Flux object, turned into a FluxGraph (graph, health, inventory tools)."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.health import WORKLOAD_KINDS, WorkloadIssue, workload_issues
from flux_mcp.flux.kinds import FLUX_KINDS, find_flux_kind
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.flux.state import NOTIFICATION_KINDS
from flux_mcp.kube.errors import Forbidden, KubeError
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.events import fetch_events
from flux_mcp.ops.flux_objects import readable_flux_objects
from flux_mcp.ops.namespace_scope import narrowed_note

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway


@dataclass
class Collected:
    graph: FluxGraph
    notes: list[str] = field(default_factory=list)
    """Degradations the answer must mention (kinds that could not be listed, a narrowed scope)."""
    scope: str | None = None
    """The one namespace the identity could list Flux objects in (every cluster-wide list forbidden)."""
    unread: tuple[str, ...] = ()
    """Flux kinds that could not be read at all (forbidden or failing): never counted as ready."""


async def collect_graph(
    gw: KubeGateway, namespace: str | None = None, describe: Callable[[KubeError], str] = str,
) -> Collected:
    """List every installed Flux kind in all namespaces, concurrently, and build the graph.

    All namespaces even when `namespace` is given: references cross namespaces (dependsOn,
    sourceRef.namespace), and a narrower list would report their targets as missing. When the
    cluster-wide list is forbidden (namespace-scoped RBAC), the kinds refused are listed in
    `namespace`, else in the kubeconfig context's namespace, and the answer says so in one line;
    the kinds forbidden there too are one line with one RBAC rule. `describe` words any other
    listing failure for the notes.
    """
    listing = await readable_flux_objects(gw, namespace, describe)
    notes = listing.notes()
    objects = [obj for items in listing.objects.values() for obj in items]
    events = await notification_warnings(gw, listing.objects, notes, describe, listing.scope, fallback=namespace)
    scope = listing.scope if listing.whole_scope else None
    graph = FluxGraph(objects, events=events, unread_kinds=listing.unread, read_namespace=scope)
    return Collected(graph, notes, scope, listing.unread)


async def notification_warnings(
    gw: KubeGateway, by_kind: dict[str, list[dict[str, Any]]], notes: list[str],
    describe: Callable[[KubeError], str] = str, namespace: str | None = None, *, fallback: str | None = None,
) -> list[dict[str, Any]]:
    """Warning events of the notification kinds present (their delivery and auth failures), one list each.

    Only kinds with objects are asked about. Without `namespace`, a list of every namespace that RBAC
    refuses is made in `fallback` (else the kubeconfig context's namespace), in one note; a list
    refused or failing even so is a note, not an error.
    """
    kinds = sorted(kind for kind in NOTIFICATION_KINDS if by_kind.get(kind))
    results = await asyncio.gather(*(
        fetch_events(gw, namespace, involved_kind=kind, fallback=fallback) for kind in kinds
    ), return_exceptions=True)
    events: list[dict[str, Any]] = []
    narrowed: set[str] = set()
    failed: dict[str, list[str]] = {}
    for kind, result in zip(kinds, results, strict=True):
        if isinstance(result, KubeError):
            failed.setdefault(describe(result), []).append(kind)
        elif isinstance(result, BaseException):
            raise result
        else:
            events.extend(result.value)
            if result.narrowed_to:
                narrowed.add(result.narrowed_to)
    notes += [f"{narrowed_note('Events', scope)} (the events of notification objects elsewhere are not read)"
              for scope in sorted(narrowed)]
    notes += [f"could not read the events of {', '.join(failed_kinds)} objects: {why}"
              for why, failed_kinds in failed.items()]
    return events


def resolve_root(
    graph: FluxGraph, kind: str, name: str, namespace: str | None, notes: Sequence[str] = ()
) -> ObjectKey:
    """The key of an existing Flux object, or an OperationError naming the nearest existing names.

    Without a namespace, the one object of that kind and name in any namespace (the namespace rule of
    every single-object tool); several are named as candidates.

    `notes` are the collection's degradations: when listing failed, the object may exist, so
    the error gives the listing failure instead of a misleading "not found".
    """
    flux_kind = find_flux_kind(kind)
    if flux_kind is None:
        raise OperationError(f"{kind!r} is not a Flux kind; Flux kinds: {', '.join(k.kind for k in FLUX_KINDS)}")
    if namespace is None:
        found = sorted((k for k, n in graph.nodes.items()
                        if k.kind == flux_kind.kind and k.name == name and n.obj is not None), key=str)
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(f"{k.namespace}/{k.name}" for k in found[:10])
            raise OperationError(f'{flux_kind.kind} "{name}" exists in {len(found)} namespaces ({listed}); '
                                 "pass namespace to pick one")
        if notes:
            raise OperationError(f"cannot look up {flux_kind.kind} {name}: " + "; ".join(notes))
        names = sorted({k.name for k, n in graph.nodes.items() if k.kind == flux_kind.kind and n.obj is not None})
        near = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        hint = f"; near names: {', '.join(near)}" if near else f"; no {flux_kind.kind} with a close name exists"
        raise OperationError(f'no {flux_kind.kind} named "{name}" in any namespace{hint}')
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


async def namespace_workloads(
    gw: KubeGateway, graph: FluxGraph, namespace: str, notes: list[str],
    describe: Callable[[KubeError], str] = str,
) -> tuple[bool, list[WorkloadIssue], int]:
    """Whether `namespace` exists, its unhealthy Flux-managed workloads, and how many Flux manages.

    One list per workload kind and one of Pods (a crash-looping pod names the reason); a refused
    list is a note, not an error.
    """
    try:
        if await gw.get_or_none("Namespace", namespace) is None:
            return False, [], 0
    except Forbidden:
        pass  # a namespace-scoped identity may not read Namespaces; its lists below tell whether it exists
    kinds = (*WORKLOAD_KINDS, "Pod")
    results = await asyncio.gather(*(gw.list_all(kind, namespace) for kind in kinds), return_exceptions=True)
    listed: dict[str, list[dict[str, Any]]] = {}
    forbidden: list[str] = []
    for kind, result in zip(kinds, results, strict=True):
        if isinstance(result, Forbidden):
            forbidden.append(kind)
        elif isinstance(result, KubeError):
            notes.append(f"could not list {kind} in namespace {namespace}: {describe(result)}")
        elif isinstance(result, BaseException):
            raise result
        else:
            listed[kind] = result
    if forbidden:
        notes.append(f"workloads not checked (listing them in namespace {namespace} is forbidden): "
                     f"{', '.join(forbidden)}")
    workloads = [obj for kind in WORKLOAD_KINDS for obj in listed.get(kind, [])]
    issues, managed = workload_issues(graph, workloads, listed.get("Pod", []))
    return True, issues, managed
