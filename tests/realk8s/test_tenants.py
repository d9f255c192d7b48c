"""What a namespace-scoped tenant and an identity with no rights get from our tools on a real API
server with RBAC: the kubeconfig context's namespace instead of a cluster-scope 403, one line per
degradation, and never "all ready" about objects that could not be read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.realk8s.api import ApiClient, delete_namespaces
from tests.realk8s.cluster import TENANT_NAMESPACE, RealCluster
from tests.realk8s.tools import Tools

OTHER_NAMESPACE = "tenants-other"
PARTIAL_NAMESPACE = "tenants-partial"
KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
SOURCE = "/apis/source.toolkit.fluxcd.io/v1"


def _ready(status: str, reason: str, message: str) -> dict[str, object]:
    return {"type": "Ready", "status": status, "reason": reason, "message": message,
            "lastTransitionTime": "2026-12-01T10:00:00Z", "observedGeneration": 1}


def _put(api: ApiClient, collection: str, obj: dict[str, object], status: dict[str, object]) -> None:
    created = api.create(collection, obj)
    created["status"] = status
    name = created["metadata"]["name"]
    api.must("PUT", f"{collection}/{name}/status", created)


def _objects(api: ApiClient, namespace: str, failing: bool) -> None:
    repo = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "apps", "namespace": namespace},
            "spec": {"interval": "10m", "url": "https://git.example/apps.git"}}
    _put(api, f"{SOURCE}/namespaces/{namespace}/gitrepositories", repo,
         {"observedGeneration": 1, "conditions": [_ready("True", "Succeeded", "stored artifact")]})
    ks = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
          "metadata": {"name": "apps", "namespace": namespace},
          "spec": {"interval": "10m", "path": "./apps", "prune": True,
                   "sourceRef": {"kind": "GitRepository", "name": "apps"}}}
    condition = (_ready("False", "ReconciliationFailed", "ConfigMap/x/y dry-run failed: bad value") if failing
                 else _ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:1"))
    _put(api, f"{KS}/namespaces/{namespace}/kustomizations", ks,
         {"observedGeneration": 1 if not failing else -1, "conditions": [condition]})


def _warning_event(api: ApiClient, namespace: str, reason: str) -> None:
    api.create(f"/api/v1/namespaces/{namespace}/events", {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"apps.{reason.lower()}", "namespace": namespace},
        "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                           "name": "apps", "namespace": namespace},
        "type": "Warning", "reason": reason, "message": f"{reason} in {namespace}",
        "source": {"component": "kustomize-controller"}, "count": 1,
        "firstTimestamp": "2026-12-01T10:00:00Z", "lastTimestamp": "2026-12-01T10:00:00Z"})


@dataclass
class Tenancy:
    tenant: Tools
    nobody: Tools


@pytest.fixture(scope="module")
def tenancy(real_cluster: RealCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenancy]:
    admin = real_cluster.api("admin")
    for namespace in (OTHER_NAMESPACE, PARTIAL_NAMESPACE):
        admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    _objects(admin, TENANT_NAMESPACE, failing=True)
    _objects(admin, OTHER_NAMESPACE, failing=False)
    _objects(admin, PARTIAL_NAMESPACE, failing=False)
    _warning_event(admin, TENANT_NAMESPACE, "ReconciliationFailed")
    _warning_event(admin, OTHER_NAMESPACE, "OtherNamespaceFailure")
    # In a second namespace the tenant may read Kustomizations only.
    base = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{PARTIAL_NAMESPACE}"
    admin.create(f"{base}/roles", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "kustomizations-read", "namespace": PARTIAL_NAMESPACE},
        "rules": [{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"],
                   "verbs": ["get", "list", "watch"]}]})
    admin.create(f"{base}/rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "kustomizations-read", "namespace": PARTIAL_NAMESPACE},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kustomizations-read"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "realk8s-tenant"}]})
    folder: Path = tmp_path_factory.mktemp("tenants")
    tenant = real_cluster.write_kubeconfig(folder / "tenant", ["tenant"], current="tenant")
    nobody = real_cluster.write_kubeconfig(folder / "nobody", ["nobody"], current="nobody")
    yield Tenancy(Tools(tenant), Tools(nobody))
    delete_namespaces(admin, OTHER_NAMESPACE, PARTIAL_NAMESPACE, "tenants-shipped")
    for path in (f"{KS}/namespaces/{TENANT_NAMESPACE}/kustomizations/apps",
                 f"/api/v1/namespaces/{TENANT_NAMESPACE}/events/apps.reconciliationfailed",
                 f"{SOURCE}/namespaces/{TENANT_NAMESPACE}/gitrepositories/apps"):
        admin.request("DELETE", path)


async def test_a_tenant_gets_the_health_of_its_namespace_with_one_line_saying_so(tenancy: Tenancy) -> None:
    health = await tenancy.tenant.ok("get_flux_health")
    lines = health.text.splitlines()
    scope = [line for line in lines if "forbidden" in line]
    assert len(scope) == 1 and f"namespace {TENANT_NAMESPACE}" in scope[0], health.text
    assert "Add this rule" not in health.text
    assert f"Kustomization {TENANT_NAMESPACE}/apps" in health.text and "ReconciliationFailed" in health.text
    assert OTHER_NAMESPACE not in health.text
    assert "all 0" not in health.text
    assert len(health.text) < 2000, len(health.text)


async def test_a_tenant_lists_kustomizations_in_its_context_namespace_like_kubectl(tenancy: Tenancy) -> None:
    listed = await tenancy.tenant.ok("get_kubernetes_resources", kind="Kustomization", output="table")
    assert f"showing namespace {TENANT_NAMESPACE}" in listed.text, listed.text
    assert listed.structured["names"] == [f"{TENANT_NAMESPACE}/apps"]
    assert listed.structured["namespace"] == TENANT_NAMESPACE


async def test_a_tenant_graph_shows_its_namespace(tenancy: Tenancy) -> None:
    graph = await tenancy.tenant.ok("get_flux_dependency_graph", format="json")
    assert f"Flux dependency graph (json, namespace {TENANT_NAMESPACE})" in graph.text, graph.text
    assert f"Kustomization/{TENANT_NAMESPACE}/apps" in str(graph.structured)
    assert OTHER_NAMESPACE not in graph.text


async def test_kinds_a_tenant_may_not_read_are_one_line_with_one_rule(tenancy: Tenancy) -> None:
    health = await tenancy.tenant.ok("get_flux_health", namespace=PARTIAL_NAMESPACE)
    forbidden = [line for line in health.text.splitlines() if "not shown" in line]
    assert len(forbidden) == 1, health.text
    line = forbidden[0]
    assert "GitRepository" in line and "HelmRelease" in line and "Kustomization," not in line
    assert line.count("apiGroups") == 1 and '"gitrepositories"' in line and '"helmreleases"' in line
    # The summary cannot vouch for kinds it never read.
    summary = next(line for line in health.text.splitlines() if line.startswith("Flux health"))
    assert "all " not in summary and "not read" in summary, summary
    # Its GitRepository could not be read: unknown, not "missing" (nothing to create, nothing to fix).
    assert "missing" not in health.text and "does not exist" not in health.text, health.text
    assert f"Kustomization {PARTIAL_NAMESPACE}/apps" not in health.text  # it is ready


async def test_an_identity_that_can_read_nothing_gets_one_error_naming_it(tenancy: Tenancy) -> None:
    answer = await tenancy.nobody.call("get_flux_health")
    assert answer.is_error
    assert '"realk8s-nobody"' in answer.text, answer.text
    assert "may not list any Flux object" in answer.text
    assert answer.text.count("apiGroups") == 1 and '"kustomizations"' in answer.text
    assert "ready" not in answer.text


async def test_the_shipped_tenant_role_lets_a_tenant_read_its_namespace_whole(
    real_cluster: RealCluster, tenancy: Tenancy,
) -> None:
    import yaml

    from tests.packaging.test_tenant_role import TENANT_ROLE

    admin = real_cluster.api("admin")
    namespace = "tenants-shipped"
    admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    _objects(admin, namespace, failing=True)
    for doc in yaml.safe_load_all(TENANT_ROLE.read_text()):
        doc["metadata"]["namespace"] = namespace
        if doc["kind"] == "RoleBinding":
            doc["subjects"] = [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "realk8s-tenant"}]
        plural = "roles" if doc["kind"] == "Role" else "rolebindings"
        admin.create(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/{plural}", doc)

    health = await tenancy.tenant.ok("get_flux_health", namespace=namespace)
    assert "not shown" not in health.text and "workloads not checked" not in health.text, health.text
    assert f"Kustomization {namespace}/apps" in health.text and "ReconciliationFailed" in health.text


async def test_a_tenant_gets_the_events_of_its_context_namespace_with_one_line_saying_so(tenancy: Tenancy) -> None:
    events = await tenancy.tenant.ok("get_kubernetes_events", type="Warning")
    first = events.text.splitlines()[0]
    assert first == (f"# listing Events in all namespaces is forbidden for this identity: showing namespace "
                     f"{TENANT_NAMESPACE} only"), events.text
    assert "ReconciliationFailed" in events.text and "OtherNamespaceFailure" not in events.text
    assert {event["object"] for event in events.structured["events"]} == {f"Kustomization/{TENANT_NAMESPACE}/apps"}


async def test_a_tenant_names_an_object_without_a_namespace_and_gets_the_one_in_its_namespace(
    tenancy: Tenancy,
) -> None:
    # "apps" exists in three namespaces; the tenant may list one of them, its context's.
    listed = await tenancy.tenant.ok("get_kubernetes_resources", kind="Kustomization", name="apps")
    assert listed.structured["names"] == [f"{TENANT_NAMESPACE}/apps"], listed.text
    trace = await tenancy.tenant.ok("trace_kubernetes_resource", kind="Kustomization", name="apps")
    assert f"Kustomization {TENANT_NAMESPACE}/apps" in trace.text, trace.text
    analysis = await tenancy.tenant.ok("analyze_flux_resource", kind="Kustomization", name="apps")
    assert f"Kustomization {TENANT_NAMESPACE}/apps" in analysis.text and "ReconciliationFailed" in analysis.text


async def test_an_object_outside_the_tenants_namespace_is_one_error_saying_where_it_looked(tenancy: Tenancy) -> None:
    for tool in ("trace_kubernetes_resource", "reconcile_flux_resource"):
        answer = await tenancy.tenant.call(tool, kind="GitRepository", name="only-elsewhere")
        assert answer.is_error
        assert answer.text == (
            f'no GitRepository named "only-elsewhere" in namespace {TENANT_NAMESPACE} (the kubeconfig context\'s), '
            "and listing GitRepository in all namespaces is forbidden for this identity; pass `namespace` to name "
            "the one it is in"), answer.text


async def test_an_identity_that_can_list_nothing_gets_one_line_naming_it_when_it_names_an_object(
    tenancy: Tenancy,
) -> None:
    answer = await tenancy.nobody.call("trace_kubernetes_resource", kind="Kustomization", name="apps")
    assert answer.is_error and len(answer.text.splitlines()) == 1, answer.text
    assert 'User "realk8s-nobody" cannot list resource "kustomizations"' in answer.text
    assert "in all namespaces and in namespace default" in answer.text and "pass `namespace`" in answer.text
