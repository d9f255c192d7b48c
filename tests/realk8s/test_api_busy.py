"""The API server's own refusals on the real server, by cause: API Priority and Fairness rejecting an
identity's requests with 429 and Retry-After (retried, waiting as told, then reported as throttling,
not as an outage), and an aggregated API (metrics.k8s.io) registered with no server behind it (the
metrics tool names metrics-server; the rest of the cluster keeps answering)."""

from __future__ import annotations

import re
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.realk8s.api import ApiClient
from tests.realk8s.cluster import RealCluster
from tests.realk8s.tools import Tools

FLOWCONTROL = "/apis/flowcontrol.apiserver.k8s.io/v1"
THROTTLED = "realk8s-nobody-rejected"
APISERVICE = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io"


def _status_and_retry_after(cluster: RealCluster, identity: str, path: str) -> tuple[int, str | None]:
    assert cluster.pki is not None
    context = ssl.create_default_context(cafile=str(cluster.pki.ca_cert))
    request = urllib.request.Request(cluster.server + path)
    request.add_header("Authorization", f"Bearer {cluster.identities[identity].token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After")


@pytest.fixture(scope="module")
def throttled(real_cluster: RealCluster) -> Iterator[tuple[Tools, str]]:
    """Every resource request of identity `nobody` is put in a priority level with no seats that rejects
    what it cannot queue: the API server answers each with 429 and a Retry-After."""
    admin = real_cluster.api("admin")
    admin.create(f"{FLOWCONTROL}/prioritylevelconfigurations", {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": {"name": THROTTLED},
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 0, "lendablePercent": 0,
                                                "borrowingLimitPercent": 0, "limitResponse": {"type": "Reject"}}}})
    admin.create(f"{FLOWCONTROL}/flowschemas", {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": THROTTLED},
        "spec": {"priorityLevelConfiguration": {"name": THROTTLED}, "matchingPrecedence": 50,
                 "distinguisherMethod": {"type": "ByUser"},
                 "rules": [{"subjects": [{"kind": "User", "user": {"name": "realk8s-nobody"}}],
                            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                                               "namespaces": ["*"], "clusterScope": True}]}]}})
    probe = "/api/v1/namespaces/default/configmaps"
    admin.wait_for("API Priority and Fairness to reject identity nobody",
                   lambda: _status_and_retry_after(real_cluster, "nobody", probe)[0] == 429, timeout=30)
    _, retry_after = _status_and_retry_after(real_cluster, "nobody", probe)
    assert retry_after is not None
    folder = real_cluster.workdir / "throttled"
    yield Tools(real_cluster.write_kubeconfig(folder / "kubeconfig", ["nobody"], current="nobody")), retry_after
    admin.request("DELETE", f"{FLOWCONTROL}/flowschemas/{THROTTLED}")
    admin.request("DELETE", f"{FLOWCONTROL}/prioritylevelconfigurations/{THROTTLED}")
    admin.wait_for("the FlowSchema to be gone",
                   lambda: _status_and_retry_after(real_cluster, "nobody", probe)[0] != 429, timeout=30)


async def test_429_from_priority_and_fairness_is_retried_as_told_then_called_throttling(
    throttled: tuple[Tools, str],
) -> None:
    tools, retry_after = throttled
    started = time.monotonic()
    answer = await tools.call("get_kubernetes_resources", kind="ConfigMap", namespace="default")
    spent = time.monotonic() - started
    assert answer.is_error
    assert "HTTP 429" in answer.text and "after 4 attempts" in answer.text, answer.text
    assert "too many requests" in answer.text.lower() and "retry later" in answer.text
    assert "unavailable" not in answer.text, answer.text
    # Three waits between four attempts, each as long as the server asked (we cap one wait at 5 s).
    assert spent >= 3 * min(float(retry_after), 5.0) * 0.9, (spent, retry_after)
    found = re.search(r"after 4 attempts over ([0-9.]+) s", answer.text)
    assert found and float(found.group(1)) >= 3 * min(float(retry_after), 5.0) * 0.9


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
    assert "flux-system" in listed.text
