"""Discovery on a real kube-apiserver: aggregated discovery (two requests) and the per-group
documents (one request per group version) give the same kinds, and the sandbox serves aggregated
discovery in the shape the real server writes it."""

from __future__ import annotations

from typing import Any

import httpx2

from flux_mcp.flux.kinds import FLUX_KINDS
from flux_mcp.kube.access import KubeAccess
from flux_mcp.kube.discovery import AGGREGATED_ACCEPT, ApiGroup, ResourceKind
from flux_mcp.kube.gateway import KubeGateway
from flux_mcp.sandbox import Sandbox, SandboxOptions
from flux_mcp.settings import Settings
from tests.realk8s.cluster import RealCluster

Snapshot = tuple[list[ResourceKind], list[ApiGroup], dict[str, str], dict[str, ResourceKind]]


async def _snapshot(cluster: RealCluster, aggregated: bool) -> Snapshot:
    """Every kind and group (sorted: the two documents order same-priority CRD groups differently),
    the unavailable group versions, and what each kind name and plural resolves to."""
    access = KubeAccess(Settings(kubeconfig=str(cluster.kubeconfig)))
    try:
        client = (await access.gateway()).client
        gateway = KubeGateway(client, context="admin", aggregated_discovery=aggregated)
        kinds = await gateway.discovery()
        resolved = {name: await gateway.resolve(name) for rk in kinds for name in (rk.kind, rk.plural)}
        return (sorted(kinds, key=repr), sorted(await gateway.api_groups(), key=repr),
                await gateway.unavailable_apis(), resolved)
    finally:
        await access.close()


async def test_aggregated_discovery_gives_the_kinds_of_the_group_documents(real_cluster: RealCluster) -> None:
    aggregated = await _snapshot(real_cluster, aggregated=True)
    per_group = await _snapshot(real_cluster, aggregated=False)

    assert aggregated == per_group
    served = {(rk.group, rk.kind) for rk in aggregated[0]}
    assert {(k.group, k.kind) for k in FLUX_KINDS if k.group != "fluxcd.controlplane.io"} <= served
    assert aggregated[3]["Event"].group == "" and aggregated[3]["Kustomization"].version == "v1"


def _entries(document: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, resource) → the resource entry, verbs and subresources in a stable order."""
    found = {}
    for item in document["items"]:
        group = item["metadata"].get("name", "")
        for version in item["versions"]:
            for resource in version.get("resources", []):
                entry = {**resource, "verbs": sorted(resource["verbs"])}
                if "subresources" in resource:
                    entry["subresources"] = sorted(
                        ({**sub, "verbs": sorted(sub["verbs"])} for sub in resource["subresources"]),
                        key=lambda sub: sub["subresource"])
                found[(group, version["version"], resource["resource"])] = entry
    return found


def _versions(document: dict[str, Any]) -> dict[str, list[str]]:
    return {item["metadata"].get("name", ""): [v["version"] for v in item["versions"]] for item in document["items"]}


def test_the_sandbox_serves_aggregated_discovery_as_the_real_server_does(real_cluster: RealCluster) -> None:
    sandbox = Sandbox(SandboxOptions(scale=0, operator=True, simulate_controllers=False)).start()
    real = real_cluster.api("admin")
    try:
        with httpx2.Client(base_url=sandbox.url) as fake:
            for path in ("/api", "/apis"):
                theirs = real.must("GET", path, accept=AGGREGATED_ACCEPT)
                ours = fake.get(path, headers={"Accept": AGGREGATED_ACCEPT}).json()
                assert (ours["kind"], ours["apiVersion"]) == (theirs["kind"], theirs["apiVersion"])
                real_versions, our_versions = _versions(theirs), _versions(ours)
                for group, versions in our_versions.items():
                    if group in real_versions:
                        assert versions == real_versions[group], f"versions of group {group!r}, preferred first"
                real_entries, our_entries = _entries(theirs), _entries(ours)
                shared = sorted(set(real_entries) & set(our_entries))
                # Every Flux CRD the real server was given, and the built-in kinds our tools read.
                assert len(shared) >= (8 if path == "/api" else 20), shared
                for key in shared:
                    ours_entry, theirs_entry = our_entries[key], real_entries[key]
                    # The shape: naming, scope and the responseKind convention (group and version
                    # empty for built-in groups, filled for custom resources) are the real server's.
                    assert set(ours_entry) <= set(theirs_entry), key
                    for field in ("responseKind", "scope", "singularResource", "shortNames", "categories"):
                        assert ours_entry.get(field) == theirs_entry.get(field), (key, field)
                    # What the sandbox emulates is a subset: fewer verbs or subresources, never others.
                    assert set(ours_entry["verbs"]) <= set(theirs_entry["verbs"]), key
                    real_subs = {sub["subresource"]: sub for sub in theirs_entry.get("subresources", [])}
                    for sub in ours_entry.get("subresources", []):
                        assert sub["responseKind"] == real_subs[sub["subresource"]]["responseKind"], (key, sub)
    finally:
        sandbox.stop()


async def test_a_crd_installed_after_the_first_call_is_found_within_seconds(real_cluster: RealCluster) -> None:
    import asyncio

    from tests.realk8s.tools import Tools

    tools = Tools(real_cluster.kubeconfig)
    admin = real_cluster.api("admin")
    await tools.ok("get_kubernetes_resources", kind="Namespace", output="table")  # discovery is loaded
    crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    admin.create(crd, {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "lateboxes.realk8s.example"},
        "spec": {"group": "realk8s.example", "scope": "Namespaced",
                 "names": {"kind": "LateBox", "plural": "lateboxes", "singular": "latebox", "listKind": "LateBoxList"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]}})
    try:
        admin.wait_for("the CRD to be established", lambda: any(
            c.get("type") == "Established" and c.get("status") == "True"
            for c in (admin.get(f"{crd}/lateboxes.realk8s.example").body.get("status") or {}).get("conditions") or []))
        answer = None
        for _ in range(10):  # a miss refreshes discovery once it is 2 s old
            answer = await tools.call("get_kubernetes_resources", kind="LateBox", namespace="default")
            if not answer.is_error:
                break
            await asyncio.sleep(1)
        assert answer is not None and not answer.is_error, answer.text if answer else ""
        assert "no LateBox (realk8s.example/v1) found" in answer.text
    finally:
        admin.request("DELETE", f"{crd}/lateboxes.realk8s.example")
