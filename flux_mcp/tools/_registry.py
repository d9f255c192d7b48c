"""How a tool declares itself, and the one guard every call goes through.

A tool module defines `async def <tool_name>(ctx: Context, ...)` with `Annotated[..., Field()]`
parameters and decorates it with `@flux_tool(...)`. The server derives its tool list from these
declarations; `--read-only` is a filter over the `read_only` flag.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ValidationError

from flux_mcp.bounded import WorkTooLarge
from flux_mcp.flux.budget import clip_text
from flux_mcp.flux.redaction import redact_text, redact_value

if TYPE_CHECKING:
    from flux_mcp.runtime import Runtime

log = logging.getLogger("flux_mcp.tools")

ToolFn = Callable[..., Awaitable[Any]]
F = TypeVar("F", bound=ToolFn)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: ToolFn
    title: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool

    @property
    def description(self) -> str:
        return (self.fn.__doc__ or "").strip()

    @property
    def annotations(self) -> ToolAnnotations:
        return ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


TOOLS: dict[str, ToolSpec] = {}


def flux_tool(
    *, title: str, read_only: bool, destructive: bool = False, idempotent: bool = True, open_world: bool = True
) -> Callable[[F], F]:
    """Declare a tool: its function name is the tool name, its docstring the description."""

    def decorator(fn: F) -> F:
        name = fn.__name__
        if name in TOOLS and TOOLS[name].fn is not fn:
            raise ValueError(f"tool {name} declared twice")
        TOOLS[name] = ToolSpec(
            name=name, fn=fn, title=title, read_only=read_only,
            destructive=destructive and not read_only, idempotent=idempotent, open_world=open_world,
        )
        return fn

    return decorator


def runtime(ctx: Context[Any, Any]) -> Runtime:
    server = ctx.mcp_server
    rt = getattr(server, "runtime", None)
    if rt is None:  # pragma: no cover - only when a tool is mounted on a foreign server
        raise ToolError("server runtime is not configured")
    return cast("Runtime", rt)


def respond(rt: Runtime, text: str, model: BaseModel | None = None, *, hint: str = "") -> CallToolResult:
    """The one way a tool answers: redacted text within the output budget, plus structured content."""
    mask = rt.settings.mask_secrets
    if mask:
        text = redact_text(text)
    text = clip_text(text, rt.settings.output_limit, hint).text
    structured = None
    if model is not None:
        structured = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        if mask:
            structured = redact_value(structured)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "input"
        problems.append(f"{field}: {error.get('msg')}")
    return "invalid input — " + "; ".join(problems)


def guarded(spec: ToolSpec) -> ToolFn:
    """Wrap a tool so that every failure becomes a ToolError a model can act on, and audit the call."""
    fn = spec.fn

    @functools.wraps(fn)
    async def call(*args: Any, **kwargs: Any) -> Any:
        ctx = kwargs.get("ctx")
        rt = runtime(ctx) if isinstance(ctx, Context) else None
        started = time.perf_counter()
        outcome, error = "ok", ""
        try:
            result = await fn(*args, **kwargs)
            if isinstance(result, CallToolResult) and result.is_error:
                outcome = "error"
            return result
        except ToolError as exc:
            outcome, error = "error", str(exc)
            if rt is None or rt.settings.mask_secrets:
                # Error texts quote API bodies, URLs and arguments: the same boundary as answers.
                safe = redact_text(error)
                if safe != error:
                    outcome, error = "error", safe
                    raise ToolError(safe) from exc
            raise
        except ValidationError as exc:
            outcome, error = "error", redact_text(_validation_message(exc))
            raise ToolError(error) from exc
        except WorkTooLarge as exc:
            outcome, error = "error", str(exc)
            raise ToolError(error) from exc
        except Exception as exc:
            log.exception("tool %s failed unexpectedly", spec.name)
            outcome = "error"
            error = redact_text(
                f"internal error in {spec.name} ({type(exc).__name__}: {exc}). "
                "The server keeps serving; retry, or narrow the request."
            )
            raise ToolError(error) from exc
        finally:
            if rt is not None and rt.audit is not None:
                arguments = {k: v for k, v in kwargs.items() if k != "ctx"}
                rt.audit.record(spec.name, arguments, outcome, (time.perf_counter() - started) * 1000, error)

    return call


def load_tools() -> dict[str, ToolSpec]:
    """Import every tool module once; their decorators fill TOOLS."""
    import importlib
    import pkgutil

    from flux_mcp import tools as package

    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(TOOLS.items()))
