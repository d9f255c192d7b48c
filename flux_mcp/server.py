"""Builds the MCP server: instructions, prompts and the tools listed in `tools._catalogue`.

The server is also where the argument contract (`tools._contract`) is applied: every call's
arguments are checked against the tool's parameters before the tool runs, and tools/list publishes
the compact, closed schemas.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult
from mcp.types import Tool as MCPTool
from pydantic import ValidationError

from flux_mcp import __version__
from flux_mcp.runtime import Runtime
from flux_mcp.settings import Settings
from flux_mcp.tools._boundary import guarded
from flux_mcp.tools._catalogue import tool_specs, write_tool_names
from flux_mcp.tools._contract import (
    closest_parameter,
    compact_schema,
    normalize_arguments,
    problems_message,
    validation_message,
)
from flux_mcp.tools._declaration import ToolSpec
from flux_mcp.tools._params import NAMESPACE_RULE
from flux_mcp.warm_up import start_warm_up

SERVER_NAME = "fluxcd-mcp"
_SDK_PREFIX = "Error executing tool "
log = logging.getLogger("flux_mcp.server")

WORKFLOW: tuple[tuple[str, str], ...] = (
    ("get_flux_health", "everything not ready, grouped by root cause, with the next action"),
    ("analyze_flux_resource", "one-call root-cause analysis of one object (causal chain, evidence, actions)"),
    ("get_flux_dependency_graph", "Mermaid/DOT/JSON diagram of sources, dependsOn and inventories"),
    ("trace_kubernetes_resource", "which Flux object manages a workload, up to its source"),
    ("get_kubernetes_resources", "raw objects (yaml or table); get_kubernetes_events and get_kubernetes_logs "
                                 "for evidence"),
    ("diff_kubernetes_manifest", "what applying a manifest would change, without changing anything"),
)
ACTIONS: tuple[tuple[str, str], ...] = (
    ("reconcile_flux_resource", "reconcile_flux_resource waits and reports the outcome"),
    ("suspend_flux_reconciliation", "suspend_flux_reconciliation / resume_flux_reconciliation"),
    ("apply_kubernetes_manifest", "apply/patch/delete_kubernetes_* refuse objects managed by Flux unless "
                                  "overwrite=true"),
)


def instructions(tool_names: set[str]) -> str:
    """The workflow, naming only the tools this server registered."""
    lines = ["fluxcd-mcp reads, analyses and operates Flux CD on Kubernetes.", "", "Start broad, then narrow:"]
    steps = [(name, text) for name, text in WORKFLOW if name in tool_names]
    lines += [f"{i}. {name} — {text}." for i, (name, text) in enumerate(steps, 1)]
    actions = [text for name, text in ACTIONS if name in tool_names]
    if actions:
        lines.append("To act: " + "; ".join(actions) + ".")
    else:
        lines.append("This server is read-only: it cannot change the cluster.")
    lines += [
        "Arguments mean the same in every tool: kind (any case, plural, short name or kind.group), name, "
        "namespace, apiVersion (optional; default: the cluster's preferred version), context (kubeconfig context "
        "for that call only; default: the current one). " + NAMESPACE_RULE,
        "Durations (since, timeout) take 90s, 5m, 1h30m or seconds; enum values take any case; an unknown "
        "argument is refused with the closest valid name.",
        "Outputs are compact and bounded; when a result is cut, the message names the argument that narrows it.",
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def _sdk_logging_left_alone() -> Iterator[None]:
    """MCPServer.__init__ calls the SDK's configure_logging(), which imports rich (~16 ms of start-up)
    to build a handler that logging.basicConfig drops whenever logging is configured already, and
    the CLI configures it first (stderr, the redaction filter). Without this, an in-process server
    would get an unredacted RichHandler on the root logger. Pinned by tests/unit/test_server_build.py."""
    module: Any = importlib.import_module("mcp.server.mcpserver.server")
    original = module.configure_logging
    module.configure_logging = lambda *args, **kwargs: None
    try:
        yield
    finally:
        module.configure_logging = original


class FluxMCPServer(MCPServer[Any]):
    """An MCPServer that carries the runtime its tools share and applies the argument contract."""

    def __init__(self, runtime: Runtime, specs: list[ToolSpec], **kwargs: Any) -> None:
        with _sdk_logging_left_alone():
            super().__init__(lifespan=_connection_lifespan, **kwargs)
        self.runtime = runtime
        self.open_connections = 0
        self.specs = {spec.name: spec for spec in specs}
        for spec in specs:
            self.add_tool(
                guarded(spec), name=spec.name, title=spec.title, description=spec.description,
                annotations=spec.annotations,
            )

    async def list_tools(self) -> list[MCPTool]:
        start_warm_up()
        published = []
        for tool in await super().list_tools():
            spec = self.specs.get(tool.name)
            keep_output = spec is not None and spec.output_schema and tool.output_schema is not None
            published.append(tool.model_copy(update={
                "input_schema": compact_schema(tool.input_schema, closed=True),
                "output_schema": compact_schema(tool.output_schema, closed=False, keep_required=False)
                if keep_output and tool.output_schema is not None else None,
            }))
        return published

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        tool = self._tool_manager.get_tool(name)
        if tool is None:
            raise ToolError(self._unknown_tool(name))
        arguments, problems = normalize_arguments(arguments, tool.parameters)
        if problems:
            raise ToolError(problems_message(problems))
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            # The SDK prefixes "Error executing tool <name>: " and, for rejected arguments, appends the
            # validation library's report: the caller gets the contract's own lines instead.
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(validation_message(exc.__cause__, tool.parameters)) from exc.__cause__
            message = str(exc)
            if message.startswith(f"{_SDK_PREFIX}{name}: "):
                raise ToolError(message[len(f"{_SDK_PREFIX}{name}: "):]) from exc.__cause__
            raise

    def _unknown_tool(self, name: str) -> str:
        if name in write_tool_names() and self.runtime.settings.read_only:
            return f"{name} is disabled by --read-only: this server only reads the cluster"
        near = closest_parameter(name, sorted(self.specs))
        return f"unknown tool '{name}'" + (f": did you mean '{near}'?" if near else "")


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
    return tool_specs(read_only=settings.read_only)


def build_server(settings: Settings | None = None, kubeconfig: dict[str, Any] | None = None) -> FluxMCPServer:
    settings = settings or Settings()
    specs = selected_tools(settings)
    server = FluxMCPServer(
        Runtime(settings, kubeconfig=kubeconfig),
        specs,
        name=SERVER_NAME,
        title="Flux CD",
        version=__version__,
        instructions=instructions({spec.name for spec in specs}),
        log_level=settings.log_level,
    )
    from flux_mcp.prompts import register_prompts

    register_prompts(server)
    return server
