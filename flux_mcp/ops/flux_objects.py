"""Every object of every installed Flux kind, listed concurrently (one list per kind, never per object)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.kinds import FLUX_KINDS, FluxKind, find_flux_kind
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.errors import OperationError

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway


async def installed_flux_kinds(
    gw: KubeGateway, kinds: Iterable[str] | None = None
) -> list[tuple[FluxKind, ResourceKind]]:
    """The Flux kinds this cluster serves (optionally only those named), at their preferred version."""
    wanted: list[FluxKind] = list(FLUX_KINDS)
    if kinds is not None:
        wanted = []
        for name in kinds:
            flux_kind = find_flux_kind(name)
            if flux_kind is None:
                known = ", ".join(k.kind for k in FLUX_KINDS)
                raise OperationError(f"{name!r} is not a Flux kind; Flux kinds: {known}")
            if flux_kind not in wanted:
                wanted.append(flux_kind)
    served = {(rk.group, rk.kind): rk for rk in await gw.discovery()}
    return [(fk, served[(fk.group, fk.kind)]) for fk in wanted if (fk.group, fk.kind) in served]


async def list_flux_objects(
    gw: KubeGateway,
    namespace: str | None = None,
    kinds: Iterable[str] | None = None,
    *,
    errors: dict[str, KubeError] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every object of every installed Flux kind (or of `kinds`), listed concurrently.

    Returns kind → objects, with an entry (possibly empty) for each installed kind; kinds whose CRD
    is absent are skipped. A failing list raises its KubeError, unless `errors` is given: then the
    kind is left out and `errors[kind]` is why (for reports that should degrade, not fail).
    """
    installed = await installed_flux_kinds(gw, kinds)

    async def one(rk: ResourceKind) -> list[dict[str, Any]]:
        return await gw.list_all(rk, namespace=namespace or None)

    results = await asyncio.gather(*(one(rk) for _, rk in installed), return_exceptions=True)
    objects: dict[str, list[dict[str, Any]]] = {}
    for (fk, _), result in zip(installed, results, strict=True):
        if isinstance(result, BaseException):
            if errors is None or not isinstance(result, KubeError):
                raise result
            errors[fk.kind] = result
            continue
        objects[fk.kind] = result
    return objects
