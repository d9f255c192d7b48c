"""A 429 from the real API server's own API Priority and Fairness, with its Retry-After.

The tenant identity's requests are put in a priority level with no seats of its own that rejects what
it cannot run at once; one of the tenant's requests is kept in flight by a validating webhook (on
loopback) that answers slowly, so every other request of the tenant is answered 429 meanwhile. Our
tool retries as the server's Retry-After says, then reports throttling, not an outage.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.realk8s.api import delete_namespaces
from tests.realk8s.cluster import TENANT_NAMESPACE, RealCluster
from tests.realk8s.tools import Tools

FLOWCONTROL = "/apis/flowcontrol.apiserver.k8s.io/v1"
LEVEL = "realk8s-tenant-seatless"
SLOW_NAMESPACE = "apf-slow"
WEBHOOK = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
HOLD_SECONDS = 20.0


class _SlowWebhook(BaseHTTPRequestHandler):
    release = threading.Event()
    probed = threading.Event()
    """Set once the API server has called the webhook (its configuration took effect)."""

    def do_POST(self) -> None:
        review = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        name = str(((review.get("request") or {}).get("object") or {}).get("metadata", {}).get("name", ""))
        if name.startswith("probe"):
            self.probed.set()  # answered at once: only the held requests are held
        else:
            self.release.wait(HOLD_SECONDS)
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "response": {"uid": review.get("request", {}).get("uid", ""), "allowed": True}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Throttled:
    cluster: RealCluster
    tools: Tools

    def tenant_get(self, path: str) -> tuple[int, str | None, str | None]:
        """Status, Retry-After and the APF priority level's uid of one request of the tenant."""
        assert self.cluster.pki is not None
        context = ssl.create_default_context(cafile=str(self.cluster.pki.ca_cert))
        request = urllib.request.Request(self.cluster.server + path)
        request.add_header("Authorization", f"Bearer {self.cluster.identities['tenant'].token}")
        try:
            with urllib.request.urlopen(request, context=context, timeout=30) as response:
                return response.status, None, response.headers.get("X-Kubernetes-PF-PriorityLevel-UID")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Retry-After"), exc.headers.get("X-Kubernetes-PF-PriorityLevel-UID")


@pytest.fixture(scope="module")
def throttled(real_cluster: RealCluster) -> Iterator[Throttled]:
    assert real_cluster.pki is not None
    admin = real_cluster.api("admin")
    admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SLOW_NAMESPACE}})
    base = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{SLOW_NAMESPACE}"
    admin.create(f"{base}/roles", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "create-configmaps", "namespace": SLOW_NAMESPACE},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]}]})
    admin.create(f"{base}/rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "create-configmaps", "namespace": SLOW_NAMESPACE},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "create-configmaps"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "realk8s-tenant"}]})

    # The API server's own serving certificate is valid for 127.0.0.1 and signed by the cluster CA.
    webhook = ThreadingHTTPServer(("127.0.0.1", 0), _SlowWebhook)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(real_cluster.pki.server_cert, real_cluster.pki.server_key)
    webhook.socket = tls.wrap_socket(webhook.socket, server_side=True)
    serving = threading.Thread(target=webhook.serve_forever, daemon=True)
    serving.start()
    admin.create(WEBHOOK, {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "realk8s-slow"},
        "webhooks": [{
            "name": "slow.realk8s.invalid", "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "timeoutSeconds": 25, "failurePolicy": "Ignore",
            "clientConfig": {"url": f"https://127.0.0.1:{webhook.server_address[1]}/validate",
                             "caBundle": base64.b64encode(real_cluster.pki.ca_cert.read_bytes()).decode()},
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": SLOW_NAMESPACE}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                       "resources": ["configmaps"], "scope": "Namespaced"}]}]})
    level = admin.create(f"{FLOWCONTROL}/prioritylevelconfigurations", {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": {"name": LEVEL},
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 0, "lendablePercent": 0,
                                                "borrowingLimitPercent": 0, "limitResponse": {"type": "Reject"}}}})
    admin.create(f"{FLOWCONTROL}/flowschemas", {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": LEVEL},
        "spec": {"priorityLevelConfiguration": {"name": LEVEL}, "matchingPrecedence": 50,
                 "distinguisherMethod": {"type": "ByUser"},
                 "rules": [{"subjects": [{"kind": "User", "user": {"name": "realk8s-tenant"}}],
                            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                                               "namespaces": ["*"], "clusterScope": True}]}]}})
    folder = real_cluster.workdir / "throttled"
    state = Throttled(real_cluster, Tools(real_cluster.write_kubeconfig(folder / "kubeconfig", ["tenant"],
                                                                        current="tenant")))
    probe = f"/api/v1/namespaces/{TENANT_NAMESPACE}/configmaps"
    admin.wait_for("the tenant's requests to be classified into the seatless level",
                   lambda: state.tenant_get(probe)[2] == level["metadata"]["uid"], timeout=30)
    # The webhook configuration and the Role reach the API server's caches a moment after they are
    # stored: the held request is sent only once a probe create went through the webhook.
    tenant = real_cluster.api("tenant")

    def webhook_called() -> bool:
        tenant.request("POST", f"/api/v1/namespaces/{SLOW_NAMESPACE}/configmaps",
                       {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe"}},
                       query={"dryRun": "All"})
        return _SlowWebhook.probed.is_set()

    admin.wait_for("the slow webhook to be called by the API server", webhook_called, timeout=60, interval=0.5)
    try:
        yield state
    finally:
        _SlowWebhook.release.set()
        webhook.shutdown()
        webhook.server_close()
        for path in (f"{FLOWCONTROL}/flowschemas/{LEVEL}", f"{FLOWCONTROL}/prioritylevelconfigurations/{LEVEL}",
                     f"{WEBHOOK}/realk8s-slow"):
            admin.request("DELETE", path)
        delete_namespaces(admin, SLOW_NAMESPACE)


async def test_a_429_from_priority_and_fairness_is_retried_as_told_then_called_throttling(
    throttled: Throttled,
) -> None:
    cluster = throttled.cluster
    holders: list[threading.Thread] = []

    def hold() -> None:
        holder = threading.Thread(target=lambda: cluster.api("tenant").request(
            "POST", f"/api/v1/namespaces/{SLOW_NAMESPACE}/configmaps",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"held-{len(holders)}"}},
            query={"dryRun": "All"}, timeout=60))
        holder.start()
        holders.append(holder)

    probe = f"/api/v1/namespaces/{TENANT_NAMESPACE}/configmaps"
    seen: dict[str, str | None] = {}

    def rejected() -> bool:
        # The API server at times lets a request through at once although the webhook holds its call
        # (failurePolicy Ignore): then another request is sent to be held.
        if not holders[-1].is_alive():
            hold()
        status, retry_after, _ = throttled.tenant_get(probe)
        seen["retry_after"] = retry_after
        return status == 429

    hold()
    cluster.api("admin").wait_for("a held request to take the tenant's only seat", rejected, timeout=45)
    retry_after = float(seen["retry_after"] or "nan")
    assert retry_after > 0, seen

    started = time.monotonic()
    answer = await throttled.tools.call("get_kubernetes_resources", kind="ConfigMap", namespace=TENANT_NAMESPACE)
    spent = time.monotonic() - started
    _SlowWebhook.release.set()
    for holder in holders:
        holder.join(timeout=60)

    assert answer.is_error, answer.text
    assert "as too many requests (HTTP 429 after 4 attempts" in answer.text, answer.text
    assert "API Priority and Fairness" in answer.text and "retry later" in answer.text
    assert "unavailable" not in answer.text
    # Three waits between the four attempts, each as long as the server asked (one wait is capped at 5 s).
    assert spent >= 3 * min(retry_after, 5.0) * 0.9, (spent, retry_after)
