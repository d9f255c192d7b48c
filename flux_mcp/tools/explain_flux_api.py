"""explain_flux_api: field documentation from the CRD schema installed in the cluster."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.schema import FieldExplanation, SchemaPathError, explain_crd, render_explanation
from flux_mcp.kube.errors import KubeError
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg, FluxKindArg
from flux_mcp.tools._response import respond

CRD_KIND = "CustomResourceDefinition"
CRD_API_VERSION = "apiextensions.k8s.io/v1"

FieldPathArg = Annotated[
    str | None,
    Field(description="Dotted field path, e.g. spec.sourceRef or status.conditions; omit for the kind.",
          max_length=300, pattern=r"^[A-Za-z0-9_.\[\]\-]*$"),
]


class ChildFieldModel(BaseModel):
    name: str
    type: str
    description: str
    required: bool = False


class FieldDoc(BaseModel):
    kind: str
    apiVersion: str = Field(description="The version documented: the cluster's preferred served version.")
    path: str = Field(description="Dotted path of the field; empty for the kind itself.")
    type: str
    description: str
    required: bool = False
    enum: list[str] = []
    default: Any = None
    constraints: dict[str, Any] = {}
    fields: list[ChildFieldModel] = Field(description="The immediate child fields.")


def to_doc(e: FieldExplanation) -> FieldDoc:
    return FieldDoc(
        kind=e.kind, apiVersion=e.api_version, path=e.path, type=e.type, description=e.description,
        required=e.required, enum=list(e.enum), default=e.default, constraints=e.constraints,
        fields=[ChildFieldModel(name=c.name, type=c.type, description=c.description, required=c.required)
                for c in e.children],
    )


@flux_tool(title="Explain a Flux API field", read_only=True)
async def explain_flux_api(
    ctx: Context[Any, Any],
    kind: FluxKindArg,
    field: FieldPathArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, FieldDoc]:
    """Document a Flux kind or one of its fields from the CRD installed in the cluster (like `kubectl explain`).

    Reads the CRD's schema at the version the cluster prefers: type, description, required, enum, default,
    and the child fields. An unknown path segment fails with the valid field names at that level.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    flux_kind = find_flux_kind(kind)
    if flux_kind is None:
        # Not in the catalogue: any CRD the cluster serves (e.g. a newer Flux kind) still works.
        rk = await gw.resolve(kind)
        if not rk.group:
            raise ToolError(f"{rk.kind} is a built-in Kubernetes kind ({rk.api_version}), not a custom "
                            "resource; explain_flux_api documents CRD-backed kinds such as Flux's")
        group, plural, preferred = rk.group, rk.plural, rk.version
    else:
        group, plural, preferred = flux_kind.group, flux_kind.plural, ""
        try:
            preferred = (await gw.resolve(f"{flux_kind.kind}.{flux_kind.group}")).version
        except KubeError:
            preferred = ""  # the CRD read below says precisely what is missing
    crd_rk = await gw.resolve(CRD_KIND, CRD_API_VERSION)
    crd = await gw.get_or_none(crd_rk, f"{plural}.{group}")
    if crd is None:
        if flux_kind is None:
            raise ToolError(f"{kind} ({group}) is not defined by a CustomResourceDefinition in this cluster "
                            "(an aggregated or built-in API); explain_flux_api documents CRD-backed kinds")
        raise ToolError(f"the CustomResourceDefinition {plural}.{group} is not installed in this cluster: "
                        f"{flux_kind.component} is missing (install it, e.g. with flux install or a "
                        "FluxInstance)")
    try:
        explanation = explain_crd(crd, field, version=preferred or None)
    except SchemaPathError as exc:
        raise ToolError(str(exc)) from exc
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    return respond(rt, render_explanation(explanation), to_doc(explanation))
