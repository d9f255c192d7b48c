"""What we rely on behind lightkube's public surface (kube/lightkube_internals.py): if an upgrade moves
it, these fail first, naming the behaviour, instead of the tools failing in odd ways."""

from __future__ import annotations

import httpx2
from lightkube import AsyncClient
from lightkube.config.kubeconfig import KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.generic_resource import create_namespaced_resource

from flux_mcp.kube.lightkube_internals import add_headers, http_client

SERVER = "https://api.pinned.example:6443"
Kustomization = create_namespaced_resource(
    "kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations",
)


class Recorder:
    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


def client_on(recorder: Recorder) -> AsyncClient:
    config = KubeConfig.from_one(cluster=Cluster(server=SERVER), user=User(token="pinned-token"), namespace="apps")
    return AsyncClient(config, transport=httpx2.MockTransport(recorder))


def kustomization_list(*names: str, cont: str | None = None) -> httpx2.Response:
    metadata = {"resourceVersion": "42", **({"continue": cont} if cont else {})}
    items = [{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
              "metadata": {"name": name, "namespace": "apps"}} for name in names]
    return httpx2.Response(200, json={"kind": "KustomizationList", "apiVersion": "v1", "metadata": metadata,
                                      "items": items})


async def test_the_http_client_is_the_authenticated_one_lightkube_sends_with() -> None:
    recorder = Recorder(httpx2.Response(200, json={"kind": "APIResourceList", "groupVersion": "v1"}))
    client = client_on(recorder)

    response = await http_client(client).get("/api/v1")

    assert response.status_code == 200
    sent = recorder.requests[0]
    assert str(sent.url) == f"{SERVER}/api/v1"
    assert sent.headers["Authorization"] == "Bearer pinned-token"


async def test_added_headers_go_with_lightkubes_own_requests_and_may_repeat() -> None:
    recorder = Recorder(httpx2.Response(200, json={
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "web", "namespace": "apps"},
    }))
    client = client_on(recorder)

    add_headers(client, [("Impersonate-User", "alice"), ("Impersonate-Group", "dev"), ("Impersonate-Group", "ops")])
    await client.get(Kustomization, "web", namespace="apps")

    sent = recorder.requests[0]
    assert sent.headers["Impersonate-User"] == "alice"
    assert sent.headers.get_list("Impersonate-Group") == ["dev", "ops"]
    assert sent.headers["Authorization"] == "Bearer pinned-token"
