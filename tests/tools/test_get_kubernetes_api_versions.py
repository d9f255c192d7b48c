"""get_kubernetes_api_versions: API groups, versions and kinds served by the cluster."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on


async def test_api_versions_list_flux_groups_with_all_their_versions(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_api_versions")

    groups = {g["group"]: g for g in answer.structured["groups"]}
    notification = groups["notification.toolkit.fluxcd.io"]
    assert notification["origin"] == "flux" and notification["preferred_version"] == "v1"
    assert "v1beta3" in notification["versions"] and {"Alert", "Provider", "Receiver"} <= set(notification["kinds"])
    assert groups[""]["origin"] == "built-in" and "Pod" in groups[""]["kinds"]
    assert "kustomize.toolkit.fluxcd.io/v1 [flux]" in answer.text
