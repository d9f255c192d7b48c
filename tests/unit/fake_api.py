"""A scripted Kubernetes API for kube-layer unit tests: real lightkube and httpx2, no sockets.

Routes map a path to a response (or a list of responses served in turn); every request is
recorded. Discovery documents are built from a few named kinds so tests read as scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from lightkube import AsyncClient
from lightkube.config.kubeconfig import KubeConfig
from lightkube.config.models import Cluster, User

from flux_mcp.kube.gateway import KubeGateway
from flux_mcp.kube.retry import RetryPolicy

SERVER = "https://api.test.example:6443"
FAST_RETRIES = RetryPolicy(attempts=4, total_seconds=5.0, initial_wait=0.001, max_wait=0.01, jitter=0.001,
                           retry_after_cap=0.05)

Reply = httpx2.Response | Callable[[httpx2.Request], httpx2.Response]


def status(code: int, message: str, reason: str = "") -> httpx2.Response:
    return httpx2.Response(code, json={
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason,
        "code": code,
    })


def resource(plural: str, kind: str, namespaced: bool = True, short: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"name": plural, "kind": kind, "namespaced": namespaced, "verbs": ["get", "list", "patch"],
            "shortNames": list(short)}


CORE_RESOURCES = [
    resource("pods", "Pod", short=("po",)), {"name": "pods/log", "kind": "Pod", "namespaced": True},
    resource("namespaces", "Namespace", namespaced=False, short=("ns",)), resource("events", "Event", short=("ev",)),
    resource("secrets", "Secret"),
]
GROUPS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "apps": {"v1": [resource("deployments", "Deployment", short=("deploy",))]},
    "events.k8s.io": {"v1": [resource("events", "Event", short=("ev",))]},
    "kustomize.toolkit.fluxcd.io": {
        "v1": [resource("kustomizations", "Kustomization", short=("ks",))],
        "v1beta2": [resource("kustomizations", "Kustomization", short=("ks",))],
    },
    "helm.toolkit.fluxcd.io": {"v2": [resource("helmreleases", "HelmRelease", short=("hr",))]},
}


@dataclass
class FakeApi:
    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[httpx2.Request] = field(default_factory=list)
    groups: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=lambda: dict(GROUPS))
    aggregated: bool = False
    """Serve /api and /apis as APIGroupDiscoveryList when asked (Kubernetes 1.30+); else the plain documents."""
    stale: set[str] = field(default_factory=set)
    """group/version entries the aggregated documents mark Stale (their aggregated API server is down)."""

    def __post_init__(self) -> None:
        self.on("GET", "/api/v1", httpx2.Response(200, json={"groupVersion": "v1", "resources": CORE_RESOURCES}))

    def on(self, method: str, path: str, *replies: Reply) -> FakeApi:
        """Answer `method path` with these replies in turn; the last one repeats."""
        self.routes[(method, path)] = list(replies)
        return self

    def _aggregated(self, path: str) -> httpx2.Response | None:
        if path == "/api":
            items = [_group_discovery("", {"v1": CORE_RESOURCES}, self.stale)]
        elif path == "/apis":
            items = [_group_discovery(g, versions, self.stale) for g, versions in self.groups.items()]
        else:
            return None
        return httpx2.Response(200, json={"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
                                          "metadata": {}, "items": items},
                               headers={"Content-Type": "application/json;g=apidiscovery.k8s.io;v=v2;"
                                                        "as=APIGroupDiscoveryList"})

    def _discovery(self, path: str, accept: str = "") -> httpx2.Response | None:
        if self.aggregated and "as=APIGroupDiscoveryList" in accept:
            found = self._aggregated(path)
            if found is not None:
                return found
        if path == "/api":
            return httpx2.Response(200, json={"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            return httpx2.Response(200, json={"groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in versions],
                 "preferredVersion": {"groupVersion": f"{g}/{next(iter(versions))}", "version": next(iter(versions))}}
                for g, versions in self.groups.items()
            ]})
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "apis" and parts[1] in self.groups:
            resources = self.groups[parts[1]].get(parts[2])
            if resources is not None:
                return httpx2.Response(200, json={"groupVersion": f"{parts[1]}/{parts[2]}", "resources": resources})
        return None

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        replies = self.routes.get((request.method, request.url.path))
        if replies:
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
            return reply(request) if callable(reply) else reply
        accept = request.headers.get("Accept", "")
        found = self._discovery(request.url.path, accept) if request.method == "GET" else None
        return found or status(404, f"the server could not find the requested resource ({request.url.path})",
                               "NotFound")

    def paths(self, method: str = "GET") -> list[str]:
        return [r.url.path for r in self.requests if r.method == method]

    def gateway(self, policy: RetryPolicy = FAST_RETRIES, namespace: str = "flux-system") -> KubeGateway:
        config = KubeConfig.from_one(cluster=Cluster(server=SERVER), user=User(token="unit-test-token"),
                                     namespace=namespace)
        client = AsyncClient(config, transport=httpx2.MockTransport(self.handle))
        return KubeGateway(client, context="unit", policy=policy)


def _group_discovery(group: str, versions: dict[str, list[dict[str, Any]]], stale: set[str]) -> dict[str, Any]:
    """One APIGroupDiscovery entry, from the same resource entries the plain documents list."""
    entries = []
    for version, resources in versions.items():
        tops: dict[str, dict[str, Any]] = {}
        for entry in resources:
            plural, _, sub = str(entry["name"]).partition("/")
            if sub:
                tops[plural].setdefault("subresources", []).append(
                    {"subresource": sub, "responseKind": {"group": "", "version": "", "kind": entry.get("kind", "")},
                     "verbs": ["get"]})
                continue
            tops[plural] = {"resource": plural, "responseKind": {"group": "", "version": "", "kind": entry["kind"]},
                            "scope": "Namespaced" if entry.get("namespaced") else "Cluster",
                            "singularResource": str(entry["kind"]).lower(), "verbs": list(entry.get("verbs") or []),
                            **({"shortNames": list(entry["shortNames"])} if entry.get("shortNames") else {})}
        key = f"{group}/{version}"
        entries.append({"version": version, "resources": [] if key in stale else list(tops.values()),
                        "freshness": "Stale" if key in stale else "Current"})
    return {"metadata": {"name": group} if group else {}, "versions": entries}


def object_list(*items: dict[str, Any], cont: str | None = None, rv: str = "100") -> httpx2.Response:
    metadata: dict[str, Any] = {"resourceVersion": rv}
    if cont:
        metadata["continue"] = cont
    return httpx2.Response(200, json={"kind": "List", "apiVersion": "v1", "metadata": metadata, "items": list(items)})


def named(name: str, namespace: str | None = "flux-system", kind: str = "Kustomization") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": kind, "metadata": metadata}
