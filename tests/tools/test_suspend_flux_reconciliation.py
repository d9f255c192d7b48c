"""suspend_flux_reconciliation: spec.suspend and flux-operator's annotation, undone by resume."""

from __future__ import annotations

from flux_mcp.flux.kinds import OPERATOR_RECONCILE, REQUESTED_AT
from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession
from tests.tools.scenarios import KS_GROUP, annotations_of, live

OPERATOR_GROUP = "fluxcd.controlplane.io"


async def test_suspend_then_resume_a_kustomization(session: ToolSession, sandbox: Sandbox) -> None:
    text, suspended = await session.ok(
        "suspend_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-configs")
    assert ks is not None and ks["spec"]["suspend"] is True
    assert suspended["changed"] is True and "resume_flux_reconciliation" in text

    _, again = await session.ok(
        "suspend_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    assert again["changed"] is False
    assert session.writes() == []

    text, resumed = await session.ok(
        "resume_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-configs")
    assert ks is not None and not ks["spec"].get("suspend")
    assert len(session.writes()) == 1
    assert resumed["outcome"] == "ready"
    assert ks["status"]["lastHandledReconcileAt"] == resumed["token"] == annotations_of(ks)[REQUESTED_AT]
    assert "resumed" in text


async def test_suspend_and_resume_a_resourceset_through_the_operator_annotation(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    await session.ok("suspend_flux_reconciliation", kind="ResourceSet", name="tenants", namespace="flux-system")
    assert annotations_of(live(sandbox, OPERATOR_GROUP, "ResourceSet", "flux-system", "tenants"))[
        OPERATOR_RECONCILE] == "disabled"

    refusal = await session.refused(
        "reconcile_flux_resource", kind="ResourceSet", name="tenants", namespace="flux-system",
    )
    assert "suspended" in refusal

    _, resumed = await session.ok(
        "resume_flux_reconciliation", kind="ResourceSet", name="tenants", namespace="flux-system", wait=False,
    )
    annotations = annotations_of(live(sandbox, OPERATOR_GROUP, "ResourceSet", "flux-system", "tenants"))
    assert annotations[OPERATOR_RECONCILE] == "enabled"
    assert annotations[REQUESTED_AT] == resumed["token"]
