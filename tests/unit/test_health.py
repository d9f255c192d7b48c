"""Health report: everything that needs attention, one group per root cause, one next action each."""

from __future__ import annotations

from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.health import LINE_LIMIT, HealthEntry, HealthGroup, health_report, render_health
from flux_mcp.flux.refs import ObjectKey
from tests.unit.builders import git_repository, kustomization, sample_fleet


def group_for(groups: tuple[HealthGroup, ...], root: str) -> HealthGroup:
    (found,) = [g for g in groups if str(g.root.key) == root]
    return found


def test_every_failing_object_is_grouped_under_its_root_cause() -> None:
    report = health_report(FluxGraph(sample_fleet()))
    summary = {
        str(g.root.key): (g.category, [str(e.key) for e in g.blocked]) for g in report.groups
    }
    assert summary == {
        "GitRepository/team-billing/billing": ("failing", [
            "Kustomization/team-billing/billing-infra", "Kustomization/team-billing/billing-config",
            "Kustomization/team-billing/billing-apps",
        ]),
        "Kustomization/team-data/data-infra": ("failing", ["Kustomization/team-data/data-apps"]),
        "HelmRelease/team-web/frontend": ("failing", []),
        "ImagePolicy/flux-system/podinfo": ("failing", []),
        "Kustomization/team-api/api": ("failing", []),
        "GitRepository/team-search/search-repo": ("missing", ["Kustomization/team-search/search"]),
        "Kustomization/team-legacy/legacy": ("suspended", []),
    }
    assert report.attention == 12
    roots = list(summary)
    assert roots[0] == "GitRepository/team-billing/billing", "the root blocking most comes first"
    assert roots[-1] == "Kustomization/team-legacy/legacy"


def test_next_actions_come_from_the_root_causes_kind_and_reason() -> None:
    groups = health_report(FluxGraph(sample_fleet())).groups
    git_auth = group_for(groups, "GitRepository/team-billing/billing").action
    assert "credentials Secret referenced by spec.secretRef" in git_auth
    assert "reconcile_flux_resource kind=GitRepository name=billing namespace=team-billing with_source=true" in git_auth
    missing = group_for(groups, "GitRepository/team-search/search-repo").action
    assert missing == (
        "create GitRepository team-search/search-repo or fix spec.sourceRef of Kustomization team-search/search"
    )
    assert "reset=true" in group_for(groups, "HelmRelease/team-web/frontend").action
    assert group_for(groups, "Kustomization/team-api/api").action.startswith(
        "analyze_flux_resource kind=Kustomization name=api namespace=team-api"
    )
    assert group_for(groups, "Kustomization/team-legacy/legacy").action.startswith("resume_flux_reconciliation")


def test_one_line_per_object_within_the_line_limit_with_credentials_masked_before_the_cut() -> None:
    report = health_report(FluxGraph(sample_fleet()))
    text = render_health(report, 40_000).text
    root_line = next(line for line in text.splitlines() if "GitRepository team-billing/billing —" in line)
    assert root_line.startswith("1. [failing] GitRepository team-billing/billing — GitOperationFailed: failed to")
    assert "s3cr3t" not in text
    assert "deploy-bot:****@github.com" in text
    for entry in (e for g in report.groups for e in (g.root, *g.blocked)):
        assert len(entry.line) <= LINE_LIMIT
        assert "\n" not in entry.line
    assert "HelmRelease team-web/frontend — RetriesExceeded (stalled): Failed to upgrade after 4 attempt(s)" in text


def test_a_long_multi_line_message_is_flattened_and_clipped() -> None:
    entry = HealthEntry(ObjectKey("Kustomization", "ns", "x"), "failed", "BuildFailed", "line one\n" + "y" * 400)
    assert entry.line.startswith("Kustomization ns/x — BuildFailed: line one yyy")
    assert len(entry.line) == LINE_LIMIT and entry.line.endswith("…")


def test_a_namespace_report_lists_its_objects_but_still_names_a_root_cause_elsewhere() -> None:
    objects = [
        git_repository("shared", "platform", ready=False, reason="GitOperationFailed"),
        kustomization("app", "team-a", source="GitRepository/platform/shared", ready=False, reason="ArtifactFailed"),
        kustomization("other", "team-b", source="GitRepository/platform/shared", ready=False, reason="ArtifactFailed"),
    ]
    report = health_report(FluxGraph(objects), namespace="team-a")
    (group,) = report.groups
    assert str(group.root.key) == "GitRepository/platform/shared"
    assert [str(e.key) for e in group.blocked] == ["Kustomization/team-a/app"]
    assert render_health(report, 40_000).text.startswith("Flux health in namespace team-a: 1 of 1 Flux")


def test_stale_objects_get_their_own_group_with_a_reconcile_action() -> None:
    objects = [git_repository("flux-system", revision="main@sha1:new"),
               kustomization("apps", applied_revision="main@sha1:old")]
    (group,) = health_report(FluxGraph(objects)).groups
    assert group.category == "stale"
    assert group.root.line == (
        "Kustomization flux-system/apps — Stale: applied main@sha1:old but GitRepository flux-system/flux-system "
        "is at main@sha1:new"
    )
    assert group.action.startswith("reconcile_flux_resource kind=Kustomization name=apps namespace=flux-system")


def test_a_dependency_cycle_gets_a_break_the_cycle_action() -> None:
    objects = [git_repository("flux-system"),
               kustomization("a", depends_on=["b"], ready=False, reason="DependencyNotReady"),
               kustomization("b", depends_on=["a"], ready=False, reason="DependencyNotReady")]
    (group,) = health_report(FluxGraph(objects)).groups
    assert group.category == "cycle"
    assert "break the dependsOn cycle Kustomization flux-system/a → Kustomization flux-system/b → " in group.action
    assert "   cycle: Kustomization flux-system/a → Kustomization flux-system/b" in render_health(
        health_report(FluxGraph(objects)), 40_000).text


def test_a_healthy_fleet_says_so_in_one_line() -> None:
    report = health_report(FluxGraph([git_repository("flux-system"), kustomization("flux-system")]))
    assert report.healthy
    assert render_health(report, 40_000).text == "Flux health: all 2 Flux objects are ready."


def test_an_oversized_report_is_cut_between_groups_with_the_truncation_marker() -> None:
    objects = [git_repository("flux-system")]
    objects += [kustomization(f"tenant-{i:04d}", f"tenant-{i:04d}", source="GitRepository/flux-system/flux-system",
                              ready=False, reason="BuildFailed", message="kustomize build failed: " + "x" * 100)
                for i in range(500)]
    rendered = render_health(health_report(FluxGraph(objects)), 5_000)
    assert rendered.truncated
    assert len(rendered.text) <= 5_000
    assert rendered.text.splitlines()[-1].startswith("… output truncated after")
    assert "namespace=" in rendered.text.splitlines()[-1]
    blocks = [line for line in rendered.text.splitlines() if line[:1].isdigit()]
    assert len(blocks) == rendered.groups_shown
