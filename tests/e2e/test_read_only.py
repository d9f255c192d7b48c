"""`fluxcd-mcp --read-only` as a real stdio process: no write tool, and not one mutating request."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from flux_mcp.sandbox import Sandbox
from tests.harness import call_tool

REPO = Path(__file__).resolve().parents[2]
WRITE_TOOLS = {
    "reconcile_flux_resource", "suspend_flux_reconciliation", "resume_flux_reconciliation",
    "apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource",
}
CALL_TIMEOUT = 60

# Argument values that reach real objects of the sandbox fleet, by argument name.
SAMPLES: dict[str, Any] = {
    "kind": "Kustomization",
    "name": "apps",
    "namespace": "flux-system",
}
# Tools whose subject is not a Kustomization.
OVERRIDES: dict[str, dict[str, Any]] = {
    "get_kubernetes_logs": {"kind": "Deployment", "name": "kustomize-controller", "namespace": "flux-system"},
    "get_kubernetes_metrics": {"namespace": "flux-system"},
    "set_kubeconfig_context": {"name": "sandbox"},
    "trace_kubernetes_resource": {"kind": "Deployment", "name": "podinfo", "namespace": "podinfo"},
    "diff_kubernetes_manifest": {
        "yaml_content": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: read-only-diff\n  namespace: default\n"
                        "data:\n  greeting: hello\n",
    },
}


def arguments_for(tool: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The required arguments of a tool, from the samples (enums take their first value)."""
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in schema.get("required") or []:
        spec = properties.get(name) or {}
        if name in SAMPLES:
            arguments[name] = SAMPLES[name]
        elif spec.get("enum"):
            arguments[name] = spec["enum"][0]
        elif spec.get("type") == "integer":
            arguments[name] = 10
        elif spec.get("type") == "boolean":
            arguments[name] = False
        else:
            arguments[name] = "apps"
    arguments.update(OVERRIDES.get(tool, {}))
    return arguments


async def test_read_only_stdio_session_makes_no_mutating_request(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "flux_mcp", "--read-only", "--kubeconfig", str(sandbox_kubeconfig)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=str(REPO),
    )
    sandbox.clear_requests()
    called: list[str] = []
    failed: list[str] = []
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        names = {tool.name for tool in tools}
        assert not names & WRITE_TOOLS
        for tool in tools:
            # set_kubeconfig_context changes no cluster, so it stays; it is not read-only: it moves later calls.
            expected = tool.name != "set_kubeconfig_context"
            assert tool.annotations is not None and tool.annotations.read_only_hint is expected, tool.name
            arguments = arguments_for(tool.name, tool.input_schema)
            result = await call_tool(client, tool.name, arguments, within=CALL_TIMEOUT)
            called.append(tool.name)
            if result.is_error:
                failed.append(f"{tool.name}: {' '.join(getattr(b, 'text', '') for b in result.content)}")

    assert len(called) == len(tools) > 0
    assert failed == [], "read tools should answer these fleet objects"
    assert any(r.method == "GET" for r in sandbox.requests), "the session reached no cluster API at all"
    # diff_kubernetes_manifest's server-side-apply dry run (dryRun=All) is a PATCH that persists nothing.
    mutating = [f"{r.method} {r.path}" for r in sandbox.requests if r.mutating and not r.dry_run]
    assert mutating == []
