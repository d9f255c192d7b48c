"""get_kubernetes_events: what happened recently, newest last, repeated events collapsed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.bounded import bounded
from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.redaction import redact_text
from flux_mcp.ops.events import event_line, fetch_events, summarize_events
from flux_mcp.ops.namespace_scope import narrowed_note
from flux_mcp.tools._argument_values import compile_grep
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import K8S_NAME_PATTERN, ContextArg, OptionalKindArg, OptionalNamespaceArg, SinceArg
from flux_mcp.tools._response import respond


class EventEntry(BaseModel):
    last_seen: str | None
    type: str
    reason: str
    object: str
    count: int
    message: str


class EventsResult(BaseModel):
    matched: int = Field(description="Distinct events (series collapsed) matching the filters.")
    returned: int
    events: list[EventEntry] = Field(description="The returned events, newest last.")
    truncated: bool = False


def _seconds_text(seconds: float | None) -> str | None:
    return None if seconds is None else f"{seconds:g}s"


@flux_tool(title="Get Kubernetes events", read_only=True)
async def get_kubernetes_events(
    ctx: Context[Any, Any],
    kind: OptionalKindArg = None,
    name: Annotated[
        str | None,
        Field(description="Only events about the object of this name.", max_length=253, pattern=K8S_NAME_PATTERN),
    ] = None,
    namespace: OptionalNamespaceArg = None,
    type: Annotated[
        Literal["Normal", "Warning"] | None,
        Field(description="Only Normal or only Warning events (default: both)."),
    ] = None,
    since: SinceArg = None,
    grep: Annotated[
        str | None,
        Field(description="Only events whose reason, message or object matches this regular expression "
              "(case-insensitive).", max_length=500),
    ] = None,
    limit: Annotated[int, Field(description="Maximum events to return (the newest).", ge=1, le=1000)] = 50,
    context: ContextArg = None,
) -> Annotated[CallToolResult, EventsResult]:
    """List Kubernetes events, newest last, repeated events collapsed into one line with a count.

    Filter by the involved object's kind and name, namespace, type (Warning for problems), `since` and a
    `grep` regular expression. Flux records every failed reconciliation as a Warning event on the object.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    pattern = compile_grep(grep)
    window = timedelta(seconds=since) if since is not None else None
    involved_kind = (await gw.resolve(kind)).kind if kind else None
    listed = await fetch_events(
        gw, namespace or None, involved_kind=involved_kind, involved_name=name, event_type=type,
    )
    # A list of every namespace refused by RBAC: the kubeconfig context's namespace, as kubectl does.
    namespace = namespace or listed.narrowed_to
    scope_line = f"# {narrowed_note('Events', listed.narrowed_to)}\n" if listed.narrowed_to else ""
    now = datetime.now(UTC)
    summaries = summarize_events(listed.value)
    if rt.settings.mask_secrets:
        # grep, the series key and message[:500] below must only ever see masked text.
        summaries = [replace(s, reason=redact_text(s.reason), message=redact_text(s.message)) for s in summaries]
    if window is not None:
        summaries = [s for s in summaries if s.last_seen is not None and now - s.last_seen <= window]
    if pattern is not None:
        summaries = await bounded(lambda: [
            s for s in summaries
            if pattern.search(s.reason) or pattern.search(s.message) or pattern.search(s.object_ref)
        ], "grep over the events")
    selected = summaries[-limit:]
    lines = [event_line(s, now) for s in selected]
    filters = ", ".join(
        f"{k}={v}" for k, v in (("kind", involved_kind), ("name", name), ("namespace", namespace or "all"),
                                ("type", type), ("since", _seconds_text(since)), ("grep", grep)) if v
    )
    header = f"{scope_line}# {len(selected)} of {len(summaries)} events ({filters}), newest last"
    if not selected:
        text = f"{scope_line}# no events match ({filters})"
        fitted_truncated = False
        shown = selected
    else:
        # Keep the newest lines when the budget is short: fit the reversed list, then restore order.
        hint = "lower `limit`, or narrow with `since`, `type=Warning`, `grep`, `kind`/`name` or `namespace`"
        fitted = fit_items(list(reversed(lines)), rt.settings.output_limit - 600, hint=hint)
        kept = lines[len(lines) - fitted.shown:]
        shown = selected[len(selected) - fitted.shown:]
        fitted_truncated = fitted.truncated
        text = header + "\n" + "\n".join(kept)
        if fitted.truncated:
            text = (f"{header}\n… {len(lines) - fitted.shown} older events omitted (output limit); {hint}.\n"
                    + "\n".join(kept))
    result = EventsResult(
        matched=len(summaries), returned=len(shown), truncated=fitted_truncated or len(summaries) > len(selected),
        events=[
            EventEntry(
                last_seen=s.last_seen.isoformat() if s.last_seen else None, type=s.type, reason=s.reason,
                object=s.object_ref, count=s.count, message=s.message[:500],
            )
            for s in shown
        ],
    )
    return respond(rt, text, result)
