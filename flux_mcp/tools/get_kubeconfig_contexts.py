"""get_kubeconfig_contexts: the kubeconfig contexts the server can use (names only, no credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._response import respond

if TYPE_CHECKING:
    from flux_mcp.runtime import Runtime


class ContextEntry(BaseModel):
    name: str
    cluster: str
    namespace: str
    user: str
    current: bool


class ContextsResult(BaseModel):
    current: str | None = Field(description="The context tools use when they get no `context` argument.")
    contexts: list[ContextEntry]


def contexts_result(rt: Runtime) -> tuple[str, ContextsResult]:
    """Text and structured answer listing the contexts (shared with set_kubeconfig_context)."""
    entries = [ContextEntry(**vars(c)) for c in rt.kube.contexts()]
    current = next((c.name for c in entries if c.current), None)
    lines = [
        f"{'*' if c.current else ' '} {c.name}  cluster={c.cluster} namespace={c.namespace}"
        + (f" user={c.user}" if c.user else "")
        for c in entries
    ]
    header = f"# {len(entries)} kubeconfig contexts (* = current: {current or 'none'})"
    return "\n".join([header, *lines]), ContextsResult(current=current, contexts=entries)


@flux_tool(title="List kubeconfig contexts", read_only=True, open_world=False)
async def get_kubeconfig_contexts(ctx: Context[Any, Any]) -> Annotated[CallToolResult, ContextsResult]:
    """List the kubeconfig contexts this server can use (every file in KUBECONFIG), marking the current one.

    Shows cluster, default namespace and user name, never credentials. Pass a name as `context` to any
    cluster tool, or make it current with set_kubeconfig_context.
    """
    rt = runtime(ctx)
    text, result = contexts_result(rt)
    return respond(rt, text, result)
