"""Shared by apply/patch/delete_kubernetes_resource: arguments and the Flux-managed guard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

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
from flux_mcp.tools._params import K8S_NAME_PATTERN

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway

OverwriteArg = Annotated[
    bool,
    Field(description="Act even on an object managed by Flux (labels kustomize.toolkit.fluxcd.io/name, "
          "helm.toolkit.fluxcd.io/name, fluxcd.controlplane.io/name, resourceset.fluxcd.controlplane.io/name); "
          "Flux will revert the change on its next reconcile. For apply it also takes over conflicting fields "
          "(server-side apply force). Default false."),
]
DryRunArg = Annotated[
    bool,
    Field(description="Let the API server validate and admit the change without persisting it (dryRun=All). "
          "Default false."),
]
ObjectNamespaceArg = Annotated[
    str | None,
    Field(description="Namespace of the object. Omit for cluster-scoped kinds; for namespaced kinds the "
          "context's default namespace is used when omitted.", max_length=63, pattern=r"^$|" + K8S_NAME_PATTERN),
]


def namespace_for(gw: KubeGateway, rk: ResourceKind, namespace: str | None) -> str:
    """The namespace a request really goes to ("" for cluster-scoped kinds)."""
    if not rk.namespaced:
        return ""
    return namespace or gw.default_namespace


def check_managed(
    target: str, live: Mapping[str, Any] | None, written: Mapping[str, Any] | None, operation: Operation,
    overwrite: bool,
) -> Manager | None:
    """The managing Flux object (returned when overwrite lets the operation go ahead), or a refusal."""
    manager = managing_object(live, written, operation)
    if manager is not None and not overwrite:
        raise ToolError(refusal_message(target, manager, operation))
    return manager


# Kinds Flux most often applies into a namespace: checked (one labelled object each is enough) before a
# Namespace is deleted. Flux objects of every installed kind are checked as well.
NAMESPACE_PROBE_KINDS: tuple[str, ...] = (
    "ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment", "StatefulSet", "DaemonSet", "Ingress",
)


async def _labelled(gw: KubeGateway, kind: str | ResourceKind, namespace: str | None) -> list[tuple[str, Manager]]:
    """Up to one object per Flux owner label of `kind` (in `namespace`, or everywhere), with its manager."""
    found: list[tuple[str, Manager]] = []
    for prefix, _ in MANAGER_LABELS:
        try:
            page = await gw.list(kind, namespace, f"{prefix}/name", None, 1)
        except ToolError:
            continue  # a kind this cluster does not serve, or we may not list: nothing to report
        for obj in page.items:
            manager = manager_from_labels((obj.get("metadata") or {}).get("labels") or {})
            metadata = obj.get("metadata") or {}
            if manager is not None:
                kind_name = kind if isinstance(kind, str) else kind.kind
                found.append((display(kind_name, str(metadata.get("namespace") or ""), str(metadata.get("name"))),
                              manager))
    return found


async def containment(gw: KubeGateway, rk: ResourceKind, name: str, live: Mapping[str, Any]) -> Containment | None:
    """What deleting this Namespace or CRD would take with it that Flux manages (None: nothing)."""
    from flux_mcp.tools._cluster import list_flux_objects  # the tools' cluster helpers, loaded on use

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
                served = await gw.resolve(f"{kind}.{group}" if group else kind)
            except ToolError:
                served = None
            if served is not None:
                managed = await _labelled(gw, served, None)
        return crd_contents(name, find_flux_kind(kind, group) is not None, managed)
    return None


MAX_EXPANDED_VALUES = 1_000_000
"""YAML aliases let a few hundred characters expand to billions of values ("billion laughs"):
like go-yaml's excessive-aliasing check, a payload may hold at most this many values once expanded."""


def check_expansion(value: Any, what: str, budget: int = MAX_EXPANDED_VALUES) -> int:
    """Count the values of a parsed YAML/JSON payload, aliases expanded, within `budget`.

    Returns the budget left (share it across the documents of one stream); raises a ToolError as
    soon as it runs out, so the cost of the check itself stays bounded.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise ToolError(
                f"{what} expands to more than {MAX_EXPANDED_VALUES:,} values (YAML anchors/aliases that refer to "
                "aliases?); write the values out or split the payload."
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return budget
