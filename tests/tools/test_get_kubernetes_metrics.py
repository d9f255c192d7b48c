"""get_kubernetes_metrics: CPU and memory per pod from metrics.k8s.io, and a clear answer without metrics-server."""

from __future__ import annotations

import json
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


async def test_an_unreadable_quantity_is_a_clear_error_not_zero_usage(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    broken = {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": [{
        "metadata": {"name": "api-server-1", "namespace": "team-api"}, "timestamp": "2026-01-01T00:00:00Z",
        "window": "30s", "containers": [{"name": "api", "usage": {"cpu": "lots", "memory": "64Mi"}}],
    }]}
    sandbox.inject_fault("GET", r"^/apis/metrics\.k8s\.io/v1beta1/namespaces/team-api/pods$", status=200,
                         body=json.dumps(broken))

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_metrics", namespace="team-api")

    assert answer.is_error
    assert "unreadable cpu usage for pod team-api/api-server-1 container api: 'lots' is not a Kubernetes quantity" \
        in answer.text
