"""get_flux_dependency_graph: a Mermaid / DOT / JSON diagram of sources, dependencies and inventories."""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.diagram import DiagramFormat, render_diagram
from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.refs import ObjectKey, key_sort_key
from flux_mcp.ops.flux_graph import collect_graph, resolve_root
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import K8S_NAME_PATTERN, KIND_PATTERN, OPTIONAL_NAMESPACE_PATTERN, ContextArg
from flux_mcp.tools._response import respond

STRUCTURED_LIST_LIMIT = 50
NOTE_RESERVE = 500
_FENCES: dict[str, str] = {"mermaid": "mermaid", "dot": "dot"}


class DependencyGraphResult(BaseModel):
    format: str
    nodes: int = Field(description="Nodes drawn (a collapsed inventory node counts once).")
    edges: int
    total_nodes: int = Field(description="Nodes of the full diagram before any reduction for the output limit.")
    failing_roots: list[str] = Field(description="Failed or missing objects others wait on (first 50).")
    blocked: int = Field(description="Objects on the blocking paths of those roots.")
    cycles: list[list[str]] = Field(description="dependsOn/source cycles (first 50).")
    truncated: bool = False
    note: str = ""
    graph: dict[str, Any] | None = Field(None, description="format=json: the same JSON document as the text.")


def _namespace_view(graph: FluxGraph, namespace: str) -> set[ObjectKey]:
    """The namespace's objects plus what they reference or apply elsewhere (shown for context)."""
    own = {key for key in graph.nodes if key.namespace == namespace}
    related = {e.target for e in graph.edges if e.source in own}
    return own | related


@flux_tool(title="Flux dependency graph", read_only=True)
async def get_flux_dependency_graph(
    ctx: Context[Any, Any],
    kind: Annotated[
        str | None,
        Field(description="With name: draw only what connects to this Flux object (e.g. Kustomization, ks).",
              max_length=100, pattern=KIND_PATTERN),
    ] = None,
    name: Annotated[
        str | None, Field(description="With kind: the object to centre on.", max_length=253, pattern=K8S_NAME_PATTERN)
    ] = None,
    namespace: Annotated[
        str | None,
        Field(description="With kind/name: the centre's namespace. Alone: draw this namespace (and what it "
              "references). Default: all.",
              max_length=63, pattern=OPTIONAL_NAMESPACE_PATTERN),
    ] = None,
    format: Annotated[
        DiagramFormat,
        Field(description="mermaid (flowchart), dot (Graphviz) or json (nodes and edges)."),
    ] = "mermaid",
    include_inventory: Annotated[
        bool,
        Field(description="Draw every non-Flux object applied (default: one node per owner and kind, with a count)."),
    ] = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, DependencyGraphResult]:
    """Draw the Flux dependency graph: sources, charts, dependsOn, inventories, alerts, image automation,
    ResourceSet/FluxInstance ownership.

    Edges point from the referrer to what it names; nodes are coloured by status; blocking paths are red;
    cycles labelled. Over the output limit, parts are left out (failing subgraph kept first), the diagram
    stays whole, and a note says what is missing.
    """
    if (kind is None) != (name is None):
        given, missing = ("kind", "name") if kind is not None else ("name", "kind")
        raise ToolError(f"{missing}: required with {given} to centre the diagram on one object; give both, or "
                        "neither (namespace alone draws one namespace)")
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    collected = await collect_graph(gw, namespace or None, kube_message)
    graph = collected.graph
    namespace = namespace or collected.scope  # a namespace-scoped identity sees its namespace only
    keys: set[ObjectKey] | None = None
    scope = "all namespaces"
    if kind is not None and name is not None:
        root = resolve_root(graph, kind, name, namespace or None, collected.notes)
        keys = graph.component(root)
        scope = f"connected to {root.display}"
    elif namespace:
        keys = _namespace_view(graph, namespace)
        scope = f"namespace {namespace}"

    header = _header(graph, keys, scope, format)
    limit = rt.settings.output_limit
    # The diagram must fit whole (respond() would otherwise cut it in the middle): reserve room for
    # the header, the notes, the fence and the truncation note written above the diagram.
    wrapper = len(header) + sum(len(n) + 7 for n in collected.notes) + 20 + NOTE_RESERVE
    diagram = render_diagram(
        graph, format, keys=keys, include_inventory=include_inventory, limit=max(limit - wrapper, 0),
        hint="pass namespace, or kind and name, to narrow the diagram",
    )
    notes = [*collected.notes, *([diagram.note] if diagram.truncated else [])]
    document: dict[str, Any] | None = None
    if format == "json":
        document = {"summary": header, **json.loads(diagram.text)}
        document.pop("notes", None)
        if notes:
            document["notes"] = notes
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    else:
        fence = _FENCES[format]
        text = "\n".join([header, *(f"note: {n}" for n in notes), f"```{fence}\n{diagram.text}```"])
    if len(text) > limit:
        text = _without_diagram(header, notes, limit, format)

    selected = set(graph.nodes) if keys is None else keys
    paths = [p for p in graph.blocking_paths.values() if p.root in selected]
    result = DependencyGraphResult(
        format=format, nodes=diagram.nodes, edges=diagram.edges, total_nodes=diagram.total_nodes,
        failing_roots=[str(p.root) for p in paths[:STRUCTURED_LIST_LIMIT]],
        blocked=len({k for p in paths for k in p.blocked if k in selected}),
        cycles=[[str(k) for k in c] for c in graph.cycles if c[0] in selected][:STRUCTURED_LIST_LIMIT],
        truncated=diagram.truncated, note=diagram.note, graph=document,
    )
    return respond(rt, text, result)


def _without_diagram(header: str, notes: list[str], limit: int, fmt: str) -> str:
    """When even the smallest diagram does not fit the output limit: say so rather than cut it open."""
    omitted = (f"diagram omitted: the output limit ({limit} characters) cannot hold it whole; pass namespace, "
               "or kind and name, to narrow it, or raise --output-limit")
    if fmt == "json":
        return json.dumps({"summary": header[: max(limit // 2, 0)], "nodes": [], "edges": [], "notes": [omitted]})
    return f"{header[: max(limit - len(omitted) - 1, 0)]}\n{omitted}"


def _header(graph: FluxGraph, keys: set[ObjectKey] | None, scope: str, fmt: str) -> str:
    selected = set(graph.nodes) if keys is None else keys
    flux = sum(1 for k in selected if graph.nodes[k].obj is not None and graph.nodes[k].is_flux)
    failing = sorted((p.root for p in graph.blocking_paths.values() if p.root in selected), key=key_sort_key)
    cycles = sum(1 for c in graph.cycles if c[0] in selected)
    parts = [f"Flux dependency graph ({fmt}, {scope}): {flux} Flux objects"]
    if failing:
        noun = "root cause" if len(failing) == 1 else "root causes"
        parts.append(f"{len(failing)} failing {noun}, blocking paths drawn red")
    if cycles:
        parts.append(f"{cycles} dependency cycle{'' if cycles == 1 else 's'} (edges labelled cycle)")
    return "; ".join(parts) + ". Edges point from the referrer to what it references or applies."
