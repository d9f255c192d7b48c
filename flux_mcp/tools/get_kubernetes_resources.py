"""get_kubernetes_resources: read any Kubernetes or Flux objects as compact YAML."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.redaction import redact_object
from flux_mcp.flux.render import to_yaml
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.tools._cluster import EventSummary, event_line, warning_events_by_object
from flux_mcp.tools._fieldpath import FieldPath, parse_field_path
from flux_mcp.tools._params import ApiVersionArg, ContextArg, KindArg, OptionalNameArg, OptionalNamespaceArg
from flux_mcp.tools._registry import flux_tool, respond, runtime

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway, ListPage

SEPARATOR = "\n---\n"
EVENTS_PER_OBJECT = 3


class ResourceListResult(BaseModel):
    kind: str
    api_version: str
    namespace: str = Field(description="The namespace listed; empty for all namespaces or cluster-scoped kinds.")
    returned: int = Field(description="Objects in this page.")
    shown: int = Field(description="Objects that fit in the text output.")
    names: list[str] = Field(description="namespace/name (or name) of every object in this page.")
    continue_token: str | None = Field(None, description="Pass as continue_token to read the next page.")
    resource_version: str | None = None
    truncated: bool = False


def _project(obj: dict[str, Any], paths: list[FieldPath]) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    projected: dict[str, Any] = {"kind": obj.get("kind"), "name": metadata.get("name")}
    if metadata.get("namespace"):
        projected["namespace"] = metadata["namespace"]
    for path in paths:
        projected[path.expression] = path.select(obj)
    return projected


def _render(
    obj: dict[str, Any], paths: list[FieldPath], events: list[EventSummary], mask: bool, now: datetime
) -> str:
    safe = redact_object(obj, mask_secrets=mask)
    text = to_yaml(_project(safe, paths) if paths else safe).rstrip("\n")
    if events:
        lines = [f"#   {event_line(e, now, with_object=False)}" for e in events]
        text += "\n# recent Warning events (newest last):\n" + "\n".join(lines)
    return text


async def _fetch(
    gw: KubeGateway, rk: ResourceKind, name: str | None, namespace: str | None, selector: str | None,
    field_selector: str | None, limit: int, continue_token: str | None,
) -> ListPage:
    from flux_mcp.kube.gateway import ListPage  # lightkube loads on the first call, not at start-up

    if name and (namespace or not rk.namespaced):
        return ListPage([await gw.get(rk, name, namespace)], None, None)
    if name:
        # A name without a namespace: look for it in every namespace with one list call.
        by_name = f"metadata.name={name}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
        page = await gw.list(rk, None, selector, field_selector, limit, continue_token)
        if not page.items and not continue_token:
            raise ToolError(
                f'no {rk.kind} named "{name}" in any namespace. List them with get_kubernetes_resources '
                f"(kind={rk.kind}) to see the existing names."
            )
        return page
    return await gw.list(rk, namespace, selector, field_selector, limit, continue_token)


@flux_tool(title="Get Kubernetes resources", read_only=True)
async def get_kubernetes_resources(
    ctx: Context[Any, Any],
    kind: KindArg,
    name: OptionalNameArg = None,
    namespace: OptionalNamespaceArg = None,
    apiVersion: ApiVersionArg = None,
    selector: Annotated[
        str | None,
        Field(description="Label selector, e.g. app=podinfo or 'app.kubernetes.io/part-of=flux,tier!=db'.",
              max_length=1000),
    ] = None,
    field_selector: Annotated[
        str | None,
        Field(description="Field selector, e.g. status.phase=Running or metadata.name=podinfo "
              "(only =, == and != are supported by Kubernetes).", max_length=1000),
    ] = None,
    limit: Annotated[
        int, Field(description="Maximum objects per page. Default 100.", ge=1, le=1000)
    ] = 100,
    continue_token: Annotated[
        str | None,
        Field(description="The continue token returned by the previous page, to read the next page. "
              "Keep the other arguments unchanged.", max_length=10_000),
    ] = None,
    fields: Annotated[
        list[str] | None,
        Field(description="Return only these fields per object, as simple JSONPath, e.g. "
              "[\".spec.url\", \".status.conditions[?(@.type==\\\"Ready\\\")].message\"]. "
              "Default: the whole object.", max_length=30),
    ] = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, ResourceListResult]:
    """Get one object or list objects of any kind (Flux or Kubernetes) as compact YAML.

    Give `name` to get one object (without `namespace`, every namespace is searched for that name);
    omit it to list. Empty `namespace` lists all namespaces. managedFields and the
    last-applied-configuration annotation are removed, Secret values are masked, and Flux objects
    carry their recent Warning events as trailing comments. Lists are paged: when more objects
    exist the answer ends with a `continue_token` to pass back for the next page. Use `fields` to
    return a few fields per object when listing many.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    paths = [parse_field_path(f) for f in fields or []]
    rk = await gw.resolve(kind, apiVersion)
    namespace = namespace or None
    page = await _fetch(gw, rk, name, namespace, selector, field_selector, limit, continue_token)

    events: dict[tuple[str, str], list[EventSummary]] = {}
    if page.items and find_flux_kind(rk.kind, rk.group) is not None and not paths:
        single = name if len(page.items) == 1 else None
        events_namespace = namespace if rk.namespaced else None
        if single and rk.namespaced:
            events_namespace = (page.items[0].get("metadata") or {}).get("namespace") or events_namespace
        events = await warning_events_by_object(gw, events_namespace, rk.kind, single, EVENTS_PER_OBJECT)

    now = datetime.now(UTC)
    mask = rt.settings.mask_secrets
    rendered = []
    for obj in page.items:
        metadata = obj.get("metadata") or {}
        obj.setdefault("apiVersion", rk.api_version)
        obj.setdefault("kind", rk.kind)
        key = (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
        rendered.append(_render(obj, paths, events.get(key, []), mask, now))

    scope = f'namespace "{namespace}"' if namespace and rk.namespaced else (
        "all namespaces" if rk.namespaced else "cluster scope")
    header = f"# {len(page.items)} {rk.kind} ({rk.api_version}) in {scope}"
    if continue_token:
        header += " (continued page)"
    hint = (
        f"pass a smaller `limit` (e.g. limit={max(1, len(page.items) // 2)}) and page with continue_token, "
        "or select `fields`, or narrow with `namespace`/`selector`"
    )
    fitted = fit_items(rendered, rt.settings.output_limit - 600, hint=hint, header=header, separator=SEPARATOR)
    text = fitted.text
    if page.continue_token:
        text += (
            f"\n\n# More {rk.kind} objects exist. Call get_kubernetes_resources again with the same arguments "
            f"and continue_token={page.continue_token!r} to read the next page."
        )
    if fitted.truncated and page.continue_token:
        text += " (Objects cut above are not on the next page: repeat this page with a smaller limit to see them.)"
    if not page.items:
        text = f"# no {rk.kind} ({rk.api_version}) found in {scope}" + (
            f" matching selector {selector!r}" if selector else "") + (
            f" and field selector {field_selector!r}" if field_selector else "")

    names = [
        "/".join(p for p in ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")) if p)
        for o in page.items
    ]
    result = ResourceListResult(
        kind=rk.kind, api_version=rk.api_version, namespace=namespace or "", returned=len(page.items),
        shown=fitted.shown, names=names, continue_token=page.continue_token,
        resource_version=page.resource_version, truncated=fitted.truncated,
    )
    return respond(rt, text, result, hint=hint)

