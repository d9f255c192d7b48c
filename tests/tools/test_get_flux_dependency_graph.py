"""get_flux_dependency_graph: Mermaid/DOT/JSON diagrams of the fleet, rooted or by namespace, within budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on
from tests.tools.scenarios import OUTPUT_LIMIT
from tests.unit.mermaid_grammar import styled_edges, validate_mermaid


def mermaid_block(text: str) -> str:
    start = text.index("```mermaid\n") + len("```mermaid\n")
    return text[start:text.index("```", start)]


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
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", kind="ks",
                       name="billing-apps", namespace="team-billing", format="json")

    document = json.loads(answer.text)
    assert answer.structured["graph"] == document
    assert document["summary"].startswith("Flux dependency graph (json, connected to Kustomization")
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
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", kind="Kustomization",
                       name="billing-app", namespace="team-billing")

    assert answer.is_error
    assert "Kustomization team-billing/billing-app not found" in answer.text
    assert "billing-apps" in answer.text


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


async def test_a_small_output_limit_leaves_parts_out_but_never_breaks_the_diagram(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    server = server_on(sandbox_kubeconfig, output_limit=2000)
    mermaid = await ask(server, "get_flux_dependency_graph")
    as_json = await ask(server, "get_flux_dependency_graph", format="json")

    assert len(mermaid.text) <= 2000 and mermaid.structured["truncated"]
    assert mermaid.text.count("```") == 2 and mermaid.text.rstrip().endswith("```")
    assert "output truncated after" in mermaid.text and "pass namespace, or kind and name" in mermaid.text
    document = json.loads(as_json.text)
    assert len(as_json.text) <= 2000 and document["notes"] and document["nodes"]
    assert as_json.structured["graph"] == document


async def test_the_old_root_arguments_are_refused_with_their_new_names(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_dependency_graph", root_kind="ks",
                       root_name="billing-apps")

    assert answer.is_error
    assert answer.text.splitlines() == ["unknown argument 'root_kind': did you mean 'kind'?",
                                        "unknown argument 'root_name': did you mean 'name'?"]
