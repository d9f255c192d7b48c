"""delete_kubernetes_resource: delete one object, guarded against fighting Flux, reporting finalizers."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.refs import display
from flux_mcp.ops.locate import locate
from flux_mcp.ops.managed_guard import check_contents, check_managed
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ApiVersionArg, ContextArg, KindArg, NameArg, NamespaceArg
from flux_mcp.tools._response import respond
from flux_mcp.tools._write_arguments import DryRunArg, OverwriteArg


class DeleteResult(BaseModel):
    kind: str
    name: str
    namespace: str = ""
    dry_run: bool
    deleted: bool = Field(description="True when the object is gone; false for dry_run or pending finalizers.")
    pending_finalizers: list[str] = Field(
        default_factory=list, description="Finalizers still holding the object (deletionTimestamp is set)."
    )
    consequences: list[str] = Field(
        default_factory=list, description="What Flux's finalizers do on deletion (garbage collection, uninstall)."
    )
    managed_by: str = Field("", description="The Flux object that manages it (deleted with overwrite=true).")


def flux_consequences(kind: str, group: str, obj: dict[str, Any]) -> list[str]:
    """What a Flux controller does when its object is deleted: it cleans up what it applied."""
    flux_kind = find_flux_kind(kind, group)
    if flux_kind is None:
        return []
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(spec, dict) and isinstance(status, dict)
    inventory = status.get("inventory") if isinstance(status.get("inventory"), dict) else {}
    assert isinstance(inventory, dict)
    entries = len(inventory.get("entries") or [])
    if flux_kind.kind == "Kustomization" and spec.get("prune") is True and entries:
        return [f"kustomize-controller garbage-collects the {entries} object(s) in its inventory (prune: true)"]
    if flux_kind.kind == "HelmRelease":
        return ["helm-controller uninstalls the Helm release and the objects it installed"]
    if flux_kind.kind == "ResourceSet" and entries:
        return [f"flux-operator deletes the {entries} object(s) the ResourceSet generated"]
    return []


# Destructive by nature; idempotent: deleting again leaves the same (absent) state.
def _finalizer_holders(kind: str, group: str, finalizers: list[str]) -> str:
    """Who removes the pending finalizers: the object stays until that controller has cleaned up."""
    flux_kind = find_flux_kind(kind, group)
    if flux_kind is not None and any(f.startswith("finalizers.fluxcd.io") for f in finalizers):
        return (f"It stays until {flux_kind.component} has cleaned up and removed finalizers.fluxcd.io; if it "
                f"does not go, check that {flux_kind.component} is running (get_flux_instance, "
                "get_kubernetes_logs of its pod).")
    others = [f for f in finalizers if not f.startswith("finalizers.fluxcd.io")]
    if others:
        return (f"It stays until the controller that owns {', '.join(others)} removes it (the finalizer's "
                "prefix names that controller's API group); nothing is removed while it is not running.")
    return ""


@flux_tool(title="Delete Kubernetes resource", read_only=False, destructive=True, idempotent=True)
async def delete_kubernetes_resource(
    ctx: Context[Any, Any],
    kind: KindArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    dry_run: DryRunArg = False,
    overwrite: OverwriteArg = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, DeleteResult]:
    """Delete one Kubernetes object (dry_run validates without deleting); reports finalizers that hold it.

    Refuses objects Flux manages, naming the managing object (Flux would recreate them): delete from Git,
    or pass overwrite=true. The same for a Namespace holding Flux(-managed) objects and a Flux kind's CRD.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    rk = await gw.resolve(kind, apiVersion)
    ns = await locate(gw, rk, name, namespace) or ""
    target = display(rk.kind, ns, name)
    live = await gw.get(rk, name, ns or None, managed_fields=True)
    manager = check_managed(target, live, None, "delete", overwrite)
    await check_contents(gw, rk, name, live, overwrite)
    await gw.delete(rk, name, ns or None, dry_run=dry_run)

    consequences = flux_consequences(rk.kind, rk.group, live)
    pending: list[str] = []
    if dry_run:
        deleted = False
        text = f"Server dry run (dryRun=All): {target} can be deleted; nothing was deleted."
    else:
        after = await gw.get_or_none(rk, name, ns or None)
        metadata = (after or {}).get("metadata") or {}
        deleted = after is None
        if after is None:
            text = f"Deleted {target}."
        else:
            pending = [str(f) for f in metadata.get("finalizers") or []]
            if metadata.get("deletionTimestamp"):
                text = (
                    f"{target} is being deleted (deletionTimestamp {metadata['deletionTimestamp']}); "
                    f"finalizers still pending: {', '.join(pending) or 'none listed'}."
                )
                holders = _finalizer_holders(rk.kind, rk.group, pending)
                if holders:
                    text += " " + holders
            else:
                text = f"{target} still exists after the delete request (it may have been recreated)."
    if consequences:
        text += "\n" + "\n".join(f"Note: {line}." for line in consequences)
    if manager is not None:
        text += f"\nNote: managed by {manager}; Flux will recreate it on its next reconcile unless Git changes too."
    result = DeleteResult(
        kind=rk.kind, name=name, namespace=ns, dry_run=dry_run, deleted=deleted, pending_finalizers=pending,
        consequences=consequences, managed_by=str(manager) if manager else "",
    )
    return respond(rt, text, result)
