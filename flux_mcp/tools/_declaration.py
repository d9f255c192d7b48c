"""How a tool declares itself: `@flux_tool(...)` on `async def <tool_name>(ctx: Context, ...)`.

The declaration is attached to the function; nothing is registered as a side effect of importing a
module. The server takes the functions listed in `_catalogue` and reads their declarations;
`--read-only` is a filter over the `read_only` flag.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

if TYPE_CHECKING:
    from flux_mcp.runtime import Runtime

ToolFn = Callable[..., Awaitable[Any]]
F = TypeVar("F", bound=ToolFn)

_SPEC_ATTRIBUTE = "__flux_tool__"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: ToolFn
    title: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    output_schema: bool

    @property
    def description(self) -> str:
        """The docstring, paragraphs kept and their wrapped lines joined (a model reads no line width)."""
        paragraphs = inspect.cleandoc(self.fn.__doc__ or "").split("\n\n")
        return "\n\n".join(" ".join(p.split()) for p in paragraphs)

    @property
    def annotations(self) -> ToolAnnotations:
        # The tool's title is published once, beside its name; the hints say what a client may auto-approve.
        # openWorldHint is published only when it differs from the protocol's default (true).
        open_world = None if self.open_world else False
        if self.read_only:
            return ToolAnnotations(read_only_hint=True, open_world_hint=open_world)
        return ToolAnnotations(
            read_only_hint=False, destructive_hint=self.destructive, idempotent_hint=self.idempotent,
            open_world_hint=open_world,
        )


def flux_tool(
    *, title: str, read_only: bool, destructive: bool = False, idempotent: bool = True, open_world: bool = True,
    output_schema: bool = False,
) -> Callable[[F], F]:
    """Declare a tool: its function name is the tool name, its docstring the description.

    `read_only` is the annotation clients auto-approve by: false for anything that changes the cluster
    or where later calls act. `output_schema` publishes the structured result's schema in tools/list.
    No tool does today, deliberately: every conversation pays for tools/list (the schemas were 24 KB of
    65 KB), a model reads the text, and a program gets the structured content of every call anyway; its
    fields are described in the README. A tool whose callers validate its result may opt in.
    """

    def decorator(fn: F) -> F:
        spec = ToolSpec(
            name=fn.__name__, fn=fn, title=title, read_only=read_only,
            destructive=destructive and not read_only, idempotent=idempotent, open_world=open_world,
            output_schema=output_schema,
        )
        setattr(fn, _SPEC_ATTRIBUTE, spec)
        return fn

    return decorator


def spec_of(fn: ToolFn) -> ToolSpec:
    """The declaration `@flux_tool` attached to a tool function."""
    spec = getattr(fn, _SPEC_ATTRIBUTE, None)
    if not isinstance(spec, ToolSpec):
        raise TypeError(f"{getattr(fn, '__qualname__', fn)!r} is not declared with @flux_tool")
    return spec


def runtime(ctx: Context[Any, Any]) -> Runtime:
    """The runtime (settings, cluster access, audit) of the server handling this call."""
    server = ctx.mcp_server
    rt = getattr(server, "runtime", None)
    if rt is None:  # pragma: no cover - only when a tool is mounted on a foreign server
        raise ToolError("server runtime is not configured")
    return cast("Runtime", rt)
