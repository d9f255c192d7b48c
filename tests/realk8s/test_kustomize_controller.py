"""Kustomizations reconciled by the real kustomize-controller v1.9.6 from a loopback git server,
read and driven through our tools: applied, failing a build, blocked by a dependency, pruned,
suspended and resumed. Every expectation is about what our tools say of what Flux itself wrote."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from tests.realk8s.api import ApiClient
from tests.realk8s.flux import FLUX_NAMESPACE, FluxControllers
from tests.realk8s.gitserver import Repository
from tests.realk8s.tools import Tools, condition, wait_condition

KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
SOURCE = "/apis/source.toolkit.fluxcd.io/v1"
APP_NAMESPACE = "shop"


def _config_map(name: str, **data: str) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": name, "namespace": APP_NAMESPACE}, "data": data})


def _kustomization(name: str, path: str, depends_on: list[str] | None = None) -> dict[str, object]:
    spec: dict[str, object] = {"interval": "10m", "retryInterval": "20s", "path": path, "prune": True,
                               "sourceRef": {"kind": "GitRepository", "name": "fleet"}, "timeout": "30s"}
    if depends_on:
        spec["dependsOn"] = [{"name": dep} for dep in depends_on]
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": FLUX_NAMESPACE}, "spec": spec}


@dataclass
class Fleet:
    api: ApiClient
    repo: Repository
    tools: Tools
    first_commit: str

    def ks_path(self, name: str) -> str:
        return f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations/{name}"

    def config_map(self, name: str) -> dict[str, object] | None:
        response = self.api.get(f"/api/v1/namespaces/{APP_NAMESPACE}/configmaps/{name}")
        return response.body if response.ok else None


@pytest.fixture(scope="module")
def fleet(gitops: FluxControllers) -> Iterator[Fleet]:
    repo = gitops.git.repository("fleet")
    commit = repo.commit({
        "shop/namespace.yaml": yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": APP_NAMESPACE}}),
        "shop/settings.yaml": _config_map("settings", mode="blue"),
        "shop/extras.yaml": _config_map("extras", feature="on"),
        "broken/kustomization.yaml": yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                                                     "kind": "Kustomization", "resources": ["absent.yaml"]}),
        "blocked/later.yaml": _config_map("later", value="1"),
    }, "the shop, a broken overlay and one that waits for it")
    api = gitops.cluster.api("admin")
    api.create(f"{SOURCE}/namespaces/{FLUX_NAMESPACE}/gitrepositories", {
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "fleet", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "url": repo.url, "ref": {"branch": "main"}, "timeout": "30s"},
    })
    for obj in (_kustomization("shop", "./shop"), _kustomization("broken", "./broken"),
                _kustomization("blocked", "./blocked", depends_on=["broken"])):
        api.create(f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations", obj)
    yield Fleet(api, repo, Tools(gitops.cluster.kubeconfig), commit)


async def test_an_applied_kustomization_is_ready_with_its_inventory(fleet: Fleet) -> None:
    ks = wait_condition(fleet.api, fleet.ks_path("shop"), "Ready", "True")
    assert fleet.first_commit in ks["status"]["lastAppliedRevision"]

    analysis = await fleet.tools.ok("analyze_flux_resource", kind="Kustomization", name="shop",
                                    namespace=FLUX_NAMESPACE)
    assert "is ready" in analysis.text
    assert fleet.first_commit in analysis.text

    tree = await fleet.tools.ok("get_flux_inventory_tree", kind="Kustomization", name="shop",
                                namespace=FLUX_NAMESPACE)
    for entry in ("ConfigMap shop/settings", "ConfigMap shop/extras", "Namespace shop"):
        assert entry.replace(" ", "") in tree.text.replace(" ", ""), tree.text

    listed = await fleet.tools.ok("get_kubernetes_resources", kind="ConfigMap", namespace=APP_NAMESPACE,
                                  name="settings")
    assert "kustomize.toolkit.fluxcd.io/name: shop" in listed.text
    # Applied by the controller itself, server-side, as its own field manager.
    managers = {m["manager"] for m in fleet.api.get(
        f"/api/v1/namespaces/{APP_NAMESPACE}/configmaps/settings").body["metadata"]["managedFields"]}
    assert managers == {"kustomize-controller"}


async def test_the_real_controller_reports_a_failed_build_as_a_failure_it_will_retry(fleet: Fleet) -> None:
    ks = wait_condition(fleet.api, fleet.ks_path("broken"), "Ready", "False", "BuildFailed")
    assert "absent.yaml" in condition(ks, "Ready")["message"]
    # The shape issue 18 describes: Ready=False with the failure, Reconciling=True while it retries,
    # observedGeneration -1 until a first success.
    assert condition(ks, "Reconciling").get("reason") == "ProgressingWithRetry"
    assert ks["status"]["observedGeneration"] == -1


async def test_a_kustomization_whose_build_fails_is_reported_failing_with_the_build_error(fleet: Fleet) -> None:
    wait_condition(fleet.api, fleet.ks_path("broken"), "Ready", "False", "BuildFailed")
    health = await fleet.tools.ok("get_flux_health", namespace=FLUX_NAMESPACE)
    line = next(line for line in health.text.splitlines() if "Kustomization flux-system/broken" in line)
    assert "[failing]" in line and "BuildFailed" in line, health.text

    analysis = await fleet.tools.ok("analyze_flux_resource", kind="Kustomization", name="broken",
                                    namespace=FLUX_NAMESPACE)
    assert "absent.yaml" in analysis.text
    assert "no failure yet" not in analysis.text


async def test_a_kustomization_waiting_on_a_failing_dependency_is_filed_under_it(fleet: Fleet) -> None:
    wait_condition(fleet.api, fleet.ks_path("blocked"), "Ready", "False", "DependencyNotReady")
    assert fleet.config_map("later") is None  # the controller never applied it

    health = await fleet.tools.ok("get_flux_health", namespace=FLUX_NAMESPACE)
    lines = health.text.splitlines()
    root = next(i for i, line in enumerate(lines) if "Kustomization flux-system/broken" in line)
    blocked = next(i for i, line in enumerate(lines) if "Kustomization flux-system/blocked" in line)
    assert root < blocked and "DependencyNotReady" in lines[blocked], health.text
    assert not lines[blocked].lstrip()[0].isdigit(), "the blocked Kustomization is not a root cause of its own"

    analysis = await fleet.tools.ok("analyze_flux_resource", kind="Kustomization", name="blocked",
                                    namespace=FLUX_NAMESPACE)
    assert "broken" in analysis.text


async def test_a_manifest_removed_from_git_is_pruned_after_a_reconcile_through_our_tool(fleet: Fleet) -> None:
    wait_condition(fleet.api, fleet.ks_path("shop"), "Ready", "True")
    assert fleet.config_map("extras") is not None
    commit = fleet.repo.commit({"shop/extras.yaml": None}, "drop the extras")

    answer = await fleet.tools.ok("reconcile_flux_resource", kind="Kustomization", name="shop",
                                  namespace=FLUX_NAMESPACE, with_source=True, timeout=60)
    assert commit in answer.text, answer.text
    fleet.api.wait_for("the pruned ConfigMap to be gone", lambda: fleet.config_map("extras") is None, timeout=60)

    tree = await fleet.tools.ok("get_flux_inventory_tree", kind="Kustomization", name="shop",
                                namespace=FLUX_NAMESPACE)
    assert "extras" not in tree.text
    assert "settings" in tree.text


async def test_a_suspended_kustomization_holds_back_a_commit_until_resumed_through_our_tools(fleet: Fleet) -> None:
    wait_condition(fleet.api, fleet.ks_path("shop"), "Ready", "True")
    await fleet.tools.ok("suspend_flux_reconciliation", kind="Kustomization", name="shop", namespace=FLUX_NAMESPACE)
    assert fleet.api.get(fleet.ks_path("shop")).body["spec"]["suspend"] is True
    commit = fleet.repo.commit({"shop/settings.yaml": _config_map("settings", mode="green")}, "go green")

    await fleet.tools.ok("reconcile_flux_resource", kind="GitRepository", name="fleet", namespace=FLUX_NAMESPACE,
                         timeout=60)
    repo_path = f"{SOURCE}/namespaces/{FLUX_NAMESPACE}/gitrepositories/fleet"
    fleet.api.wait_for("the new commit's artifact", lambda: commit in str(
        fleet.api.get(repo_path).body.get("status", {}).get("artifact", {}).get("revision", "")), timeout=60)

    health = await fleet.tools.ok("get_flux_health", namespace=FLUX_NAMESPACE)
    line = next(line for line in health.text.splitlines() if "Kustomization flux-system/shop" in line)
    assert "[suspended]" in line, health.text
    settings = fleet.config_map("settings")
    assert settings is not None and settings["data"] == {"mode": "blue"}

    resumed = await fleet.tools.ok("resume_flux_reconciliation", kind="Kustomization", name="shop",
                                   namespace=FLUX_NAMESPACE, timeout=60)
    assert commit in resumed.text, resumed.text
    settings = fleet.config_map("settings")
    assert settings is not None and settings["data"] == {"mode": "green"}
