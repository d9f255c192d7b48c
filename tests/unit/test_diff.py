"""The field diff and field ownership behind diff_kubernetes_manifest (pure, no cluster)."""

from __future__ import annotations

from typing import Any

from flux_mcp.flux.diff import (
    FieldChange,
    ItemKey,
    change_line,
    comparable,
    diff_objects,
    field_owners,
    field_path,
    object_diff,
    owns,
)


def deployment(image: str = "app:1", replicas: int = 2, args: list[str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": image}
    if args is not None:
        container["args"] = args
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [container, {"name": "sidecar",
                                                                                       "image": "proxy:1"}]}}},
    }


# FieldsV1 as kube-apiserver records it for kustomize-controller's apply of `deployment()`.
KUSTOMIZE_FIELDS = {
    "f:metadata": {"f:labels": {"f:app.kubernetes.io/name": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:template": {"f:spec": {"f:containers": {
            'k:{"name":"app"}': {".": {}, "f:name": {}, "f:image": {}, "f:args": {}},
        }}},
    },
}


def with_owner(obj: dict[str, Any], manager: str, fields: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["managedFields"] = [{"manager": manager, "operation": "Apply", "apiVersion": "apps/v1",
                                         "fieldsType": "FieldsV1", "fieldsV1": fields}]
    return obj


def test_a_container_is_matched_by_name_not_by_position() -> None:
    before = deployment()
    after = deployment(image="app:2")
    after["spec"]["template"]["spec"]["containers"].reverse()
    [change] = diff_objects(before, after)
    assert change.where == ".spec.template.spec.containers[name=app].image"
    assert (change.op, change.before, change.after) == ("changed", "app:1", "app:2")


def test_added_and_removed_list_items_and_map_keys() -> None:
    before = deployment()
    after = deployment(replicas=3)
    after["spec"]["template"]["spec"]["containers"] = after["spec"]["template"]["spec"]["containers"][:1]
    after["metadata"]["labels"]["tier"] = "front"
    lines = sorted(change_line(c) for c in diff_objects(before, after))
    assert lines == [
        '+ .metadata.labels.tier: "front"',
        '- .spec.template.spec.containers[name=sidecar]: {"name": "sidecar", "image": "proxy:1"}',
        "~ .spec.replicas: 2 → 3",
    ]


def test_keys_with_dots_and_slashes_are_quoted_in_paths() -> None:
    assert field_path(("metadata", "labels", "app.kubernetes.io/name")) == '.metadata.labels["app.kubernetes.io/name"]'
    assert field_path(("spec", "ports", ItemKey("port", 80), "name")) == ".spec.ports[port=80].name"
    assert field_path(("spec", "args", 0)) == ".spec.args[0]"


def test_a_list_without_item_keys_changes_as_a_whole() -> None:
    [change] = diff_objects(deployment(args=["--a"]), deployment(args=["--a", "--b"]))
    assert change.where == ".spec.template.spec.containers[name=app].args"
    assert (change.before, change.after) == (["--a"], ["--a", "--b"])


def test_status_and_server_written_metadata_are_not_compared() -> None:
    live = deployment()
    live["metadata"].update(resourceVersion="7", generation=3, uid="u", managedFields=[{"manager": "x"}])
    live["status"] = {"readyReplicas": 2}
    assert "status" not in comparable(live)
    assert diff_objects(comparable(live), comparable(deployment())) == []


def test_ownership_follows_keyed_items_and_atomic_leaves() -> None:
    live = deployment(args=["--a"])
    image = FieldChange(("spec", "template", "spec", "containers", ItemKey("name", "app"), "image"), "changed")
    args_item = FieldChange(("spec", "template", "spec", "containers", ItemKey("name", "app"), "args", 0), "changed")
    sidecar = FieldChange(("spec", "template", "spec", "containers", ItemKey("name", "sidecar"), "image"), "changed")
    label = FieldChange(("metadata", "labels", "app.kubernetes.io/name"), "changed")
    other_label = FieldChange(("metadata", "labels", "tier"), "added")
    assert owns(KUSTOMIZE_FIELDS, image.path, (live,))
    assert owns(KUSTOMIZE_FIELDS, args_item.path, (live,))  # the whole atomic list is owned
    assert owns(KUSTOMIZE_FIELDS, label.path, (live,))
    assert not owns(KUSTOMIZE_FIELDS, sidecar.path, (live,))
    assert not owns(KUSTOMIZE_FIELDS, other_label.path, (live,))
    assert not owns({}, image.path, (live,))


def test_a_field_kustomize_controller_owns_is_flagged_and_the_manager_named() -> None:
    live = with_owner(deployment(), "kustomize-controller", KUSTOMIZE_FIELDS)
    live["metadata"]["labels"].update({"kustomize.toolkit.fluxcd.io/name": "apps",
                                       "kustomize.toolkit.fluxcd.io/namespace": "flux-system"})
    proposed = deployment(image="app:2")
    proposed["metadata"]["labels"] = dict(live["metadata"]["labels"])
    proposed["spec"]["template"]["spec"]["containers"][1]["image"] = "proxy:2"
    result = object_diff(live, proposed, deployment(image="app:2"), applier="fluxcd-mcp")
    assert str(result.managed_by) == "Kustomization flux-system/apps"
    assert [(f.change.where, f.owners) for f in result.fields] == [
        (".spec.template.spec.containers[name=app].image", ("kustomize-controller",)),
        (".spec.template.spec.containers[name=sidecar].image", ()),
    ]
    assert [f.change.where for f in result.flux_owned] == [".spec.template.spec.containers[name=app].image"]


def test_our_own_earlier_apply_is_not_reported_as_an_owner() -> None:
    live = with_owner(deployment(), "fluxcd-mcp", KUSTOMIZE_FIELDS)
    result = object_diff(live, deployment(replicas=5), deployment(replicas=5), applier="fluxcd-mcp")
    assert [(f.change.where, f.owners) for f in result.fields] == [(".spec.replicas", ())]


def test_a_hands_off_annotation_means_flux_does_not_revert() -> None:
    live = deployment()
    live["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = "apps"
    live["metadata"]["annotations"] = {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"}
    result = object_diff(live, {**live, "spec": {"replicas": 9}}, live, applier="fluxcd-mcp")
    assert result.managed_by is None


def secret(password: str, **extra: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"},
            "data": {"password": password, **extra}}


def test_secret_values_are_compared_masked_so_a_value_change_alone_is_not_seen() -> None:
    masked = object_diff(secret("b2xk"), secret("bmV3"), secret("bmV3"), applier="fluxcd-mcp")
    assert (masked.action, masked.values_masked) == ("unchanged", True)
    added = object_diff(secret("b2xk"), secret("bmV3", token="dG9r"), secret("bmV3"), applier="fluxcd-mcp")
    assert [(f.change.where, f.change.after) for f in added.fields] == [(".data.token", "****")]


def test_without_masking_a_secret_value_change_is_shown() -> None:
    plain = object_diff(secret("b2xk"), secret("bmV3"), secret("bmV3"), applier="fluxcd-mcp", mask_secrets=False)
    assert [(f.change.before, f.change.after) for f in plain.fields] == [("b2xk", "bmV3")]
    assert plain.values_masked is False


def test_managed_fields_entries_without_fields_v1_are_skipped() -> None:
    live = deployment()
    live["metadata"]["managedFields"] = [{"manager": "old", "fieldsType": "FieldsV0"}, "junk"]
    assert field_owners(live) == []
