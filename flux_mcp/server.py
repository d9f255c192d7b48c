"""Builds the MCP server: instructions, prompts and the tools listed in `tools._catalogue`."""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import Tool as MCPTool

from flux_mcp import __version__
from flux_mcp.runtime import Runtime
from flux_mcp.settings import Settings
from flux_mcp.tools._boundary import guarded
from flux_mcp.tools._catalogue import tool_specs
from flux_mcp.tools._declaration import ToolSpec

SERVER_NAME = "fluxcd-mcp"
log = logging.getLogger("flux_mcp.server")

INSTRUCTIONS = """\
fluxcd-mcp reads, analyses and operates Flux CD on Kubernetes.

Start broad, then narrow:
1. get_flux_health — everything not ready, grouped by root cause, with the next action.
2. analyze_flux_resource — one call root-cause analysis of one object (causal chain, evidence, actions).
3. get_flux_dependency_graph — Mermaid/DOT diagram of sources, dependsOn and inventories.
4. trace_kubernetes_resource — which Flux object manages a workload, up to its source.
5. get_kubernetes_resources / get_kubernetes_events / get_kubernetes_logs — raw evidence.
To act: reconcile_flux_resource (waits and reports the outcome), suspend/resume, and
apply/patch/delete, which refuse objects managed by Flux unless overwrite=true.
Every cluster tool takes an optional `context` (kubeconfig context for that call).
Outputs are compact and bounded; when a result is cut, the message names the argument that narrows it.
"""


# Cluster access (lightkube, httpx2, httpcore2, h2, ...) is imported on the first tool call, not at
# start-up: the first tools/list answer does not need it. Once that answer is out the process is
# idle until the first question, so a background thread imports it then and the first call does
# not pay for it. Imports only: nothing touches the cluster before a tool asks. The short delay
# keeps the thread off the CPU while the client is still reading that answer.
WARM_UP_MODULES = ("flux_mcp.kube.access", "flux_mcp.kube.gateway", "httpcore2", "flux_mcp.ops.diff")
WARM_UP_DELAY_SECONDS = 0.25


def _warm_up() -> None:
    for name in WARM_UP_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # pragma: no cover - the first tool call reports a broken install itself
            log.debug("warm-up import of %s failed", name, exc_info=True)


class FluxMCPServer(MCPServer[Any]):
    """An MCPServer that carries the runtime its tools share."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(lifespan=_connection_lifespan, **kwargs)
        self.runtime = runtime
        self.open_connections = 0
        self._warmed = False

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        if not self._warmed:
            self._warmed = True
            thread = threading.Thread(target=_warm_up, name="fluxcd-mcp-warm-up", daemon=True)
            asyncio.get_running_loop().call_later(WARM_UP_DELAY_SECONDS, thread.start)
        return tools


@asynccontextmanager
async def _connection_lifespan(server: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
    """Runs around each client connection: the last one to leave closes the cluster connections,
    so no HTTP connection outlives the event loop that opened it."""
    assert isinstance(server, FluxMCPServer)
    server.open_connections += 1
    try:
        yield {}
    finally:
        server.open_connections -= 1
        if server.open_connections == 0:
            await server.runtime.aclose()


def selected_tools(settings: Settings) -> list[ToolSpec]:
    return [spec for spec in tool_specs() if spec.read_only or not settings.read_only]


def build_server(settings: Settings | None = None, kubeconfig: dict[str, Any] | None = None) -> FluxMCPServer:
    settings = settings or Settings()
    server = FluxMCPServer(
        Runtime(settings, kubeconfig=kubeconfig),
        name=SERVER_NAME,
        title="Flux CD",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level=settings.log_level,
    )
    for spec in selected_tools(settings):
        server.add_tool(
            guarded(spec), name=spec.name, title=spec.title, description=spec.description,
            annotations=spec.annotations,
        )
    from flux_mcp.prompts import register_prompts

    register_prompts(server)
    return server
