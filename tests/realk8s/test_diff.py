"""diff_kubernetes_manifest on the real server: its server-side-apply dry run, managedFields written by
the real API server (and by the real kustomize-controller for what Flux applied), Secret values masked,
and nothing written. The sandbox twin of these tests is tests/tools/test_diff_kubernetes_manifest.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.realk8s.api import ApiClient, delete_namespaces
from tests.realk8s.flux import FLUX_NAMESPACE, FluxControllers
from tests.realk8s.tools import Answer, Tools, wait_condition

NAMESPACE = "diffs"
CM = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
KS = "/apis/kustomize.toolkit.fluxcd.io/v1"


def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NAMESPACE},
            "data": data}


def secret(name: str, values: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": NAMESPACE},
            "type": "Opaque", "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}}


def as_yaml(*objects: dict[str, Any]) -> str:
    return "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)


def applied_by(api: ApiClient, manager: str, obj: dict[str, Any]) -> None:
    """Server-side apply `obj` as field manager `manager`, as that client would have."""
    plural = {"ConfigMap": "configmaps", "Secret": "secrets"}[obj["kind"]]
    api.must("PATCH", f"/api/v1/namespaces/{NAMESPACE}/{plural}/{obj['metadata']['name']}", json.dumps(obj),
             content_type="application/apply-patch+yaml", query={"fieldManager": manager, "force": "true"})


@pytest.fixture(scope="module")
def cluster(gitops: FluxControllers) -> Iterator[tuple[ApiClient, Tools]]:
    """The namespace `diffs`, and in it a ConfigMap the real kustomize-controller applied from Git."""
    repo = gitops.git.repository("diffs")
    repo.commit({"diffs/ns.yaml": yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": {"name": NAMESPACE}}),
                 "diffs/cm.yaml": yaml.safe_dump(config_map("from-git", {"owned": "from-git", "other": "x"}))},
                "diffs")
    api = gitops.cluster.api("admin")
    api.create(f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{FLUX_NAMESPACE}/gitrepositories", {
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "diffs", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "url": repo.url, "ref": {"branch": "main"}, "timeout": "30s"}})
    api.create(f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations", {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "diffs", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "path": "./diffs", "prune": False, "timeout": "30s",
                 "sourceRef": {"kind": "GitRepository", "name": "diffs"}}})
    wait_condition(api, f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations/diffs", "Ready", "True")
    yield api, Tools(gitops.cluster.kubeconfig)
    api.request("DELETE", f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations/diffs")
    delete_namespaces(api, NAMESPACE)


async def diffed(tools: Tools, manifest: str) -> tuple[Answer, list[dict[str, Any]]]:
    answer = await tools.ok("diff_kubernetes_manifest", yaml_content=manifest)
    return answer, answer.structured["objects"]


def live(api: ApiClient, name: str) -> dict[str, Any]:
    return api.get(f"{CM}/{name}").body


async def test_a_new_object_would_be_created_and_the_real_server_stores_nothing(
    cluster: tuple[ApiClient, Tools],
) -> None:
    api, tools = cluster
    answer, [obj] = await diffed(tools, as_yaml(config_map("brand-new", {"greeting": "hello"})))
    assert (obj["kind"], obj["name"], obj["action"]) == ("ConfigMap", "brand-new", "create"), answer.text
    assert f"ConfigMap {NAMESPACE}/brand-new (v1): would be created" in answer.text
    assert api.get(f"{CM}/brand-new").status == 404


async def test_changed_removed_and_unchanged_fields_as_the_real_dry_run_reports_them(
    cluster: tuple[ApiClient, Tools],
) -> None:
    api, tools = cluster
    applied_by(api, "fluxcd-mcp", config_map("edited", {"greeting": "hello", "drop": "2", "keep": "1"}))
    before = live(api, "edited")
    answer, [obj] = await diffed(tools, as_yaml(config_map("edited", {"greeting": "bye", "keep": "1"})))
    assert obj["action"] == "change", answer.text
    assert {(c["path"], c["op"]) for c in obj["changes"]} == {(".data.greeting", "changed"), (".data.drop", "removed")}
    assert '~ .data.greeting: "hello" → "bye"' in answer.text and '- .data.drop: "2"' in answer.text
    after = live(api, "edited")
    assert after["data"] == before["data"] and after["metadata"]["resourceVersion"] == before["metadata"][
        "resourceVersion"]

    same = config_map("same", {"greeting": "hello"})
    applied_by(api, "fluxcd-mcp", same)
    answer, [obj] = await diffed(tools, as_yaml(same))
    assert (obj["action"], obj["changes"]) == ("unchanged", []), answer.text


async def test_an_object_kustomize_controller_applied_names_its_kustomization_and_owned_fields(
    cluster: tuple[ApiClient, Tools],
) -> None:
    api, tools = cluster
    # The real controller labelled it and owns .data.owned in managedFields.
    assert live(api, "from-git")["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "diffs"
    answer, [obj] = await diffed(tools, as_yaml(config_map("from-git", {"owned": "by-hand", "other": "x"})))
    assert obj["managed_by"] == f"Kustomization {FLUX_NAMESPACE}/diffs", answer.text
    assert ".data.owned" in obj["flux_owned_fields"]
    owned = next(c for c in obj["changes"] if c["path"] == ".data.owned")
    assert owned["owners"] == ["kustomize-controller"]
    assert "[owned by kustomize-controller: Flux reverts it on its next reconcile]" in answer.text
    assert live(api, "from-git")["data"]["owned"] == "from-git"


async def test_a_field_kubectl_owns_says_apply_needs_overwrite(cluster: tuple[ApiClient, Tools]) -> None:
    api, tools = cluster
    applied_by(api, "kubectl", config_map("by-kubectl", {"replicas": "1"}))
    answer, [obj] = await diffed(tools, as_yaml(config_map("by-kubectl", {"replicas": "2"})))
    assert obj["changes"][0]["owners"] == ["kubectl"] and obj["flux_owned_fields"] == [], answer.text
    assert "owned by kubectl: apply_kubernetes_manifest needs overwrite=true" in answer.text


async def test_secret_values_are_masked_on_both_sides_of_the_real_dry_run(cluster: tuple[ApiClient, Tools]) -> None:
    api, tools = cluster
    applied_by(api, "fluxcd-mcp", secret("creds", {"password": "old-hunter2", "user": "admin"}))
    manifest = secret("creds", {"password": "new-hunter3", "user": "admin", "token": "fresh-token-9"})
    answer = await tools.ok("diff_kubernetes_manifest", yaml_content=as_yaml(manifest))
    everything = answer.text + json.dumps(answer.structured)
    for value in ("old-hunter2", "new-hunter3", "fresh-token-9", "admin"):
        assert value not in everything
        assert base64.b64encode(value.encode()).decode() not in everything
    [obj] = answer.structured["objects"]
    assert obj["values_masked"] is True
    assert [(c["path"], c["op"], c["after"]) for c in obj["changes"]] == [(".data.token", "added", '"****"')]
    stored = api.get(f"/api/v1/namespaces/{NAMESPACE}/secrets/creds").body["data"]
    assert set(stored) == {"password", "user"}


async def test_what_the_real_server_rejects_and_invalid_yaml(cluster: tuple[ApiClient, Tools]) -> None:
    api, tools = cluster
    bad = config_map("bad-data", {})
    bad["data"] = {"count": 3}  # a ConfigMap's data holds strings only
    answer, objects = await diffed(tools, as_yaml(config_map("fine", {"a": "1"}), bad))
    assert [(o["name"], o["action"]) for o in objects] == [("fine", "create"), ("bad-data", "rejected")], answer.text
    assert f"ConfigMap {NAMESPACE}/bad-data (v1): would be rejected by the API server" in answer.text

    broken = await tools.call("diff_kubernetes_manifest",
                              yaml_content="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n")
    assert broken.is_error and "yaml_content document 1: invalid YAML at line" in broken.text, broken.text
    assert api.get(f"{CM}/fine").status == 404
