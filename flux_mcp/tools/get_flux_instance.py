"""get_flux_instance: what Flux is installed, whether its controllers run, and how its objects fare."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.kinds import FLUX_KINDS, OPERATOR_GROUP, is_flux_group
from flux_mcp.flux.status import evaluate_status, workload_state
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.flux_objects import readable_flux_objects
from flux_mcp.ops.namespace_scope import list_across, narrowed_note
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg
from flux_mcp.tools._response import respond
from flux_mcp.tools._yaml_text import to_yaml

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

FLUX_PART_OF = "app.kubernetes.io/part-of=flux"
OPERATOR_NAME = "app.kubernetes.io/name=flux-operator"
VERSION_LABEL = "app.kubernetes.io/version"


class ControllerInfo(BaseModel):
    name: str
    namespace: str
    ready: bool
    replicas: str = Field(description="ready/desired")
    image: str
    version: str = ""


class CrdInfo(BaseModel):
    kind: str
    group: str
    served_versions: list[str]
    stored_versions: list[str]
    component: str


class KindStats(BaseModel):
    kind: str
    total: int
    ready: int
    failing: int
    suspended: int
    progressing: int


class FluxInstanceResult(BaseModel):
    distribution: str
    version: str
    operator: bool = Field(description="True when flux-operator manages this installation.")
    controllers: list[ControllerInfo]
    crds: list[CrdInfo]
    stats: list[KindStats]
    missing_components: list[str] = Field(default_factory=list)
    instance: str | None = Field(None, description="FluxInstance namespace/name and its state, with flux-operator.")
    warnings: list[str] = Field(default_factory=list)


def _image_tag(image: str) -> str:
    name = image.split("@", 1)[0]
    tail = name.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1] if ":" in tail else ""


def _controller(deployment: dict[str, Any]) -> ControllerInfo:
    metadata = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    image = str(containers[0].get("image", ""))
    status = deployment.get("status") or {}
    state = workload_state({**deployment, "kind": "Deployment"})
    desired = int(spec.get("replicas", 1) or 0)
    return ControllerInfo(
        name=str(metadata.get("name", "")), namespace=str(metadata.get("namespace", "")),
        ready=state.state == "ready" and desired > 0,
        replicas=f"{int(status.get('readyReplicas', 0) or 0)}/{desired}", image=image,
        version=_image_tag(image) or str((metadata.get("labels") or {}).get(VERSION_LABEL, "")),
    )


async def _tolerant(warnings: list[str], what: str, call: Any) -> Any:
    try:
        return await call
    except KubeError as exc:
        warnings.append(f"{what}: {kube_message(exc)}")
        return None


async def _controllers(gw: KubeGateway, warnings: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """The Flux controller Deployments, and whether every namespace was searched for them."""
    lists = await asyncio.gather(
        _tolerant(warnings, "listing Flux controller Deployments", list_across(gw, "Deployment", None, FLUX_PART_OF)),
        _tolerant(warnings, "listing the flux-operator Deployment", list_across(gw, "Deployment", None, OPERATOR_NAME)),
    )
    narrowed = sorted({found.narrowed_to for found in lists if found is not None and found.narrowed_to})
    warnings += [f"{narrowed_note('Deployments', scope)}: controllers in other namespaces are not seen"
                 for scope in narrowed]
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for found in lists:
        for deployment in found.value if found is not None else []:
            metadata = deployment.get("metadata") or {}
            seen[(str(metadata.get("namespace")), str(metadata.get("name")))] = deployment
    return list(seen.values()), not narrowed and all(found is not None for found in lists)


async def _crd_versions(gw: KubeGateway, warnings: list[str]) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(group, kind) → (served, stored) versions, from the Flux and flux-operator CRDs (two list calls)."""
    lists = await asyncio.gather(
        _tolerant(warnings, "listing Flux CRDs", gw.list_all("CustomResourceDefinition", None, FLUX_PART_OF)),
        _tolerant(warnings, "listing flux-operator CRDs",
                  gw.list_all("CustomResourceDefinition", None, OPERATOR_NAME)),
    )
    versions: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for found in lists:
        for crd in found or []:
            spec = crd.get("spec") or {}
            kind = str((spec.get("names") or {}).get("kind", ""))
            served = [str(v.get("name")) for v in spec.get("versions") or [] if v.get("served")]
            stored = [str(v) for v in (crd.get("status") or {}).get("storedVersions") or []]
            versions[(str(spec.get("group", "")), kind)] = (served, stored)
    return versions


def _stats(objects: dict[str, list[dict[str, Any]]]) -> list[KindStats]:
    stats = []
    for kind, items in objects.items():
        states = Counter(evaluate_status(obj).state for obj in items)
        stats.append(KindStats(
            kind=kind, total=len(items), ready=states["ready"], failing=states["failed"],
            suspended=states["suspended"], progressing=states["progressing"] + states["unknown"],
        ))
    return stats


def _distribution(
    controllers: list[ControllerInfo], deployments: list[dict[str, Any]], report: dict[str, Any] | None,
    instance: dict[str, Any] | None,
) -> tuple[str, str]:
    if report is not None:
        dist = (report.get("spec") or {}).get("distribution") or {}
        if dist.get("version"):
            return "flux (managed by flux-operator)", str(dist["version"])
    if instance is not None:
        revision = str((instance.get("status") or {}).get("lastAppliedRevision") or "")
        if revision:
            return "flux (managed by flux-operator)", revision.split("@", 1)[0]
    versions = Counter(
        str(((d.get("metadata") or {}).get("labels") or {}).get(VERSION_LABEL, ""))
        for d in deployments
        if ((d.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/part-of") == "flux"
        and ((d.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/name") != "flux-operator"
    )
    versions.pop("", None)
    registries = {c.image.rsplit("/", 1)[0] for c in controllers if c.name != "flux-operator"}
    vendor = "flux"
    if any("controlplaneio-fluxcd" in r for r in registries):
        vendor = "flux (ControlPlane enterprise distribution)"
    if versions:
        return vendor, versions.most_common(1)[0][0]
    return vendor, "unknown (controllers carry no app.kubernetes.io/version label)"


def _operator_section(instance: dict[str, Any] | None, report: dict[str, Any] | None) -> dict[str, Any]:
    section: dict[str, Any] = {}
    if instance is not None:
        metadata = instance.get("metadata") or {}
        status = evaluate_status(instance)
        spec = instance.get("spec") or {}
        section["FluxInstance"] = {
            "name": f"{metadata.get('namespace')}/{metadata.get('name')}",
            "status": status.short + (f" - {status.message}" if status.message else ""),
            "distribution": spec.get("distribution"),
            "components": spec.get("components"),
            "sync": spec.get("sync"),
            "lastAppliedRevision": (instance.get("status") or {}).get("lastAppliedRevision"),
        }
    if report is not None:
        spec = report.get("spec") or {}
        section["FluxReport"] = {
            key: spec[key] for key in ("distribution", "cluster", "operator", "sync") if spec.get(key)
        }
        reconcilers = spec.get("reconcilers") or []
        if reconcilers:
            section["FluxReport"]["reconcilers"] = [
                f"{r.get('kind')}: " + ", ".join(f"{k}={v}" for k, v in (r.get("stats") or {}).items() if v != "")
                for r in reconcilers
            ]
    return section


@flux_tool(title="Get the Flux installation", read_only=True)
async def get_flux_instance(
    ctx: Context[Any, Any],
    context: ContextArg = None,
) -> Annotated[CallToolResult, FluxInstanceResult]:
    """Report the Flux installation: distribution and version, controllers (ready, image), Flux CRDs
    (served/stored versions) and per-kind counts (total, failing, suspended).

    Works on `flux bootstrap` and flux-operator installs (FluxInstance and FluxReport summarised). Start
    here to check Flux itself before debugging objects.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    warnings: list[str] = []
    kinds = await gw.discovery()
    served = {(rk.group, rk.kind): rk for rk in kinds if is_flux_group(rk.group)}
    operator = any(group == OPERATOR_GROUP for group, _ in served)
    if not served:
        raise ToolError(
            "Flux is not installed in this cluster: no *.toolkit.fluxcd.io or fluxcd.controlplane.io API is "
            "served. Install it with `flux install` / `flux bootstrap` or the flux-operator."
        )
    (deployments, searched_everywhere), crd_versions, listing = await asyncio.gather(
        _controllers(gw, warnings),
        _crd_versions(gw, warnings),
        readable_flux_objects(gw, describe=kube_message),
    )
    warnings += listing.notes()
    objects = listing.objects
    controllers = sorted((_controller(d) for d in deployments), key=lambda c: c.name)
    instance = (objects.get("FluxInstance") or [None])[0]
    report = (objects.get("FluxReport") or [None])[0]
    distribution, version = _distribution(controllers, deployments, report, instance)

    group_versions = {g.name: g.versions for g in await gw.api_groups()}
    crds = []
    for fk in FLUX_KINDS:
        rk = served.get((fk.group, fk.kind))
        if rk is None:
            continue
        from_crd = crd_versions.get((fk.group, fk.kind))
        crds.append(CrdInfo(
            kind=fk.kind, group=fk.group, component=fk.component,
            served_versions=from_crd[0] if from_crd else list(group_versions.get(fk.group, (rk.version,))),
            stored_versions=from_crd[1] if from_crd else [],
        ))
    running = {c.name for c in controllers}
    needed = {fk.component for fk in FLUX_KINDS if (fk.group, fk.kind) in served}
    # A controller not found where this identity could look is not known to be missing.
    missing = sorted(c for c in needed if c not in running and c != "source-watcher") if searched_everywhere else []
    stats = _stats(objects)

    report_text: dict[str, Any] = {
        "distribution": distribution,
        "version": version,
        "managedBy": "flux-operator" if operator else "flux CLI / manifests (no flux-operator)",
        "controllers": [
            f"{c.namespace}/{c.name}: {'ready' if c.ready else 'NOT READY'} {c.replicas} image={c.image}"
            for c in controllers
        ] or ["none found (no Deployment labelled app.kubernetes.io/part-of=flux)" if searched_everywhere
              else "none found where this identity may list Deployments (see warnings)"],
    }
    if missing:
        report_text["controllersMissing"] = [
            f"{name}: CRDs are installed but no {name} Deployment was found" for name in missing
        ]
    report_text["crds"] = [
        f"{c.kind} ({c.group}): served {', '.join(c.served_versions) or '?'}; stored "
        f"{', '.join(c.stored_versions) or '?'}"
        for c in crds
    ]
    report_text["objects"] = [
        f"{s.kind}: {s.total} total, {s.ready} ready, {s.failing} failing, {s.suspended} suspended"
        + (f", {s.progressing} progressing/unknown" if s.progressing else "")
        for s in stats if s.total
    ] or ["no Flux objects"]
    report_text.update(_operator_section(instance, report))
    if warnings:
        report_text["warnings"] = warnings
    instance_ref = None
    if instance is not None:
        metadata = instance.get("metadata") or {}
        instance_ref = f"{metadata.get('namespace')}/{metadata.get('name')}: {evaluate_status(instance).short}"
    result = FluxInstanceResult(
        distribution=distribution, version=version, operator=operator, controllers=controllers, crds=crds,
        stats=stats, missing_components=missing, instance=instance_ref, warnings=warnings,
    )
    return respond(rt, to_yaml(report_text), result)
