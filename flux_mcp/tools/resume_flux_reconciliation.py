"""resume_flux_reconciliation: resume a suspended Flux object and reconcile it right away."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult

from flux_mcp.flux.reconcile import resume_patch
from flux_mcp.flux.status import is_suspended
from flux_mcp.ops.reconcile_waiter import ReconcileResult, Waiter, resolve_target, summarize
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, FluxKindArg, NameArg, NamespaceArg
from flux_mcp.tools._reconcile_response import TimeoutArg, WaitArg, progress_reporter, render_result, wait_deadline
from flux_mcp.tools._response import respond


# Not idempotent: like reconcile_flux_resource, every call requests a new reconcile. Not
# destructive: the object goes back to applying what Git declares.
@flux_tool(title="Resume Flux reconciliation", read_only=False, destructive=False, idempotent=False)
async def resume_flux_reconciliation(
    ctx: Context[Any, Any],
    kind: FluxKindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    wait: WaitArg = True,
    timeout: TimeoutArg = None,  # noqa: ASYNC109 - a tool argument, the deadline of the wait
    context: ContextArg = None,
) -> Annotated[CallToolResult, ReconcileResult]:
    """Resume reconciliation of a suspended Flux object and request a reconcile in the same write.

    Removes spec.suspend (flux-operator kinds: reconcile=enabled annotation) and, by default, waits for the
    outcome like reconcile_flux_resource.
    """
    deadline = wait_deadline(wait, timeout)
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    target = await resolve_target(gw, kind, name, namespace, apiVersion)
    token = target.new_token()
    patch = resume_patch(target.kind, token)
    was_suspended = is_suspended(target.obj, target.kind)

    waiter = Waiter.start(gw, progress_reporter(ctx, rt.settings.mask_secrets), deadline)
    await waiter.request(target, patch)
    static = target.kind.is_static(target.obj)
    if static:
        # Alert and Provider honour spec.suspend but have no reconcile loop to wait for.
        step = target.step("ready", reason="Static", message=static)
    elif wait:
        step = await waiter.wait(target, token)
    else:
        step = target.step("requested")
    result = summarize(target, token, [step], waiter.polls, waiter.elapsed(), deadline)
    note = "resumed" if was_suspended else "was not suspended; reconcile requested"
    return respond(rt, f"{target.label} {note}.\n" + render_result(result), result)
