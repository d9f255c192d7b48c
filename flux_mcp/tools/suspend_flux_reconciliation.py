"""suspend_flux_reconciliation: stop a Flux object from being reconciled until it is resumed."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.reconcile import suspend_patch
from flux_mcp.flux.status import is_suspended
from flux_mcp.ops.reconcile_waiter import resolve_target
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, FluxKindArg, NameArg, NamespaceArg
from flux_mcp.tools._response import respond


class SuspendResult(BaseModel):
    kind: str
    name: str
    namespace: str
    suspended: bool
    changed: bool = Field(description="False when the object was already suspended.")
    method: str = Field(description="How suspension is expressed: spec.suspend or the kind's annotation.")
    message: str


# Idempotent: suspending a suspended object changes nothing. Not destructive: it only pauses the
# controller, and resume_flux_reconciliation undoes it.
@flux_tool(title="Suspend Flux reconciliation", read_only=False, destructive=False, idempotent=True)
async def suspend_flux_reconciliation(
    ctx: Context[Any, Any],
    kind: FluxKindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, SuspendResult]:
    """Suspend reconciliation of a Flux object: its controller ignores it (and Git changes) until resumed.

    Toolkit kinds get spec.suspend=true; flux-operator kinds (FluxInstance, ResourceSet,
    ResourceSetInputProvider) get the annotation fluxcd.controlplane.io/reconcile=disabled.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    target = await resolve_target(gw, kind, name, namespace, apiVersion)
    patch = suspend_patch(target.kind)
    method = "spec.suspend" if target.kind.suspend_style == "spec" else f"annotation {target.kind.suspend_annotation}"
    if is_suspended(target.obj, target.kind):
        result = SuspendResult(
            kind=target.kind.kind, name=target.name, namespace=target.namespace, suspended=True, changed=False,
            method=method, message=f"{target.label} was already suspended; nothing changed.",
        )
    else:
        await gw.patch(target.rk, target.name, target.namespace or None, patch, patch_type="merge")
        result = SuspendResult(
            kind=target.kind.kind, name=target.name, namespace=target.namespace, suspended=True, changed=True,
            method=method,
            message=f"{target.label} suspended ({method}). Resume it with resume_flux_reconciliation.",
        )
    return respond(rt, result.message, result)
