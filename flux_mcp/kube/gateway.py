"""KubeGateway: the tools' only door to one cluster (one kubeconfig context).

A tiny surface — resolve, get, list, patch, apply, create, delete, logs, raw GET, discovery —
over a lightkube AsyncClient. Every kind, built-in or custom, goes through lightkube's generic
resources built from discovery, so there is one code path. Objects come back as plain dicts.
Every API failure leaves as a typed `KubeError` (kube.errors), after the retry policy had its
say for idempotent calls; nothing here knows about MCP or tools.
"""

from __future__ import annotations

import builtins
import difflib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

import httpx2
import msgspec
from lightkube import AsyncClient
from lightkube.generic_resource import (
    GenericGlobalResource,
    GenericNamespacedResource,
    create_global_resource,
    create_namespaced_resource,
)
from lightkube.types import PatchType

from flux_mcp.kube.discovery import ApiGroup, DiscoveryCache, ResourceKind
from flux_mcp.kube.errors import (
    ApiRequest,
    Conflict,
    Invalid,
    KubeError,
    KubeletUnreachable,
    NotFound,
    TimedOut,
    with_near_names,
)
from flux_mcp.kube.lightkube_internals import http_client
from flux_mcp.kube.nodes import node_ready_line
from flux_mcp.kube.retry import RetryPolicy

log = logging.getLogger("flux_mcp.kube")

FIELD_MANAGER = "fluxcd-mcp"
LIST_CHUNK = 500
NEAR_NAMES_SCAN = 500

PatchKind = Literal["merge", "json", "strategic", "apply"]
_PATCH_TYPES: dict[str, PatchType] = {
    "merge": PatchType.MERGE,
    "json": PatchType.JSON,
    "strategic": PatchType.STRATEGIC,
    "apply": PatchType.APPLY,
}

T = TypeVar("T")
# lightkube types its client methods per resource family; generic classes are built at run time, so Any.
ResourceClass = Any

__all__ = ["FIELD_MANAGER", "ApiGroup", "KubeGateway", "ListPage", "ResourceKind"]


@dataclass(frozen=True)
class ListPage:
    items: list[dict[str, Any]]
    continue_token: str | None
    """Pass back as `continue_token` to get the next page; None when this was the last page."""
    resource_version: str | None


_CLASSES: dict[tuple[str, str, str, str, bool], ResourceClass] = {}


def resource_class(rk: ResourceKind) -> ResourceClass:
    """The lightkube generic resource class for a kind (one per group/version/kind, process-wide)."""
    key = (rk.group, rk.version, rk.kind, rk.plural, rk.namespaced)
    cls = _CLASSES.get(key)
    if cls is None:
        create = create_namespaced_resource if rk.namespaced else create_global_resource
        try:
            cls = create(rk.group, rk.version, rk.kind, rk.plural)
        except ValueError:
            # lightkube's registry is process-wide and keyed by apiVersion+kind; a second cluster may
            # serve the same kind with another plural or scope. Such a class just stays unregistered.
            base = GenericNamespacedResource if rk.namespaced else GenericGlobalResource
            cls = type(rk.kind, (base,), {"_api_info": _api_info(rk)})
        _CLASSES[key] = cls
    return cls


def _api_info(rk: ResourceKind) -> Any:
    from lightkube.generic_resource import create_api_info

    return create_api_info(rk.group, rk.version, rk.kind, rk.plural)


def _plain(obj: Any, keep_managed_fields: bool = False) -> dict[str, Any]:
    # Generic resources are dict subclasses whose nested values are already plain. managedFields is
    # dropped as soon as an object is decoded unless asked for (the diff names field owners): on
    # real clusters it is often the largest part of an object (it would double the memory of a
    # 5,000-object analysis).
    # A decoded list item is a plain dict already (changed in place); lightkube's objects are copied.
    plain = obj if type(obj) is dict else dict(obj) if obj is not None else {}
    metadata = plain.get("metadata")
    if isinstance(metadata, dict) and not keep_managed_fields:
        metadata.pop("managedFields", None)
    return plain


def _resource_path(rk: ResourceKind, namespace: str | None, name: str | None = None) -> str:
    parts = ["/api", rk.version] if not rk.group else ["/apis", rk.group, rk.version]
    if rk.namespaced and namespace:
        parts += ["namespaces", namespace]
    parts.append(rk.plural)
    if name:
        parts.append(name)
    return "/".join(parts)


def _request_from_path(path: str, verb: str) -> ApiRequest:
    """RBAC terms of a raw API path such as /apis/metrics.k8s.io/v1beta1/namespaces/x/pods."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    group = ""
    if parts[:1] == ["api"]:
        rest = parts[2:]
    elif parts[:1] == ["apis"]:
        group = parts[1] if len(parts) > 1 else ""
        rest = parts[3:]
    else:
        return ApiRequest(verb=verb, resource=path)
    namespace = None
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else None
    if len(rest) > 2:
        resource = f"{resource}/{rest[2]}"
    if name is None and verb == "get" and resource:
        verb = "list"
    return ApiRequest(verb=verb, resource=resource, group=group, namespace=namespace, name=name)


class KubeGateway:
    """One cluster, one identity. Safe to use concurrently from one event loop."""

    def __init__(
        self, client: AsyncClient, *, context: str, policy: RetryPolicy | None = None,
        aggregated_discovery: bool = True,
    ) -> None:
        self.client = client
        self._lk: Any = client
        self.context = context
        self.policy = policy or RetryPolicy()
        self.server = str(client.config.cluster.server)
        self.default_namespace = str(client.namespace)
        # Per-page lists, previous-container logs, raw GETs and deletes with their Status body go
        # through lightkube's own authenticated httpx2 client (see kube.lightkube_internals).
        self._http: httpx2.AsyncClient = http_client(client)
        # aggregated_discovery=False reads the per-group documents only (tests hold both paths to one answer).
        self._discovery = DiscoveryCache(self._fetch_discovery, aggregated=aggregated_discovery)

    # -- plumbing ------------------------------------------------------------------------------

    def _describe(
        self, verb: str, rk: ResourceKind | None, namespace: str | None = None, name: str | None = None,
    ) -> ApiRequest:
        if rk is None:
            return ApiRequest(verb=verb, server=self.server, namespace=namespace, name=name)
        return ApiRequest(
            verb=verb, resource=rk.plural, group=rk.group, kind=rk.kind,
            namespace=namespace if rk.namespaced else None, name=name, server=self.server,
        )

    async def _call(self, request: ApiRequest, fn: Callable[[], Awaitable[T]], *, idempotent: bool = True) -> T:
        return await self.policy.call(fn, request, idempotent=idempotent)

    async def _get_json(self, path: str, params: dict[str, Any] | None = None, accept: str | None = None) -> Any:
        response = await self._http.get(path, params={k: v for k, v in (params or {}).items() if v is not None},
                                        headers={"Accept": accept} if accept else None)
        response.raise_for_status()
        return msgspec.json.decode(response.content)

    async def _fetch_discovery(self, path: str, accept: str | None) -> dict[str, Any]:
        request = ApiRequest(verb="get", resource=path, server=self.server)
        if path.count("/") == 3:
            # /apis/<group>/<version>, asked right after /apis answered: a 5xx there is an aggregated
            # API's server (metrics-server down is the classic) that a retry a moment later will not heal;
            # only throttling and transport failures are worth another try.
            policy = replace(self.policy, retry_statuses=frozenset({429}))
            document = await policy.call(lambda: self._get_json(path, accept=accept), request)
        else:
            document = await self._call(request, lambda: self._get_json(path, accept=accept))
        return document if isinstance(document, dict) else {}

    def _namespace(self, rk: ResourceKind, namespace: str | None) -> str | None:
        if not rk.namespaced:
            return None
        return namespace or self.default_namespace

    async def _rk(self, kind: str | ResourceKind) -> ResourceKind:
        return kind if isinstance(kind, ResourceKind) else await self.resolve(kind)

    # -- discovery -----------------------------------------------------------------------------

    async def resolve(self, kind: str, api_version: str | None = None) -> ResourceKind:
        """The resource behind a kind, plural or short name (optionally pinned to an apiVersion)."""
        return await self._discovery.resolve(kind, api_version)

    async def discovery(self) -> builtins.list[ResourceKind]:
        """Every kind the cluster serves, at its group's preferred version (cached)."""
        return await self._discovery.kinds()

    async def api_groups(self) -> builtins.list[ApiGroup]:
        """Every API group with its served versions and the preferred one (core group first)."""
        return await self._discovery.groups()

    async def unavailable_apis(self) -> dict[str, str]:
        """group/version → error, for aggregated APIs whose discovery failed (e.g. metrics-server down)."""
        return await self._discovery.unavailable()

    # -- reads ---------------------------------------------------------------------------------

    async def get(
        self, kind: str | ResourceKind, name: str, namespace: str | None = None, *, managed_fields: bool = False,
    ) -> dict[str, Any]:
        rk = await self._rk(kind)
        ns = self._namespace(rk, namespace)
        request = self._describe("get", rk, ns, name)
        try:
            obj = await self._call(request, lambda: self._lk.get(resource_class(rk), name, namespace=ns))
        except NotFound as exc:
            raise with_near_names(exc, await self._near_names(rk, ns, name)) from exc.__cause__
        return _plain(obj, keep_managed_fields=managed_fields)

    async def get_or_none(
        self, kind: str | ResourceKind, name: str, namespace: str | None = None, *, managed_fields: bool = False,
    ) -> dict[str, Any] | None:
        """The object, or None when it does not exist; `managed_fields=True` keeps metadata.managedFields."""
        rk = await self._rk(kind)
        ns = self._namespace(rk, namespace)
        request = self._describe("get", rk, ns, name)
        try:
            obj = await self._call(request, lambda: self._lk.get(resource_class(rk), name, namespace=ns))
        except NotFound:
            return None
        return _plain(obj, keep_managed_fields=managed_fields)

    async def whoami(self) -> tuple[str, tuple[str, ...]] | None:
        """The user name and groups the API server sees for our credentials (a SelfSubjectReview),
        None when the server does not serve the review or refuses it."""
        path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}

        async def review() -> Any:
            response = await self._http.post(path, json=body)
            response.raise_for_status()
            return msgspec.json.decode(response.content)

        try:
            answer = await self._call(ApiRequest(verb="create", resource="selfsubjectreviews",
                                                 group="authentication.k8s.io", server=self.server),
                                      review, idempotent=False)
        except KubeError:
            return None
        user = ((answer or {}).get("status") or {}).get("userInfo") or {} if isinstance(answer, dict) else {}
        name = str(user.get("username") or "")
        return (name, tuple(str(g) for g in user.get("groups") or [])) if name else None

    async def _near_names(self, rk: ResourceKind, namespace: str | None, name: str) -> tuple[str, ...] | None:
        try:
            page = await self.list(rk, namespace=namespace, limit=NEAR_NAMES_SCAN)
        except KubeError:
            return None  # not allowed to list, or the namespace is gone: say nothing about near names
        names = [str((o.get("metadata") or {}).get("name", "")) for o in page.items]
        return tuple(difflib.get_close_matches(name, names, n=5, cutoff=0.5))

    async def list(
        self,
        kind: str | ResourceKind,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> ListPage:
        """One page of objects. `namespace=None` lists every namespace."""
        rk = await self._rk(kind)
        ns = namespace if rk.namespaced and namespace else None
        path = _resource_path(rk, ns)
        params = {
            "limit": limit,
            "continue": continue_token,
            "labelSelector": label_selector or None,
            "fieldSelector": field_selector or None,
        }

        async def page() -> ListPage:
            # A plain GET decoded by msgspec: lightkube's list would decode the same body with the json
            # module and wrap every item in a resource object, only for us to copy it back to a dict.
            document = await self._get_json(path, params)
            # A 200 that is not a list (a proxy's Status, an object) must not read as "no objects".
            if (not isinstance(document, dict) or document.get("kind") == "Status"
                    or not isinstance(document.get("items"), list | None)
                    or not all(isinstance(i, dict) and isinstance(i.get("metadata"), dict | None)
                               for i in document.get("items") or [])):
                raise msgspec.DecodeError(f"the answer to GET {path} is not a Kubernetes list")
            items = [_plain(i) for i in document.get("items") or []]
            for obj in items:
                # A real API server's List items carry no apiVersion/kind (the sandbox's do); callers key
                # objects by kind (inventories, owner references), so they get them as kubectl shows them.
                obj.setdefault("apiVersion", rk.api_version)
                obj.setdefault("kind", rk.kind)
            metadata = document.get("metadata") or {}
            return ListPage(items, metadata.get("continue") or None, metadata.get("resourceVersion"))

        return await self._call(self._describe("list", rk, ns), page)

    async def list_all(
        self,
        kind: str | ResourceKind,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Every matching object, fetched in chunks of LIST_CHUNK so huge lists stay cheap for the server."""
        items: builtins.list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = await self.list(kind, namespace, label_selector, field_selector, LIST_CHUNK, token)
            items.extend(page.items)
            token = page.continue_token
            if not token:
                return items

    async def pod_logs(
        self,
        name: str,
        namespace: str,
        container: str | None = None,
        since_seconds: int | None = None,
        tail_lines: int | None = None,
        previous: bool = False,
        timestamps: bool = True,
        limit_bytes: int | None = None,
    ) -> str:
        """The log text of one container of a pod (the previous, crashed instance with previous=True)."""
        path = f"/api/v1/namespaces/{namespace}/pods/{name}/log"
        params: dict[str, Any] = {
            "container": container,
            "sinceSeconds": since_seconds,
            "tailLines": tail_lines,
            "previous": "true" if previous else None,
            "timestamps": "true" if timestamps else None,
            "limitBytes": limit_bytes,
        }

        async def fetch() -> str:
            response = await self._http.get(path, params={k: v for k, v in params.items() if v is not None})
            response.raise_for_status()
            return str(response.text)

        request = ApiRequest(
            verb="get", resource="pods/log", kind="Pod", namespace=namespace, name=name, server=self.server,
        )
        try:
            return await self._call(request, fetch)
        except KubeletUnreachable as exc:
            raise await self._with_node(exc, name, namespace) from exc.__cause__
        except TimedOut as exc:
            # The API server answers once the kubelet has: a log that never comes is the kubelet's silence.
            silent = KubeletUnreachable(
                f"the kubelet of the node running pod {namespace}/{name} did not answer in time "
                f"({exc.elapsed:.1f} s, {exc.attempts} attempt{'s' if exc.attempts != 1 else ''})",
                request=exc.request, attempts=exc.attempts, elapsed=exc.elapsed,
                server_message="no answer in time",
            )
            raise await self._with_node(silent, name, namespace) from exc
        except NotFound as exc:
            raise await self._log_not_found(exc, name, namespace) from exc

    async def _log_not_found(self, exc: NotFound, pod: str, namespace: str) -> KubeError:
        """A 404 for pods/log: the pod is gone, its Node is (kube-apiserver answers `pods "<node>" not
        found`, ambiguous when the pod is named like its node), or the kubelet does not know the pod."""
        try:
            found = await self.get_or_none("Pod", pod, namespace)
            node = str(((found or {}).get("spec") or {}).get("nodeName") or "")
            node_missing = bool(node) and await self.get_or_none("Node", node) is None
        except KubeError:
            return exc
        if found is None or not node:
            return exc
        fields: dict[str, Any] = {"request": exc.request, "status": exc.status, "reason": exc.reason,
                                  "server_message": exc.server_message, "attempts": exc.attempts,
                                  "elapsed": exc.elapsed}
        if node_missing:
            return KubeletUnreachable(
                f"the kubelet of pod {namespace}/{pod} is unreachable: the pod is bound to node {node}, which "
                f"does not exist (the API server answered HTTP 404: {exc.server_message})",
                node=node, node_ready="the Node object does not exist", **fields,
            )
        return KubeletUnreachable(
            f"the kubelet on node {node} does not serve the logs of pod {namespace}/{pod}, which exists (HTTP 404: "
            f"{exc.server_message}): it may not have started the pod's containers yet, or lost track of them",
            node=node, **fields,
        )

    async def node_ready(self, node: str) -> str:
        """Node `node`'s Ready condition in one line, or why it is not known."""
        try:
            found = await self.get_or_none("Node", node)
        except KubeError as failure:
            return f"its status could not be read ({type(failure).__name__})"
        return node_ready_line(found) if found is not None else "the Node object does not exist"

    async def _with_node(self, exc: KubeletUnreachable, pod: str, namespace: str) -> KubeletUnreachable:
        """The kubelet failure, naming the pod's node and that node's Ready condition (as far as readable)."""
        try:
            spec = ((await self.get_or_none("Pod", pod, namespace)) or {}).get("spec") or {}
        except KubeError:
            return exc
        node = str(spec.get("nodeName") or "")
        if not node:
            return exc
        ready = await self.node_ready(node)
        server_says = exc.server_message or "(no message)"
        message = (f"the kubelet on node {node} is unreachable: the API server could not get the logs of pod "
                   f"{namespace}/{pod} from it ({f'HTTP {exc.status}, ' if exc.status else ''}{exc.attempts} attempt"
                   f"{'s' if exc.attempts != 1 else ''}: {server_says}). Node {node}: {ready}")
        return KubeletUnreachable(
            message, node=node, node_ready=ready, request=exc.request, status=exc.status, reason=exc.reason,
            server_message=exc.server_message, attempts=exc.attempts, elapsed=exc.elapsed,
        )

    async def raw_get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET any API path (e.g. /apis/metrics.k8s.io/v1beta1/namespaces/x/pods) as a JSON object."""
        request = replace(_request_from_path(path, "get"), server=self.server)
        document = await self._call(request, lambda: self._get_json(path, params))
        return document if isinstance(document, dict) else {"items": document}

    # -- writes --------------------------------------------------------------------------------

    async def patch(
        self,
        kind: str | ResourceKind,
        name: str,
        namespace: str | None,
        patch: dict[str, Any] | builtins.list[Any],
        patch_type: PatchKind = "merge",
        dry_run: bool = False,
        force: bool = False,
    ) -> dict[str, Any]:
        """Patch an object. `apply` is server-side apply as field manager `fluxcd-mcp`."""
        rk = await self._rk(kind)
        ns = self._namespace(rk, namespace)
        cls = resource_class(rk)
        lk_type = _PATCH_TYPES[patch_type]
        body: Any = cls(patch) if patch_type == "apply" and isinstance(patch, dict) else patch

        async def send() -> Any:
            return await self._lk.patch(
                cls, name, body, namespace=ns, patch_type=lk_type,
                field_manager=FIELD_MANAGER, force=force and patch_type == "apply", dry_run=dry_run,
            )

        request = self._describe("patch", rk, ns, name)
        # A JSON patch may hold `add` to a list: sending it twice is not the same as once.
        idempotent = patch_type != "json"
        try:
            return _plain(await self._call(request, send, idempotent=idempotent))
        except Conflict:
            # A merge patch carries no resourceVersion, so a 409 is a write race inside the API
            # server (e.g. a controller updating the same object); one more try resolves it.
            if patch_type != "merge":
                raise
        return _plain(await self._call(request, send))

    async def apply(self, obj: dict[str, Any], dry_run: bool = False, force: bool = False) -> dict[str, Any]:
        """Server-side apply of a whole object (field manager `fluxcd-mcp`)."""
        metadata = obj.get("metadata") or {}
        name = metadata.get("name")
        if not obj.get("apiVersion") or not obj.get("kind") or not name:
            raise Invalid("every object needs apiVersion, kind and metadata.name to be applied")
        rk = await self.resolve(str(obj["kind"]), str(obj["apiVersion"]))
        return await self.patch(
            rk, str(name), metadata.get("namespace"), obj, patch_type="apply", dry_run=dry_run, force=force,
        )

    async def create(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        if not obj.get("apiVersion") or not obj.get("kind"):
            raise Invalid("the object needs apiVersion and kind to be created")
        rk = await self.resolve(str(obj["kind"]), str(obj["apiVersion"]))
        metadata = obj.get("metadata") or {}
        ns = self._namespace(rk, metadata.get("namespace"))
        instance = resource_class(rk)(obj)
        request = self._describe("create", rk, ns, metadata.get("name"))
        created = await self._call(
            request,
            lambda: self._lk.create(instance, namespace=ns, field_manager=FIELD_MANAGER, dry_run=dry_run),
            idempotent=False,
        )
        return _plain(created)

    async def delete(
        self, kind: str | ResourceKind, name: str, namespace: str | None = None, dry_run: bool = False
    ) -> dict[str, Any]:
        """Delete an object; returns what the API server answered (the object, or a Status)."""
        rk = await self._rk(kind)
        ns = self._namespace(rk, namespace)
        path = _resource_path(rk, ns, name)

        async def send() -> dict[str, Any]:
            # lightkube's delete discards the response body, which says whether finalizers keep the object.
            response = await self._http.delete(path, params={"dryRun": "All"} if dry_run else None)
            response.raise_for_status()
            decoded = msgspec.json.decode(response.content) if response.content else {}
            return decoded if isinstance(decoded, dict) else {}

        return await self._call(self._describe("delete", rk, ns, name), send, idempotent=False)

    async def close(self) -> None:
        await self.client.close()
