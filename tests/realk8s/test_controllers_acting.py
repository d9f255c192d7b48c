"""Controllers that act, fail, or do not act, on the real server: a Kustomization whose manifests fail
the server's dry run (Ready=False ReconciliationFailed with Reconciling=True ProgressingWithRetry, as
the real kustomize-controller v1.9.6 writes it) is failing and a reconcile returns its failure at once;
a request no controller picks up says so; a Flux object held by its finalizer says who holds it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.realk8s.api import delete_namespaces
from tests.realk8s.cluster import RealCluster
from tests.realk8s.flux import FLUX_NAMESPACE, FluxControllers
from tests.realk8s.tools import Tools, condition, wait_condition

KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
NAMESPACE = "retrying"
STATIC_NAMESPACE = "unattended"


def _deployment(replicas: object) -> str:
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment",
                           "metadata": {"name": "web", "namespace": NAMESPACE},
                           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                                    "template": {"metadata": {"labels": {"app": "web"}},
                                                 "spec": {"containers": [{"name": "web",
                                                                          "image": "registry.example/web:1"}]}}}})


def _kustomization(name: str, path: str, source: str, namespace: str = FLUX_NAMESPACE) -> dict[str, object]:
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"interval": "10m", "retryInterval": "5m", "path": path, "prune": True, "timeout": "30s",
                     "sourceRef": {"kind": "GitRepository", "name": source}}}


async def test_a_dry_run_failure_the_controller_retries_is_failing_and_reconcile_returns_at_once(
    gitops: FluxControllers,
) -> None:
    repo = gitops.git.repository("retrying")
    repo.commit({"app/ns.yaml": yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": NAMESPACE}}),
                 "app/web.yaml": _deployment("three")}, "replicas as a word")
    api = gitops.cluster.api("admin")
    api.create(f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{FLUX_NAMESPACE}/gitrepositories", {
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "retrying", "namespace": FLUX_NAMESPACE},
        "spec": {"interval": "10m", "url": repo.url, "ref": {"branch": "main"}, "timeout": "30s"}})
    api.create(f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations", _kustomization("retrying", "./app", "retrying"))
    path = f"{KS}/namespaces/{FLUX_NAMESPACE}/kustomizations/retrying"
    ks = wait_condition(api, path, "Ready", "False", "ReconciliationFailed")
    # The shape the real controller writes (and the sandbox must too).
    assert condition(ks, "Reconciling").get("reason") == "ProgressingWithRetry", ks["status"]
    assert ks["status"]["observedGeneration"] == -1

    tools = Tools(gitops.cluster.kubeconfig)
    health = await tools.ok("get_flux_health", namespace=FLUX_NAMESPACE)
    line = next(line for line in health.text.splitlines() if "Kustomization flux-system/retrying" in line)
    assert "[failing]" in line and "ReconciliationFailed" in line, health.text
    analysis = await tools.ok("analyze_flux_resource", kind="Kustomization", name="retrying",
                              namespace=FLUX_NAMESPACE)
    assert "no failure yet" not in analysis.text and "replicas" in analysis.text, analysis.text

    answer = await tools.ok("reconcile_flux_resource", kind="Kustomization", name="retrying",
                            namespace=FLUX_NAMESPACE, timeout=60)
    assert "reconcile failed" in answer.text and "ReconciliationFailed" in answer.text, answer.text
    # Returned once the controller handled the request, long before the 60 s timeout (polls, not seconds).
    assert answer.structured["outcome"] == "failed"
    assert answer.structured["polls"] < 40, answer.structured


@pytest.fixture(scope="module")
def static_tools(real_cluster: RealCluster) -> Iterator[Tools]:
    """The control plane without Flux controllers: nobody handles a request or removes a finalizer."""
    admin = real_cluster.api("admin")
    if not admin.get(f"/api/v1/namespaces/{STATIC_NAMESPACE}").ok:
        admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": STATIC_NAMESPACE}})
    admin.create(f"{KS}/namespaces/{STATIC_NAMESPACE}/kustomizations",
                 _kustomization("unattended", "./x", "nowhere", STATIC_NAMESPACE))
    yield Tools(real_cluster.kubeconfig)
    # No controller will ever release the finalizer: the test does, then the namespace goes.
    admin.request("PATCH", f"{KS}/namespaces/{STATIC_NAMESPACE}/kustomizations/held",
                  {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")
    delete_namespaces(admin, STATIC_NAMESPACE)


async def test_a_reconcile_no_controller_picks_up_says_so_and_what_to_check(static_tools: Tools) -> None:
    answer = await static_tools.ok("reconcile_flux_resource", kind="Kustomization", name="unattended",
                                   namespace=STATIC_NAMESPACE, timeout=2)
    assert "not picked up by kustomize-controller within" in answer.text, answer.text
    assert "check that kustomize-controller is running" in answer.text
    assert "still reconciling" not in answer.text


async def test_a_flux_object_held_by_its_finalizer_says_who_holds_it(
    real_cluster: RealCluster, static_tools: Tools,
) -> None:
    admin = real_cluster.api("admin")
    held = _kustomization("held", "./x", "nowhere", STATIC_NAMESPACE)
    held["metadata"]["finalizers"] = ["finalizers.fluxcd.io"]  # type: ignore[index]
    admin.create(f"{KS}/namespaces/{STATIC_NAMESPACE}/kustomizations", held)
    answer = await static_tools.ok("delete_kubernetes_resource", kind="Kustomization", name="held",
                                   namespace=STATIC_NAMESPACE)
    assert "is being deleted" in answer.text and "finalizers.fluxcd.io" in answer.text, answer.text
    assert "until kustomize-controller has cleaned up" in answer.text
    assert answer.structured["pending_finalizers"] == ["finalizers.fluxcd.io"]
