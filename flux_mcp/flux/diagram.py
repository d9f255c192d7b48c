"""Dependency diagrams of a FluxGraph: Mermaid flowchart (default), Graphviz DOT and JSON.

A diagram is rendered from a *view*: the graph's nodes (or a chosen subset) with non-Flux
inventory collapsed to one node per (owner, kind) unless asked otherwise. Ids are derived from
kind, namespace and name, sanitised and de-duplicated in sorted order, so the same cluster state
always gives the same text.

Mermaid conventions: one subgraph per namespace; node label `Kind/name` + short status; one
class per state; dependsOn edges dashed with a label; the blocking paths (a failed object and
everything waiting on it) drawn thick red with `linkStyle`; requirement cycles labelled
`cycle`, drawn orange and listed in a comment.

Over the budget a diagram is never cut in the middle: the view shrinks (collapse inventory, then
keep the failing subgraph with its blocking paths, then a prefix of it) until the whole text fits,
and a truncation note says what was left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from flux_mcp.flux.budget import truncation_marker
from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.refs import ObjectKey, key_sort_key
from flux_mcp.flux.state import SEVERITY

DiagramFormat = Literal["mermaid", "dot", "json"]
FORMATS: Final[tuple[DiagramFormat, ...]] = ("mermaid", "dot", "json")

MERMAID_MAX_EDGES: Final = 500
"""Mermaid (since 10.9) refuses to render flowcharts with more edges than `maxEdges`, default 500."""

KIND_CODES: Final[dict[str, str]] = {
    "GitRepository": "gitrepo", "OCIRepository": "ocirepo", "Bucket": "bucket", "HelmRepository": "helmrepo",
    "HelmChart": "helmchart", "ExternalArtifact": "artifact", "ArtifactGenerator": "artgen",
    "Kustomization": "ks", "HelmRelease": "hr", "Alert": "alert", "Provider": "provider", "Receiver": "receiver",
    "ImageRepository": "imgrepo", "ImagePolicy": "imgpol", "ImageUpdateAutomation": "imgauto",
    "FluxInstance": "fluxinstance", "FluxReport": "fluxreport", "ResourceSet": "rset",
    "ResourceSetInputProvider": "rsip",
}

STATE_STYLES: Final[dict[str, tuple[str, str, str, str]]] = {
    # state: (fill, stroke, text colour, extra)
    "ready": ("#e6f4ea", "#2e7d32", "#1b5e20", ""),
    "failed": ("#fdecea", "#c62828", "#b71c1c", "stroke-width:2px"),
    "progressing": ("#e3f2fd", "#1565c0", "#0d47a1", ""),
    "suspended": ("#f3e5f5", "#6a1b9a", "#4a148c", "stroke-dasharray:4 2"),
    "unknown": ("#eeeeee", "#757575", "#424242", ""),
    "missing": ("#fff8e1", "#ef6c00", "#e65100", "stroke-dasharray:5 5"),
    "resource": ("#fafafa", "#bdbdbd", "#616161", ""),
}
BLOCKING_COLOUR: Final = "#d32f2f"
CYCLE_COLOUR: Final = "#ef6c00"

EDGE_LABELS: Final[dict[str, str]] = {
    "source": "source", "chart": "chart", "dependsOn": "dependsOn", "applies": "", "alert": "alert",
    "imagepolicy": "imagepolicy", "automation": "automation", "owns": "owns",
}
DASHED_EDGES: Final[frozenset[str]] = frozenset({"dependsOn", "owns"})

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]+")
_MERMAID_ESCAPES: Final = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;",
                           "|": "#124;", "`": "#96;", "\n": " ", "\r": " "}
_MERMAID_TABLE: Final = str.maketrans(_MERMAID_ESCAPES)


# -- the view ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ViewNode:
    id: str
    label: str
    status: str
    """Short status shown under the label (`ready`, `failed: Reason`, `3 objects`)."""
    state: str
    namespace: str
    key: ObjectKey | None = None
    """None for a collapsed inventory node."""
    count: int = 1
    kind: str = ""


@dataclass(frozen=True, slots=True)
class ViewEdge:
    source: str
    target: str
    type: str
    blocking: bool = False
    cycle: bool = False


@dataclass(slots=True)
class View:
    nodes: list[ViewNode] = field(default_factory=list)
    edges: list[ViewEdge] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    """Requirement cycles, as lists of node ids."""
    blocking_roots: list[str] = field(default_factory=list)


def sanitize_id(text: str) -> str:
    return _UNSAFE_ID.sub("_", text).strip("_") or "x"


def _base_id(key: ObjectKey) -> str:
    code = KIND_CODES.get(key.kind) if key.is_flux else None
    return f"{code or sanitize_id(key.kind.lower())}_{sanitize_id(key.namespace) if key.namespace else ''}_" \
           f"{sanitize_id(key.name)}"


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def build_view(
    graph: FluxGraph, keys: Collection[ObjectKey] | None = None, *, include_inventory: bool = False,
) -> View:
    """The nodes (all, or `keys`) and the edges between them, ready for any renderer."""
    selected = set(graph.nodes) if keys is None else {k for k in keys if k in graph.nodes}
    collapsed_kinds: dict[tuple[ObjectKey, str], int] = {}
    hidden: set[ObjectKey] = set()
    if not include_inventory:
        kept_by_reference = {
            e.target for key in selected for e in graph.outgoing(key) if e.type != "applies"
        }
        for edge in (e for key in selected for e in graph.outgoing(key, ("applies",))):
            if edge.target not in selected:
                continue
            if graph.nodes[edge.target].state == "resource" and edge.target not in kept_by_reference:
                hidden.add(edge.target)
                bucket = (edge.source, edge.target.kind)
                collapsed_kinds[bucket] = collapsed_kinds.get(bucket, 0) + 1
    used: set[str] = set()
    ids: dict[ObjectKey, str] = {}
    view = View()
    for key in sorted(selected - hidden, key=lambda k: (k.namespace, key_sort_key(k))):
        node = graph.nodes[key]
        ids[key] = _unique(_base_id(key), used)
        view.nodes.append(ViewNode(
            ids[key], f"{key.kind}/{key.name}", node.short_status, node.state, key.namespace, key, kind=key.kind,
        ))
    collapsed_ids: dict[tuple[ObjectKey, str], str] = {}
    for (owner, kind), count in sorted(collapsed_kinds.items(), key=lambda i: (key_sort_key(i[0][0]), i[0][1])):
        node_id = _unique(f"inv_{ids[owner]}_{sanitize_id(kind.lower())}", used)
        collapsed_ids[(owner, kind)] = node_id
        noun = "object" if count == 1 else "objects"
        view.nodes.append(ViewNode(node_id, kind, f"{count} {noun}", "resource", owner.namespace, None, count, kind))
    blocking, cycle_edges = graph.blocking_edges, graph.cycle_edges
    seen_edges: set[tuple[str, str, str]] = set()
    # Only the selected nodes' own edges are visited: a reduced view costs what it shows.
    for edge in (e for key in ids for e in graph.outgoing(key)):
        if edge.target in hidden:
            target_id = collapsed_ids.get((edge.source, edge.target.kind))
        else:
            target_id = ids.get(edge.target)
        if target_id is None:
            continue
        source_id = ids[edge.source]
        if source_id == target_id and edge.type in ("applies", "owns"):
            continue  # flux-system applies itself; a loop on every bootstrap Kustomization is noise
        identity = (source_id, target_id, edge.type)
        if identity in seen_edges:
            continue
        seen_edges.add(identity)
        view.edges.append(ViewEdge(source_id, target_id, edge.type, edge in blocking, edge in cycle_edges))
    view.edges.sort(key=lambda e: (e.source, e.target, e.type))
    view.cycles = [[ids[k] for k in cycle] for cycle in graph.cycles if all(k in ids for k in cycle)]
    view.blocking_roots = [ids[k] for k in graph.blocking_paths if k in ids]
    return view


# -- Mermaid ----------------------------------------------------------------------------------------


def mermaid_escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label: quotes, angle brackets, `#`, `&`, pipes as entity codes."""
    return text.translate(_MERMAID_TABLE)


def _mermaid_class(name: str, style: tuple[str, str, str, str]) -> str:
    fill, stroke, colour, extra = style
    return f"  classDef {name} fill:{fill},stroke:{stroke},color:{colour}" + (f",{extra}" if extra else "")


def render_mermaid(view: View, notes: Sequence[str] = ()) -> str:
    lines = ["flowchart LR"]
    lines.extend(f"  %% {_comment(note)}" for note in notes)
    for cycle in view.cycles:
        lines.append("  %% cycle: " + " -> ".join([*cycle, cycle[0]]))
    used_states = {n.state for n in view.nodes}
    lines.extend(_mermaid_class(state, style) for state, style in STATE_STYLES.items() if state in used_states)
    by_namespace: dict[str, list[ViewNode]] = {}
    for node in view.nodes:
        by_namespace.setdefault(node.namespace, []).append(node)
    taken = {n.id for n in view.nodes}
    for namespace in sorted(by_namespace):
        nodes = by_namespace[namespace]
        indent = "  "
        if namespace:
            subgraph_id = _unique(f"ns_{sanitize_id(namespace)}", taken)
            lines.append(f'  subgraph {subgraph_id}["{mermaid_escape(namespace)}"]')
            indent = "    "
        for node in nodes:
            label = mermaid_escape(f"{node.label}") + "<br/>" + mermaid_escape(node.status)
            lines.append(f'{indent}{node.id}["{label}"]:::{node.state}')
        if namespace:
            lines.append("  end")
    blocking_indexes: list[int] = []
    cycle_indexes: list[int] = []
    for index, edge in enumerate(view.edges):
        label = EDGE_LABELS.get(edge.type, edge.type)
        if edge.cycle:
            label = f"{label} cycle".strip()
        arrow = "-.->" if edge.type in DASHED_EDGES else "-->"
        text = f"|{mermaid_escape(label)}|" if label else ""
        lines.append(f"  {edge.source} {arrow}{text} {edge.target}")
        if edge.cycle:  # a cycle is the more specific finding: it keeps its own colour
            cycle_indexes.append(index)
        elif edge.blocking:
            blocking_indexes.append(index)
    if blocking_indexes:
        lines.append(_link_style(blocking_indexes, BLOCKING_COLOUR, 4))
    if cycle_indexes:
        lines.append(_link_style(cycle_indexes, CYCLE_COLOUR, 3))
    return "\n".join(lines) + "\n"


def _link_style(indexes: Iterable[int], colour: str, width: int) -> str:
    return f"  linkStyle {','.join(str(i) for i in indexes)} stroke:{colour},stroke-width:{width}px"


def _comment(text: str) -> str:
    # Mermaid comments run to the end of the line; `%%{` would start a directive.
    return " ".join(text.split()).replace("%%", "%").replace("{", "(").replace("}", ")")


# -- Graphviz DOT -----------------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(view: View, notes: Sequence[str] = ()) -> str:
    lines = ["digraph flux {"]
    lines.extend(f"  // {' '.join(note.split())}" for note in notes)
    for cycle in view.cycles:
        lines.append("  // cycle: " + " -> ".join([*cycle, cycle[0]]))
    lines.append("  rankdir=LR;")
    lines.append('  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];')
    lines.append('  edge [fontname="Helvetica", fontsize=9];')
    by_namespace: dict[str, list[ViewNode]] = {}
    for node in view.nodes:
        by_namespace.setdefault(node.namespace, []).append(node)
    for namespace in sorted(by_namespace):
        indent = "  "
        if namespace:
            lines.append(f"  subgraph {dot_quote('cluster_' + namespace)} {{")
            lines.append(f"    label={dot_quote(namespace)};")
            indent = "    "
        for node in by_namespace[namespace]:
            fill, stroke, colour, extra = STATE_STYLES[node.state]
            style = ', style="rounded,filled,dashed"' if "dasharray" in extra else ""
            lines.append(
                f"{indent}{dot_quote(node.id)} [label={dot_quote(node.label + chr(10) + node.status)}, "
                f'fillcolor="{fill}", color="{stroke}", fontcolor="{colour}"{style}];'
            )
        if namespace:
            lines.append("  }")
    for edge in view.edges:
        attributes = []
        label = EDGE_LABELS.get(edge.type, edge.type)
        if edge.cycle:
            label = f"{label} cycle".strip()
        if label:
            attributes.append(f"label={dot_quote(label)}")
        if edge.type in DASHED_EDGES:
            attributes.append("style=dashed")
        if edge.cycle:
            attributes.append(f'color="{CYCLE_COLOUR}", penwidth=2')
        elif edge.blocking:
            attributes.append(f'color="{BLOCKING_COLOUR}", penwidth=3')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {dot_quote(edge.source)} -> {dot_quote(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- JSON -------------------------------------------------------------------------------------------


def render_json(view: View, notes: Sequence[str] = ()) -> str:
    nodes = []
    for node in view.nodes:
        entry: dict[str, object] = {"id": node.id, "kind": node.kind, "state": node.state, "status": node.status}
        if node.key is not None:
            entry.update(namespace=node.key.namespace, name=node.key.name, group=node.key.group)
        else:
            entry.update(namespace=node.namespace, count=node.count, collapsed=True)
        nodes.append(entry)
    edges = []
    for edge in view.edges:
        item: dict[str, object] = {"from": edge.source, "to": edge.target, "type": edge.type}
        if edge.blocking:
            item["blocking"] = True
        if edge.cycle:
            item["cycle"] = True
        edges.append(item)
    document: dict[str, object] = {"nodes": nodes, "edges": edges}
    if view.cycles:
        document["cycles"] = view.cycles
    if view.blocking_roots:
        document["blocking_roots"] = view.blocking_roots
    if notes:
        document["notes"] = list(notes)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n"


RENDERERS: Final[dict[str, Callable[[View, Sequence[str]], str]]] = {
    "mermaid": render_mermaid, "dot": render_dot, "json": render_json,
}


# -- fitting the budget -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Diagram:
    text: str
    format: DiagramFormat
    nodes: int
    """Nodes drawn (a collapsed inventory node counts once)."""
    edges: int
    total_nodes: int
    """Nodes the full diagram would have had (before any reduction for the budget)."""
    truncated: bool
    note: str = ""
    """What was left out and how to narrow the request, when truncated."""


def failing_priority(graph: FluxGraph, keys: Collection[ObjectKey] | None = None) -> list[ObjectKey]:
    """The failing subgraph in the order it is kept: each failing root, then what it blocks.

    Roots with the most blocked objects come first; non-ready objects that are not on any
    blocking path (suspended, progressing) follow, then their direct requirements for context.
    """
    allowed = set(graph.nodes) if keys is None else set(keys)
    order: dict[ObjectKey, None] = {}
    paths = sorted(graph.blocking_paths.values(), key=lambda p: (-len(p.blocked), key_sort_key(p.root)))
    for path in paths:
        for key in (path.root, *path.blocked):
            if key in allowed:
                order.setdefault(key)
    rest = sorted(
        (c.subject for c in graph.root_causes.values() if c.subject in allowed),
        key=lambda k: (SEVERITY[graph.nodes[k].state], key_sort_key(k)),
    )
    for key in rest:
        order.setdefault(key)
    for key in list(order):
        for target in graph.requirements(key):
            if target in allowed:
                order.setdefault(target)
    return list(order)


_NODE_FLOOR: Final[dict[str, int]] = {"mermaid": 10, "dot": 70, "json": 45}
"""Characters every node line costs besides its id, at least (constant syntax and colours)."""


def render_diagram(
    graph: FluxGraph, fmt: DiagramFormat = "mermaid", *, keys: Collection[ObjectKey] | None = None,
    include_inventory: bool = False, limit: int = 40_000, hint: str = "",
) -> Diagram:
    """Render `keys` (default: the whole graph) within `limit` characters, shrinking the view if needed.

    Stages: as requested → inventory collapsed → the failing subgraph with its blocking paths →
    the longest prefix of that subgraph (in `failing_priority` order) that fits. Mermaid output is
    also kept under MERMAID_MAX_EDGES. The text is always a complete, valid diagram.
    """
    render = RENDERERS[fmt]
    hint = hint or "pass namespace or a root object to narrow the diagram"
    max_edges = MERMAID_MAX_EDGES if fmt == "mermaid" else None

    def fits(view: View, text: str) -> bool:
        return len(text) <= limit and (max_edges is None or len(view.edges) <= max_edges)

    def hopeless(view: View) -> bool:
        # Every node and edge costs at least its ids: skip rendering views that cannot fit.
        per_node = _NODE_FLOOR[fmt]
        floor = sum(len(n.id) + per_node for n in view.nodes) + sum(
            len(e.source) + len(e.target) + 6 for e in view.edges
        )
        return floor > limit or (max_edges is not None and len(view.edges) > max_edges)

    full = build_view(graph, keys, include_inventory=include_inventory)
    total = len(full.nodes)
    if not hopeless(full):
        text = render(full, ())
        if fits(full, text):
            return Diagram(text, fmt, len(full.nodes), len(full.edges), total, False)
    if include_inventory:
        collapsed = build_view(graph, keys, include_inventory=False)
        note = _note(len(collapsed.nodes), total, limit, hint, "non-Flux inventory collapsed to counts per kind")
        if not hopeless(collapsed):
            text = render(collapsed, (note,))
            if fits(collapsed, text):
                return Diagram(text, fmt, len(collapsed.nodes), len(collapsed.edges), total, True, note)
    priority = failing_priority(graph, keys)
    what = "the failing subgraph and its blocking paths"
    if not priority:
        priority = sorted(keys if keys is not None else graph.nodes, key=lambda k: (k.namespace, key_sort_key(k)))
        priority = [k for k in priority if graph.nodes[k].is_flux]
        what = "Flux objects in namespace order"

    def attempt(count: int) -> tuple[View, str, str]:
        view = build_view(graph, priority[:count], include_inventory=False)
        shown_what = what if count == len(priority) else f"the first part of {what}"
        note = _note(len(view.nodes), total, limit, hint, f"showing {shown_what}")
        return view, render(view, (note,)), note

    low, high = 0, len(priority)
    best: tuple[View, str, str] | None = None
    while low < high:  # the largest prefix that fits; each render is linear, so this stays fast
        middle = (low + high + 1) // 2
        candidate = attempt(middle)
        if fits(candidate[0], candidate[1]):
            best, low = candidate, middle
        else:
            high = middle - 1
    if best is None:
        best = attempt(0)
    view, text, note = best
    return Diagram(text, fmt, len(view.nodes), len(view.edges), total, True, note)


def _note(shown: int, total: int, limit: int, hint: str, what: str) -> str:
    return f"{what}; {truncation_marker(shown, total, limit, hint)}".replace("items", "nodes")

