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


def _put(sandbox: Sandbox, path: str, obj: dict[str, object], status: dict[str, object]) -> None:
    import httpx2

    created = httpx2.post(f"{sandbox.url}{path}", json=obj, timeout=10)
    assert created.status_code == 201, created.text
    body = created.json()
    body["status"] = status
    name = body["metadata"]["name"]
    updated = httpx2.put(f"{sandbox.url}{path}/{name}/status", json=body, timeout=10)
    assert updated.status_code == 200, updated.text


async def test_a_pod_on_a_node_whose_kubelet_stopped_has_no_metrics_and_the_node_is_named(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    _put(sandbox, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "mcp-metrics-gone"}},
         {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                          "message": "Kubelet stopped posting node status."}]})
    _put(sandbox, "/api/v1/namespaces/default/pods",
         {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "mcp-metrics-orphan", "namespace": "default"},
          "spec": {"nodeName": "mcp-metrics-gone", "containers": [{"name": "app", "image": "registry.example/a:1"}]}},
         {"phase": "Running"})

    one = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_metrics", pod_name="mcp-metrics-orphan")
    assert one.is_error
    assert "metrics-server has no usage for pod default/mcp-metrics-orphan" in one.text, one.text
    assert "Node mcp-metrics-gone: Ready=Unknown NodeStatusUnknown" in one.text
    listed = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_metrics", namespace="default")
    assert "mcp-metrics-orphan" not in listed.text


async def test_the_aggregated_metrics_api_failing_names_metrics_server_not_the_api_server(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    sandbox.inject_fault("GET", r"^/apis/metrics\.k8s\.io/v1beta1/namespaces/flux-system/pods$", status=503,
                         body="service unavailable\n", content_type="text/plain")

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_metrics", namespace="flux-system")

    assert answer.is_error
    assert "the metrics.k8s.io API (metrics-server" in answer.text and "HTTP 503" in answer.text, answer.text
    assert "kubectl get apiservice v1beta1.metrics.k8s.io" in answer.text
    assert "Kubernetes API at" not in answer.text
