"""The reference model: every relation Flux writes into an object becomes one typed edge."""

from __future__ import annotations

import pytest

from flux_mcp.flux.refs import (
    Edge,
    ObjectKey,
    build_edges,
    helm_chart_key,
    inventory_of,
    managed_by,
    parse_inventory_id,
    references_of,
)
from tests.unit.builders import (
    alert,
    deployment,
    flux_instance,
    git_repository,
    helm_chart,
    helm_release,
    image_policy,
    image_update_automation,
    k8s_object,
    kustomization,
    resource_set,
)

GIT = "source.toolkit.fluxcd.io"
KS = "kustomize.toolkit.fluxcd.io"


def ks_key(name: str, namespace: str = "flux-system") -> ObjectKey:
    return ObjectKey("Kustomization", namespace, name)


def edges_of_type(obj: dict[str, object], edge_type: str) -> list[Edge]:
    return [e for e in references_of(obj) if e.type == edge_type]


# -- keys -----------------------------------------------------------------------------------------


def test_a_key_without_group_for_a_flux_kind_equals_the_key_of_the_real_object() -> None:
    from_ref = ObjectKey("GitRepository", "flux-system", "flux-system")
    from_object = ObjectKey.of(git_repository("flux-system"))
    assert from_ref == from_object
    assert hash(from_ref) == hash(from_object)
    assert from_object.group == GIT
    assert from_object.is_flux


def test_key_string_forms_for_namespaced_and_cluster_scoped_objects() -> None:
    assert str(ks_key("apps")) == "Kustomization/flux-system/apps"
    assert ks_key("apps").display == "Kustomization flux-system/apps"
    crd = ObjectKey("CustomResourceDefinition", "", "widgets.example.com", "apiextensions.k8s.io")
    assert str(crd) == "CustomResourceDefinition/widgets.example.com"
    assert not crd.is_flux


# -- inventory ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry_id", "expected"),
    [
        ("apps_web_apps_Deployment", ObjectKey("Deployment", "apps", "web", "apps")),
        ("apps_web__Service", ObjectKey("Service", "apps", "web", "")),
        ("_team-a__Namespace", ObjectKey("Namespace", "", "team-a", "")),
        (
            "_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition",
            ObjectKey("CustomResourceDefinition", "", "widgets.example.com", "apiextensions.k8s.io"),
        ),
        ("flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", ks_key("apps")),
        ("ns_odd_name_with_underscores__ConfigMap", ObjectKey("ConfigMap", "ns", "odd_name_with_underscores")),
    ],
)
def test_inventory_ids_parse_including_cluster_scoped_core_group_and_underscored_names(
    entry_id: str, expected: ObjectKey
) -> None:
    assert parse_inventory_id(entry_id) == expected


@pytest.mark.parametrize("entry_id", ["", "a_b", "ns_name_group_", "ns__group_Kind", "just-a-name"])
def test_malformed_inventory_ids_are_rejected(entry_id: str) -> None:
    with pytest.raises(ValueError, match="inventory id"):
        parse_inventory_id(entry_id)


def test_malformed_inventory_entries_are_skipped_not_fatal() -> None:
    ks = kustomization("apps", inventory=[("Deployment", "apps", "web"), "garbage"])
    assert inventory_of(ks) == [ObjectKey("Deployment", "apps", "web", "apps")]
    assert inventory_of(git_repository("x")) is None


# -- spec references ------------------------------------------------------------------------------


def test_kustomization_source_ref_defaults_to_its_own_namespace() -> None:
    ks = kustomization("billing-infra", "team-billing", source="GitRepository/billing")
    assert edges_of_type(ks, "source") == [
        Edge(ks_key("billing-infra", "team-billing"), ObjectKey("GitRepository", "team-billing", "billing"), "source")
    ]


def test_cross_namespace_source_ref_keeps_the_named_namespace() -> None:
    ks = kustomization("apps", "team-a", source="OCIRepository/flux-system/manifests")
    (edge,) = edges_of_type(ks, "source")
    assert edge.target == ObjectKey("OCIRepository", "flux-system", "manifests")
    assert edge.cross_namespace


def test_depends_on_entries_become_dashed_dependency_edges_across_namespaces() -> None:
    ks = kustomization("apps", "team-a", depends_on=["infra", "flux-system/crds"])
    assert [e.target for e in edges_of_type(ks, "dependsOn")] == [
        ks_key("infra", "team-a"), ks_key("crds", "flux-system"),
    ]
    hr = helm_release("web", "team-a", depends_on=["db"])
    assert [e.target for e in edges_of_type(hr, "dependsOn")] == [ObjectKey("HelmRelease", "team-a", "db")]
    rset = resource_set("tenants", depends_on=["flux-system/platform"])
    assert [e.target for e in edges_of_type(rset, "dependsOn")] == [ObjectKey("ResourceSet", "flux-system", "platform")]


def test_helm_release_chart_ref_points_at_the_oci_repository() -> None:
    hr = helm_release("podinfo", "podinfo", chart_ref="OCIRepository/podinfo-chart")
    assert edges_of_type(hr, "chart") == [
        Edge(ObjectKey("HelmRelease", "podinfo", "podinfo"), ObjectKey("OCIRepository", "podinfo", "podinfo-chart"),
             "chart")
    ]


def test_helm_release_chart_template_points_at_its_helm_chart_and_the_chart_at_its_repository() -> None:
    hr = helm_release("podinfo", "podinfo", chart="HelmRepository/flux-system/podinfo")
    hr_key = ObjectKey("HelmRelease", "podinfo", "podinfo")
    chart_key = ObjectKey("HelmChart", "flux-system", "podinfo-podinfo")
    assert set(references_of(hr)) == {
        Edge(hr_key, chart_key, "chart"),
        Edge(chart_key, ObjectKey("HelmRepository", "flux-system", "podinfo"), "source"),
    }


def test_helm_chart_name_is_derived_when_status_does_not_record_it_yet() -> None:
    hr = helm_release("frontend", "team-web", chart="HelmRepository/bitnami", helm_chart_status=None)
    assert helm_chart_key(hr) == ObjectKey("HelmChart", "team-web", "team-web-frontend")
    recorded = helm_release("frontend", "team-web", chart="HelmRepository/bitnami", helm_chart_status="x/y")
    assert helm_chart_key(recorded) == ObjectKey("HelmChart", "x", "y")


def test_alert_image_policy_and_image_update_automation_references() -> None:
    assert [(e.target, e.type) for e in references_of(alert("on-call", provider_name="slack"))] == [
        (ObjectKey("Provider", "flux-system", "slack"), "alert")
    ]
    assert [(e.target, e.type) for e in references_of(image_policy("podinfo"))] == [
        (ObjectKey("ImageRepository", "flux-system", "podinfo"), "imagepolicy")
    ]
    assert [(e.target, e.type) for e in references_of(image_update_automation("flux-system"))] == [
        (ObjectKey("GitRepository", "flux-system", "flux-system"), "automation")
    ]


def test_helm_chart_object_references_its_source() -> None:
    chart = helm_chart("podinfo-podinfo", "podinfo", source="HelmRepository/podinfo")
    assert edges_of_type(chart, "source")[0].target == ObjectKey("HelmRepository", "podinfo", "podinfo")


# -- inventory and ownership ----------------------------------------------------------------------


def test_inventory_entries_become_applies_edges() -> None:
    ks = kustomization("apps", inventory=[("Deployment", "apps", "web"), ("Kustomization", "flux-system", "tenants")])
    assert [e.target for e in edges_of_type(ks, "applies")] == [
        ObjectKey("Deployment", "apps", "web", "apps"), ks_key("tenants"),
    ]


def test_managed_by_reads_the_direct_appliers_labels_first() -> None:
    both = k8s_object("ConfigMap", "x", "apps", managed_by="Kustomization/flux-system/apps",
                      labels={"resourceset.fluxcd.controlplane.io/name": "tenants"})
    assert managed_by(both) == ks_key("apps")
    by_rset = k8s_object("ConfigMap", "y", "apps", managed_by="ResourceSet/flux-system/tenants")
    assert managed_by(by_rset) == ObjectKey("ResourceSet", "flux-system", "tenants")
    by_instance = kustomization("flux-system", managed_by="FluxInstance/flux")
    assert managed_by(by_instance) == ObjectKey("FluxInstance", "flux-system", "flux")
    by_hr = deployment("web", "apps", labels={"helm.toolkit.fluxcd.io/name": "web"})
    assert managed_by(by_hr) == ObjectKey("HelmRelease", "apps", "web"), "owner namespace defaults to the object's"
    assert managed_by(deployment("plain")) is None


def test_flux_objects_owned_through_labels_get_an_owns_edge_unless_the_inventory_already_says_so() -> None:
    rset = resource_set("tenants", inventory=[("Kustomization", "tenant-a", "apps")])
    in_inventory = kustomization("apps", "tenant-a", managed_by="ResourceSet/flux-system/tenants")
    label_only = kustomization("infra", "tenant-a", managed_by="ResourceSet/flux-system/tenants")
    instance = flux_instance()
    owned_by_instance = git_repository("flux-system", managed_by="FluxInstance/flux")
    edges = build_edges([rset, in_inventory, label_only, instance, owned_by_instance])
    rset_key = ObjectKey("ResourceSet", "flux-system", "tenants")
    assert Edge(rset_key, ks_key("apps", "tenant-a"), "applies") in edges
    assert Edge(rset_key, ks_key("apps", "tenant-a"), "owns") not in edges
    assert Edge(rset_key, ks_key("infra", "tenant-a"), "owns") in edges
    assert Edge(ObjectKey("FluxInstance", "flux-system", "flux"),
                ObjectKey("GitRepository", "flux-system", "flux-system"), "owns") in edges


def test_plain_kubernetes_objects_do_not_get_owns_edges_from_their_labels() -> None:
    assert references_of(deployment("web", "apps", managed_by="Kustomization/flux-system/apps")) == []


def test_build_edges_is_deduplicated_sorted_and_keeps_missing_targets() -> None:
    search = kustomization("search", "team-search", source="GitRepository/search-repo")
    edges = build_edges([search, search])
    assert edges == [
        Edge(ks_key("search", "team-search"), ObjectKey("GitRepository", "team-search", "search-repo"), "source")
    ]
    assert build_edges(list(reversed([search, git_repository("x")]))) == build_edges([git_repository("x"), search])


def test_a_kustomization_that_applies_itself_keeps_its_self_edge() -> None:
    ks = kustomization("flux-system", inventory=[("Kustomization", "flux-system", "flux-system")])
    assert Edge(ks_key("flux-system"), ks_key("flux-system"), "applies") in build_edges([ks])


def test_objects_without_metadata_or_with_junk_refs_do_not_break_the_model() -> None:
    junk = kustomization("x")
    junk["spec"]["sourceRef"] = {"kind": "GitRepository"}  # no name
    junk["spec"]["dependsOn"] = ["not-a-dict", {"name": ""}]
    assert references_of(junk) == []
    assert references_of({"apiVersion": "v1", "kind": "ConfigMap"}) == []
