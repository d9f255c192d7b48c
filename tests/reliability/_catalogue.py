"""The tool catalogue of DESIGN.md, with realistic arguments for the sandbox fleet.

The suite is generic over the server's real tools/list; this table says what a realistic call of
each catalogued tool looks like against the sandbox fleet (names from CONTRACTS.md), which
requests a fault should hit, and whether the tool pages. A tool that appears in tools/list without
a row here still gets exercised with arguments derived from its input schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBE_NAMESPACE = "default"
PROBE_CONFIGMAP = "reliability-probe"

PROBE_MANIFEST = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {PROBE_CONFIGMAP}
  namespace: {PROBE_NAMESPACE}
  labels:
    app.kubernetes.io/part-of: reliability-suite
data:
  probe: "1"
"""


@dataclass(frozen=True)
class ToolCase:
    """One realistic call of a tool, and how the fault matrix should treat it."""

    tool: str
    args: dict[str, Any]
    write: bool = False
    touches_cluster: bool = True
    """False for tools that only read the kubeconfig: no fault can reach them."""
    fault_method: str = "GET"
    """The HTTP method whose requests the matrix faults (the mutating one for write tools)."""
    idempotent_request: bool = True
    """Whether the faulted request may be retried (GET, merge/apply PATCH); POST/DELETE/JSON patch not."""
    continue_arg: str | None = None
    """The argument that takes a `continue` token (the 410 Expired case applies), if any."""
    analysis: bool = False
    undo: tuple[str, dict[str, Any]] | None = None
    """A call that resets the state before each faulted call (so suspend has something to suspend)."""
    cold: bool = False
    """Each faulted call on a fresh server: the tool's requests are cached discovery otherwise."""
    variants: tuple[dict[str, Any], ...] = field(default=())
    """More realistic calls across the fleet (used by the canary sweep)."""


READ_CASES: tuple[ToolCase, ...] = (
    ToolCase("get_flux_instance", {}),
    ToolCase(
        "get_kubernetes_resources",
        {"kind": "Kustomization", "namespace": "flux-system", "limit": 2},
        continue_arg="continue_token",
        variants=(
            {"kind": "Secret"},
            {"kind": "Secret", "namespace": "team-web"},
            {"kind": "Secret", "namespace": "flux-system"},
            {"kind": "Secret", "namespace": "team-billing"},
            {"kind": "Secret", "namespace": "team-billing", "fields": [".data", ".metadata.annotations"]},
            {"kind": "ConfigMap", "name": "kubectl-applied", "namespace": "team-billing"},
            {"kind": "ConfigMap", "namespace": "team-billing", "fields": [".metadata"]},
            {"kind": "GitRepository", "fields": [".status.conditions[*].message"]},
            {"kind": "GitRepository"},
            {"kind": "GitRepository", "name": "billing", "namespace": "team-billing"},
            {"kind": "HelmRelease"},
            {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"},
            {"kind": "Kustomization"},
            {"kind": "Event"},
            {"kind": "Pod"},
            {"kind": "ConfigMap"},
            {"kind": "Provider", "namespace": "flux-system"},
            {"kind": "Deployment", "namespace": "team-api"},
        ),
    ),
    ToolCase("get_kubernetes_api_versions", {}, cold=True),
    ToolCase(
        "get_kubernetes_events",
        {"namespace": "team-billing", "limit": 20},
        variants=(
            {},
            {"namespace": "team-api"},
            {"namespace": "team-web"},
            {"kind": "GitRepository", "name": "billing", "namespace": "team-billing"},
        ),
    ),
    ToolCase(
        "get_kubernetes_logs",
        {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system", "limit": 50},
        variants=(
            {"kind": "Deployment", "name": "kustomize-controller", "namespace": "flux-system"},
            {"kind": "Deployment", "name": "helm-controller", "namespace": "flux-system"},
            {"kind": "Deployment", "name": "notification-controller", "namespace": "flux-system"},
            {"kind": "Deployment", "name": "api-server", "namespace": "team-api"},
            {"kind": "Deployment", "name": "api-server", "namespace": "team-api", "previous": True},
        ),
    ),
    ToolCase("get_kubernetes_metrics", {"namespace": "flux-system"}, variants=({"namespace": "team-api"},)),
    ToolCase("get_kubeconfig_contexts", {}, touches_cluster=False),
    ToolCase("set_kubeconfig_context", {"name": "sandbox"}, touches_cluster=False),
    ToolCase(
        "trace_kubernetes_resource",
        {"kind": "Deployment", "name": "podinfo", "namespace": "podinfo"},
        analysis=True,
        variants=(
            {"kind": "Deployment", "name": "api-server", "namespace": "team-api"},
            {"kind": "Kustomization", "name": "billing-apps", "namespace": "team-billing"},
            {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"},
        ),
    ),
    ToolCase(
        "get_flux_inventory_tree",
        {"kind": "Kustomization", "name": "flux-system", "namespace": "flux-system"},
        analysis=True,
        variants=(
            {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"},
            {"kind": "Kustomization", "name": "api", "namespace": "team-api"},
        ),
    ),
    ToolCase(
        "get_flux_dependency_graph",
        {"namespace": "team-billing"},
        analysis=True,
        variants=({}, {"format": "dot"}, {"format": "json"}),
    ),
    ToolCase("get_flux_health", {}, analysis=True, variants=({"namespace": "team-billing"},)),
    ToolCase(
        "analyze_flux_resource",
        {"kind": "Kustomization", "name": "billing-apps", "namespace": "team-billing"},
        analysis=True,
        variants=(
            {"kind": "GitRepository", "name": "billing", "namespace": "team-billing"},
            {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"},
            {"kind": "Kustomization", "name": "api", "namespace": "team-api"},
            {"kind": "Kustomization", "name": "data-apps", "namespace": "team-data"},
            {"kind": "Kustomization", "name": "search", "namespace": "team-search"},
            {"kind": "ImagePolicy", "name": "podinfo", "namespace": "flux-system"},
            {"kind": "Alert", "name": "on-call", "namespace": "flux-system"},
        ),
    ),
    ToolCase("explain_flux_api", {"kind": "Kustomization", "field": "spec.interval"}, analysis=True),
    # Read-only, but its server-side-apply dry run is a PATCH: that is the request a fault must reach.
    ToolCase("diff_kubernetes_manifest", {"yaml_content": PROBE_MANIFEST}, fault_method="PATCH"),
)

WRITE_CASES: tuple[ToolCase, ...] = (
    ToolCase(
        "reconcile_flux_resource",
        {"kind": "Kustomization", "name": "infra-controllers", "namespace": "flux-system", "wait": False},
        write=True, fault_method="PATCH",
    ),
    ToolCase(
        "suspend_flux_reconciliation",
        {"kind": "Kustomization", "name": "apps", "namespace": "flux-system"},
        write=True, fault_method="PATCH",
        undo=("resume_flux_reconciliation", {"kind": "Kustomization", "name": "apps", "namespace": "flux-system",
                                             "wait": False}),
    ),
    ToolCase(
        "resume_flux_reconciliation",
        {"kind": "Kustomization", "name": "apps", "namespace": "flux-system", "wait": False},
        write=True, fault_method="PATCH",
    ),
    ToolCase("apply_kubernetes_manifest", {"yaml_content": PROBE_MANIFEST}, write=True, fault_method="PATCH"),
    ToolCase(
        "patch_kubernetes_resource",
        {
            "kind": "ConfigMap", "name": PROBE_CONFIGMAP, "namespace": PROBE_NAMESPACE,
            "patch": '{"data": {"patched": "yes"}}', "type": "merge",
        },
        write=True, fault_method="PATCH",
    ),
    ToolCase(
        "delete_kubernetes_resource",
        {"kind": "ConfigMap", "name": PROBE_CONFIGMAP, "namespace": PROBE_NAMESPACE, "dry_run": True},
        write=True, fault_method="DELETE", idempotent_request=False,
    ),
)

CASES: dict[str, ToolCase] = {case.tool: case for case in (*READ_CASES, *WRITE_CASES)}
CATALOGUE_READ: frozenset[str] = frozenset(case.tool for case in READ_CASES)
CATALOGUE_WRITE: frozenset[str] = frozenset(case.tool for case in WRITE_CASES)
CATALOGUE: frozenset[str] = CATALOGUE_READ | CATALOGUE_WRITE


def schema_arguments(tool: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments for a tool outside the table: its required fields filled with plausible values."""
    args: dict[str, Any] = {}
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        prop = properties.get(name, {})
        kinds = {prop.get("type")} | {alt.get("type") for alt in prop.get("anyOf", [])}
        if "string" in kinds:
            args[name] = {"kind": "Kustomization", "namespace": "flux-system"}.get(name, "flux-system")
        elif "integer" in kinds or "number" in kinds:
            args[name] = 1
        elif "boolean" in kinds:
            args[name] = False
    return args


def case_for(tool: str, schema: dict[str, Any], read_only_hint: bool | None) -> ToolCase:
    """The table's row for a tool, or a derived one for a tool the table does not know yet."""
    known = CASES.get(tool)
    if known is not None:
        return known
    write = read_only_hint is False
    return ToolCase(tool, schema_arguments(tool, schema), write=write, fault_method="PATCH" if write else "GET")


def tools_under_test() -> list[str]:
    """The catalogue plus whatever the server registers today, so new tools are covered too."""
    from flux_mcp.tools._catalogue import tool_specs

    return sorted(set(CATALOGUE) | {spec.name for spec in tool_specs()})
