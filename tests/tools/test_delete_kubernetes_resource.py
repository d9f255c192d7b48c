"""delete_kubernetes_resource: deletes with dry run, finalizers and the Flux-managed guard."""

from __future__ import annotations

from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession
from tests.tools.scenarios import config_map, is_dry_run, live


async def test_delete_of_a_flux_managed_object_is_refused(session: ToolSession, sandbox: Sandbox) -> None:
    message = await session.refused("delete_kubernetes_resource", kind="Service", name="podinfo", namespace="podinfo")
    assert "managed by HelmRelease podinfo/podinfo" in message
    assert "Flux will recreate it" in message
    assert session.writes() == []
    assert live(sandbox, "", "Service", "podinfo", "podinfo") is not None


async def test_delete_dry_run_then_delete(session: ToolSession, sandbox: Sandbox) -> None:
    await session.ok("apply_kubernetes_manifest", yaml_content=config_map("mcp-delete-demo"))
    text, dry = await session.ok(
        "delete_kubernetes_resource", kind="ConfigMap", name="mcp-delete-demo", namespace="default", dry_run=True,
    )
    assert dry["deleted"] is False and "nothing was deleted" in text
    assert [r.method for r in session.writes()] == ["DELETE"] and is_dry_run(session.writes()[0])
    assert live(sandbox, "", "ConfigMap", "default", "mcp-delete-demo") is not None

    _, done = await session.ok("delete_kubernetes_resource", kind="ConfigMap", name="mcp-delete-demo",
                               namespace="default")
    assert done["deleted"] is True
    assert live(sandbox, "", "ConfigMap", "default", "mcp-delete-demo") is None


async def test_delete_reports_finalizers_that_hold_the_object(session: ToolSession, sandbox: Sandbox) -> None:
    await session.ok(
        "apply_kubernetes_manifest",
        yaml_content=config_map("mcp-held", finalizers=["example.com/hold"]),
    )
    text, result = await session.ok("delete_kubernetes_resource", kind="ConfigMap", name="mcp-held",
                                    namespace="default")
    assert result["deleted"] is False
    assert result["pending_finalizers"] == ["example.com/hold"]
    assert "finalizers still pending: example.com/hold" in text
    held = live(sandbox, "", "ConfigMap", "default", "mcp-held")
    assert held is not None and held["metadata"].get("deletionTimestamp")


async def test_deleting_a_namespace_that_holds_flux_objects_is_refused(session: ToolSession, sandbox: Sandbox) -> None:
    message = await session.refused("delete_kubernetes_resource", kind="Namespace", name="team-billing",
                                    dry_run=True)
    assert "Refusing to delete Namespace team-billing: it holds Flux objects (" in message
    assert "overwrite=true" in message
    assert session.writes() == []


async def test_deleting_a_namespace_of_flux_applied_objects_names_them(session: ToolSession, sandbox: Sandbox) -> None:
    # podinfo's Deployment and Service carry helm-controller's labels; the HelmRelease is there too.
    message = await session.refused("delete_kubernetes_resource", kind="Namespace", name="podinfo", dry_run=True)
    assert "managed by HelmRelease podinfo/podinfo" in message
    assert session.writes() == []


async def test_deleting_the_crd_of_a_flux_kind_is_refused(session: ToolSession, sandbox: Sandbox) -> None:
    message = await session.refused("delete_kubernetes_resource", kind="CustomResourceDefinition",
                                    name="helmreleases.helm.toolkit.fluxcd.io", dry_run=True)
    assert "it defines a Flux kind" in message
    assert session.writes() == []


async def test_deleting_an_empty_namespace_passes_the_guard(session: ToolSession, sandbox: Sandbox) -> None:
    text, _ = await session.ok("delete_kubernetes_resource", kind="Namespace", name="kube-public", dry_run=True)
    assert "can be deleted" in text
