"""What a namespace-scoped tenant and an identity with no rights get from our tools on the sandbox,
whose RBAC grants a Role in its namespace only (as kube-apiserver's does): the kubeconfig context's
namespace instead of a cluster-scope 403, one line per degradation, never "all ready" about objects
that could not be read. The same cases run on a real API server in tests/realk8s/test_tenants.py.

The tenant `tenant-a` reads everything in team-api (its context's namespace) and may reconcile its
Kustomizations there; in team-billing it may read Kustomizations only. `nobody` holds no rights.
Every fallback is shown to be exercised: the sandbox saw the cluster-wide request refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from flux_mcp.sandbox import RequestRecord, Sandbox
from tests.harness import ToolSession, server_on
from tests.packaging.test_tenant_role import TENANT_ROLE

TENANT = "team-api"
PARTIAL = "team-billing"
KS = "/apis/kustomize.toolkit.fluxcd.io/v1"


def role(name: str, namespace: str, rules: str, user: str = "tenant-a") -> str:
    return f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: {name}, namespace: {namespace}}}
rules:
{rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {name}, namespace: {namespace}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}
subjects:
  - {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}
"""


# Bound by no binding: the sandbox's own identity holds it, cluster-wide (the admin of these tests).
ADMIN = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
"""

TENANT_RBAC = [
    ADMIN,
    role("tenant-read", TENANT, '  - {apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"]}'),
    role("tenant-reconcile", TENANT,
         '  - {apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: ["patch"]}'),
    role("kustomizations-read", PARTIAL,
         '  - {apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: ["get", "list"]}'),
]


@dataclass
class Tenancy:
    sandbox: Sandbox
    tenant: ToolSession
    nobody: ToolSession
    admin: ToolSession

    def refused_cluster_wide(self, path: str, user: str = "tenant-a") -> list[RequestRecord]:
        """The requests of the last call to `path` across all namespaces that RBAC refused."""
        return [r for r in self.sandbox.requests if r.path == path and r.status == 403 and r.user == user]

    def served(self, path: str) -> list[RequestRecord]:
        return [r for r in self.sandbox.requests if r.path == path and r.status == 200]


@pytest.fixture(scope="module")
def tenancy(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Tenancy:
    sandbox.add_identity("tenant", "tenant-a", TENANT)
    sandbox.add_identity("nobody", "nobody", "default")
    # Names the tenant's objects share with objects elsewhere: without the fallback to its own
    # namespace these would be ambiguous (the admin sees both).
    deployment = sandbox.store.find(sandbox.catalog.by_kind("apps", "Deployment"), TENANT, "api-server")
    kustomization = sandbox.store.find(sandbox.catalog.by_kind("kustomize.toolkit.fluxcd.io", "Kustomization"),
                                       TENANT, "api")
    assert deployment is not None and kustomization is not None
    copies = []
    for obj in (deployment, kustomization):
        copy = {key: value for key, value in obj.items() if key != "status"}
        metadata = obj["metadata"]
        copy["metadata"] = {"name": metadata["name"], "namespace": "team-web", "labels": metadata.get("labels", {})}
        copies.append(copy)
    sandbox.store.load(copies, {})
    kubeconfig: Path = sandbox.write_kubeconfig(tmp_path_factory.mktemp("tenants") / "config")
    return Tenancy(sandbox, ToolSession(server_on(kubeconfig, context="tenant"), sandbox, forbid_canaries=True),
                   ToolSession(server_on(kubeconfig, context="nobody"), sandbox),
                   ToolSession(server_on(kubeconfig), sandbox))


@pytest.fixture
def tenant_rbac(tenancy: Tenancy) -> Tenancy:
    tenancy.sandbox.enforce_rbac(TENANT_RBAC)
    return tenancy


async def test_a_tenant_gets_the_health_of_its_namespace_with_one_line_saying_so(tenant_rbac: Tenancy) -> None:
    text, _ = await tenant_rbac.tenant.ok("get_flux_health")
    scope = [line for line in text.splitlines() if "forbidden" in line]
    assert len(scope) == 1 and f"namespace {TENANT}" in scope[0], text
    assert "Add this rule" not in text
    assert f"Kustomization {TENANT}/api" in text and "HealthCheckFailed" in text
    assert "team-web" not in text and PARTIAL not in text
    assert "all 0" not in text
    assert len(text) < 2000, len(text)
    assert tenant_rbac.refused_cluster_wide(f"{KS}/kustomizations")
    assert tenant_rbac.served(f"{KS}/namespaces/{TENANT}/kustomizations")


async def test_a_tenant_lists_kustomizations_in_its_context_namespace_like_kubectl(tenant_rbac: Tenancy) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_kubernetes_resources", kind="Kustomization", output="table")
    assert f"showing namespace {TENANT}" in text, text
    assert structured["names"] == [f"{TENANT}/api"]
    assert structured["namespace"] == TENANT
    assert tenant_rbac.refused_cluster_wide(f"{KS}/kustomizations")

    # By name alone: the one in its namespace, though another namespace holds one of that name too.
    text, structured = await tenant_rbac.tenant.ok("get_kubernetes_resources", kind="Kustomization", name="api")
    assert structured["names"] == [f"{TENANT}/api"], text
    assert "recent Warning events" in text and "HealthCheckFailed" in text
    _, seen_by_admin = await tenant_rbac.admin.ok("get_kubernetes_resources", kind="Kustomization", name="api")
    assert sorted(seen_by_admin["names"]) == [f"{TENANT}/api", "team-web/api"]

    missing = await tenant_rbac.tenant.refused("get_kubernetes_resources", kind="Kustomization", name="billing-infra")
    assert f'no Kustomization named "billing-infra" in namespace {TENANT}' in missing
    assert "pass `namespace`" in missing and "any namespace" not in missing


async def test_a_tenant_graph_shows_its_namespace(tenant_rbac: Tenancy) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_flux_dependency_graph", format="json")
    assert f"Flux dependency graph (json, namespace {TENANT})" in text, text
    nodes = structured["graph"]["nodes"]
    assert "ks_team_api_api" in {node["id"] for node in nodes}
    assert "team-web" not in text
    # Its source lives in flux-system, which the tenant may not read: not readable, not missing.
    source = next(node for node in nodes if node["kind"] == "GitRepository")
    assert source["status"] == "unknown: NotReadable"


async def test_kinds_a_tenant_may_not_read_are_one_line_with_one_rule(tenant_rbac: Tenancy) -> None:
    text, _ = await tenant_rbac.tenant.ok("get_flux_health", namespace=PARTIAL)
    forbidden = [line for line in text.splitlines() if "not shown" in line]
    assert len(forbidden) == 1, text
    line = forbidden[0]
    assert "GitRepository" in line and "HelmRelease" in line and "Kustomization," not in line
    assert line.count("apiGroups") == 1 and '"gitrepositories"' in line and '"helmreleases"' in line
    summary = next(line for line in text.splitlines() if line.startswith("Flux health"))
    assert "all " not in summary and "not read" in summary, summary
    # Its GitRepository could not be read: unknown, not "missing".
    assert "does not exist" not in text and "missing" not in text, text
    assert f"Kustomization {PARTIAL}/billing-infra" in text


async def test_a_tenant_gets_the_events_of_its_namespace_with_one_line_saying_so(tenant_rbac: Tenancy) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_kubernetes_events")
    first = text.splitlines()[0]
    assert first == ("# listing Events in all namespaces is forbidden for this identity: showing namespace "
                     f"{TENANT} only")
    assert "(namespace=team-api)" in text.splitlines()[1]
    objects = {event["object"] for event in structured["events"]}
    assert f"Kustomization/{TENANT}/api" in objects
    assert all(f"/{TENANT}/" in ref for ref in objects), objects
    assert tenant_rbac.refused_cluster_wide("/api/v1/events")
    assert tenant_rbac.served(f"/api/v1/namespaces/{TENANT}/events")

    warnings, _ = await tenant_rbac.tenant.ok("get_kubernetes_events", kind="Kustomization", type="Warning")
    assert "HealthCheckFailed" in warnings and "forbidden for this identity" in warnings.splitlines()[0]


async def test_an_admin_lists_events_everywhere_with_one_call_and_no_note(tenancy: Tenancy) -> None:
    text, _ = await tenancy.admin.ok("get_kubernetes_events", type="Warning")
    assert "forbidden" not in text.splitlines()[0] and "namespace=all" in text.splitlines()[0]
    assert [r.path for r in tenancy.sandbox.requests if r.path.endswith("/events")] == ["/api/v1/events"]


async def test_notification_events_of_a_graph_fall_back_to_the_context_namespace(tenancy: Tenancy) -> None:
    # Flux objects readable everywhere, Events only in the tenant's namespace.
    read_flux = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flux-read}
rules:
  - apiGroups: ["source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io",
                "notification.toolkit.fluxcd.io", "image.toolkit.fluxcd.io", "source.extensions.fluxcd.io",
                "fluxcd.controlplane.io"]
    resources: ["*"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: flux-read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flux-read}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: tenant-a}
"""
    events = role("events", TENANT, '  - {apiGroups: [""], resources: ["events"], verbs: ["list"]}')
    tenancy.sandbox.enforce_rbac([ADMIN, read_flux, events])
    _, structured = await tenancy.tenant.ok("get_flux_dependency_graph", format="json")
    notes = structured["graph"]["notes"]
    assert [note for note in notes if "Events" in note] == [
        f"listing Events in all namespaces is forbidden for this identity: showing namespace {TENANT} only "
        "(the events of notification objects elsewhere are not read)"], notes
    assert not [note for note in notes if "could not read" in note or "403" in note or "Add this rule" in note]
    assert tenancy.refused_cluster_wide("/api/v1/events")


async def test_a_tenant_reads_the_logs_of_its_workload_without_a_namespace(tenant_rbac: Tenancy) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_kubernetes_logs", kind="Deployment", name="api-server")
    assert "failed to connect to database" in text
    assert structured["pods"] and structured["pods"][0].startswith("api-server-")
    assert tenant_rbac.refused_cluster_wide("/apis/apps/v1/deployments")
    # The admin sees the same name in two namespaces and must pick one.
    ambiguous = await tenant_rbac.admin.refused("get_kubernetes_logs", kind="Deployment", name="api-server")
    assert "exists in 2 namespaces" in ambiguous


async def test_a_tenant_traces_and_analyzes_without_a_namespace_past_what_it_may_not_read(
    tenant_rbac: Tenancy,
) -> None:
    text, _ = await tenant_rbac.tenant.ok("trace_kubernetes_resource", kind="Deployment", name="api-server")
    assert f"managed by Kustomization {TENANT}/api" in text, text
    assert "GitRepository flux-system/flux-system: unknown (NotReadable)" in text
    assert "does not exist" not in text

    text, _ = await tenant_rbac.tenant.ok("analyze_flux_resource", kind="Kustomization", name="api")
    assert "Root cause: Deployment team-api/api-server" in text, text
    assert "could not fetch GitRepository flux-system/flux-system (forbidden" in text
    assert tenant_rbac.refused_cluster_wide(f"{KS}/kustomizations")


async def test_a_tenant_reconciles_its_kustomization_without_a_namespace(tenant_rbac: Tenancy) -> None:
    text, _ = await tenant_rbac.tenant.ok("reconcile_flux_resource", kind="Kustomization", name="api", wait=False)
    assert f"{TENANT}/api" in text, text
    patches = [r for r in tenant_rbac.sandbox.requests if r.method == "PATCH"]
    assert [(r.path, r.status) for r in patches] == [(f"{KS}/namespaces/{TENANT}/kustomizations/api", 200)]


async def test_an_object_not_in_the_tenants_namespace_is_one_error_saying_where_it_looked(
    tenant_rbac: Tenancy,
) -> None:
    for tool in ("reconcile_flux_resource", "trace_kubernetes_resource", "suspend_flux_reconciliation"):
        text = await tenant_rbac.tenant.refused(tool, kind="Kustomization", name="billing-infra")
        assert text == (f'no Kustomization named "billing-infra" in namespace {TENANT} (the kubeconfig context\'s), '
                        "and listing Kustomization in all namespaces is forbidden for this identity; pass "
                        "`namespace` to name the one it is in"), text
        assert not [r for r in tenant_rbac.sandbox.requests if r.method == "PATCH"]


async def test_an_identity_that_can_read_nothing_gets_one_error_naming_it(tenant_rbac: Tenancy) -> None:
    health = await tenant_rbac.nobody.refused("get_flux_health")
    assert '"nobody"' in health, health
    assert "may not list any Flux object" in health
    assert health.count("apiGroups") == 1 and '"kustomizations"' in health
    assert "ready" not in health

    logs = await tenant_rbac.nobody.refused("get_kubernetes_logs", kind="Deployment", name="api-server")
    assert len(logs.splitlines()) == 1, logs
    assert 'User "nobody" cannot list resource "deployments"' in logs
    assert "in all namespaces and in namespace default" in logs and "pass `namespace`" in logs
    assert tenant_rbac.refused_cluster_wide("/apis/apps/v1/deployments", user="nobody")
    assert tenant_rbac.refused_cluster_wide("/apis/apps/v1/namespaces/default/deployments", user="nobody")


async def test_the_shipped_tenant_role_lets_a_tenant_read_its_namespace_whole(tenancy: Tenancy) -> None:
    docs = list(yaml.safe_load_all(TENANT_ROLE.read_text()))
    for doc in docs:
        doc["metadata"]["namespace"] = TENANT
        if doc["kind"] == "RoleBinding":
            doc["subjects"] = [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "tenant-a"}]
    tenancy.sandbox.enforce_rbac([ADMIN, yaml.safe_dump_all(docs)])

    health, _ = await tenancy.tenant.ok("get_flux_health")
    assert "not shown" not in health and "workloads not checked" not in health, health
    assert f"Kustomization {TENANT}/api" in health and "HealthCheckFailed" in health
    assert "CrashLoopBackOff" in health  # its workloads and pods were read
    events, _ = await tenancy.tenant.ok("get_kubernetes_events")
    assert "HealthCheckFailed" in events
    logs, _ = await tenancy.tenant.ok("get_kubernetes_logs", kind="Deployment", name="api-server")
    assert "failed to connect to database" in logs
    analysis, _ = await tenancy.tenant.ok("analyze_flux_resource", kind="Kustomization", name="api")
    assert "Root cause: Deployment team-api/api-server" in analysis
    assert tenancy.refused_cluster_wide(f"{KS}/kustomizations")


async def test_a_tenants_flux_instance_counts_its_namespace_and_claims_no_missing_controller(
    tenant_rbac: Tenancy,
) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_flux_instance")
    assert structured["missing_components"] == [] and "controllersMissing" not in text, text
    assert "none found where this identity may list Deployments" in text
    warnings = structured["warnings"]
    assert f"listing Deployments in all namespaces is forbidden for this identity: showing namespace {TENANT} only: " \
           "controllers in other namespaces are not seen" in warnings
    assert any(w.startswith("listing Flux objects in all namespaces is forbidden") for w in warnings), warnings
    assert [s for s in structured["stats"] if s["total"]] == [
        {"kind": "Kustomization", "total": 1, "ready": 0, "failing": 1, "suspended": 0, "progressing": 0}]
    assert tenant_rbac.refused_cluster_wide("/apis/apps/v1/deployments")
    # The admin finds every controller, with no warning about namespaces.
    _, seen_by_admin = await tenant_rbac.admin.ok("get_flux_instance")
    assert seen_by_admin["missing_components"] == [] and len(seen_by_admin["controllers"]) >= 6
    assert not [w for w in seen_by_admin["warnings"] if "forbidden" in w]


async def test_a_tenants_pod_metrics_are_those_of_its_namespace_with_one_line_saying_so(tenant_rbac: Tenancy) -> None:
    text, structured = await tenant_rbac.tenant.ok("get_kubernetes_metrics")
    assert text.splitlines()[0] == ("# listing pod metrics in all namespaces is forbidden for this identity: showing "
                                    f"namespace {TENANT} only"), text
    assert structured["pods"] and {pod["namespace"] for pod in structured["pods"]} == {TENANT}
    assert tenant_rbac.refused_cluster_wide("/apis/metrics.k8s.io/v1beta1/pods")
    by_name, _ = await tenant_rbac.tenant.ok("get_kubernetes_metrics", pod_name="api-server-55b9b10689-q8x2m")
    assert f"{TENANT}/api-server-55b9b10689-q8x2m" in by_name
