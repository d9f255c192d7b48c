"""Pods whose node's kubelet cannot be reached, on the sandbox as on the real server
(tests/realk8s/test_kubelet.py): kube-apiserver answers pods/log of a pod on a Node without addresses
with 500 "no preferred addresses found", of a pod bound to a missing Node with 404 naming the node,
and of an unscheduled pod with an empty 204. Logs and analyses name the node, ask it once, and keep
serving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on

NAMESPACE = "mcp-kubelet"
DEAD_NODE = "mcp-node-without-kubelet"


def _create(sandbox: Sandbox, path: str, obj: dict[str, Any], status: dict[str, Any] | None = None) -> None:
    created = httpx2.post(f"{sandbox.url}{path}", json=obj, timeout=10)
    assert created.status_code == 201, created.text
    if status is not None:
        body = created.json()
        body["status"] = status
        updated = httpx2.put(f"{sandbox.url}{path}/{body['metadata']['name']}/status", json=body, timeout=10)
        assert updated.status_code == 200, updated.text


def _pod(name: str, node: str | None, labels: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "registry.example/app:1"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE,
                                                           "labels": labels or {}}, "spec": spec}


CRASHING = {"phase": "Running", "containerStatuses": [{
    "name": "app", "image": "registry.example/app:1", "imageID": "", "ready": False, "restartCount": 7,
    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed"}},
    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}


@pytest.fixture(scope="module")
def pods(sandbox: Sandbox) -> Iterator[Sandbox]:
    _create(sandbox, "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    _create(sandbox, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": DEAD_NODE}},
            {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                             "message": "Kubelet stopped posting node status."}]})
    pods_path = f"/api/v1/namespaces/{NAMESPACE}/pods"
    for name in ("crashing-1", "crashing-2"):
        _create(sandbox, pods_path, _pod(name, DEAD_NODE, {"app": "crashing"}), CRASHING)
    _create(sandbox, pods_path, _pod("unscheduled", None))
    _create(sandbox, pods_path, _pod("on-a-deleted-node", "mcp-node-deleted"))
    _create(sandbox, f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "crashing", "namespace": NAMESPACE},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "crashing"}},
                 "template": {"metadata": {"labels": {"app": "crashing"}},
                              "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}}}})
    yield sandbox


def _log_requests(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.endswith("/log")]


async def test_logs_of_a_pod_on_a_node_without_kubelet_name_the_node_after_one_retry(
    pods: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    pods.clear_requests()
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Pod", name="crashing-1",
                       namespace=NAMESPACE)
    assert f"the kubelet on node {DEAD_NODE} is unreachable" in answer.text, answer.text
    assert "Ready=Unknown NodeStatusUnknown" in answer.text and "no preferred addresses found" in answer.text
    assert "2 attempts" in answer.text and "Kubernetes API at" not in answer.text
    assert len(_log_requests(pods)) == 2


async def test_logs_of_a_workload_ask_the_dead_node_once_not_once_per_pod(
    pods: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    pods.clear_requests()
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Deployment", name="crashing",
                       namespace=NAMESPACE)
    assert sorted(answer.structured["pods"]) == ["crashing-1", "crashing-2"], answer.text
    assert answer.text.count(f"the kubelet on node {DEAD_NODE} is unreachable") == 2, answer.text
    assert "not asked again" in answer.text
    # The first pod's request and its one retry; none for the second pod on the same node.
    assert len(_log_requests(pods)) == 2, _log_requests(pods)


async def test_an_unscheduled_pod_is_not_asked_for_logs(pods: Sandbox, sandbox_kubeconfig: Path) -> None:
    pods.clear_requests()
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Pod", name="unscheduled",
                       namespace=NAMESPACE)
    assert "not scheduled to a node yet" in answer.text, answer.text
    assert _log_requests(pods) == []


async def test_a_pod_bound_to_a_deleted_node_names_that_node(pods: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Pod", name="on-a-deleted-node",
                       namespace=NAMESPACE)
    assert "bound to node mcp-node-deleted, which does not exist" in answer.text, answer.text
    assert 'Pod "on-a-deleted-node" not found' not in answer.text


async def test_analysis_of_the_crash_loop_asks_the_kubelet_once_and_does_not_call_the_logs_empty(
    pods: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    pods.clear_requests()
    answer = await ask(server_on(sandbox_kubeconfig), "analyze_flux_resource", kind="Deployment", name="crashing",
                       namespace=NAMESPACE)
    assert not answer.is_error, answer.text
    assert "CrashLoopBackOff" in answer.text and f"the kubelet on node {DEAD_NODE} is unreachable" in answer.text
    assert "left no logs" not in answer.text
    assert len(_log_requests(pods)) == 2, _log_requests(pods)  # one request and its one retry


async def test_a_kubelet_that_never_answers_is_named_and_asked_once(pods: Sandbox, sandbox_kubeconfig: Path) -> None:
    """The API server holds a pods/log request until the kubelet answers: a log that does not come in
    time is that node's kubelet, not the API, and the node's other pods are not asked."""
    pods.clear_requests()
    # Each request that reaches the slow kubelet uses one of the two: asking both pods would use both.
    fault = pods.inject_fault("GET", rf"^/api/v1/namespaces/{NAMESPACE}/pods/crashing-\d/log$", status=None,
                              delay=3.0, times=2)
    try:
        answer = await ask(server_on(sandbox_kubeconfig, timeout=1.0), "get_kubernetes_logs", kind="Deployment",
                           name="crashing", namespace=NAMESPACE)
    finally:
        pods.clear_faults()
    assert f"the kubelet on node {DEAD_NODE} is unreachable" in answer.text, answer.text
    assert "no answer in time" in answer.text and "Kubernetes API at" not in answer.text
    assert "not asked again" in answer.text
    assert fault.times == 1  # one request reached the slow kubelet; none was sent for the other pod
