"""get_flux_inventory_tree: what a Kustomization / HelmRelease / ResourceSet applies, recursively."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.graph import APPLIER_KINDS, InventoryNode, flatten_tree, inventory_tree
from flux_mcp.ops.flux_graph import collect_graph, resolve_root
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg, FluxKindArg, NameArg, NamespaceArg
from flux_mcp.tools._response import respond

_MARKS = {
    "self": "(lists itself)", "cycle": "(cycle: already an ancestor)", "repeated": "(shown above)",
}


class InventoryTreeNode(BaseModel):
    ref: str = Field(description="Kind/namespace/name (Kind/name when cluster-scoped).")
    state: str | None = Field(None, description="Status of a Flux object; absent for plain objects.")
    revision: str | None = None
    mark: str | None = Field(None, description="self, cycle or repeated: not expanded again here.")
    children: list[InventoryTreeNode] = Field(default_factory=list)


class InventoryTreeResult(BaseModel):
    root: InventoryTreeNode
    objects: int = Field(description="Entries in the whole tree (root excluded).")
    flux_objects: int = Field(description="Nested Flux objects in the tree.")
    shown: int = Field(description="Entries shown (text and tree) within the output limit.")
    truncated: bool = False


def _short_revision(revision: str) -> str:
    # `main@sha1:<40 hex>` → `main@sha1:4f2d8c3a9b1e`: enough to recognise, a third of the size.
    head, sep, digest = revision.rpartition(":")
    return f"{head}{sep}{digest[:12]}" if sep and len(digest) > 12 else revision


def _line(item: InventoryNode) -> str:
    indent = "  " * item.depth
    text = f"{indent}{item.key.display}"
    node = item.node
    if node.is_flux:
        status = node.short_status
        revision = _short_revision(node.status.revision) if node.obj is not None else ""
        text += f" [{status}{' ' + revision if revision else ''}]"
    if item.mark:
        text += f" {_MARKS[item.mark]}"
    elif item.no_inventory and item.key.kind in APPLIER_KINDS:
        text += " (no status.inventory recorded)"
    return text


def _model(items: list[InventoryNode]) -> InventoryTreeNode:
    """The structured tree of the first entries (pre-order), iteratively."""
    models: list[InventoryTreeNode] = []
    path: list[InventoryTreeNode] = []
    for item in items:
        node = item.node
        model = InventoryTreeNode(
            ref=str(item.key), state=node.state if node.is_flux else None,
            revision=(node.status.revision or None) if node.is_flux and node.obj is not None else None,
            mark=item.mark or None,
        )
        del path[item.depth:]
        if path:
            path[-1].children.append(model)
        path.append(model)
        models.append(model)
    return models[0]


@flux_tool(title="Flux inventory tree", read_only=True)
async def get_flux_inventory_tree(
    ctx: Context[Any, Any],
    kind: FluxKindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, InventoryTreeResult]:
    """Show everything a Kustomization, HelmRelease, ResourceSet or FluxInstance applies (its
    status.inventory), recursively through nested Flux objects' own inventories, as an indented tree with
    the status and revision of each Flux object. Cycle-safe: an object met again is marked, not expanded.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    collected = await collect_graph(gw, namespace, kube_message)
    root = resolve_root(collected.graph, kind, name, namespace, collected.notes)
    if root.kind not in APPLIER_KINDS:
        raise ToolError(
            f"{root.kind} has no inventory; use it with Kustomization, HelmRelease, ResourceSet or FluxInstance "
            "(get_flux_dependency_graph shows what a source feeds)"
        )
    tree = inventory_tree(collected.graph, root)
    items = flatten_tree(tree)
    flux_nested = sum(1 for item in items[1:] if item.node.is_flux)
    notes = "".join(f"note: {note}\n" for note in collected.notes)
    header = f"{notes}{_line(items[0])} — {len(items) - 1} objects, {flux_nested} of them Flux objects"
    fitted = fit_items(
        [_line(item) for item in items[1:]], rt.settings.output_limit, header=header,
        hint="call get_flux_inventory_tree on a nested Kustomization/HelmRelease to see its part",
    )
    result = InventoryTreeResult(
        root=_model(items[: fitted.shown + 1]), objects=len(items) - 1, flux_objects=flux_nested,
        shown=fitted.shown, truncated=fitted.truncated,
    )
    return respond(rt, fitted.text, result)
