"""Diagrams: valid Mermaid (checked by a structural grammar and, when npm works, by mermaid itself), DOT, JSON."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.flux.diagram import (
    MERMAID_MAX_EDGES,
    View,
    ViewEdge,
    ViewNode,
    build_view,
    mermaid_escape,
    render_diagram,
    render_dot,
    render_mermaid,
)
from flux_mcp.flux.graph import FluxGraph
from tests.unit.builders import git_repository, kustomization, sample_fleet
from tests.unit.mermaid_grammar import styled_edges, validate_mermaid

# -- Mermaid -----------------------------------------------------------------------------------------


def test_the_sample_fleet_renders_as_valid_mermaid_with_namespaces_as_subgraphs() -> None:
    diagram = render_diagram(FluxGraph(sample_fleet()))
    assert not diagram.truncated
    parsed = validate_mermaid(diagram.text)
    assert 'subgraph ns_team_billing["team-billing"]' in diagram.text
    assert ('gitrepo_team_billing_billing["GitRepository/billing<br/>failed: GitOperationFailed"]:::failed'
            in diagram.text)
    assert 'gitrepo_team_search_search_repo["GitRepository/search-repo<br/>missing"]:::missing' in diagram.text
    assert 'ks_team_legacy_legacy["Kustomization/legacy<br/>suspended"]:::suspended' in diagram.text
    assert diagram.nodes == len(parsed["nodes"])
    assert diagram.edges == len(parsed["edges"])


def test_depends_on_is_dashed_and_labelled_and_every_edge_type_is_drawn() -> None:
    parsed = validate_mermaid(render_diagram(FluxGraph(sample_fleet())).text)
    edges = set(parsed["edges"])
    assert "ks_flux_system_apps -.->|dependsOn| ks_flux_system_infra_configs" in edges
    assert "ks_flux_system_apps -->|source| gitrepo_flux_system_flux_system" in edges
    assert "hr_podinfo_podinfo -->|chart| helmchart_podinfo_podinfo_podinfo" in edges
    assert "helmchart_podinfo_podinfo_podinfo -->|source| helmrepo_podinfo_podinfo" in edges
    assert "alert_flux_system_on_call -->|alert| provider_flux_system_slack" in edges
    assert "imgpol_flux_system_podinfo -->|imagepolicy| imgrepo_flux_system_podinfo" in edges
    assert "imgauto_flux_system_flux_system -->|automation| gitrepo_flux_system_flux_system" in edges
    assert "ks_flux_system_apps --> hr_podinfo_podinfo" in edges, "applies edges are plain arrows"
    assert not any(e.startswith("ks_flux_system_flux_system --> ks_flux_system_flux_system") for e in edges), (
        "a Kustomization applying itself is not drawn"
    )


def test_the_blocking_path_is_highlighted_thick_red() -> None:
    parsed = validate_mermaid(render_diagram(FluxGraph(sample_fleet())).text)
    red = styled_edges(parsed, "#d32f2f")
    assert {
        "ks_team_billing_billing_infra -->|source| gitrepo_team_billing_billing",
        "ks_team_billing_billing_config -.->|dependsOn| ks_team_billing_billing_infra",
        "ks_team_billing_billing_apps -.->|dependsOn| ks_team_billing_billing_config",
        "ks_team_search_search -->|source| gitrepo_team_search_search_repo",
        "ks_team_data_data_apps -.->|dependsOn| ks_team_data_data_infra",
    } <= red
    assert "ks_flux_system_apps -.->|dependsOn| ks_flux_system_infra_configs" not in red
    assert any("stroke-width:4px" in style for style in parsed["styles"])


def test_cycles_are_labelled_styled_and_listed_in_a_comment() -> None:
    objects = [git_repository("flux-system"),
               kustomization("a", depends_on=["b"], ready=False, reason="DependencyNotReady"),
               kustomization("b", depends_on=["a"], ready=False, reason="DependencyNotReady")]
    text = render_diagram(FluxGraph(objects)).text
    parsed = validate_mermaid(text)
    assert "  %% cycle: ks_flux_system_a -> ks_flux_system_b -> ks_flux_system_a" in text
    assert styled_edges(parsed, "#ef6c00") == {
        "ks_flux_system_a -.->|dependsOn cycle| ks_flux_system_b",
        "ks_flux_system_b -.->|dependsOn cycle| ks_flux_system_a",
    }


def test_non_flux_inventory_is_collapsed_per_owner_and_kind_unless_asked() -> None:
    graph = FluxGraph(sample_fleet())
    collapsed = render_diagram(graph).text
    assert 'inv_hr_podinfo_podinfo_deployment["Deployment<br/>1 object"]:::resource' in collapsed
    assert "hr_podinfo_podinfo --> inv_hr_podinfo_podinfo_deployment" in collapsed
    full = render_diagram(graph, include_inventory=True).text
    validate_mermaid(full)
    assert 'deployment_podinfo_podinfo["Deployment/podinfo<br/>resource"]:::resource' in full
    assert "inv_" not in full


def test_labels_are_escaped_and_ids_sanitised() -> None:
    assert mermaid_escape('say "hi" <b> [x] #1 & a|b') == "say #quot;hi#quot; #lt;b#gt; [x] #35;1 #amp; a#124;b"
    view = View(nodes=[
        ViewNode("weird_1", 'Kind/"quoted" <name>', "failed: Bad|Reason", "failed", "ns-1"),
        ViewNode("end_node", "Kind/end", "ready", "ready", ""),
    ], edges=[ViewEdge("weird_1", "end_node", "dependsOn")])
    validate_mermaid(render_mermaid(view))


def test_the_same_objects_in_any_order_give_the_same_text() -> None:
    objects = sample_fleet()
    shuffled = list(objects)
    random.Random(7).shuffle(shuffled)
    for fmt in ("mermaid", "dot", "json"):
        assert render_diagram(FluxGraph(objects), fmt).text == render_diagram(FluxGraph(shuffled), fmt).text


def test_colliding_ids_are_made_unique() -> None:
    objects = [git_repository("flux-system"), kustomization("a-b"), kustomization("a.b"), kustomization("a_b")]
    parsed = validate_mermaid(render_diagram(FluxGraph(objects)).text)
    assert {"ks_flux_system_a_b", "ks_flux_system_a_b_2", "ks_flux_system_a_b_3"} <= set(parsed["nodes"])


def big_fleet(tenants: int) -> list[dict[str, object]]:
    objects: list[dict[str, object]] = []
    for i in range(tenants):
        ns = f"tenant-{i:04d}"
        failing = i % 10 == 7
        objects.append(git_repository(ns, ns, ready=not failing, reason="GitOperationFailed" if failing else ""))
        objects.append(kustomization(ns, ns, source=f"GitRepository/{ns}", ready=not failing,
                                     reason="ArtifactFailed" if failing else "",
                                     inventory=[("Deployment", ns, "app"), ("Service", ns, "app")]))
        objects.append(kustomization(f"{ns}-apps", ns, source=f"GitRepository/{ns}", depends_on=[ns],
                                     ready=not failing, reason="DependencyNotReady" if failing else ""))
    return objects


def test_an_oversized_diagram_keeps_the_failing_subgraph_and_stays_valid() -> None:
    graph = FluxGraph(big_fleet(400))
    diagram = render_diagram(graph, limit=40_000)
    assert diagram.truncated
    assert len(diagram.text) <= 40_000
    parsed = validate_mermaid(diagram.text)
    failing_roots = {f"gitrepo_tenant_{i:04d}_tenant_{i:04d}" for i in range(7, 400, 10)}
    assert failing_roots <= set(parsed["nodes"])
    assert "gitrepo_tenant_0000_tenant_0000" not in parsed["nodes"], "healthy tenants are left out"
    assert diagram.text.splitlines()[1].startswith("  %% showing the failing subgraph and its blocking paths; "
                                                   "… output truncated after")
    assert len(styled_edges(parsed, "#d32f2f")) == 40 * 3, "every blocking path is still highlighted"


def test_a_failing_subgraph_larger_than_the_budget_keeps_its_first_groups_whole() -> None:
    diagram = render_diagram(FluxGraph(big_fleet(400)), limit=5_000)
    parsed = validate_mermaid(diagram.text)
    assert len(diagram.text) <= 5_000
    assert "showing the first part of the failing subgraph" in diagram.note
    assert "gitrepo_tenant_0007_tenant_0007" in parsed["nodes"]


def test_a_large_healthy_diagram_is_cut_to_a_namespace_prefix_and_respects_mermaids_edge_limit() -> None:
    objects = [o for o in big_fleet(400) if (o.get("metadata") or {}).get("name")]  # type: ignore[union-attr]
    for obj in objects:  # everything ready
        for condition in obj.get("status", {}).get("conditions", []):  # type: ignore[union-attr]
            condition.update(status="True", reason="ReconciliationSucceeded")
    diagram = render_diagram(FluxGraph(objects), limit=200_000)
    parsed = validate_mermaid(diagram.text)
    assert diagram.truncated
    assert len(parsed["edges"]) <= MERMAID_MAX_EDGES
    assert "Flux objects in namespace order" in diagram.note


def test_a_budget_too_small_for_anything_still_gives_a_valid_empty_diagram() -> None:
    diagram = render_diagram(FluxGraph(sample_fleet()), limit=300)
    validate_mermaid(diagram.text)
    assert diagram.truncated


# -- DOT and JSON ------------------------------------------------------------------------------------


def test_dot_output_has_clusters_dashed_dependencies_and_red_blocking_edges() -> None:
    text = render_diagram(FluxGraph(sample_fleet()), "dot").text
    assert text.startswith("digraph flux {\n") and text.endswith("}\n")
    assert text.count("{") == text.count("}")
    assert 'subgraph "cluster_team-billing" {' in text
    assert ('"ks_team_billing_billing_config" -> "ks_team_billing_billing_infra" '
            '[label="dependsOn", style=dashed, color="#d32f2f", penwidth=3];') in text
    view = View(nodes=[ViewNode("a", 'K/"q"\\x', "ready", "ready", "")])
    assert '[label="K/\\"q\\"\\\\x\\nready"' in render_dot(view)


def test_json_output_lists_nodes_edges_and_blocking_roots() -> None:
    document = json.loads(render_diagram(FluxGraph(sample_fleet()), "json").text)
    ids = {node["id"] for node in document["nodes"]}
    assert all(edge["from"] in ids and edge["to"] in ids for edge in document["edges"])
    assert "gitrepo_team_billing_billing" in document["blocking_roots"]
    billing = next(n for n in document["nodes"] if n["id"] == "gitrepo_team_billing_billing")
    assert billing == {"id": "gitrepo_team_billing_billing", "kind": "GitRepository", "state": "failed",
                       "status": "failed: GitOperationFailed", "namespace": "team-billing", "name": "billing",
                       "group": "source.toolkit.fluxcd.io"}


def test_a_view_restricted_to_keys_draws_only_edges_between_them() -> None:
    graph = FluxGraph(sample_fleet())
    keys = graph.component(next(k for k in graph.nodes if k.name == "billing-apps"))
    view = build_view(graph, keys)
    assert {n.label for n in view.nodes} == {
        "GitRepository/billing", "Kustomization/billing-infra", "Kustomization/billing-config",
        "Kustomization/billing-apps",
    }
    assert len(view.edges) == 5


# -- the real Mermaid parser (skipped when node/npm or the registry is unavailable) ------------------

MERMAID_CACHE = Path("/tmp/fluxcd-mcp-mermaid")
_CHECKER = """
import { JSDOM } from 'jsdom';
import { readFileSync } from 'fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser; globalThis.Element = dom.window.Element;
globalThis.HTMLElement = dom.window.HTMLElement;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try { const result = await mermaid.parse(readFileSync(file, 'utf8')); console.log('OK', file, result.diagramType); }
  catch (error) { failed++; console.log('FAIL', file, String(error.message || error).slice(0, 800)); }
}
process.exit(failed ? 1 : 0);
"""


@pytest.fixture(scope="session")
def mermaid_checker() -> Iterator[Path]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not installed")
    if not (MERMAID_CACHE / "node_modules" / "mermaid" / "package.json").exists():
        MERMAID_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(MERMAID_CACHE),
                 "mermaid@11", "jsdom"],
                check=True, capture_output=True, timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"cannot install mermaid from npm: {exc}")
    script = MERMAID_CACHE / "check-fluxcd-mcp.mjs"
    script.write_text(_CHECKER)
    yield script


def test_mermaid_itself_parses_our_diagrams(mermaid_checker: Path, tmp_path: Path) -> None:
    cycle = [git_repository("flux-system"),
             kustomization("a", depends_on=["b"], ready=False, reason="DependencyNotReady"),
             kustomization("b", depends_on=["a"], ready=False, reason="DependencyNotReady")]
    weird = View(nodes=[ViewNode("weird_1", 'Kind/"quoted" <name> [x] (y) {z}', "failed: Bad|Reason#1", "failed", "ns"),
                        ViewNode("end_node", "Kind/end", "ready", "ready", "")],
                 edges=[ViewEdge("weird_1", "end_node", "dependsOn", blocking=True)])
    texts = {
        "fleet.mmd": render_diagram(FluxGraph(sample_fleet())).text,
        "inventory.mmd": render_diagram(FluxGraph(sample_fleet()), include_inventory=True).text,
        "cycle.mmd": render_diagram(FluxGraph(cycle)).text,
        "reduced.mmd": render_diagram(FluxGraph(big_fleet(300)), limit=15_000).text,
        "weird.mmd": render_mermaid(weird, ["a note with %% and {braces}"]),
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["node", str(mermaid_checker), *(str(tmp_path / name) for name in texts)],
        capture_output=True, text=True, timeout=120, cwd=MERMAID_CACHE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("OK ") == len(texts)
