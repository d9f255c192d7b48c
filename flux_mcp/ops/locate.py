"""The one namespace rule for a tool that acts on one object.

`namespace` given: that namespace (refused for a cluster-scoped kind, where it would mean nothing).
Omitted: the object of that name in whichever namespace holds it, found with one list call; when
several namespaces hold one, the candidates are named so the caller can pick. An identity that may
not list across namespaces is looked up in its kubeconfig context's namespace instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flux_mcp.kube.errors import Forbidden
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.namespace_scope import across_namespaces, refused_in_namespace

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
    """The namespace of object `name` of kind `rk` (None for a cluster-scoped kind).

    When the identity may not list that kind in all namespaces (namespace-scoped RBAC), the object
    is looked for in the kubeconfig context's namespace (ops.namespace_scope) and used when found there.
    """
    check_scope(rk, namespace)
    if not rk.namespaced:
        return None
    if namespace:
        return namespace
    by_name = f"metadata.name={name}"
    try:
        scoped = await across_namespaces(gw, rk, lambda ns: gw.list(rk, ns, None, by_name, MAX_CANDIDATES + 1, None))
    except Forbidden as exc:
        refused = refused_in_namespace(exc) or gw.default_namespace
        raise OperationError(
            f'cannot look for {rk.kind} "{name}": listing {rk.kind} is forbidden for this identity in all namespaces '
            f"and in namespace {refused}, the kubeconfig context's ({exc.server_message or exc}); pass `namespace` "
            f"if you know it, or grant list on {rk.plural} (API group \"{rk.group}\") in that namespace"
        ) from exc
    page = scoped.value
    found = sorted({str((item.get("metadata") or {}).get("namespace") or "") for item in page.items})
    if len(found) == 1:
        return found[0]
    if not found and scoped.narrowed_to is not None:
        raise OperationError(
            f'no {rk.kind} named "{name}" in namespace {scoped.narrowed_to} (the kubeconfig context\'s), and listing '
            f"{rk.kind} in all namespaces is forbidden for this identity; pass `namespace` to name the one it is in"
        )
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
