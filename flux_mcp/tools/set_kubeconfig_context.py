"""set_kubeconfig_context: switch the server's current context (in memory only)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._response import respond
from flux_mcp.tools.get_kubeconfig_contexts import ContextsResult, contexts_result


@flux_tool(title="Switch kubeconfig context", read_only=False, destructive=False, idempotent=True, open_world=False)
async def set_kubeconfig_context(
    ctx: Context[Any, Any],
    name: Annotated[
        str,
        Field(description="A context name listed by get_kubeconfig_contexts.", min_length=1, max_length=512),
    ],
) -> Annotated[CallToolResult, ContextsResult]:
    """Make another kubeconfig context the current one for the following tool calls (and writes).

    In this server's memory only: the kubeconfig file and other programs are not affected. Not available
    in-cluster.
    """
    rt = runtime(ctx)
    rt.kube.set_current_context(name)
    text, result = contexts_result(rt)
    return respond(rt, f"# current context is now {name}\n{text}", result)
