"""get_flux_inventory_tree: recursive inventories of Kustomizations and ResourceSets."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on


async def test_inventory_tree_recurses_into_nested_flux_objects(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="Kustomization",
                       name="flux-system", namespace="flux-system")

    assert not answer.is_error, answer.text
    lines = answer.text.splitlines()
    assert lines[0].startswith("Kustomization flux-system/flux-system [ready main@sha1:")
    assert any(line.startswith("  Kustomization flux-system/apps [ready") for line in lines)
    assert any(line.startswith("    HelmRelease podinfo/podinfo [ready") for line in lines)
    assert "      Deployment podinfo/podinfo" in lines
    assert any(line.endswith("(lists itself)") for line in lines), "flux-system applies itself: marked, not looped"
    root = answer.structured["root"]
    apps = next(c for c in root["children"] if c["ref"] == "Kustomization/flux-system/apps")
    assert any(c["ref"] == "HelmRelease/podinfo/podinfo" and c["children"] for c in apps["children"])
    assert not answer.structured["truncated"]


async def test_inventory_tree_of_a_resource_set(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="ResourceSet",
                       name="tenants", namespace="flux-system")

    assert not answer.is_error, answer.text
    assert answer.structured["objects"] >= 1
    assert answer.text.startswith("ResourceSet flux-system/tenants [ready")


async def test_inventory_tree_refuses_a_source(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="GitRepository",
                       name="flux-system", namespace="flux-system")

    assert answer.is_error
    assert "GitRepository has no inventory" in answer.text
