"""The Flux kinds catalogue: lookups by any name, and what each kind allows."""

from __future__ import annotations

import pytest

from flux_mcp.flux.kinds import FLUX_KINDS, find_flux_kind, flux_kind_of, is_flux_group


@pytest.mark.parametrize("name, kind", [
    ("Kustomization", "Kustomization"), ("ks", "Kustomization"), ("KUSTOMIZATIONS", "Kustomization"),
    ("hr", "HelmRelease"), ("gitrepo", "GitRepository"), ("ocirepo", "OCIRepository"),
    (" imagepolicies ", "ImagePolicy"), ("rset", "ResourceSet"), ("fluxinstance", "FluxInstance"),
])
def test_any_name_finds_the_kind(name: str, kind: str) -> None:
    found = find_flux_kind(name)
    assert found is not None and found.kind == kind


def test_built_in_kinds_and_wrong_groups_are_not_flux() -> None:
    assert find_flux_kind("Deployment") is None
    assert find_flux_kind("Kustomization", group="kustomize.config.k8s.io") is None
    assert not is_flux_group("apps")


def test_names_are_unique_across_the_catalogue() -> None:
    names = [name for kind in FLUX_KINDS for name in kind.names]
    assert len(names) == len(set(names))


def test_objects_are_recognised_by_group_and_kind_whatever_the_version() -> None:
    kind = flux_kind_of({"apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2", "kind": "Kustomization"})
    assert kind is not None and kind.component == "kustomize-controller"
    assert flux_kind_of({"apiVersion": "apps/v1", "kind": "Deployment"}) is None
    assert flux_kind_of({"kind": "Kustomization"}) is None


def test_static_kinds_say_why() -> None:
    alert = find_flux_kind("Alert")
    assert alert is not None and not alert.reconcilable and "static" in alert.is_static()
    oci_helm = find_flux_kind("HelmRepository")
    assert oci_helm is not None
    assert oci_helm.is_static({"spec": {"type": "oci"}})
    assert oci_helm.is_static({"spec": {"type": "default"}}) == ""


def test_operator_kinds_suspend_by_annotation_and_toolkit_kinds_by_spec() -> None:
    instance = find_flux_kind("FluxInstance")
    kustomization = find_flux_kind("Kustomization")
    assert instance is not None and instance.suspend_style == "annotation"
    assert instance.suspend_annotation == "fluxcd.controlplane.io/reconcile"
    assert kustomization is not None and kustomization.suspend_style == "spec"


def test_every_kind_names_the_component_to_install() -> None:
    assert all(kind.component for kind in FLUX_KINDS)
    assert {k.component for k in FLUX_KINDS} >= {"source-controller", "kustomize-controller", "helm-controller",
                                                   "notification-controller", "flux-operator"}
