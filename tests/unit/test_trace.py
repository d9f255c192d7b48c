"""Trace: any object up its owners and Flux managers to the root, with the sources each applier uses."""

from __future__ import annotations

from typing import Any

from flux_mcp.flux.refs import ObjectKey
from flux_mcp.flux.trace import Trace, render_trace, source_url, trace
from tests.unit.builders import (
    bucket,
    flux_instance,
    flux_object,
    git_repository,
    helm_chart,
    helm_release,
    helm_repository,
    k8s_object,
    kustomization,
    resource_set,
)
from tests.unit.rca_builders import Cluster, key_of, workload


def run(cluster: Cluster, start: dict[str, Any]) -> Trace:
    result, _ = cluster.settle(lambda ev: trace(key_of(start), ev), start=[start])
    return result


def path(result: Trace) -> list[tuple[str, str, str]]:
    return [(h.relation, h.key.kind, h.key.name) for h in result.hops]


def test_a_crashing_pod_traces_through_its_deployment_to_the_kustomization_and_its_git_repository() -> None:
    deployment, replica_set, pods = workload("api-server", "team-api", managed_by="Kustomization/api", crash=True)
    ks = kustomization("api", "team-api", source="GitRepository/flux-system/flux-system", ready=False,
                       reason="HealthCheckFailed", managed_by="Kustomization/flux-system/flux-system")
    root = kustomization("flux-system", managed_by="Kustomization/flux-system")
    repo = git_repository("flux-system", url="https://bot:hunter2hunter2@github.com/acme/fleet")
    result = run(Cluster([deployment, replica_set, *pods, ks, root, repo]), pods[0])

    assert path(result) == [
        ("object", "Pod", pods[0]["metadata"]["name"]), ("owned by", "ReplicaSet", "api-server-5d4f8"),
        ("owned by", "Deployment", "api-server"), ("managed by", "Kustomization", "api"),
        ("managed by", "Kustomization", "flux-system"),
    ]
    assert result.hops[0].reason == "CrashLoopBackOff"
    api = result.hops[3]
    assert api.state == "failed" and api.reason == "HealthCheckFailed"
    assert [(s.key.kind, s.key.name, s.state) for s in api.sources] == [("GitRepository", "flux-system", "ready")]
    assert "hunter2hunter2" not in api.sources[0].url and "github.com/acme/fleet" in api.sources[0].url
    assert result.root is not None and result.root.key == key_of(root)
    assert result.complete and not result.notes
    assert "hunter2hunter2" not in render_trace(result)


def test_a_helm_managed_deployment_traces_to_helm_release_chart_and_helm_repository() -> None:
    deployment, _, _ = workload("podinfo", "podinfo", managed_by="HelmRelease/podinfo")
    release = helm_release("podinfo", "podinfo", chart="HelmRepository/podinfo", chart_version="6.9.2")
    chart = helm_chart("podinfo-podinfo", "podinfo", source="HelmRepository/podinfo", version="6.9.2")
    repo = helm_repository("podinfo", "podinfo", url="https://stefanprodan.github.io/podinfo")
    result = run(Cluster([deployment, release, chart, repo]), deployment)

    assert path(result) == [("object", "Deployment", "podinfo"), ("managed by", "HelmRelease", "podinfo")]
    sources = result.hops[1].sources
    assert [(s.relation, s.key.kind, s.key.name) for s in sources] == [
        ("chart", "HelmChart", "podinfo-podinfo"), ("source", "HelmRepository", "podinfo")]
    assert sources[1].url == "https://stefanprodan.github.io/podinfo"
    assert result.hops[1].revision == "6.9.2"


def test_a_helm_release_whose_chart_does_not_exist_yet_still_shows_its_repository() -> None:
    release = helm_release("web", "web", chart="HelmRepository/charts", ready=False, reason="ArtifactFailed")
    result = run(Cluster([release, helm_repository("charts", "web")]), release)
    sources = result.hops[0].sources
    assert [(s.key.kind, s.state) for s in sources] == [("HelmChart", "missing"), ("HelmRepository", "ready")]


def test_bucket_and_external_artifact_sources_show_their_location() -> None:
    store = bucket("configs", "data")
    assert source_url(store) == "https://minio.example.com/configs"
    artifact = flux_object(
        "ExternalArtifact", "bundle", "apps",
        spec={"sourceRef": {"kind": "ArtifactGenerator", "name": "gen"}},
        status={"artifact": {"revision": "latest@sha256:abc", "url": "http://source-controller./x.tar.gz"}},
    )
    ks = kustomization("apps", "apps", source="ExternalArtifact/bundle")
    result = run(Cluster([ks, artifact]), ks)
    hop = result.hops[0].sources[0]
    assert hop.key.kind == "ExternalArtifact"
    assert hop.url == "http://source-controller./x.tar.gz"
    assert hop.revision == "latest@sha256:abc"
    assert hop.note == "produced by ArtifactGenerator apps/gen"

    data = kustomization("data", "data", source="Bucket/configs")
    result = run(Cluster([data, store]), data)
    assert result.hops[0].sources[0].url == "https://minio.example.com/configs"


def test_objects_of_a_resource_set_trace_to_it_and_to_the_flux_instance_above() -> None:
    namespace = k8s_object("Namespace", "team-alpha", "", managed_by="ResourceSet/flux-system/tenants")
    tenants = resource_set("tenants", managed_by="FluxInstance/flux")
    instance = flux_instance("flux")
    result = run(Cluster([namespace, tenants, instance]), namespace)
    assert path(result) == [("object", "Namespace", "team-alpha"), ("managed by", "ResourceSet", "tenants"),
                            ("managed by", "FluxInstance", "flux")]
    assert result.root is not None and result.root.key.kind == "FluxInstance"


def test_an_object_no_flux_object_manages_says_so() -> None:
    config = k8s_object("ConfigMap", "manual", "default")
    result = run(Cluster([config]), config)
    assert len(result.hops) == 1
    assert result.root is None
    assert any("not managed by Flux" in note for note in result.notes)


def test_stale_labels_naming_a_deleted_kustomization_end_in_a_missing_hop() -> None:
    config = k8s_object("ConfigMap", "leftover", "default", managed_by="Kustomization/flux-system/gone")
    result = run(Cluster([config]), config)
    assert result.hops[-1].key == ObjectKey("Kustomization", "flux-system", "gone")
    assert result.hops[-1].missing
    assert any("does not exist" in note for note in result.notes)


def test_the_self_applying_flux_system_kustomization_ends_the_trace() -> None:
    root = kustomization("flux-system", managed_by="Kustomization/flux-system")
    result = run(Cluster([root, git_repository("flux-system")]), root)
    assert len(result.hops) == 1
    assert not result.notes


def test_an_owner_reference_cycle_terminates() -> None:
    a = k8s_object("ConfigMap", "a", "default")
    b = k8s_object("ConfigMap", "b", "default", owner_references=[
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "a", "uid": "x", "controller": True}])
    a["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": "y", "controller": True}]
    result = run(Cluster([a, b]), a)
    assert [h.key.name for h in result.hops] == ["a", "b"]
    assert any("cycle" in note for note in result.notes)
