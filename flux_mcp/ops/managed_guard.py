"""The managed-object guard of apply/patch/delete: refuse to change what Flux manages, unless told to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.guard import Manager, Operation, managing_object, refusal_message
from flux_mcp.ops.errors import OperationError

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway


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
        raise OperationError(refusal_message(target, manager, operation))
    return manager
