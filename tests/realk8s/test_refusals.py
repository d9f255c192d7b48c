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
    assert "as invalid (server-side apply, HTTP 500)" in answer.text, answer.text
    assert ".data.count: expected string" in answer.text and "Fix that field's value in the manifest" in answer.text
    assert "attempts" not in answer.text and "unavailable" not in answer.text and "retry later" not in answer.text
