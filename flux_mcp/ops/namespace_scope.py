"""The one fallback for a list across all namespaces that the identity may not make.

With no namespace, our tools look in every namespace. A namespace-scoped identity (a RoleBinding in
one namespace: the usual multi-tenant Flux setup) is refused that list at the cluster scope, where
kubectl without `-A` would simply have listed the kubeconfig context's namespace. So: the list is
made across all namespaces, and only when that is refused at the cluster scope (HTTP 403 for a
request without a namespace) it is made again in one namespace, the one the caller names as
`fallback`, else the context's. The caller learns that it narrowed (`Scoped.narrowed_to`) and
says so in one line (`narrowed_note`). An identity allowed the cluster-wide list pays no extra call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import Forbidden, KubeError

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

T = TypeVar("T")


@dataclass(frozen=True)
class Scoped(Generic[T]):
    """What a call returned, and the namespace it was narrowed to."""

    value: T
    narrowed_to: str | None = None
    """The one namespace looked in because the list across all namespaces was forbidden; None when
    the call was made as asked."""


def refused_in_namespace(exc: KubeError) -> str | None:
    """The namespace of a request refused by RBAC in one namespace (None: not such a refusal)."""
    if isinstance(exc, Forbidden) and exc.request is not None and exc.request.namespace:
        return exc.request.namespace
    return None


async def across_namespaces(
    gw: KubeGateway, kind: ResourceKind | str, call: Callable[[str | None], Awaitable[T]],
    namespace: str | None = None, *, fallback: str | None = None,
) -> Scoped[T]:
    """`call(namespace)`; without a namespace `call(None)` (every namespace), and when RBAC refuses
    that at the cluster scope, `call(fallback or the kubeconfig context's namespace)`.

    A refusal in the fallback namespace propagates (its Forbidden names that namespace), as does
    any other failure.
    """
    if namespace:
        return Scoped(await call(namespace))
    rk = kind if isinstance(kind, ResourceKind) else await gw.resolve(kind)
    if not rk.namespaced:
        return Scoped(await call(None))
    try:
        return Scoped(await call(None))
    except Forbidden as exc:
        if refused_in_namespace(exc) is not None:
            raise
    scope = fallback or gw.default_namespace
    return Scoped(await call(scope), scope)


async def list_across(
    gw: KubeGateway, kind: ResourceKind | str, namespace: str | None = None, label_selector: str | None = None,
    field_selector: str | None = None, *, fallback: str | None = None,
) -> Scoped[list[dict[str, Any]]]:
    """Every matching object in `namespace`, else in every namespace, else (forbidden) in one."""
    return await across_namespaces(
        gw, kind, lambda ns: gw.list_all(kind, ns, label_selector, field_selector), namespace, fallback=fallback,
    )


def narrowed_note(what: str, namespace: str) -> str:
    """The one line that says a list was narrowed to one namespace."""
    return f"listing {what} in all namespaces is forbidden for this identity: showing namespace {namespace} only"
