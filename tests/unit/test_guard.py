"""The Flux-managed guard: who manages an object, and the refusal that says so."""

from __future__ import annotations

from typing import Any

from flux_mcp.flux.guard import (
    Manager,
    crd_contents,
    manager_from_labels,
    managing_object,
    namespace_contents,
    refusal_message,
)


def labelled(labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "podinfo", "namespace": "apps"}
    if labels is not None:
        metadata["labels"] = labels
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata}


KUSTOMIZE = {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}


def test_kustomization_labels_name_the_kustomization() -> None:
    assert str(manager_from_labels(KUSTOMIZE)) == "Kustomization flux-system/apps"


def test_helm_labels_name_the_helmrelease() -> None:
    labels = {"helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "podinfo"}
    assert manager_from_labels(labels) == Manager("HelmRelease", "podinfo", "podinfo")


def test_operator_labels_name_the_resourceset_or_the_flux_instance() -> None:
    rset = {"resourceset.fluxcd.controlplane.io/name": "tenants",
            "resourceset.fluxcd.controlplane.io/namespace": "flux-system"}
    assert str(manager_from_labels(rset)) == "ResourceSet flux-system/tenants"
    instance = {"fluxcd.controlplane.io/name": "flux", "fluxcd.controlplane.io/namespace": "flux-system"}
    assert str(manager_from_labels(instance)) == "FluxInstance flux-system/flux"


def test_the_innermost_applier_is_named_when_a_helm_release_object_also_has_kustomize_labels() -> None:
    labels = {**KUSTOMIZE, "helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "apps"}
    assert str(manager_from_labels(labels)) == "HelmRelease apps/podinfo"


def test_a_name_label_without_its_namespace_twin_still_counts() -> None:
    assert str(manager_from_labels({"kustomize.toolkit.fluxcd.io/name": "apps"})) == "Kustomization apps"


def test_unrelated_labels_mean_not_managed() -> None:
    assert manager_from_labels({"app.kubernetes.io/managed-by": "Helm", "app": "podinfo"}) is None


def test_live_labels_make_an_object_managed_even_when_the_manifest_has_none() -> None:
    assert managing_object(labelled(KUSTOMIZE), labelled(), "apply") == Manager("Kustomization", "apps", "flux-system")


def test_manifest_labels_make_a_new_object_managed() -> None:
    assert managing_object(None, labelled(KUSTOMIZE), "apply") is not None


def test_an_object_nobody_manages_passes() -> None:
    assert managing_object(labelled({"app": "x"}), labelled(), "patch") is None


def test_kustomize_reconcile_disabled_lets_a_patch_through_but_not_a_delete() -> None:
    live = labelled(KUSTOMIZE, {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"})
    assert managing_object(live, None, "patch") is None
    assert managing_object(live, None, "delete") == Manager("Kustomization", "apps", "flux-system")


def test_ssa_ignore_lets_an_apply_through() -> None:
    live = labelled(KUSTOMIZE, {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"})
    assert managing_object(live, labelled(), "apply") is None


def test_refusal_names_the_manager_the_consequence_and_the_way_out() -> None:
    message = refusal_message("Deployment apps/podinfo", Manager("Kustomization", "apps", "flux-system"), "patch")
    assert message == (
        "Refusing to patch Deployment apps/podinfo: it is managed by Kustomization flux-system/apps; "
        "Flux will revert this change on its next reconcile. Change it in Git, or pass overwrite=true to do it anyway."
    )


def test_delete_refusal_says_flux_recreates_the_object() -> None:
    message = refusal_message("ConfigMap apps/settings", Manager("Kustomization", "apps", "flux-system"), "delete")
    assert "Flux will recreate it on its next reconcile" in message
    assert "overwrite=true" in message


HELM = {"helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "podinfo"}


def test_kustomize_hands_off_annotations_do_not_switch_the_guard_off_for_helm_controller() -> None:
    live = labelled(HELM, {"kustomize.toolkit.fluxcd.io/reconcile": "disabled",
                           "kustomize.toolkit.fluxcd.io/ssa": "Ignore"})
    assert managing_object(live, None, "patch") == Manager("HelmRelease", "podinfo", "podinfo")


def test_kustomize_hands_off_annotations_do_not_switch_the_guard_off_for_flux_operator() -> None:
    rset = {"resourceset.fluxcd.controlplane.io/name": "tenants",
            "resourceset.fluxcd.controlplane.io/namespace": "flux-system"}
    live = labelled(rset, {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"})
    assert managing_object(live, None, "apply") == Manager("ResourceSet", "tenants", "flux-system")


def test_helm_drift_detection_disabled_lets_a_patch_of_a_helm_object_through() -> None:
    live = labelled(HELM, {"helm.toolkit.fluxcd.io/driftDetection": "disabled"})
    assert managing_object(live, None, "patch") is None
    assert managing_object(live, None, "delete") is not None


def test_a_namespace_holding_flux_objects_or_flux_managed_objects_is_contained() -> None:
    manager = Manager("Kustomization", "apps", "flux-system")
    contents = namespace_contents("apps", ["Kustomization apps"], [("Deployment apps/podinfo", manager)])
    assert contents is not None
    assert contents.refusal().startswith(
        "Refusing to delete Namespace apps: it holds Flux objects (Kustomization apps)")
    assert "Deployment apps/podinfo managed by Kustomization flux-system/apps" in contents.refusal()
    assert "overwrite=true" in contents.refusal()
    assert namespace_contents("scratch", [], []) is None


def test_the_crd_of_a_flux_kind_or_of_a_kind_with_managed_objects_is_contained() -> None:
    assert crd_contents("helmreleases.helm.toolkit.fluxcd.io", True, []) is not None
    manager = Manager("Kustomization", "infra", "flux-system")
    other = crd_contents("certificates.cert-manager.io", False, [("Certificate web/tls", manager)])
    assert other is not None and "Flux manages objects of this kind (Certificate web/tls" in other.refusal()
    assert crd_contents("widgets.example.com", False, []) is None
