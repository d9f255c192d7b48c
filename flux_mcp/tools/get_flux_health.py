"""get_flux_health: everything in Flux that needs attention, grouped by root cause, with the next action."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.health import (
    BLOCKED_LINES_PER_GROUP,
    HealthGroup,
    HealthReport,
    WorkloadIssue,
    health_report,
    render_health,
)
from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.ops.flux_graph import collect_graph, namespace_workloads
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond

HealthState = Literal["failed", "missing", "progressing", "unknown", "suspended", "drift"]


class HealthGroupModel(BaseModel):
    root: str = Field(description="The root cause object, Kind/namespace/name.")
    category: str = Field(
        description="failing, missing, cycle, notification, workload, progressing, unknown, suspended or drift."
    )
    state: str
    reason: str
    message: str = Field(description="The root cause's message, one line (at most 160 characters).")
    next_action: str
    blocked_count: int = Field(description="How many objects wait on this root cause.")
    blocked: list[str] = Field(description=f"The first {BLOCKED_LINES_PER_GROUP} blocked objects.")
    similar: int = Field(0, description="Further root causes of the same kind failing for the same reason, "
                         "shown as one cluster with this one (their blocked objects are counted in blocked_count).")
    similar_roots: list[str] = Field(default_factory=list,
                                     description=f"The first {BLOCKED_LINES_PER_GROUP} of those root causes.")


class HealthResult(BaseModel):
    checked: int = Field(description="Flux objects examined.")
    attention: int = Field(description="Objects that need attention (not ready, stalled, suspended, drifting, "
                           "missing).")
    by_state: dict[str, int]
    by_kind: dict[str, dict[str, int]] = Field(default_factory=dict, description="Kind → state → count.")
    root_causes: int
    groups: list[HealthGroupModel] = Field(description="The groups shown in the text, most urgent first.")
    truncated: bool = False
    continue_token: str | None = Field(
        default=None,
        description="Pass as `continue_token` to get the root causes after the ones shown.",
    )
    filtered_out: int = Field(default=0, description="Root causes left out by the kind/state filters.")
    namespace_exists: bool = True
    notes: list[str] = Field(default_factory=list)


def _fingerprint(report: HealthReport) -> str:
    keys = "\n".join(str(g.root.key) for g in report.groups)
    return hashlib.sha1(keys.encode(), usedforsecurity=False).hexdigest()[:8]


def _parse_continue(token: str | None, report: HealthReport, notes: list[str]) -> int:
    if not token:
        return 0
    offset, _, fingerprint = token.partition(".")
    if not offset.isdigit():
        raise ToolError(f"continue_token={token!r} is not a token get_flux_health returned; call again without it.")
    if fingerprint != _fingerprint(report):
        notes.append("the root causes changed since this continue token was issued; continuing at the same position")
    return int(offset)


def _group_model(groups: tuple[HealthGroup, ...], mask: bool) -> HealthGroupModel:
    """One root cause, or a cluster of alike ones under its first member."""
    group, others = groups[0], groups[1:]
    blocked = [entry for g in groups for entry in g.blocked]
    return HealthGroupModel(
        root=str(group.root.key), category=group.category, state=group.root.state, reason=group.root.reason,
        message=group.root.short_message(mask), next_action=group.action, blocked_count=len(blocked),
        blocked=[str(entry.key) for entry in blocked[:BLOCKED_LINES_PER_GROUP]],
        similar=len(others), similar_roots=[str(g.root.key) for g in others[:BLOCKED_LINES_PER_GROUP]],
    )


@flux_tool(title="Flux health by root cause", read_only=True)
async def get_flux_health(
    ctx: Context[Any, Any],
    namespace: OptionalNamespaceArg = None,
    kind: Annotated[str | None, Field(
        description="Only root causes and blocked objects of this Flux kind (e.g. GitRepository, hr).",
        max_length=100, pattern=r"^$|^[A-Za-z][A-Za-z0-9.]*$",
    )] = None,
    state: Annotated[HealthState | None, Field(
        description="Only root causes in this state (failed includes missing, cycles, notifications and "
        "workloads; drift: applied revision behind the source).",
    )] = None,
    continue_token: Annotated[str | None, Field(
        description="The continue_token of an answer cut by the output limit, for the rest.", max_length=100,
    )] = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, HealthResult]:
    """Report every Flux object not ready, stalled, suspended, drifting or referenced but missing, grouped by
    root cause (the deepest failing object), with the objects it blocks and the next action per group.

    Start here when asked "what is wrong with Flux". One root cause failing alike in many namespaces is one
    cluster; notification objects whose latest event is a Warning count too. With `namespace`, only its
    objects are listed (root causes elsewhere still named), plus its unhealthy Flux-applied workloads.
    """
    rt = runtime(ctx)
    kind_name = None
    if kind:
        flux_kind = find_flux_kind(kind)
        if flux_kind is None:
            raise ToolError(f"kind={kind!r} is not a Flux kind (e.g. Kustomization, HelmRelease, GitRepository).")
        kind_name = flux_kind.kind
    gw = await rt.gateway(context)
    collected = await collect_graph(gw, namespace or None, kube_message)
    notes = list(collected.notes)
    # A namespace-scoped identity sees one namespace: the report is about that namespace, not the cluster.
    namespace = namespace or collected.scope
    exists, managed = True, 0
    issues: list[WorkloadIssue] = []
    if namespace:
        exists, issues, managed = await namespace_workloads(gw, collected.graph, namespace, notes, kube_message)
    report = health_report(
        collected.graph, namespace or None, kind=kind_name, state=state, workloads=issues,
        namespace_exists=exists, workloads_checked=managed, unread=collected.unread,
    )
    start = _parse_continue(continue_token, report, notes)
    fingerprint = _fingerprint(report)
    args = "".join(f" {name}={value}" for name, value in (("namespace", namespace), ("kind", kind_name),
                                                          ("state", state)) if value)
    note_text = "".join(f"note: {note}\n" for note in notes)
    rendered = render_health(
        report, rt.settings.output_limit - len(note_text), mask=rt.settings.mask_secrets, start=start,
        continue_hint=lambda n: f"call get_flux_health{args} continue_token={n}.{fingerprint}",
    )
    token = f"{rendered.next_start}.{fingerprint}" if rendered.next_start is not None else None
    result = HealthResult(
        checked=report.checked, attention=report.attention, by_state=dict(report.by_state),
        by_kind={k: dict(v) for k, v in report.by_kind.items()},
        root_causes=len(report.groups), truncated=rendered.truncated, notes=notes,
        continue_token=token, filtered_out=report.filtered_out, namespace_exists=exists,
        groups=[_group_model(section.groups, rt.settings.mask_secrets) for section in rendered.shown_sections],
    )
    return respond(rt, note_text + rendered.text, result)
