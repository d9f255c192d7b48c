"""The emulated API server behaves like kube-apiserver for reads, writes and patches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from flux_mcp.sandbox import Sandbox

KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
CM = "/api/v1/namespaces/default/configmaps"
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def names(body: dict[str, Any]) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def a_kustomization(name: str, namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace, "labels": {"suite": "api"}},
        "spec": {"interval": "10m", "path": "./", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"},
                 **spec},
    }


def a_config_map(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"},
            "data": data}


# --- selectors ---------------------------------------------------------------------------------------

def test_equality_label_selector_picks_the_flux_controllers(api: httpx2.Client) -> None:
    body = api.get("/api/v1/namespaces/flux-system/pods",
                   params={"labelSelector": "app.kubernetes.io/part-of=flux,app==source-controller"}).json()
    assert len(body["items"]) == 1
    assert body["items"][0]["metadata"]["labels"]["app"] == "source-controller"


def test_set_based_and_exists_selectors(api: httpx2.Client) -> None:
    picked = names(api.get("/apis/apps/v1/namespaces/flux-system/deployments",
                           params={"labelSelector": "app in (helm-controller, kustomize-controller)"}).json())
    assert picked == ["helm-controller", "kustomize-controller"]
    excluded = names(api.get("/apis/apps/v1/namespaces/flux-system/deployments",
                             params={"labelSelector": "app notin (helm-controller),control-plane"}).json())
    assert "helm-controller" not in excluded and "source-controller" in excluded
    without = names(api.get("/api/v1/namespaces", params={"labelSelector": "!toolkit.fluxcd.io/tenant"}).json())
    assert "team-api" in without


def test_field_selectors_on_names_and_events(api: httpx2.Client) -> None:
    by_name = api.get(f"{KS}/kustomizations", params={"fieldSelector": "metadata.name=apps"}).json()
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in by_name["items"]] == [("flux-system", "apps")]
    events = api.get("/api/v1/events", params={
        "fieldSelector": "involvedObject.kind=GitRepository,involvedObject.name=billing,type=Warning"}).json()
    assert events["items"] and all(e["involvedObject"]["name"] == "billing" for e in events["items"])
    assert {e["reason"] for e in events["items"]} == {"GitOperationFailed"}
    not_billing = api.get("/api/v1/namespaces/team-billing/events",
                          params={"fieldSelector": "involvedObject.name!=billing"}).json()
    assert all(e["involvedObject"]["name"] != "billing" for e in not_billing["items"])


def test_an_unsupported_field_label_is_a_bad_request(api: httpx2.Client) -> None:
    response = api.get(f"{KS}/kustomizations", params={"fieldSelector": "spec.path=./"})
    assert response.status_code == 400
    assert response.json()["message"] == "field label not supported: spec.path"


# --- paging ---------------------------------------------------------------------------------------------

def test_limit_and_continue_walk_the_whole_list_once(api: httpx2.Client) -> None:
    everything = names(api.get(f"{KS}/kustomizations").json())
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params = {"limit": "4", **({"continue": token} if token else {})}
        body = api.get(f"{KS}/kustomizations", params=params).json()
        seen += names(body)
        pages += 1
        token = body["metadata"].get("continue", "")
        if not token:
            break
        assert body["metadata"]["remainingItemCount"] > 0
    assert seen == everything
    assert pages == -(-len(everything) // 4)


def test_an_expired_or_garbled_continue_token_is_410_gone(sandbox: Sandbox, api: httpx2.Client) -> None:
    token = api.get(f"{KS}/kustomizations", params={"limit": "2"}).json()["metadata"]["continue"]
    sandbox.store.compact()
    expired = api.get(f"{KS}/kustomizations", params={"limit": "2", "continue": token})
    assert expired.status_code == 410
    assert expired.headers["content-type"] == "application/json"
    assert expired.json()["reason"] == "Expired"
    garbled = api.get(f"{KS}/kustomizations", params={"limit": "2", "continue": "not-a-token"})
    assert garbled.status_code == 410


def test_lists_carry_the_store_resource_version(sandbox: Sandbox, api: httpx2.Client) -> None:
    body = api.get("/api/v1/namespaces").json()
    assert body["kind"] == "NamespaceList"
    assert int(body["metadata"]["resourceVersion"]) == sandbox.store.resource_version


# --- errors -------------------------------------------------------------------------------------------------

def test_errors_are_kubernetes_status_objects(api: httpx2.Client) -> None:
    missing = api.get(f"{KS}/namespaces/flux-system/kustomizations/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'kustomizations.kustomize.toolkit.fluxcd.io "nope" not found', "reason": "NotFound",
        "code": 404, "details": {"name": "nope", "kind": "kustomizations", "group": "kustomize.toolkit.fluxcd.io"},
    }
    unknown = api.get("/apis/example.com/v1/widgets")
    assert unknown.status_code == 404 and unknown.json()["kind"] == "Status"
    assert api.get("/openapi/v2").status_code == 404


def test_create_twice_is_already_exists_and_needs_the_namespace(api: httpx2.Client) -> None:
    assert api.post(CM, json=a_config_map("twice", a="1")).status_code == 201
    again = api.post(CM, json=a_config_map("twice", a="1"))
    assert again.status_code == 409 and again.json()["reason"] == "AlreadyExists"
    nowhere = api.post("/api/v1/namespaces/ghost/configmaps",
                       json={**a_config_map("x"), "metadata": {"name": "x", "namespace": "ghost"}})
    assert nowhere.status_code == 404 and nowhere.json()["message"] == 'namespaces "ghost" not found'


# --- writes and bookkeeping ------------------------------------------------------------------------------

def test_resource_version_is_monotonic_and_untouched_by_no_op_writes(api: httpx2.Client) -> None:
    created = api.post(CM, json=a_config_map("rv-check", a="1")).json()
    first = int(created["metadata"]["resourceVersion"])
    patched = api.patch(f"{CM}/rv-check", json={"data": {"a": "2"}}, headers=MERGE).json()
    second = int(patched["metadata"]["resourceVersion"])
    same = api.patch(f"{CM}/rv-check", json={"data": {"a": "2"}}, headers=MERGE).json()
    assert second > first
    assert int(same["metadata"]["resourceVersion"]) == second


def test_generation_bumps_on_spec_changes_only(api: httpx2.Client) -> None:
    path = f"{KS}/namespaces/default/kustomizations/gen-check"
    api.post(f"{KS}/namespaces/default/kustomizations", json=a_kustomization("gen-check"))
    annotated = api.patch(path, json={"metadata": {"annotations": {"note": "x"}}}, headers=MERGE).json()
    assert annotated["metadata"]["generation"] == 1
    status_only = api.patch(f"{path}/status", json={"status": {"observedGeneration": 1}}, headers=MERGE).json()
    assert status_only["metadata"]["generation"] == 1
    changed = api.patch(path, json={"spec": {"path": "./other"}}, headers=MERGE).json()
    assert changed["metadata"]["generation"] == 2


def test_the_main_resource_cannot_change_status_and_status_cannot_change_spec(api: httpx2.Client) -> None:
    path = f"{KS}/namespaces/default/kustomizations/split-check"
    # suspended, so the controller simulator leaves its status alone
    api.post(f"{KS}/namespaces/default/kustomizations", json=a_kustomization("split-check", suspend=True))
    api.patch(path, json={"status": {"lastAppliedRevision": "forged"}}, headers=MERGE)
    assert "lastAppliedRevision" not in (api.get(path).json().get("status") or {})
    api.patch(f"{path}/status", json={"spec": {"path": "./forged"}, "status": {"lastAppliedRevision": "r1"}},
              headers=MERGE)
    current = api.get(path).json()
    assert current["spec"]["path"] == "./" and current["status"]["lastAppliedRevision"] == "r1"


def test_update_with_a_stale_resource_version_conflicts(api: httpx2.Client) -> None:
    created = api.post(CM, json=a_config_map("stale", a="1")).json()
    api.patch(f"{CM}/stale", json={"data": {"a": "2"}}, headers=MERGE)
    stale = api.put(f"{CM}/stale", json={**created, "data": {"a": "3"}})
    assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"


def test_delete_with_finalizers_waits_for_them(sandbox: Sandbox, api: httpx2.Client) -> None:
    body = a_config_map("held")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    api.post(CM, json=body)
    deleting = api.delete(f"{CM}/held").json()
    assert deleting["metadata"]["deletionTimestamp"]
    assert api.get(f"{CM}/held").status_code == 200
    api.patch(f"{CM}/held", json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert api.get(f"{CM}/held").status_code == 404


def test_delete_without_finalizers_removes_and_dry_run_keeps(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("short-lived"))
    assert api.delete(f"{CM}/short-lived", params={"dryRun": "All"}).status_code == 200
    assert api.get(f"{CM}/short-lived").status_code == 200
    gone = api.delete(f"{CM}/short-lived").json()
    assert gone["kind"] == "Status" and gone["status"] == "Success"
    assert api.get(f"{CM}/short-lived").status_code == 404


# --- patches --------------------------------------------------------------------------------------------

def test_merge_patch_null_removes_a_field(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("merge", keep="1", drop="2"))
    patched = api.patch(f"{CM}/merge", json={"data": {"drop": None, "new": "3"}}, headers=MERGE).json()
    assert patched["data"] == {"keep": "1", "new": "3"}


def test_json_patch_operations(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("jp", a="1", b="2"))
    ops = [
        {"op": "test", "path": "/data/a", "value": "1"},
        {"op": "replace", "path": "/data/a", "value": "10"},
        {"op": "add", "path": "/data/c", "value": "3"},
        {"op": "remove", "path": "/data/b"},
        {"op": "copy", "from": "/data/c", "path": "/data/d"},
        {"op": "move", "from": "/data/d", "path": "/data/e"},
        {"op": "add", "path": "/metadata/annotations", "value": {"example.com/z": "1"}},
    ]
    patched = api.patch(f"{CM}/jp", json=ops, headers=JSON_PATCH).json()
    assert patched["data"] == {"a": "10", "c": "3", "e": "3"}
    escaped = api.patch(f"{CM}/jp", json=[{"op": "remove", "path": "/metadata/annotations/example.com~1z"}],
                        headers=JSON_PATCH).json()
    assert escaped["metadata"]["annotations"] == {}


def test_a_failing_json_patch_is_422_and_changes_nothing(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("jp-bad", a="1"))
    failed = api.patch(f"{CM}/jp-bad", json=[{"op": "replace", "path": "/data/a", "value": "2"},
                                             {"op": "test", "path": "/data/a", "value": "1"}], headers=JSON_PATCH)
    assert failed.status_code == 422 and failed.json()["reason"] == "Invalid"
    assert api.get(f"{CM}/jp-bad").json()["data"] == {"a": "1"}
    missing = api.patch(f"{CM}/jp-bad", json=[{"op": "remove", "path": "/data/zzz"}], headers=JSON_PATCH)
    assert missing.status_code == 422


def test_a_merge_patch_that_breaks_a_typed_field_is_422_even_on_dry_run(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("typed", a="1"))
    not_a_map = api.patch(f"{CM}/typed", json={"data": "not a map"}, headers=MERGE, params={"dryRun": "All"})
    assert not_a_map.status_code == 422 and not_a_map.json()["reason"] == "Invalid"
    # As kube-apiserver words a patched object that does not decode (measured on v1.37).
    assert not_a_map.json()["details"]["causes"][0]["field"] == "patch"
    assert not_a_map.json()["message"].endswith(
        "json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string")
    not_strings = api.patch(f"{CM}/typed", json={"metadata": {"labels": {"tier": 3}}}, headers=MERGE)
    assert not_strings.status_code == 422
    assert api.get(f"{CM}/typed").json()["data"] == {"a": "1"}


def test_a_json_patch_removing_metadata_or_the_name_is_422_and_changes_nothing(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("keeps-metadata", a="1"))
    for path in ("/metadata", "/metadata/name"):
        removed = api.patch(f"{CM}/keeps-metadata", json=[{"op": "remove", "path": path}], headers=JSON_PATCH,
                            params={"dryRun": "All"})
        assert removed.status_code == 422 and removed.json()["kind"] == "Status"
    secret_path = "/api/v1/namespaces/default/secrets"
    api.post(secret_path, json={"apiVersion": "v1", "kind": "Secret",
                                "metadata": {"name": "typed-secret", "namespace": "default"}})
    bad_secret = api.patch(f"{secret_path}/typed-secret", json=[{"op": "add", "path": "/stringData",
                                                                 "value": {"token": 42}}], headers=JSON_PATCH)
    assert bad_secret.status_code == 422
    assert api.get(f"{CM}/keeps-metadata").json()["metadata"]["name"] == "keeps-metadata"


def test_a_patch_moving_an_object_to_another_namespace_is_a_bad_request(api: httpx2.Client) -> None:
    api.post(CM, json=a_config_map("stays", a="1"))
    moved = api.patch(f"{CM}/stays", json={"metadata": {"namespace": "kube-system"}}, headers=MERGE)
    assert moved.status_code == 400 and "namespace" in moved.json()["message"]


def test_strategic_merge_patch_merges_containers_by_name(api: httpx2.Client) -> None:
    path = "/apis/apps/v1/namespaces/podinfo/deployments/podinfo"
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:7"}]}}}}
    patched = api.patch(path, json=patch, headers={"Content-Type": "application/strategic-merge-patch+json"}).json()
    container = patched["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "podinfo:7" and container["ports"]


def test_server_side_apply_creates_updates_and_dry_runs(api: httpx2.Client) -> None:
    intent = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n  a: '1'\n"
    created = api.patch(f"{CM}/applied", content=intent, headers=APPLY, params={"fieldManager": "tester"})
    assert created.status_code == 201
    assert created.json()["metadata"]["managedFields"][0]["manager"] == "tester"
    dry = api.patch(f"{CM}/applied", content=intent.replace("'1'", "'2'"), headers=APPLY,
                    params={"fieldManager": "tester", "dryRun": "All"})
    assert dry.status_code == 200 and dry.json()["data"] == {"a": "2"}
    assert api.get(f"{CM}/applied").json()["data"] == {"a": "1"}
    nothing_new = api.patch(f"{CM}/dry-created", content=intent.replace("applied", "dry-created"), headers=APPLY,
                            params={"fieldManager": "tester", "dryRun": "All"})
    assert nothing_new.status_code == 201
    assert api.get(f"{CM}/dry-created").status_code == 404


def test_server_side_apply_conflicts_with_another_manager_unless_forced(api: httpx2.Client) -> None:
    mine = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n  namespace: default\ndata:\n  a: '1'\n"
    api.patch(f"{CM}/owned", content=mine, headers=APPLY, params={"fieldManager": "alice"})
    theirs = mine.replace("'1'", "'2'")
    conflict = api.patch(f"{CM}/owned", content=theirs, headers=APPLY, params={"fieldManager": "bob"})
    assert conflict.status_code == 409
    assert conflict.json()["details"]["causes"][0]["field"] == ".data.a"
    forced = api.patch(f"{CM}/owned", content=theirs, headers=APPLY, params={"fieldManager": "bob", "force": "true"})
    assert forced.status_code == 200 and forced.json()["data"] == {"a": "2"}
    managers = {m["manager"] for m in forced.json()["metadata"]["managedFields"]}
    assert managers == {"bob"}


def test_server_side_apply_drops_fields_the_manager_stopped_applying(api: httpx2.Client) -> None:
    two = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shrink\n  namespace: default\n"
           "data:\n  a: '1'\n  b: '2'\n")
    api.patch(f"{CM}/shrink", content=two, headers=APPLY, params={"fieldManager": "tester"})
    one = two.replace("  b: '2'\n", "")
    assert api.patch(f"{CM}/shrink", content=one, headers=APPLY,
                     params={"fieldManager": "tester"}).json()["data"] == {"a": "1"}


def test_apply_without_a_field_manager_is_invalid(api: httpx2.Client) -> None:
    intent = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nomanager\n  namespace: default\n"
    response = api.patch(f"{CM}/nomanager", content=intent, headers=APPLY)
    assert response.status_code == 422


def test_an_unknown_patch_content_type_is_415(api: httpx2.Client) -> None:
    response = api.patch(f"{CM}/merge", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415 and response.json()["kind"] == "Status"


def test_a_mistyped_field_is_refused_in_the_words_of_each_verb(api: httpx2.Client) -> None:
    """kube-apiserver v1.37's answers, as measured: server-side apply 500, create 400, strategic 422."""
    intent = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied-typed\n  namespace: default\n"
              "data:\n  - not\n  - a map\n")
    response = api.patch(f"{CM}/applied-typed", content=intent, headers=APPLY, params={"fieldManager": "tester"})
    assert response.status_code == 500 and "reason" not in response.json()
    assert response.json()["message"] == ("failed to create typed patch object (default/applied-typed; /v1, "
                                          "Kind=ConfigMap): .data: expected map, got &{[not a map]}")
    created = api.post(CM, json={**a_config_map("posted-typed"), "data": {"a": 1.5}})
    assert created.status_code == 400 and created.json()["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct '
        "field ConfigMap.data of type string")
    api.post(CM, json=a_config_map("strategic-typed", a="1"))
    strategic = api.patch(f"{CM}/strategic-typed", json={"metadata": {"labels": {"t": 3}}},
                          headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert strategic.status_code == 422 and strategic.json()["message"] == (
        ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:map[t:3]]]": cannot convert int64 to string')
    assert api.get(f"{CM}/applied-typed").status_code == 404
