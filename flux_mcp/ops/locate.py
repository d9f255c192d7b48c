"""The one namespace rule for a tool that acts on one object.

`namespace` given: that namespace (refused for a cluster-scoped kind, where it would mean nothing).
Omitted: the object of that name in whichever namespace holds it, found with one list call; when
several namespaces hold one, the candidates are named so the caller can pick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flux_mcp.ops.errors import OperationError

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway

MAX_CANDIDATES = 10


def check_scope(rk: ResourceKind, namespace: str | None) -> None:
    """Refuse a namespace for a cluster-scoped kind instead of silently ignoring it."""
    if namespace and not rk.namespaced:
        own = " (a Namespace's own name goes in `name`)" if rk.kind == "Namespace" and not rk.group else ""
        raise OperationError(f"namespace: {rk.kind} is cluster-scoped, so namespace={namespace!r} has no effect; "
                             f"omit it{own}")


async def locate(gw: KubeGateway, rk: ResourceKind, name: str, namespace: str | None) -> str | None:
    """The namespace of object `name` of kind `rk` (None for a cluster-scoped kind)."""
    check_scope(rk, namespace)
    if not rk.namespaced:
        return None
    if namespace:
        return namespace
    page = await gw.list(rk, None, None, f"metadata.name={name}", MAX_CANDIDATES + 1, None)
    found = sorted({str((item.get("metadata") or {}).get("namespace") or "") for item in page.items})
    if len(found) == 1:
        return found[0]
    if not found:
        raise OperationError(
            f'no {rk.kind} named "{name}" in any namespace; list them with get_kubernetes_resources '
            f"(kind={rk.kind}) to see the existing names"
        )
    shown = ", ".join(f"{ns}/{name}" for ns in found[:MAX_CANDIDATES])
    more = " and more" if len(found) > MAX_CANDIDATES or page.continue_token else ""
    raise OperationError(
        f'{rk.kind} "{name}" exists in {len(found)} namespaces ({shown}{more}); pass namespace to pick one'
    )
