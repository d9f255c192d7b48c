"""resume_flux_reconciliation: clear the suspension, request a reconcile and wait for the verdict."""

from __future__ import annotations

from flux_mcp.flux.kinds import REQUESTED_AT
from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession
from tests.tools.scenarios import KS_GROUP, annotations_of, live


async def test_resuming_a_suspended_kustomization_waits_for_ready_with_progress(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    await session.ok("suspend_flux_reconciliation", kind="Kustomization", name="infra-configs",
                     namespace="flux-system")

    text, resumed = await session.ok(
        "resume_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )

    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-configs")
    assert ks is not None and not ks["spec"].get("suspend")
    assert resumed["outcome"] == "ready" and resumed["polls"] >= 1
    assert ks["status"]["lastHandledReconcileAt"] == resumed["token"] == annotations_of(ks)[REQUESTED_AT]
    assert text.startswith("Kustomization flux-system/infra-configs resumed.")
    assert session.progress, "waiting sends progress notifications"


async def test_resuming_an_object_that_is_not_suspended_only_requests_a_reconcile(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    text, resumed = await session.ok(
        "resume_flux_reconciliation", kind="Kustomization", name="apps", namespace="flux-system", wait=False,
    )

    assert resumed["outcome"] == "requested" and resumed["polls"] == 0
    assert "was not suspended; reconcile requested" in text
    assert len(session.writes()) == 1
    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "apps")
    assert annotations_of(ks)[REQUESTED_AT] == resumed["token"]
