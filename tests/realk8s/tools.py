"""Our MCP server pointed at a real cluster's kubeconfig, called through a real MCP client session,
and small readers of what the controllers wrote (for waiting, never for the assertions about our
tools' answers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.client import Client

from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.realk8s.api import ApiClient


@dataclass
class Answer:
    text: str
    structured: dict[str, Any]
    is_error: bool


class Tools:
    def __init__(self, kubeconfig: Path, context: str | None = None, **settings: Any) -> None:
        self.server = build_server(Settings(kubeconfig=str(kubeconfig), context=context, **settings))

    async def call(self, tool: str, **arguments: Any) -> Answer:
        # One client per call: the client's task group must be entered and left in the same task.
        async with Client(self.server) as client:
            result = await client.call_tool(tool, arguments)
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        return Answer(text, dict(result.structured_content or {}), bool(result.is_error))

    async def ok(self, tool: str, **arguments: Any) -> Answer:
        answer = await self.call(tool, **arguments)
        assert not answer.is_error, f"{tool} {arguments} failed: {answer.text}"
        return answer


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    for entry in obj.get("status", {}).get("conditions", []):
        if entry.get("type") == kind:
            return dict(entry)
    return {}


def wait_condition(api: ApiClient, path: str, kind: str, status: str, reason: str | None = None,
                   timeout: float = 90) -> dict[str, Any]:
    """Wait until the object at `path` carries condition `kind`=`status` (with `reason`) and return it."""
    seen: dict[str, Any] = {}

    def check() -> bool:
        nonlocal seen
        response = api.get(path)
        seen = response.body if response.ok else {}
        found = condition(seen, kind)
        return found.get("status") == status and (reason is None or found.get("reason") == reason)

    try:
        api.wait_for(f"{path} {kind}={status} {reason or ''}", check, timeout=timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last conditions: {seen.get('status', {}).get('conditions')}") from None
    return seen
