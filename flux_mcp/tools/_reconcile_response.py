"""What reconcile_flux_resource and resume_flux_reconciliation share at the MCP end: the wait
arguments, progress notifications and the rendered verdict of the reconcile waiter (`ops.reconcile_waiter`)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import display
from flux_mcp.ops.reconcile_waiter import Progress, ReconcileResult

log = logging.getLogger("flux_mcp.tools.reconcile")

DEFAULT_TIMEOUT = 120.0
PROGRESS_MESSAGE_LIMIT = 500

WaitArg = Annotated[
    bool,
    Field(description="Wait until the controller has handled the request and report the outcome (Ready or "
          "the failure reason), sending progress notifications meanwhile. Default true; false only sends "
          "the request."),
]
TimeoutArg = Annotated[
    float,
    Field(description="Seconds to wait for the outcome when wait is true (1-900, default 120). On timeout the "
          "result says the object is still reconciling; that is not an error.", ge=1, le=900),
]

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
        if len(message) > PROGRESS_MESSAGE_LIMIT:
            message = message[: PROGRESS_MESSAGE_LIMIT - 1] + "…"
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
