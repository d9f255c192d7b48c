"""diff_kubernetes_manifest: what applying a manifest would change, per object, without changing anything."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.diff import FieldDiff, ObjectDiff, change_line, compact_value
from flux_mcp.kube.errors import BadRequest, Conflict, Invalid, KindNotServed, NotFound
from flux_mcp.ops.diff import diff_object
from flux_mcp.ops.manifest_apply import Resolved, UnservedKind, resolve_manifest
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg
from flux_mcp.tools._response import respond
from flux_mcp.tools.apply_kubernetes_manifest import MAX_MANIFEST_CHARS, parse_documents

Action = Literal["create", "change", "unchanged", "not validated", "rejected"]
MIN_OBJECT_BUDGET = 2_000
"""Characters each object may use at least, however many objects the manifest holds."""
VALUE_CHARS = 160

_SUMMARY: dict[str, str] = {
    "create": "would be created", "change": "would change", "unchanged": "unchanged",
    "not validated": "not validated", "rejected": "would be rejected",
}
_VERB: dict[str, str] = {
    "create": "would be created", "unchanged": "unchanged", "not validated": "not validated",
    "rejected": "would be rejected by the API server",
}


class FieldChangeModel(BaseModel):
    path: str = Field(description="e.g. .spec.template.spec.containers[name=app].image")
    op: Literal["added", "changed", "removed"]
    before: str | None = Field(None, description="Live value, compact JSON (cut, masked).")
    after: str | None = Field(None, description="Value after the apply, compact JSON (cut, masked).")
    owners: list[str] = Field(default_factory=list, description="Field managers owning it in the live object.")


class ObjectDiffModel(BaseModel):
    kind: str
    name: str
    namespace: str = ""
    api_version: str
    action: Action
    reason: str = ""
    managed_by: str = Field("", description="The Flux object that manages it.")
    flux_owned_fields: list[str] = Field(default_factory=list, description="Changed fields Flux would revert.")
    changes: list[FieldChangeModel] = Field(default_factory=list)
    changes_total: int = Field(0, description="All changed fields, also those past the output budget.")
    values_masked: bool = Field(False, description="A Secret compared with values masked on both sides.")


class DiffResult(BaseModel):
    objects: list[ObjectDiffModel]


def _owner_note(field: FieldDiff) -> str:
    flux = field.flux_owners
    if flux:
        return f"  [owned by {', '.join(flux)}: Flux reverts it on its next reconcile]"
    if field.owners:
        return (f"  [owned by {', '.join(field.owners)}: apply_kubernetes_manifest needs overwrite=true to take "
                "it over]")
    return ""


def _model(item: Resolved, action: Action, diff: ObjectDiff | None, reason: str, shown: int) -> ObjectDiffModel:
    model = ObjectDiffModel(
        kind=item.rk.kind, name=item.name, namespace=item.namespace, api_version=item.rk.api_version,
        action=action, reason=reason,
    )
    if diff is None:
        return model
    model.managed_by = str(diff.managed_by or "")
    model.flux_owned_fields = [f.change.where for f in diff.flux_owned]
    model.values_masked = diff.values_masked
    model.changes_total = len(diff.fields)
    model.changes = [
        FieldChangeModel(
            path=f.change.where, op=f.change.op, owners=list(f.owners),
            before=None if f.change.op == "added" else compact_value(f.change.before, VALUE_CHARS),
            after=None if f.change.op == "removed" else compact_value(f.change.after, VALUE_CHARS),
        )
        for f in diff.fields[:shown]
    ]
    return model


def _object_text(item: Resolved, action: Action, diff: ObjectDiff | None, reason: str, budget: int) -> tuple[str, int]:
    """The object's section within its share of the output budget, and how many changes it shows."""
    verb = _VERB.get(action, "")
    if diff is not None and action == "change":
        verb = f"would change {len(diff.fields)} field(s)"
    head = f"## {item.label} ({item.rk.api_version}): {verb}"
    if reason:
        head += f": {reason}"
    if diff is not None and diff.managed_by is not None:
        head += f"\n# managed by {diff.managed_by}"
        if diff.flux_owned:
            head += f"; Flux reverts the {len(diff.flux_owned)} field(s) marked below on its next reconcile"
        if action == "create":
            head += "; the next reconcile of its Flux object applies its own version"
    if diff is not None and diff.values_masked:
        head += "\n# Secret values are masked on both sides: a change of a value alone shows as unchanged"
    if diff is None or not diff.fields:
        return head, 0
    lines = [change_line(f.change, VALUE_CHARS) + _owner_note(f) for f in diff.fields]
    hint = "split the manifest and diff this object alone, or raise --output-limit"
    fitted = fit_items(lines, budget, hint=hint, header=head)
    return fitted.text, fitted.shown


# Read-only: every request is a dry run (dryRun=All) or a read. Idempotent: the same manifest
# against the same cluster gives the same diff.
@flux_tool(title="Diff Kubernetes manifest", read_only=True, idempotent=True)
async def diff_kubernetes_manifest(
    ctx: Context[Any, Any],
    yaml_content: Annotated[
        str,
        Field(description="Objects as YAML documents ('---'), as apply_kubernetes_manifest takes them.",
              min_length=1, max_length=MAX_MANIFEST_CHARS),
    ],
    context: ContextArg = None,
) -> Annotated[CallToolResult, DiffResult]:
    """Show what applying YAML manifests would change, without changing anything.

    A server-side-apply dry run per object (dryRun=All) compared with the live object: would be created,
    would change (fields added ~ changed - removed, old and new values), or unchanged. Flux-managed objects
    are flagged, and fields a Flux controller owns are marked (Flux would revert them). Secrets masked.
    """
    rt = runtime(ctx)
    documents = parse_documents(yaml_content)
    gw = await rt.gateway(context)
    try:
        items = await resolve_manifest(gw, documents)
    except UnservedKind as exc:
        raise ToolError(f"yaml_content {exc.doc.where}: {kube_message(exc.cause)}") from exc
    mask = rt.settings.mask_secrets
    budget = max(rt.settings.output_limit // len(items), MIN_OBJECT_BUDGET)

    sections: list[str] = []
    models: list[ObjectDiffModel] = []
    counts: dict[str, int] = {}
    new_namespaces: set[str] = set()
    for item in items:
        diff: ObjectDiff | None = None
        reason = ""
        action: Action
        if item.crd_in_manifest:
            action, reason = "not validated", "its CRD is created by this manifest"
        elif item.namespace in new_namespaces:
            action, reason = "not validated", f"its Namespace {item.namespace} is created by this manifest"
        else:
            try:
                diff = await diff_object(gw, item.rk, item.doc.obj, mask_secrets=mask)
                action = diff.action
            except (Invalid, Conflict, BadRequest, NotFound) as exc:
                # Answers that judge the object itself (invalid, conflicting, its namespace missing) are
                # reported per object; forbidden or unavailable leave the boundary as the call's error.
                if isinstance(exc, KindNotServed):
                    raise
                action, reason = "rejected", str(exc).rstrip(".")
        if action == "create" and item.rk.kind == "Namespace" and not item.rk.group:
            new_namespaces.add(item.name)
        counts[action] = counts.get(action, 0) + 1
        text, shown = _object_text(item, action, diff, reason, budget)
        sections.append(text)
        models.append(_model(item, action, diff, reason, shown))

    summary = ", ".join(f"{n} {_SUMMARY[a]}" for a, n in counts.items())
    header = (f"Server-side apply dry run (field manager fluxcd-mcp, dryRun=All): nothing was changed. "
              f"{len(items)} object(s): {summary}.")
    fitted = fit_items(sections, rt.settings.output_limit - 600, hint="split the manifest into smaller ones",
                       header=header, separator="\n\n")
    return respond(rt, fitted.text, DiffResult(objects=models))
