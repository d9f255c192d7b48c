"""The tool table: which tools a server registers, and what their annotations promise."""

from __future__ import annotations

from pathlib import Path

from mcp.client import Client

from flux_mcp.server import build_server
from flux_mcp.settings import Settings

WRITE_TOOLS = {
    "reconcile_flux_resource", "suspend_flux_reconciliation", "resume_flux_reconciliation",
    "apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource",
}


async def test_read_only_server_lists_no_write_tool(sandbox_kubeconfig: Path) -> None:
    server = build_server(Settings(kubeconfig=str(sandbox_kubeconfig), read_only=True))
    async with Client(server) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names, "the read-only server lists no tool at all"
    assert not names & WRITE_TOOLS


async def test_write_tools_say_what_they_do_in_their_annotations(sandbox_kubeconfig: Path) -> None:
    async with Client(build_server(Settings(kubeconfig=str(sandbox_kubeconfig)))) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= WRITE_TOOLS
    hints = {name: tools[name].annotations for name in WRITE_TOOLS}
    assert all(h is not None and h.read_only_hint is False for h in hints.values())
    destructive = {name for name, h in hints.items() if h is not None and h.destructive_hint}
    assert destructive == {"apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource"}
