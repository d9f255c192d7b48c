"""explain_flux_api: field documentation from the cluster's installed CRD schemas."""

from __future__ import annotations

from tests.harness import ToolSession


async def test_explain_kustomization_source_ref(session: ToolSession) -> None:
    text, data = await session.ok("explain_flux_api", kind="Kustomization", field="spec.sourceRef")
    assert data["apiVersion"].startswith("kustomize.toolkit.fluxcd.io/")
    assert {"kind", "name"} <= {f["name"] for f in data["fields"]}
    assert "FIELD:    spec.sourceRef" in text


async def test_explain_helm_release_chart_spec(session: ToolSession) -> None:
    _, data = await session.ok("explain_flux_api", kind="hr", field="spec.chart.spec")
    assert data["kind"] == "HelmRelease" and data["path"] == "spec.chart.spec"
    assert {"chart", "sourceRef"} <= {f["name"] for f in data["fields"]}


async def test_explain_a_bad_path_lists_the_valid_names(session: ToolSession) -> None:
    text = await session.refused("explain_flux_api", kind="Kustomization", field="spec.sorceRef")
    assert "has no field 'sorceRef'" in text
    assert "Did you mean sourceRef" in text
    assert "dependsOn" in text
