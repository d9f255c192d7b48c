"""Prompts: ready-made investigations a user can pick from their MCP client."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer


def debug_flux_kustomization(name: str, namespace: str = "flux-system") -> str:
    """Find out why a Flux Kustomization is not ready, and what to do about it."""
    return (
        f"Investigate the Flux Kustomization {namespace}/{name}.\n"
        f"1. Call analyze_flux_resource with kind=Kustomization, name={name}, namespace={namespace}.\n"
        "2. If the root cause is another object, call analyze_flux_resource on it too.\n"
        "3. When workloads are unhealthy, read their logs with get_kubernetes_logs.\n"
        "Answer with: the root cause (object and reason), the evidence, and the exact fix. "
        "Only reconcile (reconcile_flux_resource with_source=true) after the cause is fixed."
    )


def debug_flux_helmrelease(name: str, namespace: str) -> str:
    """Find out why a Flux HelmRelease is failing, including its chart source and Helm history."""
    return (
        f"Investigate the Flux HelmRelease {namespace}/{name}.\n"
        f"1. Call analyze_flux_resource with kind=HelmRelease, name={name}, namespace={namespace}.\n"
        "2. Check the chart source chain it reports (HelmRepository/OCIRepository → HelmChart).\n"
        "3. For failed upgrades, read status.history via get_kubernetes_resources and the pods' logs.\n"
        "Answer with the root cause and the fix; if retries are exhausted, say whether "
        "reconcile_flux_resource with reset=true (or force=true) is appropriate and why."
    )


def flux_cluster_health() -> str:
    """Summarise the health of every Flux object in the cluster, grouped by root cause."""
    return (
        "Report the health of Flux in this cluster.\n"
        "1. get_flux_instance for the Flux version and controllers.\n"
        "2. get_flux_health for every failing, suspended or stale object grouped by root cause.\n"
        "3. For each root cause group, one line of explanation and the next action.\n"
        "4. Offer get_flux_dependency_graph (format mermaid) to visualise the blocked paths."
    )


def register_prompts(server: MCPServer[Any]) -> None:
    for prompt in (debug_flux_kustomization, debug_flux_helmrelease, flux_cluster_health):
        server.prompt()(prompt)
