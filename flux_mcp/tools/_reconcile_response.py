"""What reconcile_flux_resource and resume_flux_reconciliation share at the MCP end: the wait
arguments, progress notifications and the rendered verdict of the reconcile waiter (`ops.reconcile_waiter`)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, WithJsonSchema

from flux_mcp.flux.budget import clip_line
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import display
from flux_mcp.ops.reconcile_waiter import Progress, ReconcileResult
from flux_mcp.tools._params import DURATION_SCHEMA, bounded_duration

log = logging.getLogger("flux_mcp.tools.reconcile")

DEFAULT_TIMEOUT = 120.0
PROGRESS_MESSAGE_LIMIT = 500

WaitArg = Annotated[
    bool,
    Field(description="Wait for the outcome, with progress notifications."),
]
TimeoutArg = Annotated[
    float | None,
    bounded_duration(1, 900),
    WithJsonSchema(DURATION_SCHEMA),
    Field(description="How long to wait (90s, 5m or seconds; at most 15m; default 2m)."),
]


def wait_deadline(wait: bool, timeout: float | None) -> float:
    """The seconds to wait; a timeout without waiting would do nothing, so it is refused, not dropped."""
    if not wait and timeout is not None:
        raise ToolError("timeout: has no effect with wait=false (nothing is waited for); drop timeout, or wait")
    return DEFAULT_TIMEOUT if timeout is None else timeout

def progress_reporter(ctx: Context[Any, Any], mask_secrets: bool = True) -> Progress:
    """Numbered MCP progress notifications (a no-op unless the client asked for progress).

    They carry controller messages (a Git error can quote a URL with credentials), so they go
    through the same redaction as every response.
    """
    counter = 0

    async def report(message: str) -> None:
        nonlocal counter
        counter += 1
        if mask_secrets:
            message = redact_text(message)
        message = clip_line(message, PROGRESS_MESSAGE_LIMIT)
        log.debug("progress %d: %s", counter, message)
        await ctx.report_progress(counter, None, message)

    return report


def render_result(result: ReconcileResult, verb: str = "reconcile") -> str:
    who = display(result.kind, result.namespace, result.name)
    headline = {
        "ready": f"{who} is Ready",
        "failed": f"{who} {verb} failed",
        "still-reconciling": f"{who}: " + (
            "reconcile request not picked up (timed out waiting)" if result.reason == "NotPickedUp"
            else "still reconciling (timed out waiting)"
        ),
        "requested": f"{who} {verb} requested (not waiting)",
        "skipped": f"{who} skipped",
    }[result.outcome]
    lines = [headline]
    if result.revision:
        lines.append(f"revision: {result.revision}")
    if result.reason:
        lines.append(f"reason: {result.reason}")
    if result.message:
        lines.append(f"message: {result.message}")
    lines.append(f"requestedAt: {result.token}")
    if result.outcome != "requested":
        lines.append(f"duration: {result.duration_seconds:.2f}s, status polls: {result.polls}")
    if len(result.steps) > 1:
        lines.append("steps:")
        for step in result.steps:
            detail = step.revision or step.message or step.reason
            lines.append(
                f"- {step.kind} {step.namespace}/{step.name}: {step.outcome}" + (f" ({detail})" if detail else "")
            )
    return "\n".join(lines)
