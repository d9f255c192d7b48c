"""Every object of every installed Flux kind, listed concurrently (one list per kind, never per object)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.kinds import FLUX_KINDS, FluxKind, find_flux_kind
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import Forbidden, KubeError
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.namespace_scope import list_across, refused_in_namespace

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


READ_VERBS = ("get", "list", "watch")


@dataclass
class FluxListing:
    """What an identity could read of every installed Flux kind, and what it could not.

    `scope` is the namespace the objects were listed in when the cluster-wide list was refused
    (namespace-scoped RBAC: the usual multi-tenant Flux setup), None when they were listed as asked.
    """

    objects: dict[str, list[dict[str, Any]]]
    scope: str | None = None
    narrowed: tuple[str, ...] = ()
    """Kinds listed in `scope` only because the cluster-wide list was refused."""
    forbidden: tuple[ResourceKind, ...] = ()
    """Kinds the identity may not list even in `scope`."""
    failed: dict[str, str] = field(default_factory=dict)
    """Kind → why its list failed for another reason than RBAC."""

    @property
    def whole_scope(self) -> bool:
        """True when every kind read was read in `scope` only: the identity sees one namespace."""
        return self.scope is not None and set(self.narrowed) >= set(self.objects)

    @property
    def unread(self) -> tuple[str, ...]:
        return tuple(sorted({rk.kind for rk in self.forbidden} | set(self.failed)))

    def notes(self) -> list[str]:
        """One line for a narrowed scope, one for every forbidden kind together, one per other failure."""
        lines: list[str] = []
        if self.scope is not None and self.narrowed:
            if self.whole_scope:
                lines.append(f"listing Flux objects in all namespaces is forbidden for this identity: showing "
                             f"namespace {self.scope} only; objects referenced in other namespaces show as "
                             "not readable")
            else:
                lines.append(f"listing {', '.join(sorted(self.narrowed))} in all namespaces is forbidden for this "
                             f"identity: those are listed in namespace {self.scope} only (references to them "
                             "in other namespaces may show as missing)")
        if self.forbidden:
            where = f"in namespace {self.scope}" if self.scope else "cluster-wide"
            lines.append(f"forbidden {where}, not shown: {', '.join(sorted(rk.kind for rk in self.forbidden))}; "
                         f"to read them, grant this rule: {read_rule_inline(self.forbidden)}")
        lines += [f"could not list {kind}: {reason}" for kind, reason in sorted(self.failed.items())]
        return lines


def read_rule(kinds: Iterable[ResourceKind]) -> str:
    """One RBAC rule (YAML) granting read access to every kind given."""
    groups = sorted({rk.group for rk in kinds})
    resources = sorted({rk.plural for rk in kinds})
    quoted = ", ".join(f'"{v}"' for v in READ_VERBS)
    return (f"- apiGroups: [{', '.join(repr_json(g) for g in groups)}]\n"
            f"  resources: [{', '.join(repr_json(r) for r in resources)}]\n"
            f"  verbs: [{quoted}]")


def read_rule_inline(kinds: Iterable[ResourceKind]) -> str:
    """The same rule on one line (flow YAML), for a note that must stay one line."""
    kinds = list(kinds)
    groups = ", ".join(repr_json(g) for g in sorted({rk.group for rk in kinds}))
    resources = ", ".join(repr_json(r) for r in sorted({rk.plural for rk in kinds}))
    verbs = ", ".join(repr_json(v) for v in READ_VERBS)
    return f"{{apiGroups: [{groups}], resources: [{resources}], verbs: [{verbs}]}}"


def repr_json(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def readable_flux_objects(
    gw: KubeGateway, namespace: str | None = None, describe: Callable[[KubeError], str] = str,
) -> FluxListing:
    """Every installed Flux kind in every namespace, or, where that list is forbidden, in `namespace`
    (else the kubeconfig context's namespace), as kubectl does for a namespace-scoped identity.

    Each kind falls back on its own (`ops.namespace_scope`): one refused cluster-wide alone does not
    narrow the others. Raises `NoFluxAccess` when the identity can read no Flux kind at all: an
    answer built from nothing would read as "all 0 Flux objects are ready".
    """
    installed = await installed_flux_kinds(gw)
    scope = namespace or gw.default_namespace
    results = await asyncio.gather(*(list_across(gw, rk, fallback=scope) for _, rk in installed),
                                   return_exceptions=True)
    listing = FluxListing({})
    for (fk, rk), result in zip(installed, results, strict=True):
        if isinstance(result, Forbidden):
            listing.forbidden += (rk,)
            if refused_in_namespace(result) is not None:
                listing.scope = scope
        elif isinstance(result, KubeError):
            listing.failed[fk.kind] = describe(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            listing.objects[fk.kind] = result.value
            if result.narrowed_to is not None:
                listing.scope = result.narrowed_to
                listing.narrowed += (fk.kind,)
    if installed and not listing.objects and not listing.failed:
        raise NoFluxAccess(await no_access_message(gw, [rk for _, rk in installed], scope))
    return listing


class NoFluxAccess(OperationError):
    """The identity may list no installed Flux kind, neither cluster-wide nor in its namespace."""


async def no_access_message(gw: KubeGateway, kinds: list[ResourceKind], namespace: str) -> str:
    who = await gw.whoami()
    if who is None:
        identity = f"the identity of kubeconfig context {gw.context}"
    else:
        groups = f" (groups: {', '.join(who[1])})" if who[1] else ""
        identity = f'the identity "{who[0]}"{groups} of kubeconfig context {gw.context}'
    return (
        f"{identity} may not list any Flux object: every Flux kind is forbidden in all namespaces and in "
        f"namespace {namespace}. Grant it read access with a ClusterRole (or a Role in the namespaces it "
        f"should see, then name one with `namespace`) holding this rule:\n{read_rule(kinds)}"
    )
