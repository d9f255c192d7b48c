"""trace_kubernetes_resource: which Flux objects manage an object, up to the root and its source."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.refs import ObjectKey
from flux_mcp.flux.trace import Trace, TraceHop, render_trace, trace
from flux_mcp.ops.evidence import walk_from
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, KindArg, NameArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond


class TraceStep(BaseModel):
    kind: str
    namespace: str
    name: str
    apiVersion: str = ""
    relation: str = Field(description="object, owned by, managed by (labels), source, chart, imagepolicy, "
                          "automation.")
    state: str = Field(description="ready, failed, progressing, suspended, unknown or missing.")
    reason: str = ""
    message: str = ""
    revision: str = ""
    url: str = Field("", description="Source URL with credentials redacted.")
    note: str = ""
    sources: list[TraceStep] = Field(default_factory=list,
                                     description="For a Flux applier: the sources it consumes.")


class TraceResult(BaseModel):
    object: str
    path: list[TraceStep] = Field(description="From the object up to the root Flux object.")
    flux_manager: str | None = Field(None, description="The nearest Flux object managing the object.")
    root: str | None = Field(None, description="The topmost Flux object of the trace.")
    notes: list[str] = []
    complete: bool


def _step(hop: TraceHop) -> TraceStep:
    return TraceStep(
        kind=hop.key.kind, namespace=hop.key.namespace, name=hop.key.name, apiVersion=hop.api_version,
        relation=hop.relation, state=hop.state, reason=hop.reason, message=hop.message, revision=hop.revision,
        url=hop.url, note=hop.note, sources=[_step(s) for s in hop.sources],
    )


def to_result(start: ObjectKey, result: Trace) -> TraceResult:
    managers = result.managers
    return TraceResult(
        object=start.display, path=[_step(h) for h in result.hops],
        flux_manager=managers[0].key.display if managers else None,
        root=result.root.key.display if result.root else None,
        notes=list(result.notes), complete=result.complete,
    )


@flux_tool(title="Trace a Kubernetes object to its Flux source", read_only=True)
async def trace_kubernetes_resource(
    ctx: Context[Any, Any],
    kind: KindArg,
    name: NameArg,
    namespace: OptionalNamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, TraceResult]:
    """Trace any object (Pod, Deployment, ConfigMap, a Flux object...) to the Flux objects managing it.

    Follows ownerReferences, then Flux's owner labels, up to the root Kustomization, HelmRelease,
    ResourceSet or FluxInstance, each with status and revision, then its source chain with URL, revision
    and status.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    # A trace reads objects only: an unavailable API fails the call instead of leaving gaps.
    walked = await walk_from(gw, kind, name, namespace or None, apiVersion, trace)
    return respond(rt, render_trace(walked.answer), to_result(walked.start, walked.answer))
