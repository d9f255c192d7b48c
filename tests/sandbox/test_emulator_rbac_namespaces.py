"""The sandbox's RBAC as kube-apiserver's: a Role or a RoleBinding grants in its namespace only, a
ClusterRoleBinding everywhere, a list of every namespace needs a cluster-wide grant, each identity
is the user its token authenticates, its 403s name it, and SelfSubjectReview answers with it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from flux_mcp.sandbox import Sandbox, SandboxIdentity

KS = "/apis/kustomize.toolkit.fluxcd.io/v1"
SANDBOX_USER = "system:serviceaccount:flux-system:fluxcd-mcp"

READ_ALL = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-all}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["get", "list"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
"""

TENANT_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tenant-read, namespace: team-api}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tenant-read, namespace: team-api}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tenant-read}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: tenant-a}
"""

# A ClusterRole granted in one namespace through a RoleBinding, to a group the tenant is in.
CLUSTER_ROLE_IN_ONE_NAMESPACE = READ_ALL + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: billing-readers, namespace: team-billing}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-all}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: tenants}
"""


@pytest.fixture(scope="module")
def tenant(sandbox: Sandbox) -> SandboxIdentity:
    return sandbox.add_identity("tenant", "tenant-a", "team-api", groups=("tenants",))


@pytest.fixture
def as_tenant(sandbox: Sandbox, tenant: SandboxIdentity) -> Iterator[httpx2.Client]:
    headers = {"Authorization": f"Bearer {tenant.token}"}
    with httpx2.Client(base_url=sandbox.url, timeout=10, headers=headers) as client:
        yield client


@pytest.fixture
def as_sandbox(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def test_a_role_grants_in_its_namespace_only_and_never_across_namespaces(
    sandbox: Sandbox, as_tenant: httpx2.Client,
) -> None:
    sandbox.enforce_rbac([TENANT_ROLE])
    assert as_tenant.get(f"{KS}/namespaces/team-api/kustomizations").status_code == 200
    assert as_tenant.get(f"{KS}/namespaces/team-api/kustomizations/api").status_code == 200
    other = as_tenant.get(f"{KS}/namespaces/team-billing/kustomizations")
    assert other.status_code == 403
    assert other.json()["message"] == (
        'kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User "tenant-a" cannot list resource '
        '"kustomizations" in API group "kustomize.toolkit.fluxcd.io" in the namespace "team-billing"')
    everywhere = as_tenant.get(f"{KS}/kustomizations")
    assert everywhere.status_code == 403
    assert everywhere.json()["message"] == (
        'kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User "tenant-a" cannot list resource '
        '"kustomizations" in API group "kustomize.toolkit.fluxcd.io" at the cluster scope')
    # Cluster-scoped kinds need a cluster-wide grant too.
    assert as_tenant.get("/api/v1/nodes").status_code == 403
    # The Role is the tenant's: the sandbox's own identity holds nothing now.
    assert sandbox.requests[-1].user == "tenant-a"


def test_a_namespace_is_a_request_in_itself(sandbox: Sandbox, as_tenant: httpx2.Client) -> None:
    sandbox.enforce_rbac([TENANT_ROLE])
    assert as_tenant.get("/api/v1/namespaces/team-api").status_code == 200
    refused = as_tenant.get("/api/v1/namespaces/team-web")
    assert refused.status_code == 403
    assert refused.json()["message"] == ('namespaces "team-web" is forbidden: User "tenant-a" cannot get resource '
                                         '"namespaces" in API group "" in the namespace "team-web"')
    assert as_tenant.get("/api/v1/namespaces").status_code == 403


def test_a_rolebinding_grants_a_clusterrole_in_its_namespace_only_to_its_group(
    sandbox: Sandbox, as_tenant: httpx2.Client, as_sandbox: httpx2.Client,
) -> None:
    sandbox.enforce_rbac([CLUSTER_ROLE_IN_ONE_NAMESPACE])
    assert as_tenant.get(f"{KS}/namespaces/team-billing/kustomizations").status_code == 200
    assert as_tenant.get(f"{KS}/namespaces/team-api/kustomizations").status_code == 403
    assert as_tenant.get(f"{KS}/kustomizations").status_code == 403
    # nonResourceURLs count only through a ClusterRoleBinding.
    assert as_tenant.get("/metrics").status_code == 403
    # The ClusterRole is bound, so it is not the sandbox identity's.
    assert as_sandbox.get(f"{KS}/namespaces/team-billing/kustomizations").status_code == 403


def test_unbound_roles_are_the_sandbox_identitys_a_clusterrole_everywhere_a_role_in_its_namespace(
    sandbox: Sandbox, as_sandbox: httpx2.Client, as_tenant: httpx2.Client,
) -> None:
    sandbox.enforce_rbac([READ_ALL])
    assert as_sandbox.get(f"{KS}/kustomizations").status_code == 200
    assert as_tenant.get(f"{KS}/kustomizations").status_code == 403
    unbound_role = TENANT_ROLE.split("---")[0]
    sandbox.enforce_rbac([unbound_role])
    assert as_sandbox.get(f"{KS}/namespaces/team-api/kustomizations").status_code == 200
    assert as_sandbox.get(f"{KS}/namespaces/team-web/kustomizations").status_code == 403
    assert as_sandbox.get(f"{KS}/kustomizations").json()["message"].endswith(
        f'User "{SANDBOX_USER}" cannot list resource "kustomizations" in API group "kustomize.toolkit.fluxcd.io" '
        "at the cluster scope")


def test_a_clusterrolebinding_grants_everywhere_to_a_service_account(sandbox: Sandbox) -> None:
    robot = sandbox.add_identity("robot", "system:serviceaccount:ci:deployer", "ci")
    binding = READ_ALL + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-all}
subjects:
  - {kind: ServiceAccount, name: deployer, namespace: ci}
"""
    sandbox.enforce_rbac([binding])
    with httpx2.Client(base_url=sandbox.url, timeout=10,
                       headers={"Authorization": f"Bearer {robot.token}"}) as client:
        assert client.get(f"{KS}/kustomizations").status_code == 200
        assert client.get("/api/v1/nodes").status_code == 200
        assert client.get("/metrics").status_code != 403
        review = client.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json={
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "x"}}}).json()
    assert review["status"] == {"allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "deployer-read" of '
                                                           'ClusterRole "read-all" to ServiceAccount "deployer/ci"'}


def test_access_reviews_answer_for_the_identity_asking(sandbox: Sandbox, as_tenant: httpx2.Client) -> None:
    sandbox.enforce_rbac([TENANT_ROLE])

    def review(namespace: str) -> dict[str, object]:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": namespace}}}
        response = as_tenant.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body)
        assert response.status_code == 201
        status: dict[str, object] = response.json()["status"]
        return status

    assert review("team-api") == {"allowed": True, "reason": 'RBAC: allowed by RoleBinding "tenant-read/team-api" '
                                                              'of Role "tenant-read" to User "tenant-a"'}
    assert review("team-web") == {"allowed": False}
    assert review("") == {"allowed": False}


def test_a_self_subject_review_names_the_user_of_the_token(
    sandbox: Sandbox, tenant: SandboxIdentity, as_tenant: httpx2.Client, as_sandbox: httpx2.Client,
) -> None:
    sandbox.enforce_rbac([])  # an identity with no rights at all may still ask who it is
    path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    mine = as_tenant.post(path, json=body)
    theirs = as_sandbox.post(path, json=body)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["status"]["userInfo"] == {"username": "tenant-a", "groups": ["tenants", "system:authenticated"]}
    assert theirs.json()["status"]["userInfo"]["username"] == SANDBOX_USER
    assert not any(r.mutating for r in sandbox.requests)


def test_the_kubeconfig_carries_a_context_per_identity_with_its_namespace(
    sandbox: Sandbox, tenant: SandboxIdentity,
) -> None:
    config = sandbox.kubeconfig_dict(current="tenant")
    assert config["current-context"] == "tenant"
    context = next(c for c in config["contexts"] if c["name"] == "tenant")
    assert context["context"] == {"cluster": "sandbox", "user": "tenant", "namespace": "team-api"}
    user = next(u for u in config["users"] if u["name"] == "tenant")
    assert user["user"] == {"token": tenant.token}
    with pytest.raises(ValueError, match="no context"):
        sandbox.kubeconfig_dict(current="nobody-here")
    with pytest.raises(ValueError, match="already exists"):
        sandbox.add_identity("tenant", "someone-else", "default")
