"""Root-cause analysis: from the visibly broken object to the object that is really broken."""

from __future__ import annotations

from typing import Any

from flux_mcp.flux.evidence import Evidence, parse_controller_log
from flux_mcp.flux.kinds import REQUESTED_AT
from flux_mcp.flux.rca import TEXT_LIMIT, Analysis, analyze, render_analysis
from flux_mcp.flux.refs import ObjectKey
from tests.unit.builders import (
    bucket,
    flux_object,
    git_repository,
    helm_chart,
    helm_release,
    helm_repository,
    image_policy,
    image_repository,
    kustomization,
)
from tests.unit.rca_builders import (
    Cluster,
    controller_log_line,
    key_of,
    warning_event,
    workload,
)

NS = "team-billing"
AUTH_MESSAGE = (
    "failed to checkout and determine revision: unable to clone "
    "'https://deploy-bot:s3cr3tPassw0rd@github.com/acme/billing': authentication required"
)


def run(cluster: Cluster, target: dict[str, Any]) -> tuple[Analysis, int]:
    return cluster.settle(lambda ev: analyze(key_of(target), ev), start=[target])


def billing_chain() -> list[dict[str, Any]]:
    return [
        git_repository("billing", NS, ready=False, reason="GitOperationFailed", message=AUTH_MESSAGE,
                       secret_ref="billing-auth"),
        kustomization("billing-infra", NS, source="GitRepository/billing", ready=False, reason="ArtifactFailed",
                      message="Source artifact not found, retrying in 30s"),
        kustomization("billing-config", NS, source="GitRepository/billing", depends_on=["billing-infra"],
                      ready=False, reason="DependencyNotReady",
                      message="dependency 'team-billing/billing-infra' is not ready"),
        kustomization("billing-apps", NS, source="GitRepository/billing", depends_on=["billing-config"],
                      ready=False, reason="DependencyNotReady",
                      message="dependency 'team-billing/billing-config' is not ready"),
    ]


# -- dependency and source chains ---------------------------------------------------------------


def test_a_kustomization_two_dependsOn_hops_below_a_git_auth_failure_names_the_git_repository() -> None:
    objects = billing_chain()
    repo = objects[0]
    cluster = Cluster(
        objects,
        events=[warning_event(repo, "GitOperationFailed", AUTH_MESSAGE, count=180)],
        controller_logs={"source-controller": [
            controller_log_line(repo, "Reconciler error", error=AUTH_MESSAGE),
            controller_log_line(objects[1], "unrelated line of another object"),
            "not json at all",
        ]},
    )
    analysis, _ = run(cluster, objects[3])

    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("GitRepository", NS, "billing")
    assert analysis.root_cause.reason == "GitOperationFailed"
    assert analysis.rule == "AuthenticationFailed"
    assert [(h.relation, h.key.name) for h in analysis.chain] == [
        ("object", "billing-apps"), ("dependsOn", "billing-config"), ("dependsOn", "billing-infra"),
        ("source", "billing"),
    ]
    assert "billing-auth" in " ".join(analysis.actions)
    kinds = {item.type for item in analysis.evidence}
    assert {"condition", "event", "log"} <= kinds
    text = render_analysis(analysis)
    assert len(text) <= TEXT_LIMIT
    assert "s3cr3tPassw0rd" not in text
    assert "GitRepository team-billing/billing" in text


def test_each_object_is_fetched_once_and_rounds_follow_the_chain_depth() -> None:
    objects = billing_chain()
    cluster = Cluster(objects)
    _, rounds = run(cluster, objects[3])
    assert len(cluster.fetched) == len(set(cluster.fetched))
    # billing-config, billing-infra (+ the shared source), the repo, then events/logs: one round each.
    assert rounds <= 5


def test_a_missing_source_is_the_root_cause() -> None:
    search = kustomization("search", "team-search", source="GitRepository/search-repo", ready=False,
                           reason="ArtifactFailed", message="Source 'GitRepository/team-search/search-repo' not found")
    analysis, _ = run(Cluster([search]), search)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("GitRepository", "team-search", "search-repo")
    assert analysis.root_cause.state == "missing"
    assert analysis.rule == "NotFound"
    assert "Kustomization team-search/search" in analysis.explanation


def test_a_helm_release_whose_chart_was_never_created_leads_to_the_failing_helm_repository() -> None:
    repo = helm_repository("charts", "web", ready=False, reason="IndexationFailed",
                           message="failed to fetch https://charts.example.com/index.yaml: 404 Not Found")
    release = helm_release("frontend", "web", chart="HelmRepository/charts", ready=False,
                           reason="ArtifactFailed", message="HelmChart 'web/web-frontend' is not ready")
    analysis, _ = run(Cluster([repo, release]), release)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("HelmRepository", "web", "charts")
    assert [h.key.kind for h in analysis.chain] == ["HelmRelease", "HelmChart", "HelmRepository"]
    assert analysis.chain[1].state == "missing"
    assert analysis.rule == "SourceFailed"


def test_a_helm_release_whose_generated_chart_is_absent_behind_a_healthy_repository_is_never_told_to_create_it(
) -> None:
    repo = helm_repository("charts", "web")
    release = helm_release("frontend", "web", chart="HelmRepository/charts", helm_chart_status=None, ready=False,
                           reason="HelmChartNotReady", message="HelmChart 'web/web-frontend' is not ready")
    analysis, _ = run(Cluster([repo, release]), release)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("HelmRelease", "web", "frontend")
    assert analysis.rule == "NotGenerated"
    assert analysis.chain[1].reason == "NotGenerated"
    assert "generated by helm-controller from HelmRelease web/frontend" in analysis.explanation
    assert analysis.actions[0].startswith("do not create the HelmChart by hand")
    assert not any(action.startswith("create") for action in analysis.actions)


def test_a_kustomization_whose_dry_run_failed_is_the_root_cause_not_the_previous_revisions_workload() -> None:
    deployment, replica_set, pods = workload("web", "apps", managed_by="Kustomization/apps", crash=True)
    ks = kustomization("apps", "apps", ready=False, reason="ReconciliationFailed",
                       message="Deployment/apps/web dry-run failed: .spec.replicas: expected numeric")
    analysis, _ = run(Cluster([ks, deployment, replica_set, *pods, git_repository("flux-system")]), ks)
    assert analysis.root_cause is not None and analysis.root_cause.key == ObjectKey("Kustomization", "apps", "apps")
    assert analysis.rule == "ReconciliationFailed"


def test_a_failing_helm_chart_between_release_and_repository_is_the_root_cause() -> None:
    repo = helm_repository("charts", "web")
    chart = helm_chart("web-frontend", "web", source="HelmRepository/charts", ready=False,
                       reason="ChartPullError", message="chart 'frontend' version '9.9.9' not found")
    release = helm_release("frontend", "web", chart="HelmRepository/charts", ready=False,
                           reason="ArtifactFailed", message="HelmChart 'web/web-frontend' is not ready")
    analysis, _ = run(Cluster([repo, chart, release]), release)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("HelmChart", "web", "web-frontend")
    assert analysis.root_cause.reason == "ChartPullError"


def test_a_bucket_source_failure_is_followed_like_any_source() -> None:
    source = bucket("artifacts", "data", ready=False, reason="BucketOperationFailed",
                    message="bucket 'artifacts' does not exist")
    ks = kustomization("data", "data", source="Bucket/artifacts", ready=False, reason="ArtifactFailed",
                       message="Source is not ready")
    analysis, _ = run(Cluster([source, ks]), ks)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("Bucket", "data", "artifacts")
    assert analysis.rule == "SourceFailed"


def test_an_external_artifact_source_that_is_not_ready_is_the_root_cause() -> None:
    artifact = flux_object("ExternalArtifact", "bundle", "apps", spec={"sourceRef": {
        "apiVersion": "source.extensions.fluxcd.io/v1beta1", "kind": "ArtifactGenerator", "name": "gen"}},
        ready=False, reason="ArtifactNotFound", message="no artifact produced yet")
    ks = kustomization("apps", "apps", source="ExternalArtifact/bundle", ready=False, reason="ArtifactFailed")
    analysis, _ = run(Cluster([artifact, ks]), ks)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("ExternalArtifact", "apps", "bundle")


def test_an_image_policy_behind_a_failing_image_repository_names_the_repository() -> None:
    repository = image_repository("podinfo", ready=False, reason="ReconciliationFailed",
                                  message="GET https://ghcr.io/v2/: UNAUTHORIZED: authentication required")
    policy = image_policy("podinfo", ready=False, reason="DependencyNotReady",
                          message="referenced ImageRepository is not ready")
    analysis, _ = run(Cluster([repository, policy]), policy)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key.kind == "ImageRepository"
    assert analysis.rule == "AuthenticationFailed"


def test_a_failing_image_policy_with_a_healthy_repository_is_its_own_root_cause() -> None:
    policy = image_policy("podinfo", ready=False, reason="ReconciliationFailed",
                          message="cannot determine latest tag for policy: version list argument cannot be empty")
    analysis, _ = run(Cluster([image_repository("podinfo"), policy]), policy)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == key_of(policy)
    assert analysis.rule == "ImagePolicyFailed"


def test_the_most_broken_of_several_dependencies_is_followed_and_the_others_noted() -> None:
    progressing = kustomization("slow", reconciling=True, ready=None)
    failed = kustomization("broken", ready=False, reason="BuildFailed", message="kustomization.yaml: no such file")
    apps = kustomization("apps", depends_on=["slow", "broken"], ready=False, reason="DependencyNotReady",
                         message="dependency 'flux-system/slow' is not ready")
    analysis, _ = run(Cluster([progressing, failed, apps, git_repository("flux-system")]), apps)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key.name == "broken"
    assert analysis.rule == "BuildFailed"
    assert any("slow" in note for note in analysis.notes)


def test_a_suspended_dependency_is_the_root_cause() -> None:
    infra = kustomization("infra", suspend=True)
    apps = kustomization("apps", depends_on=["infra"], ready=False, reason="DependencyNotReady",
                         message="dependency 'flux-system/infra' is not ready")
    analysis, _ = run(Cluster([infra, apps, git_repository("flux-system")]), apps)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key.name == "infra"
    assert analysis.rule == "Suspended"


def test_a_dependsOn_cycle_terminates_and_is_named() -> None:
    a = kustomization("a", depends_on=["b"], ready=False, reason="DependencyNotReady", message="dependency b")
    b = kustomization("b", depends_on=["a"], ready=False, reason="DependencyNotReady", message="dependency a")
    analysis, _ = run(Cluster([a, b, git_repository("flux-system")]), a)
    assert analysis.rule == "DependencyCycle"
    assert any("cycle" in note for note in analysis.notes)


def test_a_very_long_chain_stops_at_the_depth_bound() -> None:
    chain = [kustomization("k0", ready=False, reason="ReconciliationFailed", message="boom")]
    for i in range(1, 16):
        chain.append(kustomization(f"k{i}", depends_on=[f"k{i - 1}"], ready=False, reason="DependencyNotReady",
                                   message=f"dependency 'flux-system/k{i - 1}' is not ready"))
    analysis, _ = run(Cluster([*chain, git_repository("flux-system")]), chain[-1])
    assert len(analysis.chain) <= 11
    assert any("depth" in note for note in analysis.notes)


# -- workloads ------------------------------------------------------------------------------------


def test_a_health_check_failure_names_the_crashing_deployment_with_a_log_line() -> None:
    deployment, replica_set, pods = workload("api-server", "team-api", managed_by="Kustomization/api", crash=True)
    ks = kustomization(
        "api", "team-api", source="GitRepository/flux-system/flux-system", ready=False, reason="HealthCheckFailed",
        message="health check failed after 5m0s: timeout waiting for: "
                "[Deployment/team-api/api-server status: 'InProgress']",
    )
    logs = ["starting api-server", "Authorization: Bearer abcdefghijklmnop1234", "connecting",
            "level=error msg=\"failed to connect to database\" error=\"connection refused\"",
            "panic: failed to connect to database"]
    cluster = Cluster([ks, deployment, replica_set, *pods, git_repository("flux-system")],
                      pod_logs={pods[0]["metadata"]["name"]: logs})
    analysis, _ = run(cluster, ks)

    assert analysis.root_cause is not None
    assert analysis.root_cause.key == ObjectKey("Deployment", "team-api", "api-server", "apps")
    assert analysis.root_cause.reason == "CrashLoopBackOff"
    assert analysis.rule == "CrashLoopBackOff"
    assert [h.relation for h in analysis.chain] == ["object", "workload", "pod"]
    pod_logs = [item.text for item in analysis.evidence if item.type == "pod-log"]
    assert any("panic: failed to connect to database" in line for line in pod_logs)
    assert all("abcdefghijklmnop1234" not in line for line in pod_logs)
    assert "previous=true" in " ".join(analysis.actions)


def test_a_health_check_failure_without_names_checks_the_inventory_workloads() -> None:
    deployment, replica_set, pods = workload("web", "shop", crash=True, waiting="ImagePullBackOff", restarts=0)
    ks = kustomization("shop", "shop", source="GitRepository/flux-system/flux-system", ready=False,
                       reason="HealthCheckFailed", message="timeout waiting for health checks",
                       inventory=[("Deployment", "shop", "web"), ("Service", "shop", "web")])
    analysis, _ = run(Cluster([ks, deployment, replica_set, *pods, git_repository("flux-system")]), ks)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key.name == "web"
    assert analysis.rule == "ImagePullBackOff"


def test_an_apply_error_naming_an_object_that_was_never_created_stays_on_the_kustomization() -> None:
    infra = kustomization("data-infra", "team-data", source="GitRepository/data", ready=False,
                          reason="ReconciliationFailed",
                          message='Deployment/team-data/postgres dry-run failed (Invalid): image: Required value')
    analysis, _ = run(Cluster([infra, git_repository("data", "team-data")]), infra)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == key_of(infra)
    assert analysis.rule == "ReconciliationFailed"


# -- Helm release failures --------------------------------------------------------------------------


def test_a_helm_release_out_of_retries_shows_history_and_the_reset_advice() -> None:
    release = helm_release(
        "frontend", "team-web", chart="HelmRepository/bitnami", ready=False, reason="UpgradeFailed",
        message="Helm upgrade failed: context deadline exceeded", stalled=True, stalled_reason="RetriesExceeded",
    )
    release["status"]["history"] = [
        {"version": 6, "status": "failed", "chartName": "nginx", "chartVersion": "15.14.0"},
        {"version": 5, "status": "deployed", "chartName": "nginx", "chartVersion": "15.10.2"},
    ]
    release["status"]["lastAttemptedReleaseAction"] = "upgrade"
    chart = helm_chart("team-web-frontend", "team-web", source="HelmRepository/bitnami")
    analysis, _ = run(Cluster([release, chart, helm_repository("bitnami", "team-web")]), release)
    assert analysis.root_cause is not None
    assert analysis.root_cause.key == key_of(release)
    assert analysis.rule == "RetriesExceeded"
    history = [item.text for item in analysis.evidence if item.type == "history"]
    assert history[0].startswith("v6 failed") and history[1].startswith("v5 deployed")
    assert any("reset=true" in action for action in analysis.actions)
    assert "upgrade retries" in analysis.explanation


# -- state of the object itself ---------------------------------------------------------------------


def test_a_ready_object_is_reported_healthy() -> None:
    ks = kustomization("apps")
    analysis, _ = run(Cluster([ks, git_repository("flux-system")]), ks)
    assert analysis.healthy
    assert analysis.state == "ready"
    assert "is ready" in render_analysis(analysis)


def test_a_suspended_object_is_its_own_root_cause() -> None:
    ks = kustomization("legacy", "team-legacy", suspend=True)
    analysis, _ = run(Cluster([ks]), ks)
    assert analysis.root_cause is not None and analysis.root_cause.key == key_of(ks)
    assert analysis.rule == "Suspended"
    assert "resume_flux_reconciliation" in analysis.actions[0]


def test_an_unhandled_reconcile_request_and_an_unobserved_generation_are_noted() -> None:
    ks = kustomization("apps", annotations={REQUESTED_AT: "2026-01-02T00:00:00Z"}, generation=3,
                       observed_generation=2)
    ks["status"]["lastHandledReconcileAt"] = "2026-01-01T00:00:00Z"
    analysis, _ = run(Cluster([ks, git_repository("flux-system")]), ks)
    notes = " ".join(analysis.notes)
    assert "reconcile requested (2026-01-02T00:00:00Z) not handled yet" in notes
    assert "generation 3 not observed yet" in notes
    assert analysis.rule == "ReconcilePending"


def test_an_object_without_status_points_at_its_controller() -> None:
    ks = kustomization("fresh", ready=None)
    analysis, _ = run(Cluster([ks, git_repository("flux-system")]), ks)
    assert analysis.rule == "NoStatus"
    assert "kustomize-controller" in analysis.explanation


def test_when_the_fetch_budget_runs_out_the_analysis_says_so_and_still_answers() -> None:
    objects = billing_chain()
    analysis, _ = Cluster(objects).settle(lambda ev: analyze(key_of(objects[3]), ev), start=[objects[3]],
                                          max_rounds=1)
    assert analysis.root_cause is not None
    assert not analysis.complete
    assert "fetch budget" in render_analysis(analysis)


# -- rendering and log parsing ----------------------------------------------------------------------


def test_the_text_stays_within_two_kilobytes_even_with_huge_messages() -> None:
    huge = "x" * 5000
    objects = billing_chain()
    objects[0] = git_repository("billing", NS, ready=False, reason="GitOperationFailed", message=huge)
    events = [warning_event(objects[0], f"Reason{i}", huge + str(i), minute=i) for i in range(10)]
    analysis, _ = run(Cluster(objects, events=events), objects[3])
    text = render_analysis(analysis)
    assert len(text) <= TEXT_LIMIT
    assert "Root cause: GitRepository team-billing/billing" in text


def test_controller_logs_are_parsed_in_both_the_flat_and_the_nested_form() -> None:
    ks = kustomization("apps")
    lines = parse_controller_log("\n".join([
        controller_log_line(ks, "Reconciliation failed", error="boom"),
        controller_log_line(ks, "older form", level="info", nested_only=True),
        "I0101 klog text line",
        '{"level":"info","msg":"Starting workers"}',
    ]))
    assert [(line.name, line.namespace, line.level) for line in lines] == [
        ("apps", "flux-system", "error"), ("apps", "flux-system", "info")]
    assert lines[0].message == "Reconciliation failed: boom"
    assert lines[0].matches(key_of(ks))


def test_evidence_lookups_record_requests_until_final() -> None:
    evidence = Evidence()
    key = ObjectKey("GitRepository", "ns", "x")
    assert evidence.events_of(key) is not None
    assert key in evidence.requests.events
    evidence.begin_pass()
    evidence.final = True
    evidence.object(key)
    assert not evidence.requests
