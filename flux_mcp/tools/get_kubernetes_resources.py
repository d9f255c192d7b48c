"""get_kubernetes_resources: read any Kubernetes or Flux objects as compact YAML."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.bounded import bounded
from flux_mcp.flux.budget import Fitted, clip_line, fit_items
from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.flux.redaction import redact_object, redact_text
from flux_mcp.flux.status import object_status
from flux_mcp.flux.timestamps import age, parse_time
from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.events import EventSummary, event_line, warning_events_by_object
from flux_mcp.ops.locate import check_scope
from flux_mcp.ops.namespace_scope import across_namespaces, narrowed_note
from flux_mcp.ops.paging import PAGE_TTL_SECONDS, PAGES_KEPT
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._fieldpath import FieldPath, parse_field_path
from flux_mcp.tools._params import ApiVersionArg, ContextArg, KindArg, OptionalNameArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond
from flux_mcp.tools._yaml_text import to_yaml

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway, ListPage
    from flux_mcp.runtime import Runtime

SEPARATOR = "\n---\n"
EVENTS_PER_OBJECT = 3
TABLE_MESSAGE_CHARS = 100
# Our own continue tokens resume inside an API page when the output budget cut it, so no object
# is skipped: they carry the API token that produced the page and how many of its objects were shown.
RESUME_PREFIX = "fluxcd-mcp:"


class ResourceListResult(BaseModel):
    kind: str
    api_version: str
    namespace: str = Field(description="The namespace listed; empty for all namespaces or cluster-scoped kinds.")
    returned: int = Field(description="Objects in this page.")
    shown: int = Field(description="Objects that fit in the text output.")
    names: list[str] = Field(description="namespace/name (or name) of every object shown in this answer.")
    continue_token: str | None = Field(None, description="Pass as continue_token to read the next page.")
    resource_version: str | None = None
    truncated: bool = False


def resume_token(api_token: str | None, skip: int, listing: str) -> str:
    """Our token: the API token of the page, how many of its objects were shown, and which listing it
    belongs to (kube-apiserver checks neither the kind, the namespace nor the selectors of a token)."""
    payload = json.dumps({"c": api_token or "", "s": skip, "q": listing}, separators=(",", ":")).encode()
    return RESUME_PREFIX + base64.urlsafe_b64encode(payload).decode()


def listing_of(*query: object) -> str:
    """A short fingerprint of a listing's arguments, carried by its tokens."""
    return hashlib.sha256(repr(query).encode()).hexdigest()[:16]


def parse_continue(token: str | None, listing: str) -> tuple[str | None, int]:
    """(API continue token, objects of that page already shown) from a token we handed out for `listing`."""
    if not token or not token.startswith(RESUME_PREFIX):
        return token, 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token[len(RESUME_PREFIX):].encode()))
        api_token, skip, owner = payload["c"], payload["s"], payload["q"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ToolError("continue_token: not a token from a previous page; start again without it") from exc
    if not isinstance(api_token, str) or not isinstance(skip, int) or skip < 0:
        raise ToolError("continue_token: not a token from a previous page; start again without it")
    if owner != listing:
        raise ToolError("continue_token: it belongs to another listing (another kind, namespace, selector, "
                        "limit, output or fields); call with the arguments that returned it, or start again "
                        "without it")
    return api_token or None, skip


def _table_cells(obj: dict[str, Any], all_namespaces: bool, now: datetime, mask: bool) -> list[str]:
    metadata = obj.get("metadata") or {}
    cells = [str(metadata.get("namespace") or "")] if all_namespaces else []
    cells.append(str(metadata.get("name") or ""))
    if isinstance(obj.get("status"), dict):
        status = object_status(obj, find_flux_kind(str(obj.get("kind", ""))) is not None)
        # Masked before the cell is cut: a cut can leave half a secret no detector recognises.
        message = " ".join((redact_text(status.message) if mask else status.message).split())
        message = clip_line(message, TABLE_MESSAGE_CHARS)
        cells += [status.state, status.reason or "-", age(parse_time(metadata.get("creationTimestamp")), now),
                  message]
    else:
        cells += ["-", "-", age(parse_time(metadata.get("creationTimestamp")), now), ""]
    return cells


def _table(
    objects: list[dict[str, Any]], all_namespaces: bool, now: datetime, mask: bool,
    rows: list[list[str]] | None = None,
) -> tuple[str, list[str]]:
    """(header line, one aligned line per object), like `kubectl get` with Flux-aware status.
    `rows` holds the cells of objects already tabulated (by position) and gets the others."""
    titles = (["NAMESPACE"] if all_namespaces else []) + ["NAME", "STATE", "REASON", "AGE", "MESSAGE"]
    rows = [] if rows is None else rows
    rows += [_table_cells(obj, all_namespaces, now, mask) for obj in objects[len(rows):]]
    widths = [max([len(titles[i])] + [len(r[i]) for r in rows]) for i in range(len(titles) - 1)]

    def line(cells: list[str]) -> str:
        return "  ".join([c.ljust(w) for c, w in zip(cells, widths, strict=False)] + [cells[-1]]).rstrip()

    return line(titles), [line(r) for r in rows]


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
) -> tuple[ListPage, str | None]:
    """One object or one page, and the namespace searched instead of all of them when RBAC refused
    that (the kubeconfig context's, as kubectl does; None when none was substituted)."""
    from flux_mcp.kube.gateway import ListPage  # lightkube loads on the first call, not at start-up

    if name and (namespace or not rk.namespaced):
        return ListPage([await gw.get(rk, name, namespace)], None, None), None
    if name:
        # A name without a namespace: look for it in every namespace with one list call.
        by_name = f"metadata.name={name}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
    scoped = await across_namespaces(
        gw, rk, lambda ns: gw.list(rk, ns, selector, field_selector, limit, continue_token), namespace)
    if name and not scoped.value.items and not continue_token:
        where = "in any namespace" if scoped.narrowed_to is None else (
            f"in namespace {scoped.narrowed_to} (listing {rk.kind} in all namespaces is forbidden for this "
            "identity; pass `namespace` to look in another one)")
        raise ToolError(
            f'no {rk.kind} named "{name}" {where}. List them with get_kubernetes_resources '
            f"(kind={rk.kind}) to see the existing names."
        )
    return scoped.value, scoped.narrowed_to


SIZES_KEPT = 64


def _first_page_size(rt: Runtime, key: tuple[Any, ...], limit: int) -> int:
    """Objects to ask the API for on the first page of a listing: `limit`, or when an earlier answer
    of this kind showed how many fit in the output budget, that many and a tenth more (the API
    server spends ~0.07 ms per object of a page on top of ~5 ms per request). Too few are topped up
    from the next API page; too many are cut and resumed from memory, as before."""
    size = rt.object_sizes.get(key)
    if not size:
        return limit
    return max(1, min(limit, math.ceil((rt.settings.output_limit - 600) / size * 1.1) + 1))


def _remember_size(rt: Runtime, key: tuple[Any, ...], size: float) -> None:
    rt.object_sizes.pop(key, None)
    rt.object_sizes[key] = max(size, 1.0)
    while len(rt.object_sizes) > SIZES_KEPT:
        rt.object_sizes.pop(next(iter(rt.object_sizes)))


async def _warnings(
    gw: KubeGateway, namespace: str | None, kind: str, name: str | None,
) -> tuple[dict[tuple[str, str], list[EventSummary]], str]:
    """The Warning events of the objects shown, and a note when they could be read only in part or not at all."""
    try:
        warnings = await warning_events_by_object(gw, namespace, kind, name, EVENTS_PER_OBJECT)
    except KubeError as exc:
        return {}, f"# recent Warning events not shown: {clip_line(str(exc).splitlines()[0], 300)}\n"
    if warnings.narrowed_to:
        return warnings.value, f"# recent Warning events: {narrowed_note('Events', warnings.narrowed_to)}\n"
    return warnings.value, ""


async def _discard(task: asyncio.Future[Any] | None) -> None:
    """Cancel an events request whose answer is not needed; its failure is not the call's."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


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
        Field(description="Field selector, e.g. status.phase=Running (=, == and != only).", max_length=1000),
    ] = None,
    limit: Annotated[
        int, Field(description="Maximum objects per page.", ge=1, le=1000)
    ] = 100,
    continue_token: Annotated[
        str | None,
        Field(description="The continue_token of the previous page, to read the next one (same other arguments).",
              max_length=10_000),
    ] = None,
    output: Annotated[
        Literal["yaml", "table"],
        Field(description="yaml: whole objects; table: one line each (name, state, reason, age, message)."),
    ] = "yaml",
    fields: Annotated[
        list[str] | None,
        Field(description="Only these fields (simple JSONPath), e.g. [\".spec.url\", \".status.conditions\"].",
              max_length=30),
    ] = None,
    context: ContextArg = None,
) -> Annotated[CallToolResult, ResourceListResult]:
    """Get one object or list objects of any kind (Flux or Kubernetes) as compact YAML or a table.

    Give `name` for one object, omit it to list. managedFields are removed, Secret values masked, Flux
    objects carry their recent Warning events. Lists are paged: pass back `continue_token` for the next page
    (it also resumes where the output limit cut one).
    """
    if fields and output == "table":
        raise ToolError("fields: has no effect with output=\"table\" (the table has fixed columns); drop fields, "
                        "or use output=\"yaml\" to return those fields")
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    paths = [parse_field_path(f) for f in fields or []]
    rk = await gw.resolve(kind, apiVersion)
    namespace = namespace or None
    check_scope(rk, namespace)
    asked_namespace = namespace
    listing = listing_of(gw.server, gw.context, rk.group, rk.version, rk.kind, name, asked_namespace, selector,
                         field_selector, limit, output, tuple(fields or ()))
    api_token, skip = parse_continue(continue_token, listing)
    # A token of ours resumes inside a page an earlier answer cut: that page (and its events) is
    # usually still in memory, and the same arguments make the same key.

    def page_key(token: str | None) -> tuple[Any, ...]:
        return (listing, token)

    cached = rt.pages.get(page_key(api_token)) if skip else None
    if skip and cached is None and api_token is None:
        # Only a first page was cut without an API token: listing it again is a new snapshot, in which
        # objects added or removed since would shift what `skip` counts (one lost, or one shown twice).
        raise ToolError("continue_token: the first page it resumes is no longer held (pages are kept "
                        f"{PAGE_TTL_SECONDS:g} s, for the last {PAGES_KEPT} listings); start again without "
                        "continue_token")
    size_key = (gw.server, gw.context, rk, output, tuple(fields or ()))
    fallback: str | None = None
    events: dict[tuple[str, str], list[EventSummary]] = {}
    events_note = ""
    if cached is not None:
        page, events, fallback, events_note = cached
        namespace = namespace or fallback
        items = page.items[skip:]
    else:
        wants_events = output == "yaml" and find_flux_kind(rk.kind, rk.group) is not None and not paths
        # A list's Warning events are asked for together with the list: one round trip instead of two.
        early = None
        if wants_events and not name:
            early = asyncio.ensure_future(_warnings(gw, namespace if rk.namespaced else None, rk.kind, None))
        try:
            page, fallback = await _fetch(gw, rk, name, namespace, selector, field_selector,
                                          _first_page_size(rt, size_key, limit) if not continue_token else limit,
                                          api_token)
        except BaseException:
            await _discard(early)
            raise
        namespace = namespace or fallback
        items = page.items[skip:]
        if items and wants_events and early is not None and not fallback:
            events, events_note = await early
        else:
            # No objects (their events are not shown), or the namespace fell back (events follow it).
            await _discard(early)
            if items and wants_events:
                single = name if len(items) == 1 else None
                events_namespace = namespace if rk.namespaced else None
                if single and rk.namespaced:
                    events_namespace = (items[0].get("metadata") or {}).get("namespace") or events_namespace
                events, events_note = await _warnings(gw, events_namespace, rk.kind, single)

    now = datetime.now(UTC)
    mask = rt.settings.mask_secrets
    scope = f'namespace "{namespace}"' if namespace and rk.namespaced else (
        "all namespaces" if rk.namespaced else "cluster scope")
    budget = rt.settings.output_limit - 600
    texts: list[str] = []
    cells: list[list[str]] = []
    """Rendered objects (table cells) so far, by position: a topped-up answer renders the first ones once."""

    def header_of(count: int) -> str:
        header = f"# {count} {rk.kind} ({rk.api_version}) in {scope}"
        if fallback:
            header = f"# {narrowed_note(rk.kind, fallback)} (the kubeconfig context's namespace)\n{header}"
        header = events_note + header
        return header + (" (continued page)" if continue_token else "")

    def hint_of(count: int) -> str:
        return (
            "call again with the continue_token below to see the objects not shown, or pass a smaller `limit` "
            f"(e.g. limit={max(1, count // 2)}), output=\"table\", `fields`, or narrow with `namespace`/`selector`"
        )

    async def fit(objects: list[dict[str, Any]]) -> Fitted:
        for obj in objects:
            obj.setdefault("apiVersion", rk.api_version)
            obj.setdefault("kind", rk.kind)
        header, hint = header_of(len(objects)), hint_of(len(objects))
        if output == "table":
            all_namespaces = rk.namespaced and not namespace

            def table() -> Fitted:
                title, lines = _table(objects, all_namespaces, now, mask, cells)
                return fit_items(lines, budget, hint=hint, header=f"{header}\n{title}")

            return await bounded(table, "rendering the table")

        def rendered() -> Iterator[str]:
            for i, obj in enumerate(objects):
                if i == len(texts):
                    metadata = obj.get("metadata") or {}
                    key = (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
                    texts.append(_render(obj, paths, events.get(key, []), mask, now))
                yield texts[i]

        return await bounded(
            lambda: fit_items(rendered(), budget, hint=hint, header=header, separator=SEPARATOR, total=len(objects)),
            "rendering the objects",
        )

    fitted = await fit(items)
    # The rest of an API page often fills only part of an answer (100 objects make answers of 45, 45
    # and 10): the answer is topped up from the next API page, up to `limit` objects in all, so paging
    # through a listing takes a quarter fewer calls. Its objects come in API order after the others.
    first_count = len(items)
    second: ListPage | None = None
    if (items and not fitted.truncated and page.continue_token and not name and len(items) < limit
            and budget - len(fitted.text) > len(fitted.text) / len(items)):
        second, _ = await _fetch(gw, rk, None, namespace, selector, field_selector, limit - len(items),
                                 page.continue_token)
        if second.items:
            items = items + second.items
            fitted = await fit(items)
        else:
            second = None
    text = fitted.text
    hint = hint_of(len(items))
    if fitted.shown and (fitted.truncated or second is not None):
        # What a full answer spends per object, for sizing the first page of the next listing.
        _remember_size(rt, size_key, (len(text) - len(header_of(len(items)))) / fitted.shown)
    if fitted.shown < first_count:
        rt.pages.put(page_key(api_token), (page, events, fallback, events_note))
        next_token: str | None = resume_token(api_token, skip + fitted.shown, listing)
    elif second is not None and fitted.shown < len(items):
        rt.pages.put(page_key(page.continue_token), (second, events, fallback, events_note))
        next_token = resume_token(page.continue_token, fitted.shown - first_count, listing)
    else:
        api_next = (second or page).continue_token
        next_token = resume_token(api_next, 0, listing) if api_next else None
    if next_token:
        text += (
            f"\n\n# More {rk.kind} objects exist. Call get_kubernetes_resources again with the same arguments "
            f"and continue_token={next_token!r} to read them."
        )
    if not items:
        scope_note = f"# {narrowed_note(rk.kind, fallback)} (the kubeconfig context's namespace)\n" if fallback else ""
        text = scope_note + f"# no {rk.kind} ({rk.api_version}) found in {scope}" + (
            f" matching selector {selector!r}" if selector else "") + (
            f" and field selector {field_selector!r}" if field_selector else "")

    names = [
        "/".join(p for p in ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")) if p)
        for o in items[: fitted.shown]
    ]
    result = ResourceListResult(
        kind=rk.kind, api_version=rk.api_version, namespace=namespace or "", returned=len(items),
        shown=fitted.shown, names=names, continue_token=next_token,
        resource_version=page.resource_version, truncated=fitted.truncated,
    )
    return respond(rt, text, result, hint=hint)

