"""Reconcile requests and their verdicts, decided from plain objects."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flux_mcp.flux.kinds import FORCE_AT, OPERATOR_RECONCILE, REQUESTED_AT, RESET_AT, FluxKind, find_flux_kind
from flux_mcp.flux.reconcile import (
    ObjectKey,
    ReconcileRefused,
    progress_line,
    reconcile_outcome,
    reconcile_patch,
    reconcile_refusal,
    request_token,
    resume_patch,
    source_of,
    suspend_patch,
)

TOKEN = "2026-11-03T10:15:30.123456789Z"


def flux_kind(name: str) -> FluxKind:
    kind = find_flux_kind(name)
    assert kind is not None
    return kind


def condition(type_: str, status: str, reason: str = "", message: str = "", generation: int | None = None
              ) -> dict[str, Any]:
    cond: dict[str, Any] = {"type": type_, "status": status, "reason": reason, "message": message}
    if generation is not None:
        cond["observedGeneration"] = generation
    return cond


def flux_object(
    kind: str, name: str = "apps", namespace: str = "flux-system", *, generation: int = 1,
    observed: int | None = 1, handled: str | None = None, conditions: list[dict[str, Any]] | None = None,
    spec: dict[str, Any] | None = None, annotations: dict[str, str] | None = None, **status: Any,
) -> dict[str, Any]:
    group = flux_kind(kind).group
    body: dict[str, Any] = dict(status)
    if observed is not None:
        body["observedGeneration"] = observed
    if handled is not None:
        body["lastHandledReconcileAt"] = handled
    if conditions is not None:
        body["conditions"] = conditions
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "generation": generation}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": metadata, "spec": spec or {}, "status": body}


def ready(reason: str = "ReconciliationSucceeded", message: str = "Applied revision: main@sha1:abc") -> dict[str, Any]:
    return condition("Ready", "True", reason, message)


# --- tokens ---------------------------------------------------------------------------------------

def test_token_is_rfc3339nano_in_utc_with_trailing_zeros_trimmed() -> None:
    assert request_token(1_793_700_930_123_456_789) == "2026-11-03T10:15:30.123456789Z"
    assert request_token(1_793_700_930_120_000_000) == "2026-11-03T10:15:30.12Z"
    assert request_token(1_793_700_930_000_000_000) == "2026-11-03T10:15:30Z"


def test_token_now_looks_like_the_flux_cli_writes_it() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", request_token())


def test_token_never_repeats_the_previous_request() -> None:
    previous = request_token(1_793_700_930_000_000_000)
    assert request_token(1_793_700_930_000_000_000, differ_from=previous) == "2026-11-03T10:15:30.000000001Z"


# --- patches --------------------------------------------------------------------------------------

def test_kustomization_reconcile_writes_only_requested_at() -> None:
    assert reconcile_patch(flux_kind("Kustomization"), TOKEN) == {"metadata": {"annotations": {REQUESTED_AT: TOKEN}}}


def test_helmrelease_force_and_reset_share_the_requested_at_token() -> None:
    annotations = reconcile_patch(flux_kind("HelmRelease"), TOKEN, force=True, reset=True)["metadata"]["annotations"]
    assert annotations == {REQUESTED_AT: TOKEN, FORCE_AT: TOKEN, RESET_AT: TOKEN}


def test_force_on_a_kustomization_is_refused_with_the_reason() -> None:
    with pytest.raises(ReconcileRefused, match="force applies only to HelmRelease"):
        reconcile_patch(flux_kind("Kustomization"), TOKEN, force=True)


def test_suspend_and_resume_toggle_spec_suspend_for_toolkit_kinds() -> None:
    ks = flux_kind("Kustomization")
    assert suspend_patch(ks) == {"spec": {"suspend": True}}
    assert resume_patch(ks, TOKEN) == {"spec": {"suspend": None}, "metadata": {"annotations": {REQUESTED_AT: TOKEN}}}


def test_operator_kinds_suspend_through_the_reconcile_annotation() -> None:
    rset = flux_kind("ResourceSet")
    assert suspend_patch(rset) == {"metadata": {"annotations": {OPERATOR_RECONCILE: "disabled"}}}
    assert resume_patch(rset, TOKEN) == {
        "metadata": {"annotations": {REQUESTED_AT: TOKEN, OPERATOR_RECONCILE: "enabled"}}
    }


def test_external_artifact_cannot_be_suspended() -> None:
    with pytest.raises(ReconcileRefused, match="ExternalArtifact"):
        suspend_patch(flux_kind("ExternalArtifact"))


# --- refusals -------------------------------------------------------------------------------------

def test_a_suspended_kustomization_is_refused_and_told_to_resume() -> None:
    legacy = flux_object("Kustomization", "legacy", "team-legacy", spec={"suspend": True})
    refusal = reconcile_refusal(flux_kind("Kustomization"), legacy)
    assert "Kustomization team-legacy/legacy is suspended" in refusal
    assert "resume_flux_reconciliation" in refusal


def test_a_resourceset_disabled_by_annotation_is_refused() -> None:
    tenants = flux_object("ResourceSet", "tenants", annotations={OPERATOR_RECONCILE: "disabled"})
    assert "suspended" in reconcile_refusal(flux_kind("ResourceSet"), tenants)


@pytest.mark.parametrize("kind", ["Alert", "Provider", "ExternalArtifact"])
def test_static_kinds_are_refused_with_their_reason(kind: str) -> None:
    refusal = reconcile_refusal(flux_kind(kind), flux_object(kind, "x"))
    assert refusal.startswith(f"{kind} flux-system/x cannot be reconciled: ")
    assert "static" in refusal or "producer" in refusal


def test_an_oci_helm_repository_is_static_but_a_default_one_is_not() -> None:
    repo = flux_kind("HelmRepository")
    assert "oci" in reconcile_refusal(repo, flux_object("HelmRepository", "ghcr", spec={"type": "oci"}))
    assert reconcile_refusal(repo, flux_object("HelmRepository", "podinfo", spec={"url": "https://x"})) == ""


# --- which source comes first ---------------------------------------------------------------------

def test_kustomization_source_is_its_source_ref_defaulting_to_its_namespace() -> None:
    ks = flux_object("Kustomization", "apps", spec={"sourceRef": {"kind": "GitRepository", "name": "flux-system"}})
    assert source_of(flux_kind("Kustomization"), ks) == ObjectKey("GitRepository", "flux-system", "flux-system")


def test_helmrelease_from_a_chart_template_reconciles_its_generated_helmchart_in_the_source_namespace() -> None:
    hr = flux_object("HelmRelease", "podinfo", "podinfo", spec={
        "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo",
                                                              "namespace": "flux-system"}}}})
    assert source_of(flux_kind("HelmRelease"), hr) == ObjectKey("HelmChart", "podinfo-podinfo", "flux-system")


def test_helmrelease_status_helmchart_names_the_generated_chart_exactly() -> None:
    hr = flux_object("HelmRelease", "podinfo", "podinfo", helmChart="charts/podinfo-podinfo-v2",
                     spec={"chart": {"spec": {"sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}})
    assert source_of(flux_kind("HelmRelease"), hr) == ObjectKey("HelmChart", "podinfo-podinfo-v2", "charts")


def test_helmrelease_chart_ref_points_straight_at_the_oci_repository() -> None:
    hr = flux_object("HelmRelease", "web", "team-web",
                     spec={"chartRef": {"kind": "OCIRepository", "name": "web-chart"}})
    assert source_of(flux_kind("HelmRelease"), hr) == ObjectKey("OCIRepository", "web-chart", "team-web")


def test_helmchart_source_is_its_helm_repository() -> None:
    chart = flux_object("HelmChart", "podinfo-podinfo",
                        spec={"sourceRef": {"kind": "HelmRepository", "name": "podinfo"}})
    assert source_of(flux_kind("HelmChart"), chart) == ObjectKey("HelmRepository", "podinfo", "flux-system")


def test_image_policy_reference_without_kind_means_an_image_repository() -> None:
    policy = flux_object("ImagePolicy", "podinfo", spec={"imageRepositoryRef": {"name": "podinfo"}})
    assert source_of(flux_kind("ImagePolicy"), policy) == ObjectKey("ImageRepository", "podinfo", "flux-system")


def test_a_git_repository_has_no_source_to_reconcile_first() -> None:
    assert source_of(flux_kind("GitRepository"), flux_object("GitRepository", "flux-system")) is None


# --- the verdict ----------------------------------------------------------------------------------

def test_undecided_until_the_controller_has_handled_our_token() -> None:
    earlier = flux_object("Kustomization", handled="2026-11-03T10:00:00Z", conditions=[ready()])
    assert reconcile_outcome(earlier, TOKEN) is None


def test_ready_for_the_current_generation_after_our_token_is_handled() -> None:
    done = flux_object("Kustomization", handled=TOKEN, conditions=[ready()], lastAppliedRevision="main@sha1:abc")
    outcome = reconcile_outcome(done, TOKEN)
    assert outcome is not None
    assert (outcome.state, outcome.revision, outcome.reason) == ("ready", "main@sha1:abc", "ReconciliationSucceeded")


def test_undecided_while_a_newer_generation_is_not_yet_observed() -> None:
    stale = flux_object("Kustomization", generation=3, observed=2, handled=TOKEN, conditions=[ready()])
    assert reconcile_outcome(stale, TOKEN) is None


def test_undecided_while_the_ready_condition_is_from_an_older_generation() -> None:
    old_ready = condition("Ready", "True", "ReconciliationSucceeded", "", generation=1)
    obj = flux_object("Kustomization", generation=2, observed=2, handled=TOKEN, conditions=[old_ready])
    assert reconcile_outcome(obj, TOKEN) is None


def test_undecided_while_reconciling_or_ready_unknown() -> None:
    reconciling = [condition("Reconciling", "True", "Progressing"), condition("Ready", "Unknown", "Progressing")]
    assert reconcile_outcome(flux_object("Kustomization", handled=TOKEN, conditions=reconciling), TOKEN) is None
    unknown = [condition("Ready", "Unknown", "Progressing")]
    assert reconcile_outcome(flux_object("Kustomization", handled=TOKEN, conditions=unknown), TOKEN) is None


def test_failed_as_soon_as_ready_is_false_for_the_handled_request() -> None:
    auth = condition("Ready", "False", "GitOperationFailed", "failed to checkout: authentication required")
    obj = flux_object("GitRepository", "billing", "team-billing", handled=TOKEN, conditions=[auth])
    outcome = reconcile_outcome(obj, TOKEN)
    assert outcome is not None
    assert (outcome.state, outcome.reason) == ("failed", "GitOperationFailed")
    assert "authentication required" in outcome.message


def test_stalled_is_a_failure_even_with_ready_unknown() -> None:
    conditions = [condition("Stalled", "True", "RetriesExceeded", "upgrade retries exhausted"),
                  condition("Ready", "Unknown", "Progressing")]
    outcome = reconcile_outcome(flux_object("HelmRelease", "frontend", handled=TOKEN, conditions=conditions), TOKEN)
    assert outcome is not None
    assert (outcome.state, outcome.reason, outcome.stalled) == ("failed", "RetriesExceeded", True)


# --- progress lines -------------------------------------------------------------------------------

def test_progress_names_the_fetched_source_revision() -> None:
    repo = flux_object("GitRepository", "flux-system", handled=TOKEN, conditions=[ready("Succeeded", "stored")],
                       artifact={"revision": "main@sha1:0123"})
    assert progress_line(flux_kind("GitRepository"), repo, TOKEN) == (
        "GitRepository flux-system/flux-system fetched revision main@sha1:0123"
    )


def test_progress_says_applying_while_the_kustomization_works_on_the_request() -> None:
    ks = flux_object("Kustomization", handled=TOKEN, lastAttemptedRevision="main@sha1:0123",
                     conditions=[condition("Reconciling", "True", "Progressing", "Running reconciliation")])
    assert progress_line(flux_kind("Kustomization"), ks, TOKEN) == (
        "Kustomization flux-system/apps applying revision main@sha1:0123: Running reconciliation"
    )


def test_progress_reports_ready_with_the_controller_message() -> None:
    ks = flux_object("Kustomization", handled=TOKEN, conditions=[ready()])
    assert progress_line(flux_kind("Kustomization"), ks, TOKEN) == (
        "Kustomization flux-system/apps Ready: Applied revision: main@sha1:abc"
    )


def test_progress_before_the_controller_picks_the_request_up() -> None:
    ks = flux_object("Kustomization", conditions=[ready()])
    assert progress_line(flux_kind("Kustomization"), ks, TOKEN) == (
        "Kustomization flux-system/apps reconcile requested, waiting for kustomize-controller"
    )


# --- the waiting loop, on a scripted gateway and a fake clock ---------------------------------------

class ScriptedGateway:
    """Answers each status read with the next object of a script (repeating the last one)."""

    def __init__(self, script: list[dict[str, Any]]) -> None:
        self.script = script
        self.reads = 0

    async def get(self, rk: Any, name: str, namespace: str | None = None) -> dict[str, Any]:
        obj = self.script[min(self.reads, len(self.script) - 1)]
        self.reads += 1
        return obj


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def waiter_for(script: list[dict[str, Any]], timeout: float) -> tuple[Any, ScriptedGateway, list[str]]:
    from flux_mcp.ops.reconcile_waiter import Waiter

    gateway = ScriptedGateway(script)
    clock = FakeClock()
    lines: list[str] = []

    async def progress(line: str) -> None:
        lines.append(line)

    waiter = Waiter(gw=gateway, progress=progress, deadline=timeout, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    return waiter, gateway, lines


def target_of(obj: dict[str, Any]) -> Any:
    from flux_mcp.ops.reconcile_waiter import Target

    return Target(rk=None, kind=flux_kind(obj["kind"]), obj=obj)  # type: ignore[arg-type]


async def test_waiting_stops_at_the_first_read_that_decides_and_reports_each_change_once() -> None:
    before = flux_object("Kustomization", conditions=[ready()])
    working = flux_object("Kustomization", handled=TOKEN, conditions=[condition("Reconciling", "True", "Progressing")])
    done = flux_object("Kustomization", handled=TOKEN, conditions=[ready()], lastAppliedRevision="main@sha1:abc")
    waiter, gateway, lines = waiter_for([before, before, working, done, done], timeout=120)
    step = await waiter.wait(target_of(done), TOKEN)
    assert (step.outcome, step.revision, step.polls) == ("ready", "main@sha1:abc", 4)
    assert gateway.reads == 4
    assert [line.split(" ", 2)[2] for line in lines] == [
        "reconcile requested, waiting for kustomize-controller",
        "applying: Progressing",
        "Ready: Applied revision: main@sha1:abc",
    ]


async def test_waiting_gives_up_at_the_deadline_with_still_reconciling_not_an_error() -> None:
    never = flux_object("Kustomization", conditions=[ready()])
    waiter, gateway, _ = waiter_for([never], timeout=5)
    step = await waiter.wait(target_of(never), TOKEN)
    assert step.outcome == "still-reconciling"
    # Pauses of 0.1 s, then 0.25 s growing by half: six reads inside 5 s and a last one at the deadline.
    assert gateway.reads == step.polls == 7


async def test_waiting_stops_when_the_object_is_suspended_under_our_feet() -> None:
    suspended = flux_object("Kustomization", spec={"suspend": True}, conditions=[ready()])
    waiter, gateway, _ = waiter_for([suspended], timeout=120)
    step = await waiter.wait(target_of(suspended), TOKEN)
    assert (step.outcome, step.reason, gateway.reads) == ("failed", "Suspended", 1)


async def test_a_timed_out_chain_says_which_object_is_still_reconciling_and_is_not_an_error() -> None:
    from flux_mcp.ops.reconcile_waiter import summarize
    from flux_mcp.tools._reconcile_response import render_result

    repo = flux_object("GitRepository", "flux-system", conditions=[ready()])
    ks = flux_object("Kustomization", "apps", spec={"sourceRef": {"kind": "GitRepository", "name": "flux-system"}})
    waiter, _, _ = waiter_for([repo], timeout=3)
    source_step = await waiter.wait(target_of(repo), TOKEN)
    result = summarize(target_of(ks), TOKEN, [source_step], waiter.polls, 3.0, timeout=3)
    assert result.outcome == "still-reconciling" and result.reason == "NotPickedUp"
    assert result.message.startswith(
        "GitRepository flux-system/flux-system: the request was not picked up by source-controller within 3 s "
        "(last handled request: never); check that source-controller is running"
    )
    text = render_result(result)
    assert text.startswith("Kustomization flux-system/apps: reconcile request not picked up (timed out waiting)")
    assert f"requestedAt: {TOKEN}" in text


async def test_a_request_picked_up_but_not_finished_says_so_at_the_deadline() -> None:
    from flux_mcp.ops.reconcile_waiter import summarize
    from flux_mcp.tools._reconcile_response import render_result

    working = flux_object("Kustomization", handled=TOKEN, conditions=[
        condition("Reconciling", "True", "Progressing", "Running health checks"),
        condition("Ready", "Unknown", "Progressing", "Reconciliation in progress"),
    ])
    waiter, _, _ = waiter_for([working], timeout=3)
    step = await waiter.wait(target_of(working), TOKEN)
    assert (step.outcome, step.reason) == ("still-reconciling", "Reconciling")
    result = summarize(target_of(working), TOKEN, [step], waiter.polls, 3.0, timeout=3)
    assert result.message == ("Kustomization flux-system/apps: picked up by kustomize-controller, still "
                              "reconciling after 3 s (Running health checks); check again later or raise timeout")
    assert render_result(result).startswith("Kustomization flux-system/apps: still reconciling (timed out waiting)")


def test_a_failure_the_controller_retries_is_an_outcome_at_once() -> None:
    # Recorded from kustomize-controller v1.9.6: a dry run that fails, retried at the next interval.
    failing = flux_object("Kustomization", observed=-1, handled=TOKEN, conditions=[
        condition("Reconciling", "True", "ProgressingWithRetry", "Detecting drift for revision main@sha1:abc",
                  generation=1),
        condition("Ready", "False", "ReconciliationFailed",
                  "Deployment/default/web dry-run failed: .spec.replicas: expected numeric", generation=1),
    ])
    outcome = reconcile_outcome(failing, TOKEN)
    assert outcome is not None
    assert (outcome.state, outcome.reason) == ("failed", "ReconciliationFailed")
    assert "expected numeric" in outcome.message


def test_ready_with_the_source_at_another_revision_says_both_revisions() -> None:
    from flux_mcp.ops.reconcile_waiter import ReconcileStep, summarize

    ks = flux_object("Kustomization", "apps", spec={"sourceRef": {"kind": "GitRepository", "name": "flux-system"}})
    steps = [
        ReconcileStep(kind="GitRepository", name="flux-system", namespace="flux-system", outcome="ready",
                      revision="main@sha1:new"),
        ReconcileStep(kind="Kustomization", name="apps", namespace="flux-system", outcome="ready",
                      revision="main@sha1:old"),
    ]
    result = summarize(target_of(ks), TOKEN, steps, 2, 1.0, timeout=30)
    assert result.outcome == "ready"
    assert result.message.startswith(
        "Ready at revision main@sha1:old; the source GitRepository flux-system/flux-system is at main@sha1:new"
    )


def test_a_release_out_of_retries_gets_the_reset_hint_unless_reset_was_asked() -> None:
    from flux_mcp.ops.reconcile_waiter import ReconcileStep, summarize

    hr = flux_object("HelmRelease", "web", spec={})
    step = ReconcileStep(kind="HelmRelease", name="web", namespace="flux-system", outcome="failed",
                         reason="RetriesExceeded", message="Failed to install after 4 attempt(s)")
    hinted = summarize(target_of(hr), TOKEN, [step], 1, 1.0, timeout=30)
    assert hinted.message.endswith(
        "reconcile_flux_resource kind=HelmRelease name=web namespace=flux-system reset=true after fixing the cause"
    )
    assert "reset=true" not in summarize(target_of(hr), TOKEN, [step], 1, 1.0, timeout=30, reset=True).message
