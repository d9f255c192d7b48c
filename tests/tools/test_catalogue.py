"""The tool table: which tools a server registers, and what their annotations promise."""

from __future__ import annotations

from pathlib import Path

from mcp.client import Client

import flux_mcp.tools
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from flux_mcp.tools._catalogue import WRITE_TOOLS as WRITE_TOOL_FUNCTIONS
from flux_mcp.tools._catalogue import tool_specs

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
    async with Client(server) as client:
        disabled = await client.call_tool("delete_kubernetes_resource", {"kind": "Pod", "name": "x"})
    assert disabled.is_error
    assert [getattr(b, "text", "") for b in disabled.content] == [
        "delete_kubernetes_resource is disabled by --read-only: this server only reads the cluster"]
    assert "delete_kubernetes_resource" not in (server.instructions or "")
    assert "reconcile_flux_resource" not in (server.instructions or "")


async def test_write_tools_say_what_they_do_in_their_annotations(sandbox_kubeconfig: Path) -> None:
    async with Client(build_server(Settings(kubeconfig=str(sandbox_kubeconfig)))) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= WRITE_TOOLS
    hints = {name: tools[name].annotations for name in WRITE_TOOLS}
    assert all(h is not None and h.read_only_hint is False for h in hints.values())
    destructive = {name for name, h in hints.items() if h is not None and h.destructive_hint}
    assert destructive == {"apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource"}


def test_every_tool_module_is_in_the_table_and_has_a_test_file_of_its_name() -> None:
    package = Path(flux_mcp.tools.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    specs = tool_specs()

    assert {spec.name for spec in specs} == modules
    # set_kubeconfig_context writes to no cluster (served under --read-only) but is not read-only: it moves
    # where every later call lands, so a client must not auto-approve it.
    assert {spec.name for spec in specs if not spec.read_only} == WRITE_TOOLS | {"set_kubeconfig_context"}
    assert {fn.__name__ for fn in WRITE_TOOL_FUNCTIONS} == WRITE_TOOLS
    for spec in specs:
        assert spec.fn.__module__ == f"flux_mcp.tools.{spec.name}"
        assert (Path(__file__).parent / f"test_{spec.name}.py").is_file(), f"no tests/tools/test_{spec.name}.py"
