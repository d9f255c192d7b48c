"""ops.flux_objects against the sandbox: one list per installed Flux kind."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.kube.access import KubeAccess
from flux_mcp.ops.flux_objects import list_flux_objects
from flux_mcp.sandbox import Sandbox
from flux_mcp.settings import Settings


async def test_list_flux_objects_skips_kinds_that_are_not_installed(sandbox_plain: Sandbox, tmp_path: Path) -> None:
    access = KubeAccess(Settings(kubeconfig=str(sandbox_plain.write_kubeconfig(tmp_path / "plain"))))
    gw = await access.gateway()

    everything = await list_flux_objects(gw, namespace="team-billing")
    only_sources = await list_flux_objects(gw, kinds=["gitrepo", "FluxInstance"])
    await access.close()

    assert "FluxInstance" not in everything and "ResourceSet" not in everything
    assert [o["metadata"]["name"] for o in everything["GitRepository"]] == ["billing"]
    assert {o["metadata"]["name"] for o in everything["Kustomization"]} == {
        "billing-infra", "billing-config", "billing-apps"}
    assert list(only_sources) == ["GitRepository"]
