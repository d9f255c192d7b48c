"""explain_flux_api's core: field documentation from a CRD's openAPIV3Schema, kubectl-explain style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flux_mcp.flux.schema import SchemaPathError, crd_version, explain_crd, render_explanation, type_name

REFERENCE_CRDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "crds" / "flux"


def reference_crd(file_name: str) -> dict[str, Any]:
    path = REFERENCE_CRDS / file_name
    if not path.exists():
        pytest.skip(f"reference CRD {file_name} not available")
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def crd(kind: str, versions: list[dict[str, Any]], group: str = "example.fluxcd.io") -> dict[str, Any]:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{kind.lower()}s.{group}"},
            "spec": {"group": group, "names": {"kind": kind, "plural": f"{kind.lower()}s"}, "versions": versions}}


def version(name: str, schema: dict[str, Any], *, storage: bool = False, served: bool = True) -> dict[str, Any]:
    return {"name": name, "served": served, "storage": storage, "schema": {"openAPIV3Schema": schema}}


WIDGET_SCHEMA: dict[str, Any] = {
    "type": "object", "description": "Widget is a test kind.",
    "properties": {
        "spec": {
            "type": "object", "required": ["size"], "description": "WidgetSpec.",
            "properties": {
                "size": {"type": "string", "enum": ["small", "large"], "default": "small",
                         "description": "Size of the widget. Longer explanation follows here."},
                "port": {"x-kubernetes-int-or-string": True, "description": "Port number or name."},
                "labels": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Labels to add."},
                "items": {"type": "array", "description": "Items.", "items": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string", "maxLength": 63, "description": "Item name."}}}},
                "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                           "description": "Free-form values."},
            },
        },
    },
}


def test_kustomization_source_ref_lists_its_fields_and_which_are_required() -> None:
    explanation = explain_crd(reference_crd("kustomize.toolkit.fluxcd.io_kustomizations.yaml"), "spec.sourceRef")
    assert explanation.api_version == "kustomize.toolkit.fluxcd.io/v1"
    assert explanation.required
    children = {c.name: c for c in explanation.children}
    assert set(children) >= {"kind", "name", "namespace", "apiVersion"}
    assert children["name"].required and not children["namespace"].required
    assert "\n" not in children["namespace"].description


def test_helm_release_chart_spec_shows_required_children_and_a_field_enum_with_default() -> None:
    helm_release = reference_crd("helm.toolkit.fluxcd.io_helmreleases.yaml")
    chart_spec = explain_crd(helm_release, "spec.chart.spec")
    assert {c.name for c in chart_spec.children if c.required} == {"chart", "sourceRef"}
    strategy = explain_crd(helm_release, "spec.chart.spec.reconcileStrategy")
    assert strategy.enum == ("ChartVersion", "Revision")
    assert strategy.default == "ChartVersion"
    text = render_explanation(strategy)
    assert "ENUM:     ChartVersion, Revision" in text and "DEFAULT:  ChartVersion" in text


def test_a_bad_segment_lists_the_valid_names_and_suggests_the_closest() -> None:
    kustomizations = reference_crd("kustomize.toolkit.fluxcd.io_kustomizations.yaml")
    with pytest.raises(SchemaPathError) as caught:
        explain_crd(kustomizations, "spec.sourceRef.nmae")
    message = str(caught.value)
    assert "Kustomization.spec.sourceRef has no field 'nmae'" in message
    assert "Did you mean name?" in message
    assert "apiVersion, kind, name, namespace" in message
    assert caught.value.valid == ["apiVersion", "kind", "name", "namespace"]


def test_arrays_are_stepped_through_and_index_suffixes_and_a_leading_kind_are_accepted() -> None:
    widget = crd("Widget", [version("v1", WIDGET_SCHEMA, storage=True)])
    for path in ("spec.items.name", "spec.items[].name", "spec.items[0].name", "widget.spec.items.name"):
        explanation = explain_crd(widget, path)
        assert explanation.path == "spec.items.name"
        assert explanation.required
        assert explanation.constraints == {"maxLength": 63}
    assert explain_crd(widget, "spec.items").type == "[]Object"


def test_types_follow_kubectl_naming() -> None:
    widget = crd("Widget", [version("v1", WIDGET_SCHEMA, storage=True)])
    children = {c.name: c.type for c in explain_crd(widget, "spec").children}
    assert children == {"size": "string", "port": "int-or-string", "labels": "map[string]string",
                        "items": "[]Object", "values": "Object"}
    assert type_name({"type": "array", "items": {"type": "string"}}) == "[]string"


def test_map_values_can_be_explained_through_any_key() -> None:
    widget = crd("Widget", [version("v1", WIDGET_SCHEMA, storage=True)])
    assert explain_crd(widget, "spec.labels.team").type == "string"


def test_free_form_fields_say_nothing_is_documented_below_them() -> None:
    widget = crd("Widget", [version("v1", WIDGET_SCHEMA, storage=True)])
    explanation = explain_crd(widget, "spec.values")
    assert explanation.open_ended
    assert "accepts arbitrary content" in render_explanation(explanation)
    with pytest.raises(SchemaPathError, match="x-kubernetes-preserve-unknown-fields"):
        explain_crd(widget, "spec.values.replicas")


def test_the_kind_itself_is_explained_without_a_path() -> None:
    widget = crd("Widget", [version("v1", WIDGET_SCHEMA, storage=True)])
    explanation = explain_crd(widget)
    assert explanation.path == "" and explanation.description == "Widget is a test kind."
    assert [c.name for c in explanation.children] == ["spec"]
    assert render_explanation(explanation).startswith("KIND:     Widget\nVERSION:  example.fluxcd.io/v1\n")


def test_the_requested_served_version_wins_else_the_storage_version() -> None:
    old = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"legacy": {"type": "string"}}}}}
    widget = crd("Widget", [version("v1beta1", old), version("v1", WIDGET_SCHEMA, storage=True),
                            version("v0", old, served=False)])
    assert crd_version(widget)[0] == "v1"
    assert crd_version(widget, "v1beta1")[0] == "v1beta1"
    assert crd_version(widget, "v0")[0] == "v1"
    assert explain_crd(widget, "spec.legacy", version="v1beta1").type == "string"
    with pytest.raises(SchemaPathError, match="Valid fields: items, labels, port, size, values"):
        explain_crd(widget, "spec.legacy")


def test_a_crd_without_schema_is_a_clear_error() -> None:
    bare = crd("Widget", [{"name": "v1", "served": True, "storage": True}])
    with pytest.raises(ValueError, match="publishes no openAPIV3Schema"):
        explain_crd(bare, "spec")


@pytest.mark.parametrize("file_name", sorted(p.name for p in REFERENCE_CRDS.glob("*.yaml"))
                         if REFERENCE_CRDS.exists() else [])
def test_every_flux_crd_explains_its_spec(file_name: str) -> None:
    explanation = explain_crd(reference_crd(file_name), "spec")
    assert explanation.type == "Object"
    assert len(render_explanation(explanation)) < 10_000
