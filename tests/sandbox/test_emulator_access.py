"""RBAC enforcement, access reviews, fault injection and the request log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx2
import pytest
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.resources.core_v1 import Pod

from flux_mcp.sandbox import Sandbox

READ_FLUX_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: fluxcd-mcp
rules:
  - apiGroups: ["kustomize.toolkit.fluxcd.io", "source.toolkit.fluxcd.io"]
    resources: ["*"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["welcome"]
    verbs: ["get"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
"""

POD_LOGS_ROLE = """
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: logs}
rules:
  - apiGroups: [""]
    resources: ["pods/log"]
    verbs: ["get"]
"""

USER = "system:serviceaccount:flux-system:fluxcd-mcp"


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def test_rbac_allows_what_the_role_grants(sandbox: Sandbox, api: httpx2.Client) -> None:
    sandbox.enforce_rbac([READ_FLUX_ROLE])
    assert api.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations").status_code == 200
    assert api.get("/api/v1/namespaces/team-api/pods").status_code == 200
    assert api.get("/api/v1/namespaces/default/configmaps/welcome").status_code == 200
    for discovery in ("/api", "/apis", "/version", "/api/v1", "/apis/helm.toolkit.fluxcd.io/v2"):
        assert api.get(discovery).status_code == 200, discovery


def test_a_forbidden_patch_reads_like_kube_apiserver(sandbox: Sandbox, api: httpx2.Client) -> None:
    sandbox.enforce_rbac([READ_FLUX_ROLE])
    response = api.patch("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps",
                         json={}, headers={"Content-Type": "application/merge-patch+json"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'kustomizations.kustomize.toolkit.fluxcd.io "apps" is forbidden: User "{USER}" cannot '
                   'patch resource "kustomizations" in API group "kustomize.toolkit.fluxcd.io" in the namespace '
                   '"flux-system"',
        "reason": "Forbidden", "code": 403,
        "details": {"name": "apps", "group": "kustomize.toolkit.fluxcd.io", "kind": "kustomizations"},
    }


def test_forbidden_cluster_wide_lists_and_subresources(sandbox: Sandbox, api: httpx2.Client) -> None:
    sandbox.enforce_rbac([READ_FLUX_ROLE])
    releases = api.get("/apis/helm.toolkit.fluxcd.io/v2/helmreleases").json()
    assert releases["message"] == (
        f'helmreleases.helm.toolkit.fluxcd.io is forbidden: User "{USER}" cannot list resource "helmreleases" '
        'in API group "helm.toolkit.fluxcd.io" at the cluster scope'
    )
    pod = sandbox.controller_pods["source-controller"]
    logs = api.get(f"/api/v1/namespaces/flux-system/pods/{pod}/log")
    assert logs.status_code == 403
    assert 'cannot get resource "pods/log" in API group "" in the namespace "flux-system"' in logs.json()["message"]
    assert api.get("/api/v1/namespaces/default/configmaps/other").status_code == 403
    sandbox.enforce_rbac([READ_FLUX_ROLE, POD_LOGS_ROLE])
    assert api.get(f"/api/v1/namespaces/flux-system/pods/{pod}/log").status_code == 200


def test_access_reviews_answer_from_the_rules_and_are_not_mutating(sandbox: Sandbox, api: httpx2.Client) -> None:
    def review(verb: str, resource: str, group: str = "") -> bool:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "group": group,
                                                "namespace": "flux-system"}}}
        response = api.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body)
        assert response.status_code == 201
        return bool(response.json()["status"]["allowed"])

    assert review("patch", "kustomizations", "kustomize.toolkit.fluxcd.io")
    sandbox.enforce_rbac([READ_FLUX_ROLE])
    assert review("list", "kustomizations", "kustomize.toolkit.fluxcd.io")
    assert not review("patch", "kustomizations", "kustomize.toolkit.fluxcd.io")
    assert not review("get", "secrets")
    reviews = [r for r in sandbox.requests if r.path.endswith("selfsubjectaccessreviews")]
    assert reviews and all(r.verb == "create" and not r.mutating for r in reviews)


def test_a_protobuf_access_review_is_415_with_a_json_status_and_json_still_works(api: httpx2.Client) -> None:
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    protobuf = api.post(path, content=b"k8s\x00\n\x1c\n\x1dauthorization.k8s.io/v1",
                        headers={"Content-Type": "application/vnd.kubernetes.protobuf",
                                 "Accept": "application/vnd.kubernetes.protobuf, application/json"})
    assert protobuf.status_code == 415
    assert protobuf.headers["content-type"].startswith("application/json")
    status = protobuf.json()
    assert status["kind"] == "Status" and status["reason"] == "UnsupportedMediaType"
    assert "application/json" in status["message"]
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}}
    assert api.post(path, json=body).status_code == 201


def test_the_request_log_records_verbs_and_mutations(sandbox: Sandbox, api: httpx2.Client) -> None:
    api.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations", params={"limit": "1"})
    api.get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps")
    api.patch("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/team-legacy/kustomizations/legacy",
              json={"metadata": {"annotations": {"note": "x"}}},
              headers={"Content-Type": "application/merge-patch+json"},
              params={"dryRun": "All"})
    records = [(r.method, r.verb, r.mutating, r.status) for r in sandbox.requests]
    assert records == [("GET", "list", False, 200), ("GET", "get", False, 200), ("PATCH", "patch", True, 200)]
    assert sandbox.requests[0].query == {"limit": "1"}
    assert sandbox.requests[2].dry_run


# --- faults, seen through lightkube -----------------------------------------------------------------------

def lightkube_client(sandbox: Sandbox) -> AsyncClient:
    config = KubeConfig.from_one(cluster=Cluster(server=sandbox.url), user=User(token="t"), namespace="team-api")
    return AsyncClient(config)


async def list_pods(sandbox: Sandbox) -> list[Pod]:
    client = lightkube_client(sandbox)
    try:
        return [pod async for pod in client.list(Pod, namespace="team-api")]
    finally:
        await client.close()


async def test_a_json_error_fault_is_an_api_error_with_retry_after(sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/pods$", status=429, retry_after=3, times=1)
    with pytest.raises(ApiError) as caught:
        await list_pods(sandbox)
    assert caught.value.status.code == 429
    assert caught.value.response.headers["Retry-After"] == "3"
    assert len(await list_pods(sandbox)) == 1  # times=1: the next call goes through


async def test_a_text_plain_fault_is_an_http_status_error(sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/pods$", status=503, content_type="text/plain", body="upstream connect error")
    with pytest.raises(httpx2.HTTPStatusError) as caught:
        await list_pods(sandbox)
    assert not isinstance(caught.value, ApiError)
    assert caught.value.response.status_code == 503


async def test_a_fault_without_content_type_is_a_key_error_in_lightkube(sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/pods$", status=502, content_type=None, body="bad gateway")
    with pytest.raises(KeyError):
        await list_pods(sandbox)


async def test_a_reset_fault_is_a_transport_error(sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/pods$", reset=True, times=1)
    with pytest.raises(httpx2.TransportError):
        await list_pods(sandbox)
    # The sandbox records a reset after it dropped the connection, so the client can see the reset first.
    for _ in range(100):
        if sandbox.requests:
            break
        await asyncio.sleep(0.02)
    assert sandbox.requests[-1].status == 0


async def test_a_delay_fault_slows_the_call_down_and_then_answers(sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/pods$", status=None, delay=0.2, times=1)
    config = KubeConfig.from_one(cluster=Cluster(server=sandbox.url), user=User(token="t"), namespace="team-api")
    impatient = AsyncClient(config, timeout=httpx2.Timeout(0.05))
    try:
        with pytest.raises(httpx2.TimeoutException):
            _ = [pod async for pod in impatient.list(Pod, namespace="team-api")]
    finally:
        await impatient.close()
    sandbox.inject_fault("GET", r"/pods$", status=None, delay=0.05, times=1)
    assert len(await list_pods(sandbox)) == 1


def test_faults_match_method_and_path(sandbox: Sandbox, api: httpx2.Client) -> None:
    sandbox.inject_fault("PATCH", r"/kustomizations/", status=500)
    assert api.get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps").status_code == 200
    failed = api.patch("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps",
                       json={}, headers={"Content-Type": "application/merge-patch+json"})
    assert failed.status_code == 500 and failed.json()["kind"] == "Status"
    sandbox.clear_faults()
    assert api.patch("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps",
                     json={}, headers={"Content-Type": "application/merge-patch+json"}).status_code == 200
