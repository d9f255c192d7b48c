"""The HTTP face of the sandbox: a Starlette app that answers like kube-apiserver.

Media types: bodies are read as JSON (YAML too); answers are always JSON, whatever `Accept`
prefers. Unlike kube-apiserver the sandbox never decodes protobuf or CBOR request bodies
(client-go sends built-in kinds such as SelfSubjectAccessReview as protobuf): those get a 415
UnsupportedMediaType Status in JSON, the answer a real server gives for a format it does not
serve, so a client sees why and can send JSON instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flux_mcp.sandbox import errors
from flux_mcp.sandbox.decoding import Verb
from flux_mcp.sandbox.discovery import Catalog, ResourceType
from flux_mcp.sandbox.errors import StatusError
from flux_mcp.sandbox.faults import Fault, FaultSet
from flux_mcp.sandbox.logs import PodLogs
from flux_mcp.sandbox.patching import (
    PatchError,
    json_patch,
    merge_patch,
    server_side_apply,
    strategic_merge,
)
from flux_mcp.sandbox.rbac import SANDBOX_USER_INFO, RbacPolicy, RequestAttributes, UserInfo, forbidden
from flux_mcp.sandbox.schemas import served_schema
from flux_mcp.sandbox.selectors import SelectorError, field_predicate, label_predicate
from flux_mcp.sandbox.store import ObjectStore, now_iso
from flux_mcp.sandbox.tables import render_table, wants_table
from flux_mcp.sandbox.validation import FIELD_VALIDATIONS, FieldValidation, admit, check_structure

log = logging.getLogger(__name__)

JSON = "application/json"
TRANSPORT_KEY = "sandbox.transport"
"""ASGI scope extension holding the connection's transport (set by the sandbox HTTP protocol)."""

_WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
_NON_MUTATING_CREATES = frozenset({("authorization.k8s.io", "selfsubjectaccessreviews"),
                                   ("authentication.k8s.io", "selfsubjectreviews")})
_UNDECODED_MEDIA_TYPES = frozenset({"application/vnd.kubernetes.protobuf", "application/cbor"})


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int
    """The HTTP status; 0 when the connection was reset without a response."""
    verb: str
    mutating: bool
    dry_run: bool = False
    user: str = SANDBOX_USER_INFO.name
    """The user the request was authenticated as."""


@dataclass
class SandboxState:
    catalog: Catalog
    store: ObjectStore
    logs: PodLogs
    server_version: dict[str, str]
    faults: FaultSet = field(default_factory=FaultSet)
    rbac: RbacPolicy | None = None
    identities: dict[str, UserInfo] = field(default_factory=dict)
    """Bearer token → the user it authenticates; any other credential is the sandbox's own identity."""
    requests: list[RequestRecord] = field(default_factory=list)
    server_address: str = "127.0.0.1:0"


@dataclass(frozen=True)
class ApiPath:
    rt: ResourceType
    namespace: str
    name: str
    subresource: str


AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _wants_aggregated_discovery(accept: str) -> bool:
    """Whether an Accept header offers aggregated discovery v2 (client-go and kubectl send it first)."""
    for offer in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in offer.split(";")[1:])}
        if (params.get("g"), params.get("v"), params.get("as")) == ("apidiscovery.k8s.io", "v2",
                                                                   "APIGroupDiscoveryList"):
            return True
    return False


def _json(obj: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    response = Response(json.dumps(obj, separators=(",", ":")), status_code=status, media_type=JSON)
    for warning in dict.fromkeys(warnings or ()):
        response.headers.append("Warning", f"299 - {json.dumps(warning)}")
    return response


class _Admission:
    """Per request: validates what a write would store (fieldValidation from the query) and keeps
    the warnings for the answer's `Warning` headers."""

    def __init__(self, rt: ResourceType, query: dict[str, str]) -> None:
        mode = query.get("fieldValidation") or "Warn"
        if mode not in FIELD_VALIDATIONS:
            raise errors.bad_request(f"fieldValidation parameter unsupported: {mode}")
        self.rt = rt
        self.mode: FieldValidation = mode  # type: ignore[assignment]
        self.schema = served_schema(rt.kind) if rt.crd else None
        self.warnings: list[str] = []

    def __call__(self, obj: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        verdict = admit(self.rt, obj, old, self.schema, self.mode)
        self.warnings += verdict.warnings
        return verdict.obj


def _raw(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=JSON)


def _status_response(err: StatusError) -> Response:
    return _json(err.body(), err.code)


def _success_status(rt: ResourceType, name: str, uid: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": rt.plural, "uid": uid}
    if rt.group:
        details["group"] = rt.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


class _ConnectionReset(Exception):
    """The fault aborted the connection: there is no response to send."""


class SandboxApp:
    """Request pipeline: parse → record → fault → authorize → handle."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
        self.asgi = Starlette(routes=[Route("/{path:path}", self._entry, methods=methods)])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.asgi(scope, receive, send)

    # --- pipeline -------------------------------------------------------------------------------

    async def _entry(self, request: Request) -> Response:
        path = request.url.path.rstrip("/") or "/"
        query = dict(parse_qsl(request.url.query, keep_blank_values=True))
        method = request.method.upper()
        api: ApiPath | None = None
        parse_error: StatusError | None = None
        try:
            api = self._parse(path)
        except StatusError as exc:
            parse_error = exc
        attrs = self._attributes(method, path, query, api)
        user = self._user(request)
        mutating = attrs.verb in _WRITE_VERBS and (attrs.api_group, attrs.resource) not in _NON_MUTATING_CREATES
        dry_run = query.get("dryRun") == "All"
        status = 0
        try:
            response = await self._respond(request, method, path, query, api, parse_error, attrs, user)
            status = response.status_code
            return response
        except _ConnectionReset:
            # the connection is gone; uvicorn drops whatever is sent on it
            return Response(b"", status_code=500)
        finally:
            self.state.requests.append(RequestRecord(method, path, query, status, attrs.verb, mutating, dry_run,
                                                     user.name))

    def _user(self, request: Request) -> UserInfo:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return self.state.identities.get(token.strip(), SANDBOX_USER_INFO)
        return SANDBOX_USER_INFO

    async def _respond(
        self, request: Request, method: str, path: str, query: dict[str, str], api: ApiPath | None,
        parse_error: StatusError | None, attrs: RequestAttributes, user: UserInfo,
    ) -> Response:
        fault = self.state.faults.take(method, path)
        if fault is not None:
            injected = await self._fault(request, fault)
            if injected is not None:
                return injected
        if self.state.rbac is not None and not self.state.rbac.allows(attrs, user):
            return _status_response(forbidden(attrs, user.name))
        try:
            if parse_error is not None:
                raise parse_error
            if api is None:
                return self._non_resource(path, request.headers.get("accept", ""))
            return await self._resource(request, method, query, api, user)
        except StatusError as exc:
            return _status_response(exc)
        except SelectorError as exc:
            return _status_response(errors.bad_request(str(exc)))

    async def _fault(self, request: Request, fault: Fault) -> Response | None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.reset:
            transport = request.scope.get("extensions", {}).get(TRANSPORT_KEY)
            if transport is not None:
                transport.abort()
                # let the server see the connection loss before the app returns, so it does not
                # try to answer on the aborted connection
                for _ in range(3):
                    await asyncio.sleep(0)
                raise _ConnectionReset()
            log.warning("sandbox fault: reset requested but the transport is unavailable")
        if fault.status is None:
            return None
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after) if float(fault.retry_after).is_integer()
                                         else fault.retry_after)
        if fault.body is not None:
            body = fault.body
        elif fault.content_type == JSON:
            body = json.dumps(StatusError(fault.status, _REASONS.get(fault.status, "InternalError"),
                                          f"sandbox injected fault: HTTP {fault.status}").body())
        else:
            body = f"sandbox injected fault: HTTP {fault.status}"
        response = Response(body, status_code=fault.status, headers=headers, media_type=fault.content_type)
        return response

    # --- parsing --------------------------------------------------------------------------------

    def _parse(self, path: str) -> ApiPath | None:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return None
        if parts[0] == "api":
            if len(parts) < 3:
                return None
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis":
            if len(parts) < 4:
                return None
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        plural, name, sub = rest[0], rest[1] if len(rest) > 1 else "", "/".join(rest[2:])
        rt = self.state.catalog.lookup(group, version, plural)
        if rt is None:
            raise errors.path_not_found()
        if sub and sub not in rt.subresources:
            raise errors.path_not_found()
        return ApiPath(rt, namespace, name, sub)

    def _attributes(self, method: str, path: str, query: dict[str, str], api: ApiPath | None) -> RequestAttributes:
        if api is None:
            return RequestAttributes(verb=method.lower() if method != "HEAD" else "get", path=path,
                                     resource_request=False)
        if method in ("GET", "HEAD"):
            verb = "get" if api.name else ("watch" if query.get("watch") in ("1", "true") else "list")
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        else:
            verb = "delete" if api.name else "deletecollection"
        namespace = api.namespace
        if not api.rt.group and api.rt.plural == "namespaces" and api.name:
            namespace = api.name  # kube-apiserver's RequestInfo: a Namespace is a request in itself
        return RequestAttributes(verb=verb, path=path, resource_request=True, api_group=api.rt.group,
                                 resource=api.rt.plural, subresource=api.subresource, name=api.name,
                                 namespace=namespace)

    # --- non-resource endpoints ------------------------------------------------------------------

    def _non_resource(self, path: str, accept: str = "") -> Response:
        catalog = self.state.catalog
        if path in ("/api", "/apis") and _wants_aggregated_discovery(accept):
            return Response(json.dumps(catalog.aggregated_discovery(core=path == "/api"), separators=(",", ":")),
                            media_type=AGGREGATED_DISCOVERY)
        if path == "/version":
            return _json(self.state.server_version)
        if path in ("/healthz", "/livez", "/readyz"):
            return Response("ok", media_type="text/plain")
        if path == "/api":
            return _json(catalog.api_versions(self.state.server_address))
        if path == "/apis":
            return _json(catalog.api_group_list())
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "api":
            doc = catalog.api_resource_list("", parts[1])
            if doc is not None:
                return _json(doc)
        if len(parts) == 2 and parts[0] == "apis":
            group = catalog.api_group(parts[1])
            if group is not None:
                return _json({"kind": "APIGroup", "apiVersion": "v1", **group})
        if len(parts) == 3 and parts[0] == "apis":
            doc = catalog.api_resource_list(parts[1], parts[2])
            if doc is not None:
                return _json(doc)
        raise errors.path_not_found()

    # --- resources -------------------------------------------------------------------------------

    async def _resource(
        self, request: Request, method: str, query: dict[str, str], api: ApiPath, user: UserInfo,
    ) -> Response:
        rt = api.rt
        if rt.namespaced is False and api.namespace:
            raise errors.path_not_found()
        if rt.group == "metrics.k8s.io":
            return self._metrics(method, api, query)
        if rt.plural == "selfsubjectaccessreviews":
            if method != "POST":
                raise errors.method_not_supported(rt, method.lower())
            return self._access_review(await _body(request), user)
        if rt.plural == "selfsubjectreviews":
            if method != "POST":
                raise errors.method_not_supported(rt, method.lower())
            return self._self_review(await _body(request), user)
        if api.subresource == "log":
            return self._pod_log(api, query)
        if api.subresource == "scale":
            raise errors.method_not_supported(rt, "scale")
        store = self.state.store
        namespace = api.namespace or None
        dry_run = query.get("dryRun") == "All"
        manager = query.get("fieldManager") or None
        sub = api.subresource or None
        if method in ("GET", "HEAD"):
            if api.name:
                raw = store.get_raw(rt, namespace, api.name)
                if wants_table(request.headers.get("accept", "")):
                    return _json(render_table(rt, [json.loads(raw)], str(store.resource_version), ""))
                return _raw(raw)
            if query.get("watch") in ("1", "true"):
                raise errors.method_not_supported(rt, "watch")
            return self._list(request, rt, namespace, query)
        if method == "POST":
            if api.name:
                raise errors.method_not_supported(rt, "create")
            body = await _body(request)
            if not isinstance(body, dict):
                raise errors.bad_request("the request body must be a JSON object")
            self._check_kind(rt, body)
            admission = _Admission(rt, query)
            created = store.create(rt, body, namespace, dry_run=dry_run, manager=manager, admit=admission)
            return _json(created, 201, admission.warnings)
        if method == "PUT":
            body = await _body(request)
            if not isinstance(body, dict):
                raise errors.bad_request("the request body must be a JSON object")
            self._check_kind(rt, body)
            admission = _Admission(rt, query)
            return _json(store.replace(rt, namespace, api.name, body, sub, dry_run, manager, admit=admission),
                         warnings=admission.warnings)
        if method == "PATCH":
            return await self._patch(request, rt, namespace, api.name, sub, query, dry_run, manager)
        if method == "DELETE":
            if not api.name:
                return self._delete_collection(rt, namespace, query, dry_run)
            deleted = store.delete(rt, namespace, api.name, dry_run=dry_run)
            if not deleted["metadata"].get("deletionTimestamp") and rt.group == "" and not dry_run:
                # the core API answers a completed delete with a Status, CRDs with the object
                return _json(_success_status(rt, api.name, deleted["metadata"].get("uid", "")))
            return _json(deleted)
        raise errors.method_not_supported(rt, method.lower())

    def _check_kind(self, rt: ResourceType, body: dict[str, Any]) -> None:
        if body.get("kind") not in (None, rt.kind) or body.get("apiVersion") not in (None, rt.api_version):
            raise errors.bad_request(
                f"the API version in the data ({body.get('apiVersion')}) does not match the expected API "
                f"version ({rt.api_version})"
            )

    def _list(self, request: Request, rt: ResourceType, namespace: str | None, query: dict[str, str]) -> Response:
        limit_raw = query.get("limit")
        try:
            limit = int(limit_raw) if limit_raw else None
        except ValueError as exc:
            raise errors.bad_request(f"invalid limit {limit_raw!r}") from exc
        page = self.state.store.list(
            rt, namespace,
            [label_predicate(query.get("labelSelector")), field_predicate(query.get("fieldSelector"),
                                                                          f"{rt.group}/{rt.plural}")],
            limit=limit if limit and limit > 0 else None,
            continue_token=query.get("continue") or None,
        )
        if wants_table(request.headers.get("accept", "")):
            return _json(render_table(rt, page.items, page.resource_version, page.continue_token))
        meta: dict[str, Any] = {"resourceVersion": page.resource_version}
        if page.continue_token:
            meta["continue"] = page.continue_token
            if page.remaining is not None:
                meta["remainingItemCount"] = page.remaining
        head = json.dumps({"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": meta},
                          separators=(",", ":")).encode()
        body = head[:-1] + b',"items":[' + b",".join(page.raw_items) + b"]}"
        return _raw(body)

    def _delete_collection(self, rt: ResourceType, namespace: str | None, query: dict[str, str],
                           dry_run: bool) -> Response:
        store = self.state.store
        page = store.list(rt, namespace, [label_predicate(query.get("labelSelector")),
                                          field_predicate(query.get("fieldSelector"), f"{rt.group}/{rt.plural}")])
        items = []
        for obj in page.items:
            meta = obj["metadata"]
            items.append(store.delete(rt, meta.get("namespace"), meta["name"], dry_run=dry_run))
        return _json({"kind": f"{rt.kind}List", "apiVersion": rt.api_version,
                      "metadata": {"resourceVersion": str(store.resource_version)}, "items": items})

    async def _patch(
        self, request: Request, rt: ResourceType, namespace: str | None, name: str, sub: str | None,
        query: dict[str, str], dry_run: bool, manager: str | None,
    ) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        raw = await request.body()
        store = self.state.store
        admission = _Admission(rt, query)
        if content_type == "application/apply-patch+yaml":
            if not manager:
                raise errors.invalid(rt, name, "fieldManager: Required value: is required for apply patch",
                                     "fieldManager")
            applied = _parse_body(raw, yaml_ok=True)
            if not isinstance(applied, dict):
                raise errors.bad_request("the apply patch must be an object")
            self._check_kind(rt, applied)
            force = query.get("force") == "true"
            now = now_iso()
            current = store.find(rt, namespace, name)
            try:
                if current is None:
                    if sub:
                        raise errors.not_found(rt, name)
                    intent = server_side_apply(None, applied, manager, force, now)
                    intent.setdefault("metadata", {})["name"] = name
                    check_structure(rt, name, intent, "apply")
                    return _json(store.create(rt, intent, namespace, dry_run=dry_run, admit=admission), 201,
                                 admission.warnings)

                def apply(obj: dict[str, Any]) -> dict[str, Any]:
                    return server_side_apply(obj, applied, manager, force, now)

                return _json(store.update(rt, namespace, name, _checked(rt, name, apply, "apply"), sub, dry_run, None,
                                          check_rv=False, track_fields=False, admit=admission),
                             warnings=admission.warnings)
            except PatchError as exc:
                raise StatusError(409, "Conflict", str(exc), {
                    "causes": [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": f}
                               for m, f in exc.conflicts]}) from exc
        patch = _parse_body(raw, yaml_ok=False)
        mutate: Callable[[dict[str, Any]], dict[str, Any]]
        verb: Verb = "strategic" if content_type == "application/strategic-merge-patch+json" else "patch"
        if content_type == "application/merge-patch+json":
            if not isinstance(patch, dict):
                raise errors.unprocessable_patch("a merge patch must be a JSON object")
            def mutate(obj: dict[str, Any]) -> dict[str, Any]:
                return dict(merge_patch(obj, patch))
        elif content_type == "application/strategic-merge-patch+json":
            if rt.crd:
                raise errors.unsupported_media_type(content_type)
            if not isinstance(patch, dict):
                raise errors.unprocessable_patch("a strategic merge patch must be a JSON object")
            def mutate(obj: dict[str, Any]) -> dict[str, Any]:
                return dict(strategic_merge(obj, patch))
        elif content_type == "application/json-patch+json":
            def mutate(obj: dict[str, Any]) -> dict[str, Any]:
                try:
                    result = json_patch(obj, patch)
                except PatchError as exc:
                    # kube-apiserver v1.37 says no more than this, whichever operation failed.
                    raise errors.unprocessable_patch("the server rejected our request due to an error in "
                                                     "our request") from exc
                if not isinstance(result, dict):
                    raise errors.unprocessable_patch("the patched document is not an object")
                return result
        else:
            raise errors.unsupported_media_type(content_type)
        return _json(store.update(rt, namespace, name, _checked(rt, name, mutate, verb, patch), sub, dry_run, manager,
                                  admit=admission), warnings=admission.warnings)

    # --- virtual resources ------------------------------------------------------------------------

    def _pod_log(self, api: ApiPath, query: dict[str, str]) -> Response:
        store = self.state.store
        pod = store.get(api.rt, api.namespace, api.name)
        containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = query.get("container") or ""
        if not container:
            if len(containers) != 1:
                raise errors.bad_request(
                    f"a container name must be specified for pod {api.name}, choose one of: "
                    f"[{' '.join(containers)}]"
                )
            container = containers[0]
        elif container not in containers:
            raise errors.bad_request(f"container {container} is not valid for pod {api.name}")
        # As kube-apiserver finds the kubelet to ask: none for an unscheduled pod (an empty answer), the
        # pod's Node object (a missing one is a 404 worded as a pod's), then the Node's addresses.
        node_name = str((pod.get("spec") or {}).get("nodeName") or "")
        if not node_name:
            return Response(b"", status_code=204)
        node_type = self.state.catalog.by_kind("", "Node")
        assert node_type is not None
        node = store.find(node_type, None, node_name)
        if node is None:
            raise StatusError(404, "NotFound", f'pods "{node_name}" not found', {"name": node_name, "kind": "pods"})
        addresses = [a for a in (node.get("status") or {}).get("addresses") or [] if isinstance(a, dict)]
        if not addresses:
            raise StatusError(500, "", "no preferred addresses found; known addresses: []", {})
        previous = query.get("previous") in ("true", "1")
        if previous and not self.state.logs.has(api.namespace, api.name, container, True):
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{api.name}" not found')

        def number(key: str) -> int | None:
            value = query.get(key)
            if value in (None, ""):
                return None
            try:
                return int(value)
            except ValueError as exc:
                raise errors.bad_request(f"invalid {key} {value!r}") from exc

        text = self.state.logs.read(
            api.namespace, api.name, container, previous=previous, tail_lines=number("tailLines"),
            since_seconds=number("sinceSeconds"), timestamps=query.get("timestamps") in ("true", "1"),
            limit_bytes=number("limitBytes"),
        )
        return Response(text, media_type="text/plain")

    def _metrics(self, method: str, api: ApiPath, query: dict[str, str]) -> Response:
        if method not in ("GET", "HEAD"):
            raise errors.method_not_supported(api.rt, method.lower())
        store = self.state.store
        source_kind = "Pod" if api.rt.plural == "pods" else "Node"
        source = self.state.catalog.by_kind("", source_kind)
        assert source is not None
        now = now_iso()
        # As metrics-server: usage exists only for what a ready kubelet reports (running pods, ready nodes).
        node_type = self.state.catalog.by_kind("", "Node")
        assert node_type is not None

        def scraped(obj: dict[str, Any]) -> bool:
            node_name = obj["metadata"]["name"] if source_kind == "Node" else (obj.get("spec") or {}).get("nodeName")
            if source_kind == "Pod" and (obj.get("status") or {}).get("phase") != "Running":
                return False
            node = store.find(node_type, None, str(node_name)) if node_name else None
            return node is not None and any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (node.get("status") or {}).get("conditions") or [])

        if api.name:
            obj = store.find(source, api.namespace or None, api.name)
            if obj is None or not scraped(obj):
                raise StatusError(404, "NotFound", f'{api.rt.plural}.metrics.k8s.io "{api.name}" not found',
                                  {"name": api.name, "group": "metrics.k8s.io", "kind": api.rt.plural})
            return _json(_usage(obj, api.rt, now))
        page = store.list(source, api.namespace or None, [label_predicate(query.get("labelSelector"))])
        return _json({"kind": f"{api.rt.kind}List", "apiVersion": api.rt.api_version,
                      "metadata": {}, "items": [_usage(o, api.rt, now) for o in page.items if scraped(o)]})

    def _access_review(self, body: Any, user: UserInfo) -> Response:
        if not isinstance(body, dict):
            raise errors.bad_request("the request body must be a SelfSubjectAccessReview")
        spec = body.get("spec") or {}
        res = spec.get("resourceAttributes")
        if isinstance(res, dict):
            attrs = RequestAttributes(
                verb=str(res.get("verb", "")), path="", resource_request=True,
                api_group=str(res.get("group", "")), resource=str(res.get("resource", "")),
                subresource=str(res.get("subresource", "")), name=str(res.get("name", "")),
                namespace=str(res.get("namespace", "")),
            )
        else:
            nres = spec.get("nonResourceAttributes") or {}
            attrs = RequestAttributes(verb=str(nres.get("verb", "")), path=str(nres.get("path", "")),
                                      resource_request=False)
        rbac = self.state.rbac
        reason = None if rbac is None else rbac.allowed_by(attrs, user)
        status: dict[str, Any] = {"allowed": rbac is None or reason is not None}
        if reason:
            status["reason"] = reason
        return _json({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                      "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}, 201)

    def _self_review(self, body: Any, user: UserInfo) -> Response:
        """authentication.k8s.io/v1 SelfSubjectReview: who the credentials of this request are."""
        if not isinstance(body, dict) or body.get("kind") not in (None, "SelfSubjectReview"):
            raise errors.bad_request("the request body must be a SelfSubjectReview")
        return _json({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                      "metadata": {"creationTimestamp": now_iso()},
                      "status": {"userInfo": {"username": user.name, "groups": list(user.groups)}}}, 201)


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
            410: "Expired", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
            503: "ServiceUnavailable", 504: "Timeout"}


def _checked(rt: ResourceType, name: str, mutate: Callable[[dict[str, Any]], dict[str, Any]], verb: Verb,
             patch: Any = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`mutate`, followed by the structural checks the API server's decoding makes, worded for `verb`."""

    def checked(obj: dict[str, Any]) -> dict[str, Any]:
        patched = mutate(obj)
        check_structure(rt, name, patched, verb, patch)
        return patched

    return checked


async def _body(request: Request) -> Any:
    """The JSON (or YAML) body of a create, an update or an access review.

    kube-apiserver also takes protobuf (client-go's default for built-in kinds) and CBOR; the sandbox
    does not decode them and says so with the 415 a real server gives for a format it does not
    serve, so a client can fall back to JSON instead of seeing a misleading 400.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _UNDECODED_MEDIA_TYPES:
        raise errors.unsupported_media_type(content_type, errors.BODY_MEDIA_TYPES)
    return _parse_body(await request.body(), yaml_ok=True)


def _parse_body(raw: bytes, yaml_ok: bool) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError as exc:
        if yaml_ok:
            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError as yexc:
                raise errors.bad_request(f"unable to decode the request body: {yexc}") from yexc
        raise errors.bad_request(f"unable to decode the request body: {exc}") from exc


def _usage(obj: dict[str, Any], rt: ResourceType, now: str) -> dict[str, Any]:
    """Deterministic usage figures (a restarting pod uses almost nothing)."""
    meta = obj["metadata"]
    seed = int(hashlib.sha1(f"{meta.get('namespace')}/{meta['name']}".encode()).hexdigest()[:8], 16)
    metadata: dict[str, Any] = {"name": meta["name"], "creationTimestamp": now}
    if meta.get("namespace"):
        metadata["namespace"] = meta["namespace"]
    if meta.get("labels"):
        metadata["labels"] = meta["labels"]
    base: dict[str, Any] = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": metadata,
                            "timestamp": now, "window": "30s"}
    if rt.kind == "NodeMetrics":
        base["usage"] = {"cpu": f"{800 + seed % 400}m", "memory": f"{6000 + seed % 2000}Mi"}
        return base
    containers = []
    statuses = {c.get("name"): c for c in (obj.get("status") or {}).get("containerStatuses") or []}
    for n, c in enumerate((obj.get("spec") or {}).get("containers") or []):
        crashing = "waiting" in ((statuses.get(c["name"]) or {}).get("state") or {})
        cpu = 1 if crashing else 3 + (seed >> n) % 60
        mem = 4 if crashing else 18 + (seed >> (n + 3)) % 200
        containers.append({"name": c["name"], "usage": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"}})
    base["containers"] = containers
    return base


def server_version() -> dict[str, str]:
    return {
        "major": "1", "minor": "34", "emulationMajor": "1", "emulationMinor": "34",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "33", "gitVersion": "v1.34.1-sandbox",
        "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64",
    }


