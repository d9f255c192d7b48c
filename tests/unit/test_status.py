"""Status evaluation: one state per object from Ready, Reconciling, Stalled, suspend and generations."""

from __future__ import annotations

from typing import Any

from flux_mcp.flux.status import evaluate_status, is_suspended, revision_of, workload_state


def condition(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message}


def kustomization(
    *conditions: dict[str, Any], generation: int = 2, observed: int | None = 2, suspend: bool = False,
    **status: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": generation},
        "spec": {"suspend": suspend},
        "status": {"conditions": list(conditions), **status},
    }
    if observed is not None:
        obj["status"]["observedGeneration"] = observed
    return obj


def test_ready_true_on_the_current_generation_is_ready() -> None:
    status = evaluate_status(kustomization(condition("Ready", "True", "ReconciliationSucceeded"),
                                           lastAppliedRevision="main@sha1:abc"))

    assert (status.state, status.reason, status.revision) == ("ready", "ReconciliationSucceeded", "main@sha1:abc")


def test_ready_false_is_failed_with_reason_and_message() -> None:
    status = evaluate_status(kustomization(condition("Ready", "False", "HealthCheckFailed", "timeout waiting")))

    assert status.state == "failed" and status.short == "failed: HealthCheckFailed"
    assert status.message == "timeout waiting"


def test_stalled_wins_over_ready() -> None:
    status = evaluate_status(kustomization(condition("Ready", "False", "UpgradeFailed"),
                                           condition("Stalled", "True", "RetriesExceeded", "gave up")))

    assert (status.state, status.reason, status.stalled) == ("failed", "RetriesExceeded", True)


def test_reconciling_is_progressing() -> None:
    status = evaluate_status(kustomization(condition("Ready", "Unknown", "Progressing"),
                                           condition("Reconciling", "True", "Progressing", "applying")))

    assert status.state == "progressing" and status.message == "applying"


def test_a_verdict_for_an_older_generation_does_not_count() -> None:
    status = evaluate_status(kustomization(condition("Ready", "True", "ReconciliationSucceeded"),
                                           generation=3, observed=2))

    assert status.state == "progressing"
    assert "generation 3 not yet observed" in status.message
    assert not status.is_current


def test_suspended_objects_report_suspended_with_the_last_reason() -> None:
    status = evaluate_status(kustomization(condition("Ready", "False", "ArtifactFailed"), suspend=True))

    assert status.state == "suspended" and "ArtifactFailed" in status.message


def test_operator_kinds_suspend_by_annotation() -> None:
    instance = {"apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
                "metadata": {"name": "flux", "annotations": {"fluxcd.controlplane.io/reconcile": "disabled"}}}

    assert is_suspended(instance)
    assert evaluate_status(instance).state == "suspended"


def test_no_status_yet_is_unknown() -> None:
    status = evaluate_status({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                              "metadata": {"name": "x"}})

    assert (status.state, status.reason) == ("unknown", "NoStatus")


def test_static_kinds_without_status_are_in_effect() -> None:
    provider = {"apiVersion": "notification.toolkit.fluxcd.io/v1beta3", "kind": "Provider",
                "metadata": {"name": "slack"}, "spec": {"type": "slack"}}

    status = evaluate_status(provider)

    assert (status.state, status.reason) == ("ready", "Static")


def test_revisions_come_from_artifacts_applied_revisions_or_helm_history() -> None:
    assert revision_of({"status": {"artifact": {"revision": "main@sha1:1"}}}) == "main@sha1:1"
    assert revision_of({"status": {"history": [{"chartName": "podinfo", "chartVersion": "6.5.0"}]}}) == "podinfo@6.5.0"


def test_a_crash_looping_pod_is_failed_with_restarts() -> None:
    pod = {"kind": "Pod", "status": {"phase": "Running", "containerStatuses": [
        {"name": "api", "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}}
    ]}}

    status = workload_state(pod)

    assert status.state == "failed" and status.reason == "CrashLoopBackOff" and "7 restarts" in status.message


def test_deployments_are_ready_when_all_replicas_are() -> None:
    ready = {"kind": "Deployment", "spec": {"replicas": 2}, "status": {"readyReplicas": 2}}
    assert workload_state(ready).state == "ready"
    assert workload_state({"kind": "Deployment", "spec": {"replicas": 2},
                           "status": {"readyReplicas": 1}}).state == "progressing"
