"""get_flux_dependency_graph: a Mermaid / DOT / JSON diagram of sources, dependencies and inventories."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.diagram import DiagramFormat, render_diagram
from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.refs import ObjectKey, key_sort_key
from flux_mcp.ops.flux_graph import collect_graph, resolve_root
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import K8S_NAME_PATTERN, ContextArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond

STRUCTURED_LIST_LIMIT = 50
NOTE_RESERVE = 500
MIN_DIAGRAM_LIMIT = 2_000
_FENCES: dict[str, str] = {"mermaid": "mermaid", "dot": "dot", "json": ""}


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


def _namespace_view(graph: FluxGraph, namespace: str) -> set[ObjectKey]:
    """The namespace's objects plus what they reference or apply elsewhere (shown for context)."""
    own = {key for key in graph.nodes if key.namespace == namespace}
    related = {e.target for e in graph.edges if e.source in own}
    return own | related


@flux_tool(title="Flux dependency graph", read_only=True)
async def get_flux_dependency_graph(
    ctx: Context[Any, Any],
    namespace: OptionalNamespaceArg = None,
    root_kind: Annotated[
        str | None,
        Field(description="Kind of the object to centre the diagram on (with root_name): only the objects "
              "connected to it are drawn — what it needs, what needs it, what it applies. Flux kinds only; "
              "short names such as ks or hr are accepted.", max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9.]*$"),
    ] = None,
    root_name: Annotated[
        str | None, Field(description="Name of the root object.", max_length=253, pattern=K8S_NAME_PATTERN)
    ] = None,
    root_namespace: Annotated[
        str | None,
        Field(description="Namespace of the root object. Default: `namespace`, else flux-system.", max_length=63,
              pattern=K8S_NAME_PATTERN),
    ] = None,
    format: Annotated[
        DiagramFormat,
        Field(description="mermaid (flowchart, default), dot (Graphviz) or json (nodes and edges)."),
    ] = "mermaid",
    include_inventory: Annotated[
        bool,
        Field(description="Draw every non-Flux object applied by a Kustomization/HelmRelease. Default false: "
              "they are collapsed into one node per owner and kind, with a count."),
    ] = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, DependencyGraphResult]:
    """Draw the Flux dependency graph: sources, charts, dependsOn (dashed), inventories (applies), alert →
    provider, image policy → repository, image automation → Git, ResourceSet/FluxInstance ownership.

    Edges point from the object holding the reference to the object it names. Nodes are coloured by
    status (ready, failed, progressing, suspended, unknown, missing); the blocking paths (a failed object
    and everything waiting on it) are drawn thick red; dependency cycles are labelled `cycle`. Large
    graphs are reduced to the failing subgraph to fit the output limit, with a note saying so.
    """
    if (root_kind is None) != (root_name is None):
        raise ToolError("give both root_kind and root_name to centre the diagram on one object, or neither")
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    collected = await collect_graph(gw, namespace or None)
    graph = collected.graph
    namespace = namespace or collected.scope  # a namespace-scoped identity sees its namespace only
    keys: set[ObjectKey] | None = None
    scope = "all namespaces"
    if root_kind is not None and root_name is not None:
        root = resolve_root(
            graph, root_kind, root_name, root_namespace or namespace or "flux-system", collected.notes
        )
        keys = graph.component(root)
        scope = f"connected to {root.display}"
    elif namespace:
        keys = _namespace_view(graph, namespace)
        scope = f"namespace {namespace}"

    notes = "".join(f"note: {note}\n" for note in collected.notes)
    fence = _FENCES[format]
    header = _header(graph, keys, scope, format)
    # The diagram must fit whole: respond() would otherwise cut it in the middle. Reserve room for
    # the header, the notes, the fence and the truncation note repeated above the diagram.
    wrapper = len(header) + len(notes) + len(fence) + 10 + NOTE_RESERVE
    diagram = render_diagram(
        graph, format, keys=keys, include_inventory=include_inventory,
        limit=max(rt.settings.output_limit - wrapper, MIN_DIAGRAM_LIMIT),
        hint="pass namespace, or root_kind/root_name, to narrow the diagram",
    )
    lines = [header, notes.rstrip("\n")] if notes else [header]
    if diagram.truncated:
        lines.append(diagram.note)
    body = f"```{fence}\n{diagram.text}```" if fence else diagram.text.rstrip("\n")
    text = "\n".join([*lines, body])

    selected = set(graph.nodes) if keys is None else keys
    paths = [p for p in graph.blocking_paths.values() if p.root in selected]
    result = DependencyGraphResult(
        format=format, nodes=diagram.nodes, edges=diagram.edges, total_nodes=diagram.total_nodes,
        failing_roots=[str(p.root) for p in paths[:STRUCTURED_LIST_LIMIT]],
        blocked=len({k for p in paths for k in p.blocked if k in selected}),
        cycles=[[str(k) for k in c] for c in graph.cycles if c[0] in selected][:STRUCTURED_LIST_LIMIT],
        truncated=diagram.truncated, note=diagram.note,
    )
    return respond(rt, text, result)


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
