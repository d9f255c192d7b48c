"""patch_kubernetes_resource: merge, JSON or strategic-merge patch one object, guarded against fighting Flux."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import yaml
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, WithJsonSchema

from flux_mcp.flux.refs import display
from flux_mcp.kube.errors import Invalid
from flux_mcp.ops.locate import locate
from flux_mcp.ops.managed_guard import check_managed
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import (
    PATCH_SCHEMA,
    ApiVersionArg,
    ContextArg,
    KindArg,
    NameArg,
    NamespaceArg,
    PatchBody,
)
from flux_mcp.tools._response import respond
from flux_mcp.tools._write_arguments import DryRunArg, OverwriteArg, check_expansion

PatchType = Literal["merge", "json", "strategic"]
JSON_PATCH_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
MAX_PATCH_CHARS = 200_000


class PatchResult(BaseModel):
    kind: str
    name: str
    namespace: str = ""
    patch_type: str
    dry_run: bool
    changed: bool = Field(description="Whether the object's resourceVersion moved (always false for dry_run).")
    resource_version: str = ""
    generation_before: int | None = None
    generation_after: int | None = None
    managed_by: str = Field("", description="The Flux object that manages it (patched with overwrite=true).")


def parse_patch(text: str, patch_type: PatchType) -> dict[str, Any] | list[Any]:
    """The patch document from JSON or YAML text, checked against the shape its type requires."""
    try:
        document: Any = json.loads(text)
    except RecursionError as exc:
        raise ToolError("patch is nested too deeply to be a Kubernetes patch") from exc
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ToolError(f"patch is neither valid JSON nor valid YAML: {exc}") from exc
        except RecursionError as exc:
            raise ToolError("patch is nested too deeply to be a Kubernetes patch") from exc
        check_expansion(document, "patch")
    if patch_type == "json":
        return _json_patch_ops(document)
    if not isinstance(document, dict) or not document:
        raise ToolError(
            f"a {patch_type} patch must be a non-empty object such as {{\"spec\": {{\"replicas\": 2}}}}; "
            "for a list of operations use type=json."
        )
    return document


def _json_patch_ops(document: Any) -> list[Any]:
    example = '[{"op": "replace", "path": "/spec/replicas", "value": 2}]'
    if not isinstance(document, list) or not document:
        raise ToolError(f"a json patch (RFC 6902) must be a non-empty list of operations, e.g. {example}")
    for position, op in enumerate(document, start=1):
        if not isinstance(op, dict) or op.get("op") not in JSON_PATCH_OPS:
            raise ToolError(
                f"json patch operation {position} must be an object whose op is one of "
                f"{', '.join(sorted(JSON_PATCH_OPS))}, e.g. {example}"
            )
        path = op.get("path")
        if not isinstance(path, str) or (path and not path.startswith("/")):
            raise ToolError(f"json patch operation {position} needs a path like /spec/replicas")
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise ToolError(f"json patch operation {position} ({op['op']}) needs a value")
        if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            raise ToolError(f"json patch operation {position} ({op['op']}) needs a from path")
    return document


def _is_custom_group(group: str) -> bool:
    # Built-in groups are "" (core), dotless (apps, batch) or *.k8s.io; CRDs use a domain of their own.
    return "." in group and not group.endswith(".k8s.io")


def _generation(obj: dict[str, Any]) -> int | None:
    value = (obj.get("metadata") or {}).get("generation")
    return value if isinstance(value, int) else None


# Destructive: a patch can remove or replace any field. Not idempotent: a JSON patch that adds to
# a list appends again on every call.
_SECRET_VALUES = ("/data", "/stringData")
JSON_PATCH_FAILED = "the server rejected our request due to an error in our request"
"""kube-apiserver's whole message when an operation of a JSON patch fails."""


def _reads_secret_values(pointer: Any) -> bool:
    text = str(pointer or "")
    return text in ("", "/") or any(text == root or text.startswith(root + "/") for root in _SECRET_VALUES)


def _refuse_secret_reads(operations: list[Any]) -> None:
    """With values masked, a JSON patch may write a Secret's values but not read them: `copy`/`move` from
    them would put a value where an error or a listing shows it, and `test` answers whether a guess is right."""
    for position, op in enumerate(operations, 1):
        if not isinstance(op, dict):
            continue
        reads = (op.get("op") in ("copy", "move") and _reads_secret_values(op.get("from"))) or (
            op.get("op") == "test" and _reads_secret_values(op.get("path")))
        if reads:
            raise ToolError(
                f"patch: json patch operation {position} ({op.get('op')}) reads a Secret's values, which are "
                "masked; only add, replace and remove may touch /data and /stringData of a Secret"
            )


@flux_tool(title="Patch Kubernetes resource", read_only=False, destructive=True, idempotent=False)
async def patch_kubernetes_resource(
    ctx: Context[Any, Any],
    kind: KindArg,
    name: NameArg,
    patch: Annotated[
        str,
        PatchBody,
        WithJsonSchema(PATCH_SCHEMA),
        Field(description="Object or JSON/YAML text. merge/strategic: {\"spec\":{\"replicas\":2}} (null deletes); "
              "json: [{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}].",
              min_length=1, max_length=MAX_PATCH_CHARS),
    ],
    namespace: NamespaceArg = None,
    type: Annotated[
        PatchType,
        Field(description="merge (RFC 7386), json (RFC 6902) or strategic (built-in kinds only)."),
    ] = "merge",
    apiVersion: ApiVersionArg = None,
    dry_run: DryRunArg = False,
    overwrite: OverwriteArg = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, PatchResult]:
    """Patch one Kubernetes object (merge, json or strategic patch; dry_run validates without persisting).

    Refuses objects Flux manages (labels on the live object or in the patch), naming the managing object:
    Flux would revert the change, so change it in Git, or pass overwrite=true.
    """
    patch_type: PatchType = type
    document = parse_patch(patch, patch_type)
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    rk = await gw.resolve(kind, apiVersion)
    if patch_type == "strategic" and _is_custom_group(rk.group):
        raise ToolError(
            f"{rk.kind} ({rk.api_version}) is a custom resource: the API server accepts strategic merge "
            "patches only for built-in kinds. Use type=merge (or json)."
        )
    if rt.settings.mask_secrets and rk.kind == "Secret" and not rk.group and isinstance(document, list):
        _refuse_secret_reads(document)
    ns = await locate(gw, rk, name, namespace) or ""
    target = display(rk.kind, ns, name)
    live = await gw.get(rk, name, ns or None, managed_fields=True)
    manager = check_managed(target, live, document if isinstance(document, dict) else None, "patch", overwrite)
    try:
        patched = await gw.patch(rk, name, ns or None, document, patch_type=patch_type, dry_run=dry_run)
    except Invalid as exc:
        if patch_type == "json" and exc.server_message.strip() == JSON_PATCH_FAILED:
            # The API server does not say which operation failed.
            raise ToolError(
                f"patch: the API server refused the json patch of {target} (HTTP 422: {JSON_PATCH_FAILED}): one "
                "of its operations could not be applied: a `test` whose value did not match, or a path that does "
                "not exist for remove, replace, move or copy; read the object with get_kubernetes_resources and "
                "check each operation's path."
            ) from exc
        raise

    before_rv = str((live.get("metadata") or {}).get("resourceVersion") or "")
    after_rv = str((patched.get("metadata") or {}).get("resourceVersion") or "")
    result = PatchResult(
        kind=rk.kind, name=name, namespace=ns, patch_type=patch_type, dry_run=dry_run,
        changed=not dry_run and after_rv != before_rv, resource_version=after_rv,
        generation_before=_generation(live), generation_after=_generation(patched),
        managed_by=str(manager) if manager else "",
    )
    if dry_run:
        text = f"Server dry run (dryRun=All): the {patch_type} patch of {target} is valid; nothing was changed."
    elif not result.changed:
        text = f"{target}: the {patch_type} patch changed nothing (the object already matched)."
    else:
        text = f"Patched {target} ({patch_type} patch), resourceVersion {before_rv} → {after_rv}"
        if result.generation_before != result.generation_after:
            text += f", generation {result.generation_before} → {result.generation_after}"
        text += "."
    if manager is not None:
        text += f"\nNote: managed by {manager}; Flux will revert this on its next reconcile unless Git changes too."
    return respond(rt, text, result)
