"""Server-side apply of parsed manifests: order, plan against the live objects, apply one by one.

Namespaces and CRDs go first. A custom resource whose CRD is in the same manifest cannot be
resolved through discovery yet: it is planned from the CRD itself, and its apply is retried a
few times while the API server starts serving the new kind (404). Any other failure (403, 422,
...) never heals by waiting and is raised at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flux_mcp.flux.guard import conflict_advice
from flux_mcp.flux.refs import display
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import FieldConflict, KubeError, NotFound
from flux_mcp.ops.errors import OperationError

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

# A CRD applied a moment ago may not be served yet; its custom resources get a few short retries.
CRD_SETTLE_ATTEMPTS = 10
CRD_SETTLE_DELAY = 0.2
_APPLY_FIRST = {"Namespace": 0, "CustomResourceDefinition": 1}


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
class Resolved:
    """A document with its resource kind and the namespace it goes to ("" when cluster-scoped)."""

    doc: Document
    rk: ResourceKind
    namespace: str
    crd_in_manifest: bool
    """Its kind is defined by a CustomResourceDefinition of the same manifest and not served yet."""

    @property
    def name(self) -> str:
        return str(self.doc.obj["metadata"]["name"])

    @property
    def label(self) -> str:
        return display(self.rk.kind, self.namespace, self.name)


@dataclass
class Planned(Resolved):
    live: dict[str, Any] | None = None


class UnservedKind(Exception):
    """A document whose kind the cluster does not serve and no CRD of the manifest defines."""

    def __init__(self, doc: Document, cause: KubeError) -> None:
        super().__init__(str(cause))
        self.doc = doc
        self.cause = cause


def crd_kinds(documents: list[Document]) -> dict[tuple[str, str], ResourceKind]:
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


async def resolve_manifest(gw: KubeGateway, documents: list[Document]) -> list[Resolved]:
    """Documents in apply order (Namespaces, then CRDs, then the rest), kinds resolved through
    discovery, metadata.namespace set to where each object goes (shared by apply and diff)."""
    defined = crd_kinds(documents)
    ordered = sorted(documents, key=lambda d: _APPLY_FIRST.get(str(d.obj["kind"]), 2))
    resolved: list[Resolved] = []
    for doc in ordered:
        api_version, kind = str(doc.obj["apiVersion"]), str(doc.obj["kind"])
        from_manifest = defined.get((api_version, kind))
        try:
            rk = await gw.resolve(kind, api_version)
            from_manifest = None
        except KubeError as exc:
            if from_manifest is None:
                raise UnservedKind(doc, exc) from exc
            rk = from_manifest
        metadata = doc.obj["metadata"]
        if rk.namespaced:
            metadata["namespace"] = metadata.get("namespace") or gw.default_namespace
        else:
            metadata.pop("namespace", None)
        resolved.append(Resolved(doc, rk, str(metadata.get("namespace") or ""), from_manifest is not None))
    return resolved


async def plan_manifest(gw: KubeGateway, documents: list[Document]) -> list[Planned]:
    planned: list[Planned] = []
    for item in await resolve_manifest(gw, documents):
        live = None if item.crd_in_manifest else await gw.get_or_none(
            item.rk, item.name, item.namespace or None, managed_fields=True,  # the guard reads who applied it
        )
        planned.append(Planned(item.doc, item.rk, item.namespace, item.crd_in_manifest, live))
    return planned


async def apply_one(
    gw: KubeGateway, item: Planned, dry_run: bool, overwrite: bool,
) -> tuple[dict[str, Any], list[str]]:
    """Apply without force first, so a conflict names the fields and their owners; with overwrite=true the
    conflicting fields are then taken (a forced apply) and returned as 'field (from manager)'."""
    try:
        return await _send(gw, item, dry_run, force=False), []
    except FieldConflict as exc:
        if not overwrite:
            raise OperationError(conflict_message(item.label, exc)) from exc
        taken = [f"{c.field} (from {c.manager})" for c in exc.conflicts]
    return await _send(gw, item, dry_run, force=True), taken


def conflict_message(target: str, exc: FieldConflict) -> str:
    lines = [f"Nothing changed for {target}: server-side apply conflicts with fields other field managers own."]
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


def action(item: Planned, applied: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        return "would be created" if item.live is None else "would be configured"
    if item.live is None:
        return "created"
    before = (item.live.get("metadata") or {}).get("resourceVersion")
    after = (applied.get("metadata") or {}).get("resourceVersion")
    return "unchanged" if before and before == after else "configured"
