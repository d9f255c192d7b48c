"""trace_kubernetes_resource: from a workload up to the Flux objects managing it and their sources."""

from __future__ import annotations

from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession


async def test_a_crashing_pod_traces_to_the_kustomization_and_its_git_repository(
    session: ToolSession, sandbox: Sandbox
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


async def test_the_podinfo_deployment_traces_to_its_helm_release_chart_and_repository(session: ToolSession) -> None:
    _, data = await session.ok("trace_kubernetes_resource", kind="Deployment", name="podinfo", namespace="podinfo")
    release = data["path"][1]
    assert (release["kind"], release["name"], release["relation"]) == ("HelmRelease", "podinfo", "managed by")
    assert [(s["kind"], s["name"]) for s in release["sources"]] == [
        ("HelmChart", "podinfo-podinfo"), ("HelmRepository", "podinfo")]
    assert release["sources"][1]["url"].startswith("https://")
    assert release["state"] == "ready" and release["revision"]


async def test_the_failing_git_repository_trace_redacts_credentials(session: ToolSession) -> None:
    text, data = await session.ok("trace_kubernetes_resource", kind="Kustomization", name="billing-infra",
                                  namespace="team-billing")
    source = data["path"][0]["sources"][0]
    assert (source["kind"], source["state"]) == ("GitRepository", "failed")
    assert "deploy-bot" in text
