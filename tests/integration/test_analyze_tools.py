"""analyze_flux_resource, trace_kubernetes_resource and explain_flux_api against the sandbox fleet.

Every failure scenario of the fleet is analysed from its visibly broken object; the answer must
name the true root cause in at most 2,048 characters and leak no canary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.fleet import CANARIES
from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings

TEXT_LIMIT = 2048


class Session:
    """Calls tools on one server, each call through its own in-process client.

    A client opened in an async fixture is closed by pytest-asyncio in another task than the one
    that opened it, which anyio's cancel scopes reject; a client per call avoids that.
    """

    def __init__(self, server: FluxMCPServer) -> None:
        self.server = server

    async def call(self, tool: str, **arguments: Any) -> tuple[CallToolResult, str]:
        async with Client(self.server) as client:
            result = await client.call_tool(tool, arguments)
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        assert_no_canary(text)
        assert_no_canary(repr(result.structured_content))
        return result, text

    async def ok(self, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
        result, text = await self.call(tool, **arguments)
        assert not result.is_error, text
        return text, result.structured_content or {}


def assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text


@pytest.fixture
def session(sandbox: Sandbox, sandbox_kubeconfig: Path) -> Session:
    return Session(build_server(Settings(kubeconfig=str(sandbox_kubeconfig))))


SCENARIOS = [
    # (visibly broken object, root cause kind/ns/name, reason shown)
    pytest.param(("Kustomization", "team-billing", "billing-apps"), ("GitRepository", "team-billing", "billing"),
                 "GitOperationFailed", id="billing-git-auth"),
    pytest.param(("Kustomization", "team-data", "data-apps"), ("Kustomization", "team-data", "data-infra"),
                 "ReconciliationFailed", id="data-blocked-dependency"),
    pytest.param(("Kustomization", "team-search", "search"), ("GitRepository", "team-search", "search-repo"),
                 "NotFound", id="search-missing-source"),
    pytest.param(("HelmRelease", "team-web", "frontend"), ("HelmRelease", "team-web", "frontend"),
                 "RetriesExceeded", id="frontend-retries-exhausted"),
    pytest.param(("Kustomization", "team-api", "api"), ("Deployment", "team-api", "api-server"),
                 "CrashLoopBackOff", id="api-crashloop"),
    pytest.param(("Kustomization", "team-legacy", "legacy"), ("Kustomization", "team-legacy", "legacy"),
                 "Suspended", id="legacy-suspended"),
    pytest.param(("ImagePolicy", "flux-system", "podinfo"), ("ImagePolicy", "flux-system", "podinfo"),
                 "ReconciliationFailed", id="image-policy"),
]


@pytest.mark.parametrize(("broken", "root", "reason"), SCENARIOS)
async def test_analysis_of_each_failure_names_the_true_root_cause(
    session: Session, broken: tuple[str, str, str], root: tuple[str, str, str], reason: str
) -> None:
    kind, namespace, name = broken
    text, data = await session.ok("analyze_flux_resource", kind=kind, name=name, namespace=namespace)
    assert len(text) <= TEXT_LIMIT
    root_kind, root_namespace, root_name = root
    cause = data["root_cause"]
    assert (cause["kind"], cause["namespace"], cause["name"]) == root
    assert cause["reason"] == reason
    assert f"Root cause: {root_kind} {root_namespace}/{root_name} — {reason}" in text
    assert data["complete"] and not data["healthy"]
    assert data["actions"]


async def test_billing_analysis_walks_the_whole_chain_with_evidence_from_the_source(session: Session) -> None:
    _, data = await session.ok("analyze_flux_resource", kind="ks", name="billing-apps", namespace="team-billing")
    assert [(h["relation"], h["name"]) for h in data["chain"]] == [
        ("object", "billing-apps"), ("dependsOn", "billing-config"), ("dependsOn", "billing-infra"),
        ("source", "billing")]
    evidence = {e["type"] for e in data["evidence"]}
    assert {"condition", "event", "log"} <= evidence
    assert "authenticate" in data["explanation"]


async def test_frontend_analysis_shows_release_history_and_the_reset_advice(session: Session) -> None:
    text, data = await session.ok("analyze_flux_resource", kind="HelmRelease", name="frontend",
                                  namespace="team-web")
    history = [e["text"] for e in data["evidence"] if e["type"] == "history"]
    assert history and history[0].startswith("v6 failed")
    assert "reset=true" in text


async def test_api_analysis_shows_the_crashing_pod_and_its_log_line(session: Session) -> None:
    text, data = await session.ok("analyze_flux_resource", kind="Kustomization", name="api", namespace="team-api")
    assert any(e["type"] == "pod" and "CrashLoopBackOff" in e["text"] for e in data["evidence"])
    assert any(e["type"] == "pod-log" and "failed to connect to database" in e["text"] for e in data["evidence"])
    assert "failed to connect to database" in text


@pytest.mark.parametrize(("kind", "namespace", "name"), [
    ("Kustomization", "flux-system", "apps"), ("HelmRelease", "podinfo", "podinfo"),
    ("GitRepository", "flux-system", "flux-system"),
])
async def test_healthy_objects_are_reported_ready(session: Session, kind: str, namespace: str, name: str) -> None:
    text, data = await session.ok("analyze_flux_resource", kind=kind, name=name, namespace=namespace)
    assert data["healthy"] and data["state"] == "ready"
    assert "root_cause" not in data
    assert "is ready" in text


async def test_analysis_of_a_missing_object_is_an_actionable_error(session: Session) -> None:
    result, text = await session.call("analyze_flux_resource", kind="Kustomization", name="bilMing-apps",
                                      namespace="team-billing")
    assert result.is_error
    assert "not found" in text.lower()


async def test_a_crashing_pod_traces_to_the_kustomization_and_its_git_repository(
    session: Session, sandbox: Sandbox
) -> None:
    pods = sandbox.store.iter_objects(sandbox.store.rtype({"apiVersion": "v1", "kind": "Pod"}), "team-api")
    pod_name = next(p["metadata"]["name"] for p in pods if p["metadata"]["name"].startswith("api-server-"))
    text, data = await session.ok("trace_kubernetes_resource", kind="Pod", name=pod_name, namespace="team-api")
    assert [(s["relation"], s["kind"]) for s in data["path"][:4]] == [
        ("object", "Pod"), ("owned by", "ReplicaSet"), ("owned by", "Deployment"), ("managed by", "Kustomization")]
    manager = data["path"][3]
    assert (manager["namespace"], manager["name"]) == ("team-api", "api")
    assert manager["reason"] == "HealthCheckFailed"
    assert manager["sources"][0]["kind"] == "GitRepository"
    assert manager["sources"][0]["url"]
    assert data["flux_manager"] == "Kustomization team-api/api"
    assert "← managed by Kustomization team-api/api" in text


async def test_the_podinfo_deployment_traces_to_its_helm_release_chart_and_repository(session: Session) -> None:
    _, data = await session.ok("trace_kubernetes_resource", kind="Deployment", name="podinfo", namespace="podinfo")
    release = data["path"][1]
    assert (release["kind"], release["name"], release["relation"]) == ("HelmRelease", "podinfo", "managed by")
    assert [(s["kind"], s["name"]) for s in release["sources"]] == [
        ("HelmChart", "podinfo-podinfo"), ("HelmRepository", "podinfo")]
    assert release["sources"][1]["url"].startswith("https://")
    assert release["state"] == "ready" and release["revision"]


async def test_the_failing_git_repository_trace_redacts_credentials(session: Session) -> None:
    text, data = await session.ok("trace_kubernetes_resource", kind="Kustomization", name="billing-infra",
                                  namespace="team-billing")
    source = data["path"][0]["sources"][0]
    assert (source["kind"], source["state"]) == ("GitRepository", "failed")
    assert "deploy-bot" in text


async def test_explain_kustomization_source_ref(session: Session) -> None:
    text, data = await session.ok("explain_flux_api", kind="Kustomization", field="spec.sourceRef")
    assert data["apiVersion"].startswith("kustomize.toolkit.fluxcd.io/")
    assert {"kind", "name"} <= {f["name"] for f in data["fields"]}
    assert "FIELD:    spec.sourceRef" in text


async def test_explain_helm_release_chart_spec(session: Session) -> None:
    _, data = await session.ok("explain_flux_api", kind="hr", field="spec.chart.spec")
    assert data["kind"] == "HelmRelease" and data["path"] == "spec.chart.spec"
    assert {"chart", "sourceRef"} <= {f["name"] for f in data["fields"]}


async def test_explain_a_bad_path_lists_the_valid_names(session: Session) -> None:
    result, text = await session.call("explain_flux_api", kind="Kustomization", field="spec.sorceRef")
    assert result.is_error
    assert "has no field 'sorceRef'" in text
    assert "Did you mean sourceRef" in text
    assert "dependsOn" in text
