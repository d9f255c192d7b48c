"""ops.namespace_scope on the sandbox's RBAC: a list of every namespace when allowed (one request),
else the fallback namespace (the context's by default), told to the caller; a refusal there too
propagates naming that namespace. And the evidence fetcher's uses of it (events of a cluster-scoped
object, controller pods) record what they could not see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flux_mcp.flux.evidence import Evidence
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.kube.access import KubeAccess
from flux_mcp.kube.errors import Forbidden
from flux_mcp.kube.gateway import KubeGateway
from flux_mcp.ops.evidence import EvidenceFetcher
from flux_mcp.ops.namespace_scope import list_across, narrowed_note
from flux_mcp.sandbox import Sandbox
from flux_mcp.settings import Settings

EVENTS_IN_TEAM_API = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read, namespace: team-api}
rules:
  - {apiGroups: ["", "apps"], resources: ["events", "deployments", "pods"], verbs: ["list"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read, namespace: team-api}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: scoped}
"""


@pytest.fixture(scope="module")
def kubeconfig(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    sandbox.add_identity("scoped", "scoped", "team-api")
    return sandbox.write_kubeconfig(tmp_path_factory.mktemp("scope") / "config")


@pytest.fixture
async def scoped(kubeconfig: Path) -> AsyncIterator[KubeGateway]:
    access = KubeAccess(Settings(kubeconfig=str(kubeconfig), context="scoped"))
    try:
        yield await access.gateway()
    finally:
        await access.close()


def lists_of(sandbox: Sandbox, plural: str) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in sandbox.requests if r.path.endswith(f"/{plural}")]


async def test_allowed_everywhere_is_one_request_and_no_narrowing(sandbox: Sandbox, scoped: KubeGateway) -> None:
    found = await list_across(scoped, "Event")
    assert found.narrowed_to is None
    assert {e["metadata"]["namespace"] for e in found.value} > {"team-api"}
    assert lists_of(sandbox, "events") == [("/api/v1/events", 200)]


async def test_refused_everywhere_lists_the_context_namespace_or_the_fallback(
    sandbox: Sandbox, scoped: KubeGateway,
) -> None:
    sandbox.enforce_rbac([EVENTS_IN_TEAM_API])
    found = await list_across(scoped, "Event")
    assert found.narrowed_to == "team-api"
    assert found.value and {e["metadata"]["namespace"] for e in found.value} == {"team-api"}
    assert lists_of(sandbox, "events") == [("/api/v1/events", 403), ("/api/v1/namespaces/team-api/events", 200)]

    sandbox.clear_requests()
    with pytest.raises(Forbidden) as refused:
        await list_across(scoped, "Event", fallback="team-web")
    assert refused.value.request is not None and refused.value.request.namespace == "team-web"
    assert 'User "scoped" cannot list resource "events"' in refused.value.server_message
    assert lists_of(sandbox, "events") == [("/api/v1/events", 403), ("/api/v1/namespaces/team-web/events", 403)]

    sandbox.clear_requests()
    named = await list_across(scoped, "Event", "team-api")
    assert named.narrowed_to is None
    assert lists_of(sandbox, "events") == [("/api/v1/namespaces/team-api/events", 200)]


async def test_a_cluster_scoped_kind_is_never_narrowed(sandbox: Sandbox, scoped: KubeGateway) -> None:
    sandbox.enforce_rbac([EVENTS_IN_TEAM_API])
    with pytest.raises(Forbidden):
        await list_across(scoped, "Node")
    assert lists_of(sandbox, "nodes") == [("/api/v1/nodes", 403)]


def test_the_note_is_one_line() -> None:
    assert narrowed_note("Events", "team-a") == (
        "listing Events in all namespaces is forbidden for this identity: showing namespace team-a only")


async def test_the_evidence_fetcher_says_what_a_narrowed_list_could_not_see(
    sandbox: Sandbox, scoped: KubeGateway,
) -> None:
    sandbox.enforce_rbac([EVENTS_IN_TEAM_API])
    evidence = Evidence()
    fetcher = EvidenceFetcher(scoped)
    namespace = ObjectKey("Namespace", "", "team-api", "")
    await fetcher._events(evidence, namespace)
    await fetcher._controller_log(evidence, "kustomize-controller")
    assert namespace in evidence.events and namespace not in evidence.unreadable
    assert lists_of(sandbox, "events") == [("/api/v1/events", 403), ("/api/v1/namespaces/team-api/events", 200)]
    assert evidence.gaps == [
        "events of Namespace team-api outside namespace team-api (listing Events in all namespaces is forbidden "
        "for this identity)",
        "kustomize-controller logs (listing Pods in all namespaces is forbidden for this identity, and namespace "
        "team-api has no app=kustomize-controller pod)",
    ]
