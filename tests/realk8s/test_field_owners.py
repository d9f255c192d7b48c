"""Field ownership on the real server: objects the real kustomize-controller applied (server-side, as
field manager `kustomize-controller`) are recognised as Flux's from managedFields even without Flux's
labels; a server-side apply conflict names each field and its manager; overwrite=true takes the fields
and says which changed hands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.realk8s.api import ApiClient
from tests.realk8s.flux import FLUX_NAMESPACE, FluxControllers
from tests.realk8s.tools import Tools, wait_condition

NAMESPACE = "owners"
KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
CM = f"/api/v1/namespaces/{NAMESPACE}/configmaps"


def _config_map(name: str, **data: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NAMESPACE},
            "data": data}


@pytest.fixture(scope="module")
def owned(gitops: FluxControllers) -> Iterator[tuple[ApiClient, Tools]]:
    repo = gitops.git.repository("owners")
    repo.commit({"owners/ns.yaml": yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": NAMESPACE}}),
                 "owners/cm.yaml": yaml.safe_dump(_config_map("flux-owned", mode="blue"))}, "owners")
    api = gitops.cluster.api("admin")
    api.create(f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{FLUX_NAMESPACE}/gitrepositories", {
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "owners", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "url": repo.url, "ref": {"branch": "main"}, "timeout": "30s"}})
    api.create(f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations", {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "owners", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "path": "./owners", "prune": True, "timeout": "30s",
                 "sourceRef": {"kind": "GitRepository", "name": "owners"}}})
    wait_condition(api, f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations/owners", "Ready", "True")
    # Flux's labels removed (as an object Flux applied before labelling, or relabelled by hand): only
    # managedFields still say that kustomize-controller applied it.
    api.must("PATCH", f"{CM}/flux-owned", [{"op": "remove", "path": "/metadata/labels"}],
             content_type="application/json-patch+json")
    yield api, Tools(gitops.cluster.kubeconfig)


def _managers(api: ApiClient, name: str) -> dict[str, str]:
    body = api.get(f"{CM}/{name}").body
    return {entry["manager"]: str(entry.get("fieldsV1")) for entry in body["metadata"]["managedFields"]}


async def test_an_object_flux_applied_without_labels_is_guarded_by_its_managed_fields(
    owned: tuple[ApiClient, Tools],
) -> None:
    api, tools = owned
    assert "labels" not in api.get(f"{CM}/flux-owned").body["metadata"]
    patch = await tools.call("patch_kubernetes_resource", kind="ConfigMap", name="flux-owned", namespace=NAMESPACE,
                             patch='{"data": {"mode": "red"}}')
    assert patch.is_error and "kustomize-controller" in patch.text and "managedFields" in patch.text, patch.text
    delete = await tools.call("delete_kubernetes_resource", kind="ConfigMap", name="flux-owned", namespace=NAMESPACE)
    assert delete.is_error and "kustomize-controller" in delete.text, delete.text
    assert api.get(f"{CM}/flux-owned").body["data"] == {"mode": "blue"}


async def test_overwrite_takes_the_fields_from_kustomize_controller_and_says_which(
    owned: tuple[ApiClient, Tools],
) -> None:
    api, tools = owned
    manifest = yaml.safe_dump(_config_map("flux-owned", mode="red"))
    refused = await tools.call("apply_kubernetes_manifest", yaml_content=manifest)
    assert refused.is_error and "kustomize-controller" in refused.text
    taken = await tools.ok("apply_kubernetes_manifest", yaml_content=manifest, overwrite=True)
    assert "fields that changed hands: .data.mode (from kustomize-controller)" in taken.text, taken.text
    assert api.get(f"{CM}/flux-owned").body["data"] == {"mode": "red"}
    assert "f:mode" in _managers(api, "flux-owned")["fluxcd-mcp"]


async def test_a_conflict_names_each_field_and_its_manager(owned: tuple[ApiClient, Tools]) -> None:
    api, tools = owned
    api.must("PATCH", f"{CM}/platform", _config_map("platform", color="green", size="l"),
             content_type="application/apply-patch+yaml", query={"fieldManager": "platform-team"})
    manifest = yaml.safe_dump(_config_map("platform", color="red", size="s"))
    answer = await tools.call("apply_kubernetes_manifest", yaml_content=manifest)
    assert answer.is_error, answer.text
    assert "- .data.color is owned by platform-team" in answer.text, answer.text
    assert "- .data.size is owned by platform-team" in answer.text
    assert "Read the object again and retry" not in answer.text
    assert api.get(f"{CM}/platform").body["data"] == {"color": "green", "size": "l"}
