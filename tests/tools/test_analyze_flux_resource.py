"""analyze_flux_resource: the root cause of each failure scenario of the fleet, in 2,048 characters, no canary."""

from __future__ import annotations

import pytest

from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession

TEXT_LIMIT = 2048
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
    session: ToolSession, broken: tuple[str, str, str], root: tuple[str, str, str], reason: str
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


async def test_billing_analysis_walks_the_whole_chain_with_evidence_from_the_source(session: ToolSession) -> None:
    _, data = await session.ok("analyze_flux_resource", kind="ks", name="billing-apps", namespace="team-billing")
    assert [(h["relation"], h["name"]) for h in data["chain"]] == [
        ("object", "billing-apps"), ("dependsOn", "billing-config"), ("dependsOn", "billing-infra"),
        ("source", "billing")]
    evidence = {e["type"] for e in data["evidence"]}
    assert {"condition", "event", "log"} <= evidence
    assert "authenticate" in data["explanation"]


async def test_frontend_analysis_shows_release_history_and_the_reset_advice(session: ToolSession) -> None:
    text, data = await session.ok("analyze_flux_resource", kind="HelmRelease", name="frontend",
                                  namespace="team-web")
    history = [e["text"] for e in data["evidence"] if e["type"] == "history"]
    assert history and history[0].startswith("v6 failed")
    assert "reset=true" in text


async def test_api_analysis_shows_the_crashing_pod_and_its_log_line(session: ToolSession) -> None:
    text, data = await session.ok("analyze_flux_resource", kind="Kustomization", name="api", namespace="team-api")
    assert any(e["type"] == "pod" and "CrashLoopBackOff" in e["text"] for e in data["evidence"])
    assert any(e["type"] == "pod-log" and "failed to connect to database" in e["text"] for e in data["evidence"])
    assert "failed to connect to database" in text


@pytest.mark.parametrize(("kind", "namespace", "name"), [
    ("Kustomization", "flux-system", "apps"), ("HelmRelease", "podinfo", "podinfo"),
    ("GitRepository", "flux-system", "flux-system"),
])
async def test_healthy_objects_are_reported_ready(session: ToolSession, kind: str, namespace: str, name: str) -> None:
    text, data = await session.ok("analyze_flux_resource", kind=kind, name=name, namespace=namespace)
    assert data["healthy"] and data["state"] == "ready"
    assert "root_cause" not in data
    assert "is ready" in text


async def test_analysis_of_a_missing_object_is_an_actionable_error(session: ToolSession) -> None:
    text = await session.refused("analyze_flux_resource", kind="Kustomization", name="bilMing-apps",
                                      namespace="team-billing")
    assert "not found" in text.lower()


async def test_evidence_the_api_could_not_serve_makes_the_analysis_say_it_is_incomplete(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    sandbox.inject_fault("GET", r"/events$", status=503, body="etcd leader changed")

    text, data = await session.ok("analyze_flux_resource", kind="Kustomization", name="billing-apps",
                                  namespace="team-billing")

    assert data["root_cause"]["kind"] == "GitRepository"  # the objects were read; only events were not
    assert data["complete"] is False
    unavailable = [n for n in data["notes"] if n.startswith("the Kubernetes API was unavailable while reading")]
    assert len(unavailable) == 1 and "events of Kustomization team-billing/billing-apps" in unavailable[0]
    assert "retry when the API answers again" in text


async def test_evidence_the_api_refused_is_a_gap_not_an_outage(session: ToolSession, sandbox: Sandbox) -> None:
    sandbox.inject_fault("GET", r"/events$", status=403)

    _, data = await session.ok("analyze_flux_resource", kind="Kustomization", name="billing-apps",
                               namespace="team-billing")

    assert not any("unavailable" in note for note in data["notes"])
    assert any(note.startswith("could not fetch events of") for note in data["notes"])
