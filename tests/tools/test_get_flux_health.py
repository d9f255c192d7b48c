"""get_flux_health: every not-ready Flux object grouped by root cause, in the fleet and at 5,000 objects."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, leaked_canaries, server_on
from tests.tools.scenarios import OUTPUT_LIMIT


async def test_health_groups_every_failing_object_under_its_root_cause(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health")

    assert not answer.is_error, answer.text
    groups = {g["root"]: g for g in answer.structured["groups"]}
    assert groups["GitRepository/team-billing/billing"]["blocked"] == [
        "Kustomization/team-billing/billing-infra", "Kustomization/team-billing/billing-config",
        "Kustomization/team-billing/billing-apps",
    ]
    assert groups["Kustomization/team-data/data-infra"]["blocked"] == ["Kustomization/team-data/data-apps"]
    assert groups["GitRepository/team-search/search-repo"]["category"] == "missing"
    assert groups["GitRepository/team-search/search-repo"]["blocked"] == ["Kustomization/team-search/search"]
    assert groups["HelmRelease/team-web/frontend"]["blocked"] == []
    assert groups["HelmRelease/team-web/frontend"]["reason"] == "RetriesExceeded"
    assert groups["Kustomization/team-api/api"]["reason"] == "HealthCheckFailed"
    assert groups["Kustomization/team-legacy/legacy"]["category"] == "suspended"
    blocked_anywhere = {b for g in groups.values() for b in g["blocked"]}
    assert "Kustomization/team-billing/billing-apps" not in groups, "a blocked object is not a root of its own"
    assert len(blocked_anywhere) == sum(g["blocked_count"] for g in groups.values()), "each object listed once"
    assert "create GitRepository team-search/search-repo or fix spec.sourceRef" in answer.text
    assert "deploy-bot:****@github.com" in answer.text
    assert leaked_canaries(answer.text) == []
    assert leaked_canaries(json.dumps(answer.structured)) == []


async def test_health_fetches_every_flux_kind_with_one_list_each_and_no_per_object_reads(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    await ask(server_on(sandbox_kubeconfig), "get_flux_health")

    # /apis/<group>/<version> alone is discovery; object reads name a resource below it.
    flux_reads = [r for r in sandbox.requests if "fluxcd" in r.path and len(r.path.strip("/").split("/")) >= 4]
    assert flux_reads, "the Flux kinds were listed"
    assert all(r.verb == "list" for r in flux_reads), [r.path for r in flux_reads if r.verb != "list"]
    paths = [r.path for r in flux_reads]
    assert len(paths) == len(set(paths)), "each kind listed once (the fleet fits in one page)"


async def test_health_in_one_namespace_still_names_the_root_cause(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", namespace="team-data")

    assert [g["root"] for g in answer.structured["groups"]] == ["Kustomization/team-data/data-infra"]
    assert answer.text.startswith("Flux health in namespace team-data: 2 of 3 Flux objects need attention")


async def test_health_of_five_thousand_objects_shows_every_root_cause_within_the_budget(
    large_kubeconfig: Path,
) -> None:
    answer = await ask(server_on(large_kubeconfig, output_limit=OUTPUT_LIMIT), "get_flux_health")

    assert not answer.is_error, answer.text
    assert answer.structured["checked"] >= 5_000
    assert len(answer.text) <= OUTPUT_LIMIT
    assert not answer.structured["truncated"], "alike root causes are clustered, so every one is shown"
    groups = answer.structured["groups"]
    assert sum(1 + g["similar"] for g in groups) == answer.structured["root_causes"], "every root cause counted"
    assert len(json.dumps(answer.structured)) <= OUTPUT_LIMIT, "the structured content is bounded too"
    first, counts = answer.text.splitlines()[:2]
    assert first.startswith("Flux health: ") and "root causes" in first
    assert counts.startswith("by state: ") and "; by kind: Kustomization " in counts
    assert re.search(r"\n1\. \[failing\] \d+ GitRepositories in \d+ namespaces: GitOperationFailed — e\.g\. ",
                     answer.text)
    assert answer.structured["groups"][0]["root"] == "GitRepository/team-billing/billing"


async def test_health_cut_by_a_small_budget_continues_with_its_token_and_drops_nothing(
    large_kubeconfig: Path,
) -> None:
    server = server_on(large_kubeconfig, output_limit=2_500)
    seen: list[str] = []
    counted = 0
    token: str | None = None
    for _ in range(50):
        answer = await ask(server, "get_flux_health", **({"continue_token": token} if token else {}))
        assert not answer.is_error, answer.text
        assert len(answer.text) <= 2_500
        seen += [g["root"] for g in answer.structured["groups"]]
        counted += sum(1 + g["similar"] for g in answer.structured["groups"])
        token = answer.structured.get("continue_token")
        if token is None:
            break
        assert answer.text.splitlines()[-1].endswith(f"continue_token={token}.")
    assert token is None
    assert len(seen) == len(set(seen)), "no page repeats a root cause"
    assert counted == answer.structured["root_causes"], "every root cause shown or counted"


async def test_health_of_a_namespace_that_does_not_exist_says_so(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", namespace="nonexistent")

    assert not answer.is_error, answer.text
    assert answer.text == "Flux health in namespace nonexistent: namespace nonexistent does not exist."
    assert answer.structured["namespace_exists"] is False


async def test_namespace_health_reports_workloads_applied_from_another_namespace(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", namespace="shop")

    assert not answer.is_error, answer.text
    assert "all 0" not in answer.text
    (group,) = answer.structured["groups"]
    assert (group["category"], group["root"], group["reason"]) == ("workload", "Deployment/shop/cart",
                                                                   "CrashLoopBackOff")
    assert "applied by Kustomization platform/shop-apps" in group["message"]
    assert group["next_action"].startswith("analyze_flux_resource kind=Kustomization name=shop-apps namespace=platform")


async def test_health_reports_a_provider_failing_delivery_from_its_events(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", kind="Provider")

    assert not answer.is_error, answer.text
    (group,) = answer.structured["groups"]
    assert (group["category"], group["root"]) == ("notification", "Provider/monitoring/pagerduty")
    assert "401 Unauthorized" in group["message"]
    assert answer.structured["filtered_out"] > 0
    assert "(kind=Provider)" in answer.text.splitlines()[0]


async def test_health_filtered_by_state_keeps_only_that_state(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", state="drift")

    assert not answer.is_error, answer.text
    assert [(g["category"], g["root"]) for g in answer.structured["groups"]] == [("drift", "GitRepository/docs/docs")]
    assert answer.structured["groups"][0]["blocked"] == ["Kustomization/docs/search", "Kustomization/docs/site"]


async def test_an_unknown_kind_filter_is_one_clear_error(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health", kind="Deployment")

    assert answer.is_error
    assert answer.text.endswith(
        "kind='Deployment' is not a Flux kind (e.g. Kustomization, HelmRelease, GitRepository)."
    )


async def test_a_kind_the_identity_may_not_list_is_named_with_the_rule_to_add(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    sandbox.inject_fault("GET", r"^/apis/helm\.toolkit\.fluxcd\.io/v2/helmreleases$", status=403)

    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_health")

    assert not answer.is_error, answer.text
    # Refused cluster-wide only: listed in the kubeconfig context's namespace instead, as kubectl does.
    note = next(n for n in answer.structured["notes"] if n.startswith("listing HelmRelease in all namespaces"))
    assert "listed in namespace flux-system only" in note
    assert answer.text.startswith("note: listing HelmRelease")
