"""The Flux graph: node states, root causes, blocking paths, cycles, staleness and inventory trees."""

from __future__ import annotations

from flux_mcp.flux.graph import FluxGraph, flatten_tree, inventory_tree, strongly_connected
from flux_mcp.flux.refs import ObjectKey
from tests.unit.builders import (
    alert,
    git_repository,
    helm_chart,
    helm_release,
    helm_repository,
    kustomization,
    provider,
    resource_set,
    sample_fleet,
)


def ks(name: str, namespace: str = "flux-system") -> ObjectKey:
    return ObjectKey("Kustomization", namespace, name)


def git(name: str, namespace: str = "flux-system") -> ObjectKey:
    return ObjectKey("GitRepository", namespace, name)


BILLING = git("billing", "team-billing")


def test_a_kustomization_two_hops_below_a_failing_git_repository_names_it_as_root_cause() -> None:
    graph = FluxGraph(sample_fleet())
    cause = graph.root_causes[ks("billing-apps", "team-billing")]
    assert cause.root == BILLING
    assert cause.depth == 3
    assert graph.causal_chain(ks("billing-apps", "team-billing")) == (
        ks("billing-apps", "team-billing"), ks("billing-config", "team-billing"), ks("billing-infra", "team-billing"),
        BILLING,
    )
    assert graph.root_causes[BILLING].is_self


def test_a_missing_source_is_its_own_root_cause_and_a_node_flagged_missing() -> None:
    graph = FluxGraph(sample_fleet())
    search_repo = git("search-repo", "team-search")
    assert graph.nodes[search_repo].missing
    assert graph.nodes[search_repo].status.reason == "NotFound"
    assert graph.root_causes[ks("search", "team-search")].root == search_repo
    assert graph.root_causes[search_repo].is_self


def test_a_failure_of_its_own_is_the_root_even_when_its_source_is_fine() -> None:
    graph = FluxGraph(sample_fleet())
    assert graph.root_causes[ks("data-infra", "team-data")].is_self
    assert graph.root_causes[ks("data-apps", "team-data")].root == ks("data-infra", "team-data")
    assert graph.root_causes[ks("api", "team-api")].is_self
    assert graph.root_causes[ObjectKey("HelmRelease", "team-web", "frontend")].is_self


def test_ready_objects_and_static_kinds_without_status_have_no_root_cause() -> None:
    graph = FluxGraph([*sample_fleet(), alert("quiet", provider_name="slack"), provider("other")])
    assert ks("apps") not in graph.root_causes
    assert graph.nodes[ObjectKey("Alert", "flux-system", "quiet")].state == "ready"
    assert graph.nodes[ObjectKey("Provider", "flux-system", "other")].state == "ready"


def test_a_progressing_requirement_is_followed_only_when_the_object_waits_on_it() -> None:
    repo = git_repository("slow", "team-x", ready=None, reconciling=True)
    waiting = kustomization("waits", "team-x", source="GitRepository/slow", ready=False, reason="ArtifactFailed")
    broken = kustomization("broken", "team-x", source="GitRepository/slow", ready=False, reason="BuildFailed")
    graph = FluxGraph([repo, waiting, broken])
    assert graph.root_causes[ks("waits", "team-x")].root == git("slow", "team-x")
    assert graph.root_causes[ks("broken", "team-x")].is_self


def test_cross_namespace_dependencies_are_followed() -> None:
    infra = kustomization("infra", "platform", ready=False, reason="ReconciliationFailed")
    app = kustomization("app", "team-a", depends_on=["platform/infra"], ready=False, reason="DependencyNotReady")
    graph = FluxGraph([git_repository("flux-system"), infra, app])
    assert graph.root_causes[ks("app", "team-a")].root == ks("infra", "platform")
    assert graph.blocking_paths[ks("infra", "platform")].blocked == (ks("app", "team-a"),)


def test_blocking_path_holds_everything_transitively_waiting_on_the_failed_root() -> None:
    graph = FluxGraph(sample_fleet())
    path = graph.blocking_paths[BILLING]
    assert set(path.blocked) == {
        ks("billing-infra", "team-billing"), ks("billing-config", "team-billing"), ks("billing-apps", "team-billing"),
    }
    assert {(e.source.name, e.target.name, e.type) for e in path.edges} == {
        ("billing-infra", "billing", "source"), ("billing-config", "billing", "source"),
        ("billing-apps", "billing", "source"), ("billing-config", "billing-infra", "dependsOn"),
        ("billing-apps", "billing-config", "dependsOn"),
    }
    assert set(graph.blocking_paths) == {
        BILLING, git("search-repo", "team-search"), ks("data-infra", "team-data"), ks("api", "team-api"),
        ObjectKey("HelmRelease", "team-web", "frontend"), ObjectKey("ImagePolicy", "flux-system", "podinfo"),
    }, "suspended objects are not blocking roots"


def test_a_dependency_cycle_is_detected_and_its_members_share_one_root() -> None:
    objects = [
        git_repository("flux-system"),
        kustomization("a", depends_on=["b"], ready=False, reason="DependencyNotReady"),
        kustomization("b", depends_on=["c"], ready=False, reason="DependencyNotReady"),
        kustomization("c", depends_on=["a"], ready=False, reason="DependencyNotReady"),
        kustomization("d", depends_on=["a"], ready=False, reason="DependencyNotReady"),
    ]
    graph = FluxGraph(objects)
    assert graph.cycles == [(ks("a"), ks("b"), ks("c"))]
    assert {(e.source.name, e.target.name) for e in graph.cycle_edges} == {("a", "b"), ("b", "c"), ("c", "a")}
    causes = graph.root_causes
    assert {causes[k].root for k in (ks("a"), ks("b"), ks("c"), ks("d"))} == {ks("a")}
    assert causes[ks("a")].cycle == (ks("a"), ks("b"), ks("c"))
    assert graph.causal_chain(ks("d")) == (ks("d"), ks("a"))
    assert graph.causal_chain(ks("b")) == (ks("b"), ks("c"), ks("a"))


def test_a_cycle_with_a_failing_way_out_names_what_lies_beyond_it() -> None:
    objects = [
        git_repository("repo", "x", ready=False, reason="GitOperationFailed"),
        kustomization("a", "x", source="GitRepository/repo", depends_on=["b"], ready=False, reason="ArtifactFailed"),
        kustomization("b", "x", source=None, depends_on=["a"], ready=False, reason="DependencyNotReady"),
    ]
    graph = FluxGraph(objects)
    assert graph.root_causes[ks("b", "x")].root == git("repo", "x")
    assert graph.causal_chain(ks("b", "x")) == (ks("b", "x"), ks("a", "x"), git("repo", "x"))


def test_a_self_dependency_is_a_cycle() -> None:
    graph = FluxGraph([git_repository("flux-system"),
                       kustomization("me", depends_on=["me"], ready=False, reason="DependencyNotReady")])
    assert graph.cycles == [(ks("me"),)]
    assert graph.root_causes[ks("me")].cycle == (ks("me"),)


def test_a_very_long_dependency_chain_is_analysed_without_recursion() -> None:
    depth = 3000
    objects = [git_repository("flux-system", ready=False, reason="GitOperationFailed")]
    objects.append(kustomization("k0000", ready=False, reason="ArtifactFailed"))
    objects += [
        kustomization(f"k{i:04d}", depends_on=[f"k{i - 1:04d}"], ready=False, reason="DependencyNotReady")
        for i in range(1, depth)
    ]
    graph = FluxGraph(objects)
    cause = graph.root_causes[ks(f"k{depth - 1:04d}")]
    assert cause.root == git("flux-system")
    assert cause.depth == depth
    assert len(graph.causal_chain(cause.subject)) == depth + 1
    assert len(graph.blocking_paths[git("flux-system")].blocked) == depth


def test_strongly_connected_components_come_out_sinks_first() -> None:
    a, b, c = ks("a"), ks("b"), ks("c")
    components = strongly_connected([a, b, c], {a: [b], b: [a, c], c: []})
    assert components == [[c], [b, a]]


def test_a_missing_helm_chart_still_leads_to_its_failing_repository() -> None:
    objects = [
        helm_repository("charts", "web", ready=False, reason="IndexationFailed"),
        helm_release("app", "web", chart="HelmRepository/charts", helm_chart_status=None, ready=False,
                     reason="ArtifactFailed"),
    ]
    graph = FluxGraph(objects)
    chart = ObjectKey("HelmChart", "web", "web-app")
    assert not graph.nodes[chart].missing, "helm-controller generates it: absent is not missing"
    assert graph.is_not_generated(chart)
    assert chart not in graph.root_causes
    root = graph.root_causes[ObjectKey("HelmRelease", "web", "app")].root
    assert root == ObjectKey("HelmRepository", "web", "charts")


def test_a_suspended_helm_release_without_its_generated_chart_is_suspended_and_nothing_else() -> None:
    objects = [
        helm_repository("charts", "web"),
        helm_release("app", "web", chart="HelmRepository/charts", helm_chart_status=None, suspend=True),
    ]
    graph = FluxGraph(objects)
    release = ObjectKey("HelmRelease", "web", "app")
    assert graph.nodes[release].state == "suspended"
    assert {k: c.root for k, c in graph.root_causes.items()} == {release: release}
    assert not graph.blocking_edges, "no edge is drawn as blocking"


def test_a_failing_helm_release_whose_chart_is_not_generated_is_its_own_root_cause() -> None:
    objects = [
        helm_repository("charts", "web"),
        helm_release("app", "web", chart="HelmRepository/charts", helm_chart_status=None, ready=False,
                     reason="HelmChartNotReady"),
    ]
    graph = FluxGraph(objects)
    release = ObjectKey("HelmRelease", "web", "app")
    assert graph.root_causes[release].root == release


def test_stale_appliers_are_ready_but_behind_their_source() -> None:
    objects = [
        git_repository("flux-system", revision="main@sha1:new"),
        kustomization("behind", applied_revision="main@sha1:old"),
        kustomization("current", applied_revision="main@sha1:new"),
        helm_repository("charts"),
        helm_chart("flux-system-web", source="HelmRepository/charts", version="2.0.0"),
        helm_release("web", chart="HelmRepository/charts", chart_version="1.0.0"),
        helm_chart("flux-system-api", source="HelmRepository/charts", version="1.0.0@sha256:abc"),
        helm_release("api", chart="HelmRepository/charts", chart_version="1.0.0"),
    ]
    stale = FluxGraph(objects).stale
    assert [(s.key.name, s.applied_revision, s.source_revision) for s in stale] == [
        ("web", "1.0.0", "2.0.0"), ("behind", "main@sha1:old", "main@sha1:new"),
    ]


def test_component_of_a_root_holds_what_it_needs_what_needs_it_and_what_it_applies() -> None:
    graph = FluxGraph(sample_fleet())
    component = graph.component(ks("billing-config", "team-billing"))
    assert component == {
        ks("billing-config", "team-billing"), ks("billing-infra", "team-billing"), ks("billing-apps", "team-billing"),
        BILLING,
    }
    apps = graph.component(ks("apps"))
    assert ObjectKey("HelmRelease", "podinfo", "podinfo") in apps
    assert ObjectKey("Deployment", "podinfo", "podinfo", "apps") in apps
    assert ks("flux-system") in apps, "its direct owner is shown for context"
    assert ks("data-infra", "team-data") not in apps


# -- inventory tree --------------------------------------------------------------------------------


def test_inventory_tree_follows_nested_flux_inventories_and_marks_self_references() -> None:
    graph = FluxGraph(sample_fleet())
    tree = inventory_tree(graph, ks("flux-system"))
    lines = [("  " * item.depth) + f"{item.key}{' ' + item.mark if item.mark else ''}" for item in flatten_tree(tree)]
    assert lines == [
        "Kustomization/flux-system/flux-system",
        "  Namespace/team-billing",
        "  GitRepository/flux-system/flux-system",
        "  Kustomization/flux-system/apps",
        "    HelmRelease/podinfo/podinfo",
        "      Deployment/podinfo/podinfo",
        "      Service/podinfo/podinfo",
        "  Kustomization/flux-system/flux-system self",
        "  Kustomization/flux-system/infra-configs",
        "  Kustomization/flux-system/infra-controllers",
        "    Deployment/cert-manager/cert-manager",
        "    Namespace/cert-manager",
    ]


def test_inventory_tree_is_cycle_safe_and_expands_a_shared_subtree_once() -> None:
    objects = [
        kustomization("a", inventory=[("Kustomization", "flux-system", "b"), ("Kustomization", "flux-system", "c")]),
        kustomization("b", inventory=[("Kustomization", "flux-system", "a"), ("Kustomization", "flux-system", "c")]),
        kustomization("c", inventory=[("ConfigMap", "default", "x")]),
    ]
    items = flatten_tree(inventory_tree(FluxGraph(objects), ks("a")))
    assert [(item.depth, item.key.name, item.mark) for item in items] == [
        (0, "a", ""), (1, "b", ""), (2, "a", "cycle"), (2, "c", ""), (3, "x", ""), (1, "c", "repeated"),
    ]


def test_an_applier_without_inventory_falls_back_to_the_flux_objects_labelled_as_its_own() -> None:
    rset = resource_set("tenants")
    owned = kustomization("tenant-a", "tenants", managed_by="ResourceSet/flux-system/tenants")
    hr = helm_release("bare", "web", chart="HelmRepository/charts")
    graph = FluxGraph([rset, owned, hr])
    items = flatten_tree(inventory_tree(graph, ObjectKey("ResourceSet", "flux-system", "tenants")))
    assert [item.key for item in items] == [
        ObjectKey("ResourceSet", "flux-system", "tenants"), ks("tenant-a", "tenants"),
    ]
    assert items[0].no_inventory
    assert inventory_tree(graph, ObjectKey("HelmRelease", "web", "bare")).no_inventory
