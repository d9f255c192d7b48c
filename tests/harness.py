"""The one harness for calling tools in tests: in-process MCP clients on a server, or a client you hold.

`ask` and `ToolSession` open one client per call: a client opened in an async fixture would be
closed by pytest-asyncio in another task than the one that opened it, which anyio's cancel scopes
reject. Every call is bounded by `CALL_TIMEOUT`: a hang is a failure, not a stuck run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from mcp.types import CallToolResult, TextContent, Tool

from flux_mcp.sandbox import CANARY_FORMS, Sandbox
from flux_mcp.sandbox.fleet import CANARIES
from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings

CALL_TIMEOUT = 30.0


@dataclass
class Answer:
    text: str
    structured: dict[str, Any]
    is_error: bool
    progress: list[str] = field(default_factory=list)


def server_on(kubeconfig: Path, **settings: Any) -> FluxMCPServer:
    """A server with the given settings whose cluster is the kubeconfig's current context."""
    return build_server(Settings(kubeconfig=str(kubeconfig), **settings))


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def everything_of(result: CallToolResult) -> str:
    """Everything a client sees: text blocks, any other block, and the structured content."""
    parts = [text_of(result)]
    parts += [block.model_dump_json() for block in result.content if not isinstance(block, TextContent)]
    if result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, default=str))
    return "\n".join(parts)


def answer_of(result: CallToolResult, progress: list[str] | None = None) -> Answer:
    return Answer(text_of(result), dict(result.structured_content or {}), bool(result.is_error), progress or [])


async def call_tool(
    client: Client, tool: str, arguments: dict[str, Any], within: float = CALL_TIMEOUT,
    progress: list[str] | None = None,
) -> CallToolResult:
    """One tools/call through a client the caller holds (in-process or stdio), bounded in time."""

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        if progress is not None:
            progress.append(message or "")

    with anyio.fail_after(within):
        return await client.call_tool(tool, arguments, progress_callback=on_progress)


async def list_tools(client: Client) -> dict[str, Tool]:
    """Every tool the server lists, following pagination."""
    tools: dict[str, Tool] = {}
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)
        tools.update({tool.name: tool for tool in page.tools})
        cursor = page.next_cursor
        if cursor is None:
            return tools


async def ask(server: FluxMCPServer, tool: str, **arguments: Any) -> Answer:
    """Call one tool through a real in-process MCP client session."""
    progress: list[str] = []
    async with Client(server) as client:
        return answer_of(await call_tool(client, tool, arguments, progress=progress), progress)


def leaked_canaries(text: str) -> list[str]:
    """The sandbox's secret canaries (in any of their encoded forms) found in `text`."""
    return [canary for canary in CANARY_FORMS if canary in text]


class ToolSession:
    """Calls tools on one server over the sandbox, recording each call's progress and API requests.

    With `forbid_canaries`, every answer (text and structured content) is checked for the fleet's
    secret canaries.
    """

    def __init__(self, server: FluxMCPServer, sandbox: Sandbox | None = None, *, forbid_canaries: bool = False) -> None:
        self.server = server
        self.sandbox = sandbox
        self.forbid_canaries = forbid_canaries
        self.progress: list[str] = []

    async def call(self, tool: str, **arguments: Any) -> CallToolResult:
        self.progress = []
        if self.sandbox is not None:
            self.sandbox.clear_requests()
        async with Client(self.server) as client:
            result = await call_tool(client, tool, arguments, progress=self.progress)
        if self.forbid_canaries:
            seen = everything_of(result)
            assert not [canary for canary in CANARIES if canary in seen]
        return result

    async def ok(self, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
        result = await self.call(tool, **arguments)
        assert not result.is_error, text_of(result)
        return text_of(result), result.structured_content or {}

    async def refused(self, tool: str, **arguments: Any) -> str:
        result = await self.call(tool, **arguments)
        assert result.is_error, text_of(result)
        return text_of(result)

    def writes(self) -> list[Any]:
        assert self.sandbox is not None
        return [r for r in self.sandbox.requests if r.method in ("PATCH", "POST", "PUT", "DELETE")]

    def reads_of(self, path_tail: str) -> list[Any]:
        assert self.sandbox is not None
        return [r for r in self.sandbox.requests if r.method == "GET" and r.path.endswith(path_tail)]
