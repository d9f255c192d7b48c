"""KubeGateway over a scripted API: real lightkube requests, plain dicts back, typed KubeErrors out."""

from __future__ import annotations

import json

import httpx2
import pytest

from flux_mcp.kube.errors import Forbidden, KubeError, MalformedResponse
from flux_mcp.tools._boundary import error_message
from tests.unit.fake_api import FakeApi, named, object_list, status

KS = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations"


async def test_get_returns_a_plain_dict_from_the_preferred_version() -> None:
    api = FakeApi().on("GET", f"{KS}/apps", httpx2.Response(200, json=named("apps")))
    gw = api.gateway()

    obj = await gw.get("ks", "apps", "flux-system")

    assert obj["metadata"]["name"] == "apps"
    assert type(obj) is dict
    assert f"{KS}/apps" in api.paths()


async def test_a_namespaced_get_without_namespace_uses_the_context_namespace() -> None:
    api = FakeApi().on("GET", f"{KS}/apps", httpx2.Response(200, json=named("apps")))

    assert (await api.gateway().get("Kustomization", "apps"))["metadata"]["name"] == "apps"


async def test_list_pages_with_limit_and_continue_and_reports_the_token() -> None:
    all_ns = "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations"

    def page(request: httpx2.Request) -> httpx2.Response:
        if request.url.params.get("continue") == "t1":
            return object_list(named("c"), rv="7")
        return object_list(named("a"), named("b"), cont="t1", rv="7")

    api = FakeApi().on("GET", all_ns, page)
    gw = api.gateway()

    first = await gw.list("Kustomization", limit=2)
    second = await gw.list("Kustomization", limit=2, continue_token=first.continue_token)

    assert [o["metadata"]["name"] for o in first.items] == ["a", "b"]
    assert first.continue_token == "t1" and first.resource_version == "7"
    assert [o["metadata"]["name"] for o in second.items] == ["c"]
    assert second.continue_token is None
    assert api.requests[-1].url.params["limit"] == "2"


async def test_a_list_sends_only_the_params_given_and_no_namespace_means_all_namespaces() -> None:
    all_ns = "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations"
    managed = {"metadata": {"name": "a", "namespace": "apps", "managedFields": [{"manager": "kubectl"}]}}
    api = FakeApi().on("GET", all_ns, object_list(managed, rv="42"))

    page = await api.gateway().list("Kustomization", label_selector="team=web", continue_token="next")

    assert dict(api.requests[-1].url.params) == {"labelSelector": "team=web", "continue": "next"}
    assert page.items == [{"metadata": {"name": "a", "namespace": "apps"},
                           "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization"}]
    assert page.continue_token is None and page.resource_version == "42"


async def test_a_list_answer_that_is_not_a_list_is_a_malformed_response() -> None:
    api = FakeApi().on("GET", KS, httpx2.Response(200, json={"items": "nope"}))

    with pytest.raises(MalformedResponse, match=r"could not be read .* is not a Kubernetes list"):
        await api.gateway().list("Kustomization", "flux-system")


async def test_list_all_follows_continue_tokens_in_chunks() -> None:
    def page(request: httpx2.Request) -> httpx2.Response:
        assert request.url.params["limit"] == "500"
        assert request.url.params["labelSelector"] == "team=billing"
        token = request.url.params.get("continue")
        if token is None:
            return object_list(named("a"), cont="n1")
        if token == "n1":
            return object_list(named("b"), cont="n2")
        return object_list(named("c"))

    api = FakeApi().on("GET", KS, page)

    items = await api.gateway().list_all("Kustomization", "flux-system", label_selector="team=billing")

    assert [o["metadata"]["name"] for o in items] == ["a", "b", "c"]


async def test_cluster_scoped_lists_ignore_the_namespace() -> None:
    api = FakeApi().on("GET", "/api/v1/namespaces", object_list(named("default", None, "Namespace")))

    page = await api.gateway().list("Namespace", namespace="flux-system")

    assert page.items[0]["metadata"]["name"] == "default"


async def test_a_missing_object_names_close_names_in_its_namespace() -> None:
    api = FakeApi().on("GET", KS, object_list(named("apps"), named("infra-configs"), named("infra-controllers")))
    gw = api.gateway()

    with pytest.raises(KubeError) as raised:
        await gw.get("Kustomization", "infra-config", "flux-system")

    message = str(raised.value)
    assert 'Kustomization "infra-config" in namespace "flux-system" not found' in message
    assert "infra-configs" in message and "infra-controllers" in message
    assert "apps" not in message.split("Close names:")[1].split(".")[0]


async def test_get_or_none_turns_404_into_none_without_listing() -> None:
    api = FakeApi()
    gw = api.gateway()

    assert await gw.get_or_none("Kustomization", "ghost", "flux-system") is None
    assert KS not in api.paths()


async def test_transient_503_is_retried_then_succeeds() -> None:
    api = FakeApi().on(
        "GET", f"{KS}/apps", httpx2.Response(503, text="busy"), status(503, "etcd leader changed"),
        httpx2.Response(200, json=named("apps")),
    )

    obj = await api.gateway().get("Kustomization", "apps", "flux-system")

    assert obj["metadata"]["name"] == "apps"
    assert api.paths().count(f"{KS}/apps") == 3


async def test_permanent_503_reports_attempts_and_the_server() -> None:
    api = FakeApi().on("GET", f"{KS}/apps", httpx2.Response(503, text="down"))

    with pytest.raises(KubeError) as raised:
        await api.gateway().get("Kustomization", "apps", "flux-system")

    message = str(raised.value)
    assert "https://api.test.example:6443 is unavailable (HTTP 503 after 4 attempts" in message
    assert api.paths().count(f"{KS}/apps") == 4


async def test_an_error_without_content_type_is_still_mapped() -> None:
    api = FakeApi().on("GET", f"{KS}/apps", httpx2.Response(500, content=b"boom", headers={}))

    with pytest.raises(KubeError, match="HTTP 500"):
        await api.gateway().get("Kustomization", "apps", "flux-system")


async def test_create_is_never_retried() -> None:
    api = FakeApi().on("POST", KS, status(503, "unavailable"))

    with pytest.raises(KubeError, match="HTTP 503"):
        await api.gateway().create(named("new"))

    assert len([r for r in api.requests if r.method == "POST"]) == 1


async def test_merge_patch_retries_a_conflict_once() -> None:
    api = FakeApi().on(
        "PATCH", f"{KS}/apps", status(409, "the object has been modified"), httpx2.Response(200, json=named("apps")),
    )

    patched = await api.gateway().patch("Kustomization", "apps", "flux-system", {"spec": {"suspend": True}})

    assert patched["metadata"]["name"] == "apps"
    patches = [r for r in api.requests if r.method == "PATCH"]
    assert len(patches) == 2
    assert patches[0].headers["Content-Type"] == "application/merge-patch+json"
    assert json.loads(patches[0].content) == {"spec": {"suspend": True}}


async def test_json_patch_conflicts_are_not_retried() -> None:
    api = FakeApi().on("PATCH", f"{KS}/apps", status(409, "conflict"))

    with pytest.raises(KubeError, match="409"):
        await api.gateway().patch("Kustomization", "apps", "flux-system", [{"op": "add", "path": "/x", "value": 1}],
                                  patch_type="json")

    assert len([r for r in api.requests if r.method == "PATCH"]) == 1


async def test_apply_is_server_side_apply_with_our_field_manager_and_dry_run() -> None:
    api = FakeApi().on("PATCH", f"{KS}/apps", httpx2.Response(200, json=named("apps")))
    manifest = {**named("apps"), "spec": {"interval": "5m"}}

    await api.gateway().apply(manifest, dry_run=True, force=True)

    request = next(r for r in api.requests if r.method == "PATCH")
    assert request.headers["Content-Type"] == "application/apply-patch+yaml"
    assert request.url.params["fieldManager"] == "fluxcd-mcp"
    assert request.url.params["dryRun"] == "All"
    assert request.url.params["force"] == "true"


async def test_delete_returns_what_the_server_answered() -> None:
    api = FakeApi().on("DELETE", f"{KS}/apps", httpx2.Response(200, json={
        **named("apps"), "metadata": {"name": "apps", "deletionTimestamp": "2026-01-01T00:00:00Z",
                                      "finalizers": ["finalizers.fluxcd.io"]}}))

    answer = await api.gateway().delete("Kustomization", "apps", "flux-system", dry_run=True)

    assert answer["metadata"]["finalizers"] == ["finalizers.fluxcd.io"]
    assert api.requests[-1].url.params["dryRun"] == "All"


async def test_pod_logs_pass_previous_and_tail() -> None:
    path = "/api/v1/namespaces/team-api/pods/api-server-1/log"
    api = FakeApi().on("GET", path, httpx2.Response(200, text="2026-01-01T00:00:00Z boom\n"))

    text = await api.gateway().pod_logs("api-server-1", "team-api", container="api", previous=True, tail_lines=10)

    assert "boom" in text
    params = api.requests[-1].url.params
    assert params["previous"] == "true" and params["tailLines"] == "10" and params["container"] == "api"


async def test_forbidden_logs_name_the_pods_log_subresource() -> None:
    path = "/api/v1/namespaces/team-api/pods/api-server-1/log"
    api = FakeApi().on("GET", path, status(403, 'pods "api-server-1" is forbidden', "Forbidden"))

    with pytest.raises(Forbidden) as raised:
        await api.gateway().pod_logs("api-server-1", "team-api")

    request = raised.value.request
    assert request is not None and (request.resource, request.verb) == ("pods/log", "get")
    # The tool boundary turns that request into the RBAC rule to add.
    assert 'resources: ["pods/log"]' in (error_message(raised.value) or "")


async def test_raw_get_maps_a_missing_aggregated_api() -> None:
    api = FakeApi()

    with pytest.raises(KubeError, match="not found"):
        await api.gateway().raw_get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")


async def test_transport_failures_say_the_api_cannot_be_reached() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    api = FakeApi().on("GET", "/api/v1", refuse)

    with pytest.raises(KubeError) as raised:
        await api.gateway().discovery()

    message = str(raised.value)
    assert "cannot reach the Kubernetes API at https://api.test.example:6443" in message
    assert "check the kubeconfig/context/VPN" in message
