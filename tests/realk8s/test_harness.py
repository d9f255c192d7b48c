"""The harness gives what the other realk8s tests rely on: TLS that only its CA verifies, one
kubeconfig context per identity, RBAC that holds the tenant to its namespace and the identity with
no rights to nothing, the Flux CRDs served, and the two controllers that Kubernetes semantics need
(namespace deletion, owner-reference garbage collection)."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.realk8s.api import ApiClient
from tests.realk8s.cluster import REFERENCE_CRDS, TENANT_NAMESPACE, RealCluster
from tests.realk8s.processes import port_open


def test_the_api_server_is_served_over_tls_verified_only_by_the_harness_ca(real_cluster: RealCluster) -> None:
    assert real_cluster.api("admin").get("/version").body["gitVersion"] == "v1.37.2"
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(f"{real_cluster.server}/version", context=ssl.create_default_context(), timeout=10)
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)


def test_the_kubeconfig_has_one_context_per_identity_each_with_its_namespace(real_cluster: RealCluster) -> None:
    config = yaml.safe_load(Path(real_cluster.kubeconfig).read_text())
    contexts = {c["name"]: c["context"] for c in config["contexts"]}
    assert set(contexts) == {"admin", "tenant", "nobody"}
    assert contexts["tenant"]["namespace"] == TENANT_NAMESPACE
    assert config["current-context"] == "admin"


def test_rbac_holds_the_tenant_to_its_namespace_and_gives_nobody_nothing(real_cluster: RealCluster) -> None:
    tenant, nobody = real_cluster.api("tenant"), real_cluster.api("nobody")
    assert tenant.get(f"/api/v1/namespaces/{TENANT_NAMESPACE}/configmaps").status == 200
    assert tenant.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations").status == 403
    assert tenant.get("/api/v1/namespaces/default/configmaps").status == 403
    created = tenant.request("POST", f"/api/v1/namespaces/{TENANT_NAMESPACE}/configmaps",
                             {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert created.status == 403  # read-only
    assert nobody.get(f"/api/v1/namespaces/{TENANT_NAMESPACE}/configmaps").status == 403
    assert ApiClient(real_cluster.server, real_cluster.pki.ca_cert if real_cluster.pki else None,
                     "not-a-token").get("/api").status == 401


def test_every_reference_flux_crd_is_served(real_cluster: RealCluster) -> None:
    expected = {yaml.safe_load(p.read_text())["metadata"]["name"] for p in REFERENCE_CRDS.glob("*.yaml")}
    listed = real_cluster.api("admin").get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").body["items"]
    assert expected <= {crd["metadata"]["name"] for crd in listed}


def test_deleting_an_owner_garbage_collects_its_dependents_and_namespaces_are_emptied(
        real_cluster: RealCluster) -> None:
    admin = real_cluster.api("admin")
    admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "harness-gc"}})
    owner = admin.create("/api/v1/namespaces/harness-gc/configmaps",
                         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    admin.create("/api/v1/namespaces/harness-gc/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "dependent", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                                                  "uid": owner["metadata"]["uid"]}]}})
    admin.must("DELETE", "/api/v1/namespaces/harness-gc/configmaps/owner")
    admin.wait_for("the garbage collector to delete the dependent",
                   lambda: admin.get("/api/v1/namespaces/harness-gc/configmaps/dependent").status == 404, timeout=60)
    admin.must("DELETE", "/api/v1/namespaces/harness-gc")
    admin.wait_for("the namespace controller to finish the namespace",
                   lambda: admin.get("/api/v1/namespaces/harness-gc").status == 404, timeout=60)


def test_stopping_a_cluster_ends_every_process_it_started(cluster_binaries: None, tmp_path: Path) -> None:
    cluster = RealCluster(tmp_path).start()
    running = cluster.processes.running()
    assert set(running) == {"etcd", "kube-apiserver", "kube-controller-manager"}
    cluster.stop()
    assert cluster.processes.running() == {}
    for pid in running.values():
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not port_open(cluster.api_port)
