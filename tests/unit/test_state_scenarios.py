"""Each state-model class of the sandbox fleet (`sandbox.scenarios_state`), as health, analyze and the graph see it."""

from __future__ import annotations

from functools import cache

from flux_mcp.flux.diagram import build_view
from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.health import HealthGroup, HealthReport, health_report, render_health, workload_issues
from flux_mcp.flux.kinds import flux_kind_of
from flux_mcp.flux.rca import TEXT_LIMIT, Analysis, analyze, render_analysis
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.sandbox.fleet import Fleet, build_fleet
from tests.unit.test_agreement import FleetCluster


@cache
def fleet() -> Fleet:
    return build_fleet()


@cache
def graph() -> FluxGraph:
    objects = [o for o in fleet().objects if flux_kind_of(o) is not None]
    return FluxGraph(objects, events=[o for o in fleet().objects if o.get("kind") == "Event"])


def report(**kwargs: object) -> HealthReport:
    return health_report(graph(), **kwargs)  # type: ignore[arg-type]


def group_with(key: ObjectKey, rep: HealthReport | None = None) -> HealthGroup:
    (found,) = [g for g in (rep or report()).groups if key in (g.root.key, *(e.key for e in g.blocked))]
    return found


def analysis_of(key: ObjectKey) -> Analysis:
    return FleetCluster(fleet()).settle(lambda ev: analyze(key, ev))


def test_a_suspended_release_whose_chart_was_never_generated_is_suspended_everywhere() -> None:
    release = ObjectKey("HelmRelease", "reports", "reporting")
    group = group_with(release)
    assert (group.category, group.root.key, group.blocked) == ("suspended", release, ())
    assert not any("HelmChart" in str(g.root.key) and "reports" in str(g.root.key) for g in report().groups)
    assert "create" not in group.action
    analysis = analysis_of(release)
    assert (analysis.state, analysis.rule) == ("suspended", "Suspended")
    view = build_view(graph())
    assert {n.state for n in view.nodes if n.key == release} == {"suspended"}
    assert not [e for e in view.edges if e.blocking and "reports" in e.source]


def test_drift_is_one_group_per_source_and_analyze_names_both_revisions() -> None:
    site, search = ObjectKey("Kustomization", "docs", "site"), ObjectKey("Kustomization", "docs", "search")
    group = group_with(site)
    assert group.category == "drift" and group.root.key == ObjectKey("GitRepository", "docs", "docs")
    assert {e.key for e in group.blocked} == {site, search}
    assert " for 40m; 2 applier(s) still at main@sha1:" in group.root.message
    analysis = analysis_of(site)
    assert (analysis.state, analysis.rule) == ("ready", "Drift")
    assert "; GitRepository docs/docs is at main@sha1:" in analysis.explanation
    assert [g.root.key for g in report(state="drift").groups] == [group.root.key]


def test_a_provider_failing_delivery_is_reported_with_the_failure() -> None:
    provider = ObjectKey("Provider", "monitoring", "pagerduty")
    group = group_with(provider)
    assert (group.category, group.root.reason) == ("notification", "NotificationFailed")
    assert "401 Unauthorized" in group.root.message
    analysis = analysis_of(provider)
    assert (analysis.state, analysis.rule) == ("failed", "NotificationFailed")
    assert graph().nodes[provider].state == "failed"
    assert graph().nodes[ObjectKey("Alert", "monitoring", "critical")].state == "ready"


def test_namespace_health_shows_workloads_that_a_kustomization_elsewhere_applies() -> None:
    workloads = [o for o in fleet().objects if o.get("kind") == "Deployment" and o["metadata"]["namespace"] == "shop"]
    pods = [o for o in fleet().objects if o.get("kind") == "Pod" and o["metadata"]["namespace"] == "shop"]
    issues, managed = workload_issues(graph(), workloads, pods)
    assert managed == 1
    rep = report(namespace="shop", workloads=issues, workloads_checked=managed)
    text = render_health(rep, 40_000).text
    assert "all 0" not in text
    assert text.startswith("Flux health in namespace shop: 0 of 0 Flux objects need attention, 1 of 1 Flux-managed "
                           "workloads unhealthy — 1 root causes (1 workload).")
    assert "[workload] Deployment shop/cart — CrashLoopBackOff: " in text
    assert "applied by Kustomization platform/shop-apps" in text
    assert "next: analyze_flux_resource kind=Kustomization name=shop-apps namespace=platform" in text


def test_a_release_install_timeout_is_followed_to_its_crashing_pods_with_exact_log_labels() -> None:
    release = ObjectKey("HelmRelease", "payments", "gateway")
    assert group_with(release).root.reason == "InstallFailed"
    analysis = analysis_of(release)
    assert analysis.root_cause is not None and analysis.root_cause.key.kind == "Pod"
    assert analysis.rule == "CrashLoopBackOff"
    logs = [item.text for item in analysis.evidence if item.type == "pod-log"]
    assert logs and all("(current container gateway)" in line for line in logs)
    assert any(note.startswith("the previous container gateway of pod ") and note.endswith("left no logs")
               for note in analysis.notes)
    assert not any("previous=true" in action for action in analysis.actions), "that command would return nothing"
    assert len(render_analysis(analysis)) <= TEXT_LIMIT


def test_previous_container_logs_are_labelled_previous_when_they_exist() -> None:
    analysis = analysis_of(ObjectKey("Kustomization", "team-api", "api"))
    logs = [item.text for item in analysis.evidence if item.type == "pod-log"]
    assert logs and all("(previous container api)" in line for line in logs)
    assert any("previous=true" in action for action in analysis.actions)


def test_a_failure_retried_by_the_controller_is_a_failure_not_progress() -> None:
    catalog = ObjectKey("Kustomization", "catalog", "catalog")
    node = graph().nodes[catalog]
    assert (node.state, node.status.reason, node.status.retrying) == ("failed", "ReconciliationFailed", True)
    assert group_with(catalog).category == "failing"
    analysis = analysis_of(catalog)
    assert (analysis.state, analysis.rule) == ("failed", "ReconciliationFailed")
    assert analysis.root_cause is not None and analysis.root_cause.key == catalog, "the dry run, not a workload"
    assert "no failure yet" not in analysis.explanation
    assert any("never reconciled successfully (observedGeneration -1)" in note for note in analysis.notes)
