"""A Pod on a Node whose kubelet does not exist: the real API server answers pods/log with HTTP 500
("no preferred addresses found; known addresses: []"). That is the node's kubelet being unreachable,
not the API server being down: one retry at most, and the node and its Ready condition named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.realk8s.api import delete_namespaces
from tests.realk8s.cluster import RealCluster
from tests.realk8s.tools import Tools

NAMESPACE = "kubelet-gone"
NODE = "worker-without-kubelet"


@pytest.fixture(scope="module")
def tools(real_cluster: RealCluster) -> Iterator[Tools]:
    admin = real_cluster.api("admin")
    admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    node = admin.create("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE}})
    # What the node lifecycle controller writes when a kubelet stops posting status.
    node["status"] = {"conditions": [{
        "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
        "message": "Kubelet stopped posting node status.", "lastHeartbeatTime": "2026-12-01T09:00:00Z",
        "lastTransitionTime": "2026-12-01T09:01:00Z"}]}
    admin.must("PUT", f"/api/v1/nodes/{NODE}/status", node)
    admin.create(f"/api/v1/namespaces/{NAMESPACE}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "registry.example/app:1"}]}})
    # Two crash-looping pods on that node, as their kubelet last reported them.
    for name in ("crashing-1", "crashing-2"):
        pod = admin.create(f"/api/v1/namespaces/{NAMESPACE}/pods", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "crashing"}},
            "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "registry.example/app:1"}]}})
        pod["status"] = {"phase": "Running", "containerStatuses": [{
            "name": "app", "image": "registry.example/app:1", "imageID": "", "ready": False, "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}
        admin.must("PUT", f"/api/v1/namespaces/{NAMESPACE}/pods/{name}/status", pod)
    for name, node_name in (("unscheduled", None), ("on-a-deleted-node", "node-deleted-long-ago")):
        spec: dict[str, object] = {"containers": [{"name": "app", "image": "registry.example/app:1"}]}
        if node_name:
            spec["nodeName"] = node_name
        admin.create(f"/api/v1/namespaces/{NAMESPACE}/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE}, "spec": spec})
    yield Tools(real_cluster.kubeconfig)
    # No kubelet confirms a graceful pod deletion: delete it at once, as `kubectl delete --force` does.
    for name in ("web", "crashing-1", "crashing-2", "unscheduled", "on-a-deleted-node"):
        admin.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/pods/{name}", query={"gracePeriodSeconds": "0"})
    delete_namespaces(admin, NAMESPACE)
    admin.request("DELETE", f"/api/v1/nodes/{NODE}")


async def test_logs_of_a_pod_on_a_node_without_kubelet_name_the_node_and_its_ready_condition(tools: Tools) -> None:
    answer = await tools.call("get_kubernetes_logs", name="web", namespace=NAMESPACE)
    assert f"the kubelet on node {NODE} is unreachable" in answer.text, answer.text
    assert "Ready=Unknown NodeStatusUnknown" in answer.text and "Kubelet stopped posting" in answer.text
    assert "no preferred addresses found" in answer.text
    assert "2 attempts" in answer.text  # one retry, not the API server's four
    assert "Kubernetes API" not in answer.text and "retry later" not in answer.text


async def test_analysis_of_a_crash_loop_on_that_node_asks_its_kubelet_once_and_says_why_logs_are_missing(
    tools: Tools,
) -> None:
    answer = await tools.ok("analyze_flux_resource", kind="Pod", name="crashing-1", namespace=NAMESPACE)
    assert "CrashLoopBackOff" in answer.text, answer.text
    assert f"the kubelet on node {NODE} is unreachable" in answer.text
    # The crashed instance's logs were not read: that is not "it left no logs".
    assert "left no logs" not in answer.text
    assert answer.text.count("no preferred addresses found") == 1, answer.text


async def test_an_unscheduled_pod_and_one_bound_to_a_deleted_node(tools: Tools) -> None:
    unscheduled = await tools.call("get_kubernetes_logs", kind="Pod", name="unscheduled", namespace=NAMESPACE)
    assert "not scheduled to a node yet" in unscheduled.text, unscheduled.text
    orphan = await tools.call("get_kubernetes_logs", kind="Pod", name="on-a-deleted-node", namespace=NAMESPACE)
    assert "bound to node node-deleted-long-ago, which does not exist" in orphan.text, orphan.text
    assert 'pods "node-deleted-long-ago" not found' in orphan.text  # the API server's own words, quoted
