"""Speaking to an MCP server over real stdio, measuring what a client sees.

Wall times are taken around the client's calls, so they include the JSON-RPC framing and
the client's own parsing, exactly what an assistant host pays for. Bytes are the UTF-8 size
of the text content (what a model reads) and, separately, of the structured content.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import CallToolResult, TextContent

from tests.benchmarks import procstat

CALL_TIMEOUT = 180.0
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class ServerUnderTest:
    """How to start one MCP server over stdio against a kubeconfig."""

    label: str
    command: str
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None

    def parameters(self) -> StdioServerParameters:
        return StdioServerParameters(command=self.command, args=list(self.args), env=self.env or None, cwd=self.cwd)


@dataclass(frozen=True)
class CallMeasure:
    tool: str
    ms: float
    text_bytes: int
    structured_bytes: int
    is_error: bool
    text: str
    structured: Any

    @property
    def bytes(self) -> int:
        return self.text_bytes


@dataclass(frozen=True)
class ColdStart:
    handshake_ms: float
    tools_list_ms: float
    tool_count: int
    tools_list_bytes: int
    cpu_ms: float | None
    tool_bytes: dict[str, int] = field(default_factory=dict)
    """Bytes of each tool's entry in tools/list, by name."""
    """CPU the server process used up to its first tools/list answer (insensitive to machine load)."""


def measure_result(tool: str, ms: float, result: CallToolResult) -> CallMeasure:
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    structured = result.structured_content
    structured_bytes = 0 if structured is None else len(json.dumps(structured, separators=(",", ":")).encode())
    return CallMeasure(
        tool=tool, ms=ms, text_bytes=len(text.encode()), structured_bytes=structured_bytes,
        is_error=result.is_error, text=text, structured=structured,
    )


class Session:
    """One running server: its pid (for /proc), its tool names, and measured calls."""

    def __init__(self, client: Client, pid: int | None, schemas: dict[str, dict[str, Any]]) -> None:
        self.client = client
        self.pid = pid
        self.schemas = schemas
        """Tool name → input JSON schema, from the first tools/list."""

    @property
    def tools(self) -> list[str]:
        return list(self.schemas)

    def argument_maximum(self, tool: str, argument: str) -> int | None:
        spec = self.schemas.get(tool, {}).get("properties", {}).get(argument, {})
        maximum = spec.get("maximum")
        for option in spec.get("anyOf", []):
            maximum = option.get("maximum", maximum)
        return int(maximum) if isinstance(maximum, int | float) else None

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallMeasure:
        started = time.perf_counter()
        with anyio.fail_after(CALL_TIMEOUT):
            result = await self.client.call_tool(tool, arguments)
        return measure_result(tool, (time.perf_counter() - started) * 1000, result)

    def memory_kib(self) -> dict[str, int]:
        return procstat.memory_kib(self.pid) if self.pid is not None else {}

    def cpu_ms(self) -> float | None:
        return procstat.cpu_ms(self.pid) if self.pid is not None else None


def _entry(tool: Any) -> str:
    # Compact, as MCP sends it on the wire (the SDKs serialise without spaces).
    return json.dumps(tool.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":"))


def _tools_bytes(tools: Any) -> int:
    return len(("[" + ",".join(_entry(t) for t in tools) + "]").encode())


@asynccontextmanager
async def session(server: ServerUnderTest) -> AsyncIterator[Session]:
    before = procstat.own_children()
    async with Client(server.parameters()) as client:
        with anyio.fail_after(START_TIMEOUT):
            listing = await client.list_tools()
        spawned = sorted(procstat.own_children() - before)
        schemas = {t.name: dict(t.input_schema) for t in listing.tools}
        yield Session(client, spawned[-1] if spawned else None, schemas)


async def cold_start(server: ServerUnderTest) -> ColdStart:
    """Spawn → protocol negotiated → first tools/list answer, in a fresh process."""
    before = procstat.own_children()
    started = time.perf_counter()
    with anyio.fail_after(START_TIMEOUT):
        async with Client(server.parameters()) as client:
            negotiated = time.perf_counter()
            listing = await client.list_tools()
            answered = time.perf_counter()
            spawned = sorted(procstat.own_children() - before)
            cpu = procstat.cpu_ms(spawned[-1]) if spawned else None
    return ColdStart(
        cpu_ms=cpu,
        handshake_ms=(negotiated - started) * 1000,
        tools_list_ms=(answered - started) * 1000,
        tool_count=len(listing.tools),
        tools_list_bytes=_tools_bytes(listing.tools),
        tool_bytes={t.name: len(_entry(t).encode()) for t in listing.tools},
    )
