"""Every tool the server offers, listed once: the registration table a reader scans at a glance.

Each entry is a tool function declared with `@flux_tool`; its module, `flux_mcp/tools/<name>.py`,
and its test, `tests/tools/test_<name>.py`, carry the same name. A new tool is added here.
"""

from __future__ import annotations

from flux_mcp.tools._declaration import ToolFn, ToolSpec, spec_of
from flux_mcp.tools.analyze_flux_resource import analyze_flux_resource
from flux_mcp.tools.apply_kubernetes_manifest import apply_kubernetes_manifest
from flux_mcp.tools.delete_kubernetes_resource import delete_kubernetes_resource
from flux_mcp.tools.diff_kubernetes_manifest import diff_kubernetes_manifest
from flux_mcp.tools.explain_flux_api import explain_flux_api
from flux_mcp.tools.get_flux_dependency_graph import get_flux_dependency_graph
from flux_mcp.tools.get_flux_health import get_flux_health
from flux_mcp.tools.get_flux_instance import get_flux_instance
from flux_mcp.tools.get_flux_inventory_tree import get_flux_inventory_tree
from flux_mcp.tools.get_kubeconfig_contexts import get_kubeconfig_contexts
from flux_mcp.tools.get_kubernetes_api_versions import get_kubernetes_api_versions
from flux_mcp.tools.get_kubernetes_events import get_kubernetes_events
from flux_mcp.tools.get_kubernetes_logs import get_kubernetes_logs
from flux_mcp.tools.get_kubernetes_metrics import get_kubernetes_metrics
from flux_mcp.tools.get_kubernetes_resources import get_kubernetes_resources
from flux_mcp.tools.patch_kubernetes_resource import patch_kubernetes_resource
from flux_mcp.tools.reconcile_flux_resource import reconcile_flux_resource
from flux_mcp.tools.resume_flux_reconciliation import resume_flux_reconciliation
from flux_mcp.tools.set_kubeconfig_context import set_kubeconfig_context
from flux_mcp.tools.suspend_flux_reconciliation import suspend_flux_reconciliation
from flux_mcp.tools.trace_kubernetes_resource import trace_kubernetes_resource

READ_TOOLS: tuple[ToolFn, ...] = (
    get_flux_instance,
    get_flux_health,
    analyze_flux_resource,
    get_flux_dependency_graph,
    get_flux_inventory_tree,
    trace_kubernetes_resource,
    explain_flux_api,
    diff_kubernetes_manifest,
    get_kubernetes_resources,
    get_kubernetes_events,
    get_kubernetes_logs,
    get_kubernetes_metrics,
    get_kubernetes_api_versions,
    get_kubeconfig_contexts,
    set_kubeconfig_context,
)
"""Always registered. set_kubeconfig_context writes nothing to a cluster, so it stays under --read-only,
but it is not annotated read-only: it moves where every later call (and write) lands."""

WRITE_TOOLS: tuple[ToolFn, ...] = (
    reconcile_flux_resource,
    suspend_flux_reconciliation,
    resume_flux_reconciliation,
    apply_kubernetes_manifest,
    patch_kubernetes_resource,
    delete_kubernetes_resource,
)
"""Absent under --read-only."""


def tool_specs(*, read_only: bool = False) -> list[ToolSpec]:
    """The declarations of the tools served (without the write tools under --read-only), sorted by name."""
    fns = READ_TOOLS if read_only else (*READ_TOOLS, *WRITE_TOOLS)
    return sorted((spec_of(fn) for fn in fns), key=lambda spec: spec.name)


def write_tool_names() -> frozenset[str]:
    """The tools --read-only leaves out."""
    return frozenset(spec_of(fn).name for fn in WRITE_TOOLS)
