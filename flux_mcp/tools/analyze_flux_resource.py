"""analyze_flux_resource: root-cause analysis of one Flux object in a single call."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.rca import Analysis, Hop, analyze, render_analysis
from flux_mcp.ops.evidence import walk_from
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, KindArg, NameArg, NamespaceArg
from flux_mcp.tools._response import respond


class ChainHop(BaseModel):
    kind: str
    namespace: str
    name: str
    relation: str = Field(description="How this object was reached: object, dependsOn, source, chart, "
                          "imagepolicy, workload, pod.")
    state: str
    reason: str = ""
    message: str = ""
    revision: str = ""


class EvidenceLine(BaseModel):
    subject: str
    type: str = Field(description="condition, event, log (controller), pod, pod-log, history.")
    text: str


class AnalysisResult(BaseModel):
    object: str = Field(description="The analysed object, Kind namespace/name.")
    state: str = Field(description="ready, failed, progressing, suspended, unknown.")
    reason: str = ""
    healthy: bool
    root_cause: ChainHop | None = Field(None, description="The deepest broken object; absent when healthy.")
    explanation: str
    chain: list[ChainHop] = Field(description="From the analysed object to the root cause.")
    evidence: list[EvidenceLine]
    actions: list[str]
    notes: list[str] = []
    complete: bool = Field(description="False when the fetch budget ran out before the walk finished, or the "
                           "API was unavailable while reading evidence (the notes say what).")
    api_calls: int = Field(description="Kubernetes API calls made by this analysis.")


def _hop(hop: Hop) -> ChainHop:
    return ChainHop(
        kind=hop.key.kind, namespace=hop.key.namespace, name=hop.key.name, relation=hop.relation,
        state=hop.state, reason=hop.reason, message=hop.message, revision=hop.revision,
    )


def to_result(analysis: Analysis, api_calls: int) -> AnalysisResult:
    return AnalysisResult(
        object=analysis.target.display, state=analysis.state, reason=analysis.reason,
        healthy=analysis.healthy,
        root_cause=_hop(analysis.root_cause) if analysis.root_cause else None,
        explanation=analysis.explanation,
        chain=[_hop(h) for h in analysis.chain],
        evidence=[EvidenceLine(subject=e.subject, type=e.type, text=e.text) for e in analysis.evidence],
        actions=list(analysis.actions), notes=list(analysis.notes), complete=analysis.complete,
        api_calls=api_calls,
    )


@flux_tool(title="Analyze a Flux resource (root cause)", read_only=True)
async def analyze_flux_resource(
    ctx: Context[Any, Any],
    kind: KindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, AnalysisResult]:
    """Find why a Flux object is not ready, in one call: the root-cause object, its reason, and what to do.

    Walks what blocks it (suspension, dependsOn, the source chain, workloads of a failed health check or
    HelmRelease, Helm history); a Ready object behind its source's revision is drift, a notification object
    whose latest event is a Warning is failing. Returns the root cause, the causal chain, bounded evidence
    (conditions, Warning events, controller and pod log lines) and next actions.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    walked = await walk_from(gw, kind, name, namespace, apiVersion, analyze)
    analysis = walked.answer
    if walked.unavailable:
        # First, so the text's length limit drops it last; `complete` of the rendered analysis stays
        # as the walk set it: its "fetch budget" wording is about the walk, not about an outage.
        analysis = replace(analysis, notes=(walked.unavailable_note, *analysis.notes))
    result = to_result(analysis, walked.api_calls)
    result.complete = result.complete and not walked.unavailable
    return respond(rt, render_analysis(analysis), result)
