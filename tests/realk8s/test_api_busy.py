"""A 5xx the real API server answers for a cause other than itself: an aggregated API (metrics.k8s.io)
registered with no server behind it. The metrics tool names metrics-server, the rest of the cluster
keeps answering, and discovery of the other groups is not held up by the broken one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.realk8s.api import ApiClient
from tests.realk8s.cluster import RealCluster
from tests.realk8s.tools import Tools

APISERVICE = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io"


@pytest.fixture(scope="module")
def metrics_without_server(real_cluster: RealCluster) -> Iterator[ApiClient]:
    """metrics.k8s.io registered as an aggregated API whose Service does not exist (metrics-server gone)."""
    admin = real_cluster.api("admin")
    admin.create("/apis/apiregistration.k8s.io/v1/apiservices", {
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100,
                 "versionPriority": 100, "insecureSkipTLSVerify": True,
                 "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}}})

    def unavailable() -> bool:
        status = admin.get(APISERVICE).body.get("status") or {}
        return any(c.get("type") == "Available" and c.get("status") == "False" for c in status.get("conditions") or [])

    admin.wait_for("the APIService to be marked unavailable", unavailable, timeout=60)
    yield admin
    admin.request("DELETE", APISERVICE)


async def test_metrics_with_its_aggregated_api_down_name_metrics_server(
    real_cluster: RealCluster, metrics_without_server: ApiClient,
) -> None:
    tools = Tools(real_cluster.kubeconfig)
    answer = await tools.call("get_kubernetes_metrics", namespace="flux-system")
    assert answer.is_error
    assert "metrics-server" in answer.text and "metrics.k8s.io" in answer.text, answer.text
    assert "the Kubernetes API at" not in answer.text
    # The rest of the cluster answers as before.
    listed = await tools.ok("get_kubernetes_resources", kind="Namespace", output="table")
    assert "kube-system" in listed.text


async def test_a_kind_of_the_silent_aggregated_api_is_said_to_be_unreachable_not_unknown(
    real_cluster: RealCluster, metrics_without_server: ApiClient,
) -> None:
    tools = Tools(real_cluster.kubeconfig)
    pinned = await tools.call("get_kubernetes_resources", kind="PodMetrics", apiVersion="metrics.k8s.io/v1beta1")
    assert pinned.is_error and "metrics.k8s.io/v1beta1 is registered but its server does not answer" in pinned.text, \
        pinned.text
    bare = await tools.call("get_kubernetes_resources", kind="PodMetrics")
    assert bare.is_error and "Registered APIs that do not answer (their kinds are not known): " \
        "metrics.k8s.io/v1beta1" in bare.text, bare.text
