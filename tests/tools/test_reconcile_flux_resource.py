"""reconcile_flux_resource: request, wait and report against the sandbox's controller simulator."""

from __future__ import annotations

import pytest

from flux_mcp.flux.kinds import FORCE_AT, REQUESTED_AT, RESET_AT
from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.fleet import CANARIES
from tests.harness import ToolSession, text_of
from tests.tools.scenarios import KS_GROUP, annotations_of, live

SOURCE_GROUP = "source.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"


async def test_reconcile_kustomization_with_source_patches_source_then_object_and_reports_ready(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="infra-controllers", namespace="flux-system",
        with_source=True,
    )
    patches = [r.path for r in session.writes()]
    assert len(patches) == 2
    assert patches[0].endswith("/namespaces/flux-system/gitrepositories/flux-system")
    assert patches[1].endswith("/namespaces/flux-system/kustomizations/infra-controllers")

    repo = live(sandbox, SOURCE_GROUP, "GitRepository", "flux-system", "flux-system")
    assert repo is not None
    fetched = repo["status"]["artifact"]["revision"]
    assert result["outcome"] == "ready"
    assert result["revision"] == fetched
    assert [s["kind"] for s in result["steps"]] == ["GitRepository", "Kustomization"]
    assert result["steps"][0]["revision"] == fetched
    assert "is Ready" in text and fetched in text

    assert any(m.startswith(f"GitRepository flux-system/flux-system fetched revision {fetched}")
               for m in session.progress)
    assert any(m.startswith("Kustomization flux-system/infra-controllers Ready") for m in session.progress)
    source_first = next(i for i, m in enumerate(session.progress) if m.startswith("GitRepository"))
    object_next = next(i for i, m in enumerate(session.progress) if m.startswith("Kustomization"))
    assert source_first < object_next

    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-controllers")
    assert ks is not None and ks["status"]["lastHandledReconcileAt"] == result["token"]
    assert annotations_of(ks)[REQUESTED_AT] == result["token"]


async def test_a_reconcile_the_controller_never_finishes_ends_at_the_timeout_as_picked_up_still_reconciling(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    sandbox.hang("Kustomization", "flux-system", "oci-apps")
    try:
        text, result = await session.ok(
            "reconcile_flux_resource", kind="Kustomization", name="oci-apps", namespace="flux-system", timeout=1,
        )
    finally:
        sandbox.hang("Kustomization", "flux-system", "oci-apps", hung=False)

    assert result["outcome"] == "still-reconciling"
    assert result["reason"] == "Reconciling", "the controller wrote Reconciling=True after the request"
    assert "still reconciling (timed out waiting)" in text
    assert "picked up by kustomize-controller, still reconciling after 1 s" in text
    assert result["polls"] > 1
    assert len(session.reads_of("/kustomizations/oci-apps")) == result["polls"] + 1  # the first read, then polls
    handled = (live(sandbox, KS_GROUP, "Kustomization", "flux-system", "oci-apps") or {})["status"]
    assert handled.get("lastHandledReconcileAt") != result["token"]


async def test_reconcile_of_the_git_auth_failure_stops_early_with_the_reason(session: ToolSession) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="billing-infra", namespace="team-billing",
        with_source=True, timeout=300,
    )
    assert result["outcome"] == "failed"
    assert result["reason"] == "GitOperationFailed"
    assert "authentication required" in result["message"]
    assert result["message"].startswith("source GitRepository team-billing/billing")
    # Only the source was asked: a Kustomization reconciled on a failed source would fail the same way.
    assert [r.path.rsplit("/", 1)[-1] for r in session.writes()] == ["billing"]
    # Decided within a few reads of the source, nowhere near what 300 s of polling would take.
    assert result["polls"] <= 4
    assert len(session.reads_of("/gitrepositories/billing")) <= result["polls"] + 1
    assert not any(canary in text for canary in CANARIES)
    assert not any(canary in message for message in session.progress for canary in CANARIES)
    assert any(m.startswith("GitRepository team-billing/billing failed") for m in session.progress)


async def test_reconcile_of_a_failing_kustomization_alone_reports_its_own_failure(session: ToolSession) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="ks", name="data-infra", namespace="team-data", timeout=300,
    )
    assert (result["outcome"], result["reason"]) == ("failed", "ReconciliationFailed")
    assert "spec.template.spec.containers[0].image" in result["message"]
    assert result["polls"] <= 4


async def test_helmrelease_force_and_reset_write_one_token_in_all_three_annotations(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="HelmRelease", name="podinfo", namespace="podinfo", force=True,
        reset=True,
    )
    annotations = annotations_of(live(sandbox, HELM_GROUP, "HelmRelease", "podinfo", "podinfo"))
    token = result["token"]
    assert annotations[REQUESTED_AT] == annotations[FORCE_AT] == annotations[RESET_AT] == token
    assert result["outcome"] == "ready"


async def test_helmrelease_with_source_reconciles_repository_then_generated_chart_then_release(
    session: ToolSession,
) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="hr", name="podinfo", namespace="podinfo", with_source=True,
    )
    assert [r.path.rsplit("/", 2)[-2:] for r in session.writes()] == [
        ["helmrepositories", "podinfo"], ["helmcharts", "podinfo-podinfo"], ["helmreleases", "podinfo"],
    ]
    assert [s["kind"] for s in result["steps"]] == ["HelmRepository", "HelmChart", "HelmRelease"]
    assert result["outcome"] == "ready"


async def test_a_write_conflict_on_the_request_is_retried_once(session: ToolSession, sandbox: Sandbox) -> None:
    sandbox.inject_fault(method="PATCH", path=r"/kustomizations/infra-controllers$", status=409, times=1)
    _, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="infra-controllers", namespace="flux-system",
    )
    assert [r.status for r in session.writes()] == [409, 200]
    assert result["outcome"] == "ready"


async def test_without_waiting_the_request_is_only_sent(session: ToolSession) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="GitRepository", name="flux-system", namespace="flux-system", wait=False,
    )
    assert result["outcome"] == "requested"
    assert result["polls"] == 0
    assert len(session.writes()) == 1
    assert "requested (not waiting)" in text


async def test_force_on_a_kustomization_is_refused_before_any_write(session: ToolSession) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="apps", namespace="flux-system", force=True,
    )
    assert "force applies only to HelmRelease" in message
    assert session.writes() == []


async def test_a_suspended_kustomization_is_refused_with_the_way_out(session: ToolSession) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="legacy", namespace="team-legacy",
    )
    assert "Kustomization team-legacy/legacy is suspended" in message
    assert "resume_flux_reconciliation" in message
    assert session.writes() == []


@pytest.mark.parametrize(("kind", "name"), [("Alert", "on-call"), ("Provider", "slack")])
async def test_static_notification_kinds_are_refused(session: ToolSession, kind: str, name: str) -> None:
    message = await session.refused("reconcile_flux_resource", kind=kind, name=name, namespace="flux-system")
    assert f"{kind} flux-system/{name} cannot be reconciled" in message
    assert "static" in message
    assert session.writes() == []


async def test_a_missing_source_is_named_when_reconciling_with_source(session: ToolSession) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="search", namespace="team-search", with_source=True,
    )
    assert "GitRepository team-search/search-repo, does not exist" in message
    assert session.writes() == []


async def test_a_plain_kubernetes_kind_is_not_reconcilable(session: ToolSession) -> None:
    message = await session.refused("reconcile_flux_resource", kind="ConfigMap", name="welcome", namespace="default")
    assert "not a Flux kind" in message


async def test_a_timeout_without_waiting_is_refused_and_durations_take_units(session: ToolSession) -> None:
    refused = await session.call("reconcile_flux_resource", kind="ks", name="apps", wait=False, timeout="1m")
    _, waited = await session.ok("reconcile_flux_resource", kind="ks", name="apps", namespace="flux-system",
                                 timeout="1m30s")

    assert refused.is_error
    assert text_of(refused) == "timeout: has no effect with wait=false (nothing is waited for); drop timeout, or wait"
    assert waited["outcome"] == "ready"
