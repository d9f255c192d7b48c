"""get_flux_health, get_flux_dependency_graph and get_flux_inventory_tree against the sandbox fleet."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from tests.integration.read_tools import ask, leaked_canaries, server_on
from tests.unit.mermaid_grammar import styled_edges, validate_mermaid

OUTPUT_LIMIT = 40_000


def mermaid_block(text: str) -> str:
    start = text.index("```mermaid\n") + len("```mermaid\n")
    return text[start:text.index("```", start)]


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


async def test_the_fleet_diagram_is_valid_mermaid_and_shows_the_blocking_paths(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph")

    assert not answer.is_error, answer.text
    parsed = validate_mermaid(mermaid_block(answer.text))
    red = styled_edges(parsed, "#d32f2f")
    assert {
        "ks_team_billing_billing_apps -.->|dependsOn| ks_team_billing_billing_config",
        "ks_team_billing_billing_config -.->|dependsOn| ks_team_billing_billing_infra",
        "ks_team_billing_billing_infra -->|source| gitrepo_team_billing_billing",
        "ks_team_data_data_apps -.->|dependsOn| ks_team_data_data_infra",
        "ks_team_search_search -->|source| gitrepo_team_search_search_repo",
    } <= red
    assert "ks_flux_system_apps -.->|dependsOn| ks_flux_system_infra_configs" in parsed["edges"]
    assert "alert_flux_system_on_call -->|alert| provider_flux_system_slack" in parsed["edges"]
    assert "imgpol_flux_system_podinfo -->|imagepolicy| imgrepo_flux_system_podinfo" in parsed["edges"]
    assert any(e.startswith("rset_flux_system_tenants ") for e in parsed["edges"]), "ResourceSet ownership drawn"
    assert not answer.structured["truncated"]
    assert "GitRepository/team-billing/billing" in answer.structured["failing_roots"]


async def test_a_diagram_rooted_at_one_object_shows_only_its_component(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", root_kind="ks",
                       root_name="billing-apps", root_namespace="team-billing", format="json")

    document = json.loads(answer.text.split("\n", 1)[1])
    assert {n["id"] for n in document["nodes"]} == {
        "gitrepo_team_billing_billing", "ks_team_billing_billing_infra", "ks_team_billing_billing_config",
        "ks_team_billing_billing_apps",
    }
    assert document["blocking_roots"] == ["gitrepo_team_billing_billing"]


async def test_a_namespace_diagram_in_dot_keeps_cross_namespace_targets(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", namespace="podinfo", format="dot")

    assert "```dot\ndigraph flux {" in answer.text
    assert '"hr_podinfo_podinfo" -> "helmchart_podinfo_podinfo_podinfo" [label="chart"];' in answer.text
    assert "team_billing" not in answer.text


async def test_an_unknown_root_is_an_error_naming_existing_objects(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", root_kind="Kustomization",
                       root_name="billing-app", root_namespace="team-billing")

    assert answer.is_error
    assert "Kustomization team-billing/billing-app not found" in answer.text
    assert "billing-apps" in answer.text


async def test_inventory_tree_recurses_into_nested_flux_objects(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="Kustomization",
                       name="flux-system", namespace="flux-system")

    assert not answer.is_error, answer.text
    lines = answer.text.splitlines()
    assert lines[0].startswith("Kustomization flux-system/flux-system [ready main@sha1:")
    assert any(line.startswith("  Kustomization flux-system/apps [ready") for line in lines)
    assert any(line.startswith("    HelmRelease podinfo/podinfo [ready") for line in lines)
    assert "      Deployment podinfo/podinfo" in lines
    assert any(line.endswith("(lists itself)") for line in lines), "flux-system applies itself: marked, not looped"
    root = answer.structured["root"]
    apps = next(c for c in root["children"] if c["ref"] == "Kustomization/flux-system/apps")
    assert any(c["ref"] == "HelmRelease/podinfo/podinfo" and c["children"] for c in apps["children"])
    assert not answer.structured["truncated"]


async def test_inventory_tree_of_a_resource_set(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="ResourceSet",
                       name="tenants", namespace="flux-system")

    assert not answer.is_error, answer.text
    assert answer.structured["objects"] >= 1
    assert answer.text.startswith("ResourceSet flux-system/tenants [ready")


async def test_inventory_tree_refuses_a_source(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_inventory_tree", kind="GitRepository",
                       name="flux-system", namespace="flux-system")

    assert answer.is_error
    assert "GitRepository has no inventory" in answer.text


# -- at scale: ≈5,000 Flux objects ------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    sb = Sandbox(SandboxOptions(scale=1250, operator=True, reconcile_delay=0.05)).start()
    try:
        yield sb.write_kubeconfig(tmp_path_factory.mktemp("large") / "config")
    finally:
        sb.stop()


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


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
async def test_the_graph_of_five_thousand_objects_is_reduced_to_a_whole_diagram_within_budget(
    large_kubeconfig: Path, fmt: str
) -> None:
    answer = await ask(server_on(large_kubeconfig, output_limit=OUTPUT_LIMIT), "get_flux_dependency_graph",
                       format=fmt)

    assert not answer.is_error, answer.text
    assert len(answer.text) <= OUTPUT_LIMIT
    assert answer.structured["truncated"]
    assert "… output truncated after" in answer.text
    assert "output truncated after the text" not in answer.text, "never cut by the generic clip"
    if fmt == "mermaid":
        parsed = validate_mermaid(mermaid_block(answer.text))
        assert "gitrepo_team_billing_billing" in parsed["nodes"]
        assert styled_edges(parsed, "#d32f2f")
    elif fmt == "json":
        document = json.loads(answer.text.splitlines()[-1])
        assert document["notes"] and document["nodes"]
    else:
        body = answer.text[answer.text.index("```dot\n"):]
        assert body.rstrip().endswith("}\n```") or body.rstrip().endswith("}```")


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
