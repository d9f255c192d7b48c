"""Health report: everything that needs attention, one group per root cause, one next action each."""

from __future__ import annotations

from datetime import UTC, datetime

from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.health import (
    LINE_LIMIT,
    HealthEntry,
    HealthGroup,
    WorkloadIssue,
    health_report,
    render_health,
    sections,
    summary_line,
)
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


def test_drift_is_its_own_tier_grouped_by_source_with_the_revision_pair_and_age() -> None:
    source = git_repository("flux-system", revision="main@sha1:new")
    source["status"]["artifact"]["lastUpdateTime"] = "2026-01-01T10:00:00Z"
    objects = [source, kustomization("apps", applied_revision="main@sha1:old"),
               kustomization("infra", applied_revision="main@sha1:older"),
               kustomization("current", applied_revision="main@sha1:new")]
    now = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    (group,) = health_report(FluxGraph(objects), now=now).groups
    assert group.category == "drift"
    assert group.root.key == ObjectKey("GitRepository", "flux-system", "flux-system")
    assert group.root.message == (
        "artifact main@sha1:new for 3h; 2 applier(s) still at main@sha1:old, main@sha1:older"
    )
    assert [(e.key.name, e.message) for e in group.blocked] == [
        ("apps", "applied main@sha1:old, source at main@sha1:new"),
        ("infra", "applied main@sha1:older, source at main@sha1:new"),
    ]
    assert group.action.startswith("reconcile_flux_resource kind=Kustomization name=apps namespace=flux-system")
    assert group.action.endswith("(and likewise the other 1)")


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


def test_an_oversized_report_is_cut_between_sections_and_continues_where_it_stopped() -> None:
    objects = [git_repository("flux-system")]
    objects += [kustomization(f"tenant-{i:04d}", f"tenant-{i:04d}", source="GitRepository/flux-system/flux-system",
                              ready=False, reason=f"Reason{i % 250}", message="kustomize build failed: " + "x" * 100)
                for i in range(500)]
    report = health_report(FluxGraph(objects))
    seen: list[str] = []
    start: int | None = 0
    pages = 0
    while start is not None:
        rendered = render_health(report, 5_000, start=start, continue_hint=lambda n: f"continue={n}")
        assert len(rendered.text) <= 5_000
        assert rendered.text.startswith("Flux health: 500 of 501 Flux objects need attention — 500 root causes")
        if rendered.truncated:
            assert rendered.text.splitlines()[-1].startswith("… output truncated after")
            assert rendered.text.splitlines()[-1].endswith(f"continue={rendered.next_start}.")
        seen += [str(g.root.key) for g in rendered.shown]
        start = rendered.next_start
        pages += 1
    assert pages > 5
    assert sorted(seen) == sorted(str(g.root.key) for g in report.groups), "every group exactly once"


def test_root_causes_alike_across_namespaces_are_one_cluster_with_examples_and_a_count() -> None:
    objects = []
    for i in range(41):
        ns = f"tenant-{i:02d}"
        objects.append(git_repository(ns, ns, ready=False, reason="GitOperationFailed", message="timeout"))
        objects.append(kustomization(ns, ns, source=f"GitRepository/{ns}", ready=False, reason="ArtifactFailed"))
    report = health_report(FluxGraph(objects))
    (section,) = sections(report)
    assert len(section.groups) == 41
    text = render_health(report, 40_000).text
    assert "1. [failing] 41 GitRepositories in 41 namespaces: GitOperationFailed — e.g. GitRepository " \
        "tenant-00/tenant-00 — GitOperationFailed: timeout" in text
    assert "   blocks 41: Kustomization tenant-00/tenant-00, Kustomization tenant-01/tenant-01, " \
        "Kustomization tenant-02/tenant-02 (+38 more)" in text
    assert text.splitlines()[1] == "by state: 82 failed; by kind: GitRepository 41 (41 not ready), " \
        "Kustomization 41 (41 not ready)"


def test_kind_and_state_filters_keep_matching_groups_and_count_the_rest() -> None:
    graph = FluxGraph(sample_fleet())
    everything = health_report(graph)
    suspended = health_report(graph, state="suspended")
    assert [g.category for g in suspended.groups] == ["suspended"]
    assert suspended.filtered_out == len(everything.groups) - 1
    assert "(state=suspended)" in summary_line(suspended)
    assert f"{suspended.filtered_out} more left out by the filters" in summary_line(suspended)
    kustomizations = health_report(graph, kind="Kustomization")
    for group in kustomizations.groups:
        assert group.root.key.kind == "Kustomization" or group.blocked
        assert all(e.key.kind == "Kustomization" for e in group.blocked)


def test_a_namespace_that_does_not_exist_is_said_plainly() -> None:
    report = health_report(FluxGraph(sample_fleet()), namespace="nonexistent", namespace_exists=False)
    assert render_health(report, 40_000).text == (
        "Flux health in namespace nonexistent: namespace nonexistent does not exist."
    )
    empty = health_report(FluxGraph(sample_fleet()), namespace="quiet", workloads_checked=2)
    assert render_health(empty, 40_000).text == (
        "Flux health in namespace quiet: no Flux objects in this namespace; its 2 workloads are healthy."
    )


def test_unhealthy_workloads_managed_from_another_namespace_are_reported_with_their_manager() -> None:
    manager = ObjectKey("Kustomization", "flux-system", "apps")
    issue = WorkloadIssue(ObjectKey("Deployment", "shop", "cart", "apps"), "failed", "CrashLoopBackOff",
                          "0/2 replicas ready", (manager,))
    report = health_report(FluxGraph(sample_fleet()), namespace="shop", workloads=[issue], workloads_checked=3)
    (group,) = report.groups
    assert group.category == "workload"
    assert group.root.line == ("Deployment shop/cart — CrashLoopBackOff: applied by Kustomization flux-system/apps; "
                               "0/2 replicas ready")
    assert group.action == ("analyze_flux_resource kind=Kustomization name=apps namespace=flux-system for the "
                            "workload's pods, events and logs")
