"""apply_kubernetes_manifest: server-side apply of multi-document YAML, guarded against fighting Flux."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.bounded import bounded
from flux_mcp.flux.guard import managing_object, refusal_message
from flux_mcp.flux.refs import display
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.manifest_apply import Document, UnservedKind, action, apply_one, plan_manifest
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg
from flux_mcp.tools._response import respond
from flux_mcp.tools._write_arguments import MAX_EXPANDED_VALUES, DryRunArg, OverwriteArg, check_expansion

if TYPE_CHECKING:
    pass

MAX_MANIFEST_CHARS = 1_000_000


class AppliedObject(BaseModel):
    kind: str
    name: str
    namespace: str = ""
    api_version: str
    action: str = Field(description="created, configured, unchanged; with dry_run: would be created/configured "
                        "(or not validated, for custom resources of a CRD in the same manifest).")
    managed_by: str = Field("", description="The Flux object that manages it (applied with overwrite=true).")
    taken_over: list[str] = Field(default_factory=list, description="Fields taken from other field managers "
                                  "with overwrite=true, as 'field (from manager)'.")


class ApplyResult(BaseModel):
    dry_run: bool
    objects: list[AppliedObject]


def parse_documents(text: str) -> list[Document]:
    """Every object of a multi-document YAML stream; `kind: *List` documents are expanded."""
    documents: list[Document] = []
    index = 0
    budget = MAX_EXPANDED_VALUES
    loader: yaml.SafeLoader | None = None
    try:
        # The reader rejects control characters as soon as it is built: inside the try.
        loader = yaml.SafeLoader(text)
        while loader.check_node():
            index += 1
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            data = loader.construct_document(node)
            if data is None:
                continue
            budget = check_expansion(data, f"yaml_content document {index}", budget)
            documents.extend(_objects_of(data, index, line))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem:
            # e.g. "while parsing a flow sequence" started lines before the token that broke it.
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise ToolError(f"yaml_content document {index or 1}: invalid YAML{at}: {problem}.") from exc
    except yaml.YAMLError as exc:
        raise ToolError(f"yaml_content document {index or 1}: invalid YAML: {exc}.") from exc
    except RecursionError as exc:
        raise ToolError(f"yaml_content document {index or 1}: nested too deeply to be a Kubernetes object.") from exc
    finally:
        if loader is not None:
            loader.dispose()
    if not documents:
        raise ToolError("yaml_content holds no Kubernetes object (every document is empty).")
    return documents


def _objects_of(data: Any, index: int, line: int) -> list[Document]:
    where = f"yaml_content document {index} (line {line})"
    if not isinstance(data, dict):
        raise ToolError(f"{where} is a {type(data).__name__}, not a Kubernetes object (a mapping with "
                        "apiVersion, kind and metadata.name).")
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list):
        return [doc for item in data["items"] for doc in _objects_of(item, index, line)]
    missing = [field for field, ok in (
        ("apiVersion", isinstance(data.get("apiVersion"), str) and data.get("apiVersion")),
        ("kind", isinstance(kind, str) and kind),
        ("metadata.name", isinstance(data.get("metadata"), dict) and isinstance(data["metadata"].get("name"), str)
         and data["metadata"]["name"]),
    ) if not ok]
    if missing:
        raise ToolError(f"{where} is missing {', '.join(missing)} (server-side apply needs all of "
                        "apiVersion, kind and metadata.name; generateName is not supported).")
    return [Document(index, line, copy.deepcopy(data))]


# Destructive: server-side apply replaces the fields it sets, and with overwrite=true takes them
# over from other managers. Idempotent: applying the same manifest twice leaves the same state.
@flux_tool(title="Apply Kubernetes manifest", read_only=False, destructive=True, idempotent=True)
async def apply_kubernetes_manifest(
    ctx: Context[Any, Any],
    yaml_content: Annotated[
        str,
        Field(description="Objects as YAML documents ('---'); without metadata.namespace: the context's namespace.",
              min_length=1, max_length=MAX_MANIFEST_CHARS),
    ],
    overwrite: OverwriteArg = False,
    dry_run: DryRunArg = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, ApplyResult]:
    """Server-side apply YAML manifests (field manager fluxcd-mcp), Namespaces and CRDs first.

    Refuses, before writing anything, any object Flux manages (live or manifest labels), naming the
    managing Kustomization/HelmRelease/ResourceSet: change it in Git, or pass overwrite=true.
    """
    rt = runtime(ctx)
    documents = await bounded(lambda: parse_documents(yaml_content), "parsing yaml_content")
    gw = await rt.gateway(context)
    try:
        plan = await plan_manifest(gw, documents)
    except UnservedKind as exc:
        raise ToolError(f"yaml_content {exc.doc.where}: {kube_message(exc.cause)}") from exc

    managers: dict[int, str] = {}
    refusals: list[str] = []
    for position, item in enumerate(plan):
        manager = managing_object(item.live, item.doc.obj, "apply")
        if manager is not None:
            managers[position] = str(manager)
            refusals.append(refusal_message(item.label, manager, "apply"))
    if refusals and not overwrite:
        raise ToolError("Nothing was applied. " + " ".join(refusals))

    objects: list[AppliedObject] = []
    for position, item in enumerate(plan):
        if dry_run and item.crd_in_manifest:
            # The API server cannot validate a custom resource whose CRD a dry run did not create.
            objects.append(AppliedObject(
                kind=item.rk.kind, name=str(item.doc.obj["metadata"]["name"]), namespace=item.namespace,
                api_version=item.rk.api_version, action="not validated: its CRD is created by this manifest",
            ))
            continue
        try:
            applied, taken = await apply_one(gw, item, dry_run, overwrite)
        except (KubeError, OperationError) as exc:
            # What was written before the failure stays written: say what, and what was not attempted.
            done = ", ".join(display(o.kind, o.namespace, o.name) for o in objects) or "nothing"
            rest = plan[position + 1:]
            skipped = ", ".join(f"{later.label} ({later.doc.where})" for later in rest) or "none"
            first, _, details = (kube_message(exc) if isinstance(exc, KubeError) else str(exc)).partition("\n")
            verb = "Dry run of" if dry_run else "Applying"
            raise ToolError(
                f"{verb} {item.label} ({item.doc.where}) failed: {first.rstrip('.')}. "
                f"Already {'validated' if dry_run else 'applied'}: {done}; not attempted: {skipped}."
                + (f"\n{details}" if details else "")
            ) from exc
        objects.append(AppliedObject(
            kind=item.rk.kind, name=str(item.doc.obj["metadata"]["name"]), namespace=item.namespace,
            api_version=item.rk.api_version, action=action(item, applied, dry_run),
            managed_by=managers.get(position, ""), taken_over=taken,
        ))

    result = ApplyResult(dry_run=dry_run, objects=objects)
    header = "Server dry run (dryRun=All): nothing was changed." if dry_run else f"Applied {len(objects)} object(s)."
    lines = [header]
    for obj in objects:
        line = f"- {display(obj.kind, obj.namespace, obj.name)}: {obj.action}"
        if obj.managed_by:
            line += f" (managed by {obj.managed_by}; Flux will revert this on its next reconcile)"
        if obj.taken_over:
            line += f"; fields that changed hands: {', '.join(obj.taken_over)}"
        lines.append(line)
    return respond(rt, "\n".join(lines), result)
