"""The managed-object guard of apply/patch/delete: refuse to change what Flux manages, unless told to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.guard import (
    MANAGER_LABELS,
    Containment,
    Manager,
    Operation,
    crd_contents,
    manager_from_labels,
    managing_object,
    namespace_contents,
    refusal_message,
)
from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.refs import display
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.flux_objects import list_flux_objects

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway


def check_managed(
    target: str, live: Mapping[str, Any] | None, written: Mapping[str, Any] | None, operation: Operation,
    overwrite: bool,
) -> Manager | None:
    """The managing Flux object (returned when overwrite lets the operation go ahead), or a refusal."""
    manager = managing_object(live, written, operation)
    if manager is not None and not overwrite:
        raise OperationError(refusal_message(target, manager, operation))
    return manager


# Kinds Flux most often applies into a namespace: checked (one labelled object each is enough) before a
# Namespace is deleted. Flux objects of every installed kind are checked as well.
NAMESPACE_PROBE_KINDS: tuple[str, ...] = (
    "ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment", "StatefulSet", "DaemonSet", "Ingress",
)


async def _labelled(gw: KubeGateway, kind: str | ResourceKind, namespace: str | None) -> list[tuple[str, Manager]]:
    """Up to one object per Flux owner label of `kind` (in `namespace`, or everywhere), with its manager."""
    found: list[tuple[str, Manager]] = []
    kind_name = kind if isinstance(kind, str) else kind.kind
    for prefix, _ in MANAGER_LABELS:
        try:
            page = await gw.list(kind, namespace, f"{prefix}/name", None, 1)
        except KubeError:
            continue  # a kind this cluster does not serve, or we may not list: nothing to report
        for obj in page.items:
            metadata = obj.get("metadata") or {}
            manager = manager_from_labels(metadata.get("labels") or {})
            if manager is not None:
                found.append((display(kind_name, str(metadata.get("namespace") or ""), str(metadata.get("name"))),
                              manager))
    return found


async def containment(gw: KubeGateway, rk: ResourceKind, name: str, live: Mapping[str, Any]) -> Containment | None:
    """What deleting this Namespace or CRD would take with it that Flux manages (None: nothing)."""
    if rk.group == "" and rk.kind == "Namespace":
        flux = await list_flux_objects(gw, name, errors={})
        flux_objects = [f"{kind} {(o.get('metadata') or {}).get('name')}" for kind, objs in flux.items() for o in objs]
        managed: list[tuple[str, Manager]] = []
        for kind in NAMESPACE_PROBE_KINDS:
            managed += await _labelled(gw, kind, name)
        return namespace_contents(name, flux_objects, managed)
    if rk.group == "apiextensions.k8s.io" and rk.kind == "CustomResourceDefinition":
        spec = live.get("spec") or {}
        group, kind = str(spec.get("group") or ""), str((spec.get("names") or {}).get("kind") or "")
        managed = []
        if kind:
            try:
                served: ResourceKind | None = await gw.resolve(f"{kind}.{group}" if group else kind)
            except KubeError:
                served = None
            if served is not None:
                managed = await _labelled(gw, served, None)
        return crd_contents(name, find_flux_kind(kind, group) is not None, managed)
    return None


async def check_contents(gw: KubeGateway, rk: ResourceKind, name: str, live: Mapping[str, Any],
                         overwrite: bool) -> Containment | None:
    """Refuse to delete a Namespace or CRD that takes Flux-managed objects with it, unless `overwrite`."""
    contents = await containment(gw, rk, name, live)
    if contents is not None and not overwrite:
        raise OperationError(contents.refusal())
    return contents
