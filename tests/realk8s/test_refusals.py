"""How the real API server refuses writes whose values do not fit the object's type, and what our
tools make of it: a rejected patch quotes the whole patched object back (for a Secret, its data),
which never reaches the answer; a mistyped server-side apply is answered HTTP 500, which is the
manifest's fault, said once and not retried as an outage."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tests.realk8s.api import delete_namespaces
from tests.realk8s.cluster import RealCluster
from tests.realk8s.tools import Tools

NAMESPACE = "refusals"
VALUE = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def tools(real_cluster: RealCluster) -> Iterator[Tools]:
    admin = real_cluster.api("admin")
    admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    admin.create(f"/api/v1/namespaces/{NAMESPACE}/secrets", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": NAMESPACE},
        "type": "Opaque", "data": {"password": base64.b64encode(VALUE.encode()).decode()}})
    yield Tools(real_cluster.kubeconfig)
    delete_namespaces(admin, NAMESPACE)


@pytest.mark.parametrize("patch", ['{"metadata": {"labels": {"tier": 3}}}', '{"type": 5}'])
async def test_a_refused_patch_of_a_secret_names_the_field_and_never_its_data(tools: Tools, patch: str) -> None:
    answer = await tools.call("patch_kubernetes_resource", kind="Secret", name="db", namespace=NAMESPACE,
                              patch=patch, dry_run=True)
    assert answer.is_error and "the patched object does not fit its type: json: cannot unmarshal number" \
        in answer.text, answer.text
    assert VALUE not in answer.text and base64.b64encode(VALUE.encode()).decode() not in answer.text


async def test_a_mistyped_server_side_apply_is_the_manifests_fault_said_at_once(tools: Tools) -> None:
    manifest = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typed\n  namespace: {NAMESPACE}\n"
                "data:\n  count: 3\n")
    answer = await tools.call("apply_kubernetes_manifest", yaml_content=manifest)
    assert answer.is_error
    assert "as invalid (HTTP 500): failed to create typed patch object" in answer.text, answer.text
    assert ".data.count: expected string" in answer.text and "Fix that field's value" in answer.text
    assert "attempts" not in answer.text and "unavailable" not in answer.text and "retry later" not in answer.text


async def test_a_value_its_go_type_cannot_hold_is_the_manifests_fault(tools: Tools) -> None:
    manifest = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: half\n  namespace: {NAMESPACE}\n"
                "spec:\n  replicas: 1.5\n  selector: {matchLabels: {app: half}}\n"
                "  template:\n    metadata: {labels: {app: half}}\n"
                "    spec: {containers: [{name: app, image: registry.example/app:1}]}\n")
    answer = await tools.call("apply_kubernetes_manifest", yaml_content=manifest, dry_run=True)
    assert answer.is_error and "failed to convert new object" in answer.text, answer.text
    assert "cannot convert float64 to int32" in answer.text and "attempts" not in answer.text


async def test_a_mistyped_apply_of_a_secret_quotes_none_of_its_values(tools: Tools) -> None:
    manifest = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: typed\n  namespace: {NAMESPACE}\n"
                "data: [LEAKME-LIST]\nstringData:\n  x: {inner: LEAKME-OBJ}\n")
    for tool in ("apply_kubernetes_manifest", "diff_kubernetes_manifest"):
        answer = await tools.call(tool, yaml_content=manifest)
        assert "failed to create typed patch object" in answer.text, answer.text
        assert "LEAKME" not in answer.text and "got (the value, not shown)" in answer.text


async def test_a_json_patch_that_would_read_a_secrets_values_is_refused(tools: Tools) -> None:
    answer = await tools.call("patch_kubernetes_resource", kind="Secret", name="db", namespace=NAMESPACE,
                              type="json", dry_run=True,
                              patch='[{"op": "copy", "from": "/data/password", "path": "/metadata/labels/x"}]')
    assert answer.is_error and "reads a Secret's values" in answer.text, answer.text
    assert base64.b64encode(VALUE.encode()).decode() not in answer.text


async def test_a_forbidden_pod_update_does_not_quote_the_pods_spec(real_cluster: RealCluster, tools: Tools) -> None:
    real_cluster.api("admin").create(f"/api/v1/namespaces/{NAMESPACE}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "envs", "namespace": NAMESPACE},
        "spec": {"containers": [{"name": "a", "image": "registry.example/app:1",
                                 "env": [{"name": "DB_PASSWORD", "value": "ENVSECRET-hunter2"}]}]}})
    answer = await tools.call("patch_kubernetes_resource", kind="Pod", name="envs", namespace=NAMESPACE,
                              type="strategic", dry_run=True,
                              patch='{"spec": {"containers": [{"name": "a", "env": [{"name": "ZZ", "value": "1"}]}]}}')
    assert answer.is_error and "pod updates may not change fields" in answer.text, answer.text
    assert "ENVSECRET" not in answer.text and "of the server's message not shown: they quote the object" in answer.text
