"""Shared by apply/patch/delete_kubernetes_resource: arguments and the Flux-managed guard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from flux_mcp.flux.guard import Manager, Operation, managing_object, refusal_message
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
