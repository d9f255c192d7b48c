"""get_kubernetes_api_versions, get_kubernetes_metrics and the kubeconfig context tools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from tests.integration.read_tools import ask, server_on


@pytest.fixture(scope="module")
def sandbox_without_metrics() -> Iterator[Sandbox]:
    sb = Sandbox(SandboxOptions(metrics=False)).start()
    yield sb
    sb.stop()


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


async def test_metrics_per_pod_highest_cpu_first(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_metrics", namespace="flux-system", limit=3)

    assert not answer.is_error, answer.text
    pods = answer.structured["pods"]
    assert len(pods) == 3 and answer.structured["total_pods"] > 3
    assert [p["cpu_millicores"] for p in pods] == sorted((p["cpu_millicores"] for p in pods), reverse=True)
    assert all(p["memory_mib"] > 0 for p in pods)


async def test_metrics_say_clearly_when_metrics_server_is_absent(
    sandbox_without_metrics: Sandbox, tmp_path: Path
) -> None:
    kubeconfig = sandbox_without_metrics.write_kubeconfig(tmp_path / "config")

    answer = await ask(server_on(kubeconfig), "get_kubernetes_metrics", namespace="flux-system")

    assert answer.is_error and "metrics-server" in answer.text and "not installed" in answer.text


async def test_contexts_are_listed_and_switched_in_memory(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)
    before = sandbox_kubeconfig.stat().st_mtime_ns, sandbox_kubeconfig.stat().st_size  # noqa: ASYNC240

    listed = await ask(server, "get_kubeconfig_contexts")
    switched = await ask(server, "set_kubeconfig_context", name="sandbox-alt")
    unknown = await ask(server, "set_kubeconfig_context", name="production")

    assert listed.structured["current"] == "sandbox"
    assert [c["name"] for c in listed.structured["contexts"]] == ["sandbox", "sandbox-alt"]
    assert "token" not in listed.text.lower()
    assert switched.structured["current"] == "sandbox-alt"
    assert unknown.is_error and "known contexts: sandbox, sandbox-alt" in unknown.text
    assert (sandbox_kubeconfig.stat().st_mtime_ns, sandbox_kubeconfig.stat().st_size) == before  # noqa: ASYNC240
