"""get_flux_health: everything in Flux that needs attention, grouped by root cause, with the next action."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.health import BLOCKED_LINES_PER_GROUP, count_by_state, health_report, render_health
from flux_mcp.ops.flux_graph import collect_graph
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond


class HealthGroupModel(BaseModel):
    root: str = Field(description="The root cause object, Kind/namespace/name.")
    category: str = Field(description="failing, missing, cycle, progressing, unknown, suspended or stale.")
    state: str
    reason: str
    message: str = Field(description="The root cause's message, one line (at most 160 characters).")
    next_action: str
    blocked_count: int = Field(description="How many objects wait on this root cause.")
    blocked: list[str] = Field(description=f"The first {BLOCKED_LINES_PER_GROUP} blocked objects.")


class HealthResult(BaseModel):
    checked: int = Field(description="Flux objects examined.")
    attention: int = Field(description="Objects that need attention (not ready, stalled, suspended, stale, missing).")
    by_state: dict[str, int]
    root_causes: int
    groups: list[HealthGroupModel] = Field(description="The groups shown in the text, most urgent first.")
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)


@flux_tool(title="Flux health by root cause", read_only=True)
async def get_flux_health(
    ctx: Context[Any, Any],
    namespace: OptionalNamespaceArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, HealthResult]:
    """Report every Flux object that is not ready, stalled, suspended, stale (applied revision behind its
    source) or referenced but missing, grouped by root cause: one group per deepest failing object,
    listing the objects blocked by it, one line each, with the next action for the group.

    Start here when asked "what is wrong with Flux". With `namespace`, only objects in that namespace
    are listed, but root causes in other namespaces are still named.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    collected = await collect_graph(gw, namespace or None, kube_message)
    report = health_report(collected.graph, namespace or None)
    notes = "".join(f"note: {note}\n" for note in collected.notes)
    limit = rt.settings.output_limit - len(notes)
    rendered = render_health(report, limit, mask=rt.settings.mask_secrets)
    shown = report.groups[: rendered.groups_shown]
    result = HealthResult(
        checked=report.checked, attention=report.attention, by_state=dict(count_by_state(collected.graph, namespace)),
        root_causes=len(report.groups), truncated=rendered.truncated, notes=collected.notes,
        groups=[
            HealthGroupModel(
                root=str(group.root.key), category=group.category, state=group.root.state,
                reason=group.root.reason, message=group.root.short_message(rt.settings.mask_secrets),
                next_action=group.action, blocked_count=len(group.blocked),
                blocked=[str(entry.key) for entry in group.blocked[:BLOCKED_LINES_PER_GROUP]],
            )
            for group in shown
        ],
    )
    return respond(rt, notes + rendered.text, result)
