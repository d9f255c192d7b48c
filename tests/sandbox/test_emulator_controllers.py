"""The controller simulator answers reconcile requests the way the Flux controllers do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions

MERGE = {"Content-Type": "application/merge-patch+json"}
GIT = "/apis/source.toolkit.fluxcd.io/v1/namespaces/{ns}/gitrepositories/{name}"
KS = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{ns}/kustomizations/{name}"
HR = "/apis/helm.toolkit.fluxcd.io/v2/namespaces/{ns}/helmreleases/{name}"
FI = "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances/flux"


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def annotate(api: httpx2.Client, path: str, **annotations: str) -> None:
    response = api.patch(path, json={"metadata": {"annotations": annotations}}, headers=MERGE)
    assert response.status_code == 200, response.text


def request_reconcile(sandbox: Sandbox, api: httpx2.Client, path: str, token: str, **extra: str) -> dict[str, Any]:
    annotate(api, path, **{"reconcile.fluxcd.io/requestedAt": token}, **extra)
    assert sandbox.wait_idle()
    result: dict[str, Any] = api.get(path).json()
    return result


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next((c for c in obj["status"].get("conditions", []) if c["type"] == type_), {})


def warning_events(api: httpx2.Client, namespace: str, name: str) -> list[dict[str, Any]]:
    body = api.get(f"/api/v1/namespaces/{namespace}/events",
                   params={"fieldSelector": f"involvedObject.name={name},type=Warning"}).json()
    return list(body["items"])


def test_a_healthy_git_source_stores_a_new_revision_and_its_kustomizations_follow(
    sandbox: Sandbox, api: httpx2.Client
) -> None:
    before = api.get(GIT.format(ns="flux-system", name="flux-system")).json()["status"]["artifact"]["revision"]
    repo = request_reconcile(sandbox, api, GIT.format(ns="flux-system", name="flux-system"), "2026-01-01T00:00:01Z")
    revision = repo["status"]["artifact"]["revision"]
    assert repo["status"]["lastHandledReconcileAt"] == "2026-01-01T00:00:01Z"
    assert revision != before and revision.startswith("main@sha1:")
    assert condition(repo, "Ready")["status"] == "True"
    assert condition(repo, "Ready")["message"] == f"stored artifact for revision '{revision}'"
    assert not condition(repo, "Reconciling")
    apps = api.get(KS.format(ns="flux-system", name="apps")).json()
    assert apps["status"]["lastAppliedRevision"] == revision
    assert condition(apps, "Ready")["message"] == f"Applied revision: {revision}"


def test_a_kustomization_reconcile_records_the_token_and_generation(sandbox: Sandbox, api: httpx2.Client) -> None:
    path = KS.format(ns="flux-system", name="infra-configs")
    api.patch(path, json={"spec": {"timeout": "7m"}}, headers=MERGE)
    ks = request_reconcile(sandbox, api, path, "token-ks")
    assert ks["status"]["lastHandledReconcileAt"] == "token-ks"
    assert ks["status"]["observedGeneration"] == ks["metadata"]["generation"] == 2
    ready = condition(ks, "Ready")
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == ("True", "ReconciliationSucceeded", 2)


def test_a_failing_source_stays_failing_with_a_fresh_event_and_log_line(sandbox: Sandbox, api: httpx2.Client) -> None:
    path = GIT.format(ns="team-billing", name="billing")
    count_before = sum(e["count"] for e in warning_events(api, "team-billing", "billing"))
    pod = sandbox.controller_pods["source-controller"]
    log_before = api.get(f"/api/v1/namespaces/flux-system/pods/{pod}/log").text.count("\n")
    repo = request_reconcile(sandbox, api, path, "token-billing")
    assert repo["status"]["lastHandledReconcileAt"] == "token-billing"
    assert condition(repo, "Ready")["status"] == "False"
    assert condition(repo, "Ready")["reason"] == "GitOperationFailed"
    assert "artifact" not in repo["status"]
    assert sum(e["count"] for e in warning_events(api, "team-billing", "billing")) == count_before + 1
    log_after = api.get(f"/api/v1/namespaces/flux-system/pods/{pod}/log").text
    assert log_after.count("\n") == log_before + 1
    assert '"name":"billing"' in log_after.splitlines()[-1]


def test_kustomizations_report_missing_sources_and_unready_dependencies(sandbox: Sandbox, api: httpx2.Client) -> None:
    search = request_reconcile(sandbox, api, KS.format(ns="team-search", name="search"), "t-search")
    assert condition(search, "Ready")["reason"] == "ArtifactFailed"
    assert "search-repo" in condition(search, "Ready")["message"]
    blocked = request_reconcile(sandbox, api, KS.format(ns="team-data", name="data-apps"), "t-data")
    assert condition(blocked, "Ready")["reason"] == "DependencyNotReady"
    assert condition(blocked, "Ready")["message"] == "dependency 'team-data/data-infra' is not ready"
    broken = request_reconcile(sandbox, api, KS.format(ns="team-data", name="data-infra"), "t-infra")
    assert condition(broken, "Ready")["reason"] == "ReconciliationFailed"


def test_suspended_objects_are_skipped(sandbox: Sandbox, api: httpx2.Client) -> None:
    legacy = request_reconcile(sandbox, api, KS.format(ns="team-legacy", name="legacy"), "t-legacy")
    assert "lastHandledReconcileAt" not in legacy["status"]
    resumed = api.patch(KS.format(ns="team-legacy", name="legacy"), json={
        "spec": {"suspend": False}, "metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "t-resume"}}},
        headers=MERGE)
    assert resumed.status_code == 200
    assert sandbox.wait_idle()
    legacy = api.get(KS.format(ns="team-legacy", name="legacy")).json()
    assert legacy["status"]["lastHandledReconcileAt"] == "t-resume"


def test_a_forced_helm_release_upgrades_and_records_the_force_token(sandbox: Sandbox, api: httpx2.Client) -> None:
    path = HR.format(ns="podinfo", name="podinfo")
    release = request_reconcile(sandbox, api, path, "t-force", **{"reconcile.fluxcd.io/forceAt": "t-force"})
    status = release["status"]
    assert status["lastHandledForceAt"] == "t-force" and status["lastHandledReconcileAt"] == "t-force"
    assert [(h["version"], h["status"]) for h in status["history"]] == [(2, "deployed"), (1, "superseded")]
    assert condition(release, "Ready")["reason"] == "UpgradeSucceeded"
    assert condition(release, "Ready")["message"].startswith("Helm upgrade succeeded for release podinfo/podinfo.v2")


def test_a_reset_of_a_stalled_release_is_handled_but_the_upgrade_still_fails(
    sandbox: Sandbox, api: httpx2.Client
) -> None:
    path = HR.format(ns="team-web", name="frontend")
    release = request_reconcile(sandbox, api, path, "t-reset", **{"reconcile.fluxcd.io/resetAt": "t-reset"})
    assert release["status"]["lastHandledResetAt"] == "t-reset"
    assert release["status"]["upgradeFailures"] == 1
    assert condition(release, "Ready")["reason"] == "UpgradeFailed"
    assert not condition(release, "Stalled")


def test_operator_kinds_honour_the_disabled_annotation(sandbox: Sandbox, api: httpx2.Client) -> None:
    annotate(api, FI, **{"fluxcd.controlplane.io/reconcile": "disabled"})
    skipped = request_reconcile(sandbox, api, FI, "t-disabled")
    assert "lastHandledReconcileAt" not in skipped["status"]
    annotate(api, FI, **{"fluxcd.controlplane.io/reconcile": "enabled"})
    handled = request_reconcile(sandbox, api, FI, "t-enabled")
    assert handled["status"]["lastHandledReconcileAt"] == "t-enabled"
    assert condition(handled, "Ready")["reason"] == "ReconciliationSucceeded"


def test_a_new_kustomization_is_reconciled_when_created(sandbox: Sandbox, api: httpx2.Client) -> None:
    body = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "late", "namespace": "team-data"},
            "spec": {"interval": "5m", "path": "./late", "prune": True,
                     "sourceRef": {"kind": "GitRepository", "name": "data-repo"},
                     "dependsOn": [{"name": "data-infra"}]}}
    created = api.post("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/team-data/kustomizations", json=body)
    assert created.status_code == 201
    assert sandbox.wait_idle()
    late = api.get(KS.format(ns="team-data", name="late")).json()
    assert condition(late, "Ready")["reason"] == "DependencyNotReady"
    # kustomize-controller moves observedGeneration only on success: -1 until the first one.
    assert late["status"]["observedGeneration"] == -1


def test_a_failing_kustomization_keeps_reconciling_with_retry_like_kustomize_controller(
    sandbox: Sandbox, api: httpx2.Client
) -> None:
    before = api.get(KS.format(ns="team-data", name="data-infra")).json()
    failed = request_reconcile(sandbox, api, KS.format(ns="team-data", name="data-infra"), "t-retry")

    assert failed["status"]["lastHandledReconcileAt"] == "t-retry"
    assert condition(failed, "Ready")["status"] == "False"
    assert condition(failed, "Reconciling")["status"] == "True"
    assert condition(failed, "Reconciling")["reason"] == "ProgressingWithRetry"
    assert failed["status"].get("observedGeneration") == before["status"].get("observedGeneration", -1)


def test_reconciling_is_visible_before_the_verdict() -> None:
    with Sandbox(SandboxOptions(reconcile_delay=0.3)) as sb, httpx2.Client(base_url=sb.url) as api:
        path = KS.format(ns="flux-system", name="apps")
        annotate(api, path, **{"reconcile.fluxcd.io/requestedAt": "t-slow"})
        progressing = api.get(path).json()
        assert condition(progressing, "Reconciling")["status"] == "True"
        assert condition(progressing, "Reconciling")["reason"] == "Progressing"
        assert sb.wait_idle()
        done = api.get(path).json()
        assert not condition(done, "Reconciling") and condition(done, "Ready")["status"] == "True"


def test_a_fixed_credential_heals_the_whole_chain() -> None:
    with Sandbox(SandboxOptions(operator=False)) as sb, httpx2.Client(base_url=sb.url) as api:
        del sb.failures[("GitRepository", "team-billing", "billing")]
        request_reconcile(sb, api, GIT.format(ns="team-billing", name="billing"), "t-fixed")
        chain = [api.get(KS.format(ns="team-billing", name=n)).json()
                 for n in ("billing-infra", "billing-config", "billing-apps")]
        assert [condition(k, "Ready")["status"] for k in chain] == ["True", "True", "True"]
