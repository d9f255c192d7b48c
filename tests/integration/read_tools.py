"""Helpers for the read-tool integration tests: a server on the sandbox and text/structured answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.sandbox import CANARY_FORMS
from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings


@dataclass
class Answer:
    text: str
    structured: dict[str, Any]
    is_error: bool


def server_on(kubeconfig: Path, **settings: Any) -> FluxMCPServer:
    return build_server(Settings(kubeconfig=str(kubeconfig), **settings))


def answer_of(result: CallToolResult) -> Answer:
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    return Answer(text, dict(result.structured_content or {}), bool(result.is_error))


async def ask(server: FluxMCPServer, tool: str, **arguments: Any) -> Answer:
    """Call one tool through a real MCP client session."""
    async with Client(server) as client:
        return answer_of(await client.call_tool(tool, arguments))


def leaked_canaries(text: str) -> list[str]:
    return [canary for canary in CANARY_FORMS if canary in text]
