"""apply_kubernetes_manifest: server-side apply of multi-document YAML, guarded against fighting Flux."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.guard import conflict_advice, managing_object, refusal_message
from flux_mcp.flux.refs import display
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import FieldConflict, KubeError, NotFound
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg
from flux_mcp.tools._response import respond
from flux_mcp.tools._write_arguments import MAX_EXPANDED_VALUES, DryRunArg, OverwriteArg, check_expansion

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

MAX_MANIFEST_CHARS = 1_000_000
# A CRD applied a moment ago may not be served yet; its custom resources get a few short retries.
CRD_SETTLE_ATTEMPTS = 10
CRD_SETTLE_DELAY = 0.2
_APPLY_FIRST = {"Namespace": 0, "CustomResourceDefinition": 1}


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


@dataclass
class Document:
    index: int
    """1-based position in the YAML stream, counting empty documents, as a reader counts `---`."""
    line: int
    obj: dict[str, Any]

    @property
    def where(self) -> str:
        return f"document {self.index} (line {self.line})"


@dataclass
class Planned:
    doc: Document
    rk: ResourceKind
    namespace: str
    live: dict[str, Any] | None
    crd_in_manifest: bool

    @property
    def label(self) -> str:
        return display(self.rk.kind, self.namespace, str(self.doc.obj["metadata"]["name"]))


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


def _crd_kinds(documents: list[Document]) -> dict[tuple[str, str], ResourceKind]:
    """Kinds defined by CustomResourceDefinitions in the same manifest, keyed by (apiVersion, kind)."""
    kinds: dict[tuple[str, str], ResourceKind] = {}
    for doc in documents:
        if doc.obj["kind"] != "CustomResourceDefinition":
            continue
        spec = doc.obj.get("spec") or {}
        names = spec.get("names") or {}
        group, kind, plural = spec.get("group"), names.get("kind"), names.get("plural")
        if not (isinstance(group, str) and isinstance(kind, str) and isinstance(plural, str)):
            continue
        for version in spec.get("versions") or []:
            if isinstance(version, dict) and version.get("name"):
                rk = ResourceKind(group, str(version["name"]), kind, plural, spec.get("scope") != "Cluster")
                kinds[(rk.api_version, kind)] = rk
    return kinds


async def _plan(gw: KubeGateway, documents: list[Document]) -> list[Planned]:
    defined = _crd_kinds(documents)
    ordered = sorted(documents, key=lambda d: _APPLY_FIRST.get(str(d.obj["kind"]), 2))
    plan: list[Planned] = []
    for doc in ordered:
        api_version, kind = str(doc.obj["apiVersion"]), str(doc.obj["kind"])
        from_manifest = defined.get((api_version, kind))
        try:
            rk = await gw.resolve(kind, api_version)
            from_manifest = None
        except KubeError as exc:
            if from_manifest is None:
                raise ToolError(f"yaml_content {doc.where}: {kube_message(exc)}") from exc
            rk = from_manifest
        metadata = doc.obj["metadata"]
        if rk.namespaced:
            metadata["namespace"] = metadata.get("namespace") or gw.default_namespace
        else:
            metadata.pop("namespace", None)
        namespace = str(metadata.get("namespace") or "")
        live = None if from_manifest else await gw.get_or_none(
            rk, str(metadata["name"]), namespace or None, managed_fields=True,
        )
        plan.append(Planned(doc, rk, namespace, live, from_manifest is not None))
    return plan


async def _apply_one(
    gw: KubeGateway, item: Planned, dry_run: bool, overwrite: bool,
) -> tuple[dict[str, Any], list[str]]:
    """Apply without force first, so a conflict names the fields and their owners; with overwrite=true the
    conflicting fields are then taken (a forced apply), and returned as 'field (from manager)'."""
    try:
        return await _send(gw, item, dry_run, force=False), []
    except FieldConflict as exc:
        if not overwrite:
            raise ToolError(_conflict_message(item, exc)) from exc
        taken = [f"{c.field} (from {c.manager})" for c in exc.conflicts]
    return await _send(gw, item, dry_run, force=True), taken


def _conflict_message(item: Planned, exc: FieldConflict) -> str:
    lines = [f"Nothing changed for {item.label}: server-side apply conflicts with fields other field managers own."]
    lines += [f"- {c.field} is owned by {c.manager}: {conflict_advice(c.manager)}." for c in exc.conflicts]
    return "\n".join(lines)


async def _send(gw: KubeGateway, item: Planned, dry_run: bool, force: bool) -> dict[str, Any]:
    name = str(item.doc.obj["metadata"]["name"])
    attempts = CRD_SETTLE_ATTEMPTS if item.crd_in_manifest and not dry_run else 1
    for attempt in range(attempts):
        try:
            return await gw.patch(
                item.rk, name, item.namespace or None, item.doc.obj, patch_type="apply", dry_run=dry_run,
                force=force,
            )
        except NotFound:
            # Only "no such resource" means the CRD is not served yet; a 403 or a 422 never heals.
            if attempt + 1 >= attempts:
                raise
            await asyncio.sleep(CRD_SETTLE_DELAY)
    raise AssertionError("unreachable")  # pragma: no cover


def _action(item: Planned, applied: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        return "would be created" if item.live is None else "would be configured"
    if item.live is None:
        return "created"
    before = (item.live.get("metadata") or {}).get("resourceVersion")
    after = (applied.get("metadata") or {}).get("resourceVersion")
    return "unchanged" if before and before == after else "configured"


# Destructive: server-side apply replaces the fields it sets, and with overwrite=true takes them
# over from other managers. Idempotent: applying the same manifest twice leaves the same state.
@flux_tool(title="Apply Kubernetes manifest", read_only=False, destructive=True, idempotent=True)
async def apply_kubernetes_manifest(
    ctx: Context[Any, Any],
    yaml_content: Annotated[
        str,
        Field(description="One or more Kubernetes objects as YAML, documents separated by '---' "
              "(kind: List is expanded). Each needs apiVersion, kind and metadata.name; namespaced objects "
              "without metadata.namespace go to the context's default namespace.",
              min_length=1, max_length=MAX_MANIFEST_CHARS),
    ],
    overwrite: OverwriteArg = False,
    dry_run: DryRunArg = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, ApplyResult]:
    """Server-side apply YAML manifests (field manager fluxcd-mcp), Namespaces and CRDs first.

    Refuses, before writing anything, when any object is managed by Flux (judged from the live
    object's labels and the manifest's), naming the managing Kustomization/HelmRelease/ResourceSet:
    Flux would revert the change, so change it in Git instead, or pass overwrite=true. dry_run=true
    lets the API server validate everything without persisting it.
    """
    rt = runtime(ctx)
    documents = parse_documents(yaml_content)
    gw = await rt.gateway(context)
    plan = await _plan(gw, documents)

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
            applied, taken = await _apply_one(gw, item, dry_run, overwrite)
        except KubeError as exc:
            done = ", ".join(f"{o.kind} {o.name}" for o in objects) or "nothing"
            rest = len(plan) - position - 1
            raise ToolError(
                f"Applying {item.label} ({item.doc.where}) failed: {kube_message(exc).rstrip('.')}. "
                f"Already applied: {done}; {rest} later object(s) not attempted."
            ) from exc
        objects.append(AppliedObject(
            kind=item.rk.kind, name=str(item.doc.obj["metadata"]["name"]), namespace=item.namespace,
            api_version=item.rk.api_version, action=_action(item, applied, dry_run),
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
