"""Clients find every kind through discovery: lightkube generic resources and kubectl."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx2
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.generic_resource import create_namespaced_resource

from flux_mcp.flux.kinds import FLUX_KINDS
from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.fleet import build_fleet


def lightkube_client(sandbox: Sandbox) -> AsyncClient:
    config = KubeConfig.from_one(cluster=Cluster(server=sandbox.url), user=User(token="t"), namespace="flux-system")
    return AsyncClient(config, field_manager="fluxcd-mcp")


def discovered_kinds(sandbox: Sandbox) -> dict[str, tuple[str, str, str]]:
    """kind → (group, preferred version, plural), as a client learns it from /apis."""
    with httpx2.Client(base_url=sandbox.url) as api:
        found: dict[str, tuple[str, str, str]] = {}
        for group in api.get("/apis").json()["groups"]:
            for version in group["versions"]:
                listing = api.get(f"/apis/{version['groupVersion']}").json()
                for res in listing["resources"]:
                    if "/" not in res["name"]:
                        found.setdefault(res["kind"], (group["name"], version["version"], res["name"]))
        return found


def test_discovery_lists_every_flux_kind_with_its_plural(sandbox: Sandbox) -> None:
    kinds = discovered_kinds(sandbox)
    for flux_kind in FLUX_KINDS:
        assert kinds[flux_kind.kind][0] == flux_kind.group
        assert kinds[flux_kind.kind][2] == flux_kind.plural


def test_a_plain_bootstrap_has_no_operator_group(sandbox_plain: Sandbox) -> None:
    with httpx2.Client(base_url=sandbox_plain.url) as api:
        groups = {g["name"] for g in api.get("/apis").json()["groups"]}
        assert "fluxcd.controlplane.io" not in groups
        assert api.get("/apis/fluxcd.controlplane.io/v1/fluxinstances").status_code == 404


def test_resource_lists_describe_scope_verbs_short_names_and_subresources(sandbox: Sandbox) -> None:
    with httpx2.Client(base_url=sandbox.url) as api:
        listing = api.get("/apis/kustomize.toolkit.fluxcd.io/v1").json()
        by_name = {r["name"]: r for r in listing["resources"]}
        assert by_name["kustomizations"]["namespaced"] is True
        assert by_name["kustomizations"]["shortNames"] == ["ks"]
        assert "patch" in by_name["kustomizations"]["verbs"]
        assert by_name["kustomizations/status"]["verbs"] == ["get", "patch", "update"]
        core = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
        assert core["pods/log"]["verbs"] == ["get"] and core["namespaces"]["namespaced"] is False
        notification = api.get("/apis/notification.toolkit.fluxcd.io").json()
        assert notification["preferredVersion"]["version"] == "v1"
        assert [v["version"] for v in notification["versions"]] == ["v1", "v1beta3"]


def test_crds_carry_versions_and_a_described_schema(sandbox: Sandbox) -> None:
    with httpx2.Client(base_url=sandbox.url) as api:
        crd = api.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                      "helmreleases.helm.toolkit.fluxcd.io").json()
    version = crd["spec"]["versions"][0]
    assert (version["name"], version["served"], version["storage"]) == ("v2", True, True)
    assert crd["spec"]["names"]["shortNames"] == ["hr"] and crd["spec"]["scope"] == "Namespaced"
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert "retry" in spec["upgrade"]["properties"]["remediation"]["properties"]["retries"]["description"]
    assert spec["valuesFrom"]["items"]["properties"]["kind"]["description"]


async def test_lightkube_lists_every_flux_kind_through_generic_resources(sandbox: Sandbox) -> None:
    kinds = discovered_kinds(sandbox)
    client = lightkube_client(sandbox)
    counts: dict[str, int] = {}
    try:
        for flux_kind in FLUX_KINDS:
            group, version, plural = kinds[flux_kind.kind]
            resource = create_namespaced_resource(group, version, flux_kind.kind, plural)
            counts[flux_kind.kind] = len([obj async for obj in client.list(resource, namespace="*")])
    finally:
        await client.close()
    fleet_releases = sum(1 for o in build_fleet().objects if o["kind"] == "HelmRelease")
    assert counts["Kustomization"] >= 13 and counts["HelmRelease"] == fleet_releases and counts["FluxInstance"] == 1
    assert counts["ArtifactGenerator"] == 0


def run_kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), *args], capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_gets_kustomizations_and_pods_with_the_written_kubeconfig(sandbox_kubeconfig: Path) -> None:
    kustomizations = run_kubectl(sandbox_kubeconfig, "get", "kustomizations", "-A")
    assert kustomizations.returncode == 0, kustomizations.stderr
    assert "billing-infra" in kustomizations.stdout and "READY" in kustomizations.stdout
    pods = run_kubectl(sandbox_kubeconfig, "get", "pods", "-n", "team-api")
    assert pods.returncode == 0, pods.stderr
    assert "CrashLoopBackOff" in pods.stdout
    alt = run_kubectl(sandbox_kubeconfig, "--context", "sandbox-alt", "get", "configmaps")
    assert alt.returncode == 0 and "welcome" in alt.stdout


def test_the_kubeconfig_is_private_and_has_both_contexts(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    assert sandbox_kubeconfig.stat().st_mode & 0o777 == 0o600
    config = sandbox.kubeconfig_dict()
    assert config["current-context"] == "sandbox"
    contexts = {c["name"]: c["context"]["namespace"] for c in config["contexts"]}
    assert contexts == {"sandbox": "flux-system", "sandbox-alt": "default"}
    assert config["clusters"][0]["cluster"]["server"] == sandbox.url


async def _snapshot(sandbox: Sandbox, aggregated: bool) -> tuple[object, object]:
    from flux_mcp.kube.gateway import KubeGateway

    gateway = KubeGateway(lightkube_client(sandbox), context="sandbox", aggregated_discovery=aggregated)
    try:
        return await gateway.discovery(), await gateway.api_groups()
    finally:
        await gateway.close()


@pytest.mark.parametrize("fixture", ["sandbox", "sandbox_plain"])
async def test_aggregated_discovery_serves_the_kinds_of_the_group_documents(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    sandbox: Sandbox = request.getfixturevalue(fixture)

    assert await _snapshot(sandbox, aggregated=True) == await _snapshot(sandbox, aggregated=False)


def test_aggregated_discovery_is_served_only_when_asked_for(sandbox: Sandbox) -> None:
    from flux_mcp.kube.discovery import AGGREGATED_ACCEPT

    with httpx2.Client(base_url=sandbox.url) as api:
        plain = api.get("/apis").json()
        aggregated = api.get("/apis", headers={"Accept": AGGREGATED_ACCEPT})

    assert plain["kind"] == "APIGroupList"
    assert aggregated.headers["content-type"].endswith("as=APIGroupDiscoveryList")
    assert {item["metadata"]["name"] for item in aggregated.json()["items"]} == {g["name"] for g in plain["groups"]}
