"""get_flux_instance: the Flux distribution, controllers, CRDs and per-kind stats, with and without flux-operator."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.flux.kinds import FLUX_KINDS
from flux_mcp.sandbox import Sandbox
from tests.harness import ask, leaked_canaries, server_on


async def test_operator_install_reports_version_controllers_crds_and_stats(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_flux_instance")

    assert not answer.is_error, answer.text
    result = answer.structured
    assert result["operator"] is True and result["version"] == "v2.9.0"
    controllers = {c["name"]: c for c in result["controllers"]}
    assert {"source-controller", "kustomize-controller", "helm-controller", "flux-operator"} <= set(controllers)
    assert all(c["ready"] for c in controllers.values())
    assert controllers["source-controller"]["image"] == "ghcr.io/fluxcd/source-controller:v1.7.0"
    crds = {c["kind"]: c for c in result["crds"]}
    assert crds["Alert"]["served_versions"] == ["v1beta3"] and crds["Alert"]["stored_versions"] == ["v1beta3"]
    stats = {s["kind"]: s for s in result["stats"]}
    assert stats["GitRepository"]["failing"] >= 1
    assert stats["Kustomization"]["suspended"] == 1
    assert result["instance"].startswith("flux-system/flux: ready")
    assert "FluxInstance:" in answer.text and "FluxReport:" in answer.text
    assert leaked_canaries(answer.text) == []


async def test_kinds_are_listed_once_each_and_concurrently_not_per_object(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    await ask(server_on(sandbox_kubeconfig), "get_flux_instance")

    lists = [r.path for r in sandbox.requests if r.verb == "list"]
    flux_lists = [p for p in lists if "fluxcd" in p]
    assert len(flux_lists) == len(set(flux_lists)) <= len(FLUX_KINDS)
    discovery = {"/api", "/apis"}
    object_gets = [r for r in sandbox.requests
                   if r.verb == "get" and "fluxcd" in r.path and r.path.count("/") > 3 and r.path not in discovery]
    assert object_gets == []


async def test_plain_bootstrap_install_works_without_flux_operator(
    sandbox_plain: Sandbox, tmp_path: Path
) -> None:
    kubeconfig = sandbox_plain.write_kubeconfig(tmp_path / "plain")

    answer = await ask(server_on(kubeconfig), "get_flux_instance")

    assert not answer.is_error, answer.text
    result = answer.structured
    assert result["operator"] is False
    assert result["version"] == "v2.9.0"  # from the controllers' app.kubernetes.io/version label
    assert "flux-operator" not in {c["name"] for c in result["controllers"]}
    assert "FluxInstance" not in {c["kind"] for c in result["crds"]}
    assert "managedBy: flux CLI / manifests (no flux-operator)" in answer.text
    assert "FluxInstance:" not in answer.text
