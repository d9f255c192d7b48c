"""get_kubernetes_metrics: CPU and memory per pod from metrics.k8s.io, and a clear answer without metrics-server."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on


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
