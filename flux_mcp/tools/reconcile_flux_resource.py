"""reconcile_flux_resource: ask a Flux controller to reconcile now, and wait for its verdict."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from flux_mcp.flux.reconcile import reconcile_patch, reconcile_refusal
from flux_mcp.ops.reconcile_waiter import (
    ReconcileResult,
    ReconcileStep,
    Waiter,
    resolve_target,
    source_chain,
    summarize,
)
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, FluxKindArg, NameArg, NamespaceArg
from flux_mcp.tools._reconcile_response import TimeoutArg, WaitArg, progress_reporter, render_result, wait_deadline
from flux_mcp.tools._response import respond


# Not idempotent: every call is a new request the controller acts on (a fresh Git fetch, a new
# apply; with force a new Helm release revision). Not destructive: it only makes the cluster
# converge to what is already declared in Git, it changes no desired state.
@flux_tool(title="Reconcile a Flux resource", read_only=False, destructive=False, idempotent=False)
async def reconcile_flux_resource(
    ctx: Context[Any, Any],
    kind: FluxKindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    with_source: Annotated[
        bool,
        Field(description="Reconcile its source (chain) first, to apply the latest revision."),
    ] = False,
    force: Annotated[
        bool, Field(description="HelmRelease only: force a one-off Helm install/upgrade.")
    ] = False,
    reset: Annotated[
        bool, Field(description="HelmRelease only: reset the failure counts so remediation retries start again.")
    ] = False,
    wait: WaitArg = True,
    timeout: TimeoutArg = None,  # noqa: ASYNC109 - a tool argument, the deadline of the wait
    context: ContextArg = None,
) -> Annotated[CallToolResult, ReconcileResult]:
    """Trigger a reconcile of a Flux object (optionally its source first) and, by default, wait for the result.

    Waits until the controller handled this request: Ready with the applied revision, the failure reason as
    soon as it fails, or "still reconciling" at the timeout. Refuses suspended objects and static kinds.
    """
    deadline = wait_deadline(wait, timeout)
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    target = await resolve_target(gw, kind, name, namespace, apiVersion)
    refusal = reconcile_refusal(target.kind, target.obj)
    if refusal:
        raise ToolError(refusal)
    token = target.new_token()
    own_patch = reconcile_patch(target.kind, token, force=force, reset=reset)

    sources, skipped = await source_chain(gw, target) if with_source else ([], [])
    waiter = Waiter.start(gw, progress_reporter(ctx, rt.settings.mask_secrets), deadline)
    steps: list[ReconcileStep] = list(skipped)
    for step_target in [*sources, target]:
        patch = own_patch if step_target is target else reconcile_patch(step_target.kind, token)
        await waiter.request(step_target, patch)
        if not wait:
            steps.append(step_target.step("requested"))
            continue
        step = await waiter.wait(step_target, token)
        steps.append(step)
        if step.outcome != "ready":
            break

    result = summarize(target, token, steps, waiter.polls, waiter.elapsed(), deadline, reset=reset)
    return respond(rt, render_result(result), result)
