"""Small named helpers the reliability tests share: calling tools, reading results, judging errors."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from typing import Any

import anyio
from mcp.client import Client
from mcp.types import CallToolResult, TextContent, Tool

from ._catalogue import PROBE_CONFIGMAP, PROBE_NAMESPACE

CALL_TIMEOUT = 30.0
"""No single tool call in this suite may take longer: a hang is a failure, not a stuck run."""

_BARE_ERROR = re.compile(r"^\s*Error executing tool [\w-]+\s*:?\s*$")
_UNMAPPED = re.compile(r"internal error [0-9a-f]{8}|Traceback \(most recent call last\)")


def result_text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def result_blob(result: CallToolResult) -> str:
    """Everything a client sees: text blocks, any other block, and the structured content."""
    parts = [result_text(result)]
    parts += [block.model_dump_json() for block in result.content if not isinstance(block, TextContent)]
    if result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, default=str))
    return "\n".join(parts)


def error_problem(text: str, cause: re.Pattern[str] | None = None) -> str | None:
    """Why an error text is not 'one clear ToolError naming the cause' (None when it is)."""
    if _BARE_ERROR.match(text):
        return f"bare error without a reason: {text!r}"
    if not text.strip():
        return "empty error text"
    if _UNMAPPED.search(text):
        return f"unmapped exception reached the client: {text[:300]!r}"
    if cause is not None and not cause.search(text):
        return f"error does not name the cause /{cause.pattern}/: {text[:300]!r}"
    return None


async def call_tool(client: Client, tool: str, args: dict[str, Any], within: float = CALL_TIMEOUT) -> CallToolResult:
    with anyio.fail_after(within):
        return await client.call_tool(tool, args)


async def list_tools(client: Client) -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)
        tools.update({tool.name: tool for tool in page.tools})
        cursor = page.next_cursor
        if cursor is None:
            return tools


def ensure_probe_configmap(api_url: str) -> None:
    """Create the unmanaged ConfigMap the patch/delete rows act on (idempotent; 409 is fine)."""
    body = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": PROBE_CONFIGMAP, "namespace": PROBE_NAMESPACE},
            "data": {"probe": "1"},
        }
    ).encode()
    request = urllib.request.Request(
        f"{api_url}/api/v1/namespaces/{PROBE_NAMESPACE}/configmaps",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer reliability"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise


def canary_forms(canary: str) -> list[str]:
    """The canary and the base64 fragments that betray it inside any base64-encoded value.

    A Secret's `data` holds base64 of a value that may contain the canary at any offset; encoding
    it after 0, 1 and 2 filler bytes and keeping the stable middle catches each alignment.
    """
    forms = [canary]
    raw = canary.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = 4 if offset else 0
        stable = encoded[start : len(encoded) - 4]
        if len(stable) >= 8:
            forms.append(stable)
    return forms


def leaked_canaries(blob: str, canaries: list[str]) -> list[str]:
    return [canary for canary in canaries if any(form in blob for form in canary_forms(canary))]
