"""The tool boundary: the one place where failures become tool errors, and every call is audited.

Typed failures keep their type up to here. A `KubeError` becomes its Kubernetes account plus the
next step with our tools (the RBAC rule to add, where to list names, which tool shows what is
installed); an `OperationError` or a Flux refusal is already worded for the user. Anything else is
a bug: it is logged with its traceback under a short id, and the caller sees that id.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import ValidationError

from flux_mcp.bounded import WorkTooLarge
from flux_mcp.flux.reconcile import ReconcileRefused
from flux_mcp.flux.redaction import redact_text
from flux_mcp.kube.errors import (
    ConfigProblem,
    Forbidden,
    Gone,
    KindNotServed,
    KubeError,
    NotFound,
    TimedOut,
    rbac_rule,
)
from flux_mcp.ops.errors import OperationError
from flux_mcp.tools._declaration import ToolFn, ToolSpec, runtime

log = logging.getLogger("flux_mcp.tools")

WORDED_FOR_USERS = (OperationError, ReconcileRefused, WorkTooLarge)
"""Exceptions whose message is already the whole answer."""


def kube_message(exc: KubeError) -> str:
    """A KubeError in words a model can act on: the Kubernetes account, then what to do with which tool."""
    return str(exc) + _next_step(exc)


def _next_step(exc: KubeError) -> str:
    request = exc.request
    if isinstance(exc, KindNotServed):
        if exc.flux_component:
            return " Install that component (get_flux_instance shows what is installed)."
        return " get_kubernetes_api_versions lists every kind." if exc.unknown_kind else ""
    if isinstance(exc, ConfigProblem):
        # Contexts and files fail before any request with their own remedy; a kubeconfig problem met
        # while calling (an auth plugin, a certificate) points at the contexts to pick from.
        return " Fix the kubeconfig or pick another context (get_kubeconfig_contexts)." if request else ""
    if request is None:
        return ""
    if isinstance(exc, TimedOut):
        return ", or retry with a narrower request (namespace, limit)"
    if isinstance(exc, Forbidden) and request.resource:
        role = "a Role in that namespace (or a ClusterRole)" if request.namespace else "a ClusterRole"
        return f"\nAdd this rule to {role} bound to that identity:\n{rbac_rule(request)}"
    if isinstance(exc, NotFound) and request.name:
        return (
            " Check the name and namespace; list them with get_kubernetes_resources "
            f"(kind={request.kind or request.resource}"
            + (f", namespace={request.namespace})" if request.namespace else ")")
            + "."
        )
    if isinstance(exc, Gone):
        return " Restart the listing without `continue`."
    return ""


def error_message(exc: BaseException) -> str | None:
    """The user-facing text of an expected failure (redacted); None for a bug."""
    if isinstance(exc, ToolError):
        # Error texts quote API bodies, URLs and arguments: the same boundary as answers.
        return redact_text(str(exc))
    if isinstance(exc, KubeError):
        return redact_text(kube_message(exc))
    if isinstance(exc, WORDED_FOR_USERS):
        return redact_text(str(exc))
    if isinstance(exc, ValidationError):
        return redact_text(_validation_message(exc))
    return None


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "input"
        problems.append(f"{field}: {error.get('msg')}")
    return "invalid input — " + "; ".join(problems)


def internal_error(tool: str, exc: BaseException) -> str:
    """Log a bug with its traceback under a short id; the text the caller sees names that id."""
    incident = uuid.uuid4().hex[:8]
    log.error("internal error %s in tool %s", incident, tool, exc_info=exc)
    return (
        f"internal error {incident} in {tool} ({type(exc).__name__}): a bug in fluxcd-mcp, not a cluster "
        "problem. The server log has the traceback under this id; the server keeps serving."
    )


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
                safe = redact_text(error)
                if safe != error:
                    error = safe
                    raise ToolError(safe) from exc
            raise
        except Exception as exc:
            outcome = "error"
            message = error_message(exc)
            error = message if message is not None else internal_error(spec.name, exc)
            raise ToolError(error) from exc
        finally:
            if rt is not None and rt.audit is not None:
                arguments = {k: v for k, v in kwargs.items() if k != "ctx"}
                rt.audit.record(spec.name, arguments, outcome, (time.perf_counter() - started) * 1000, error)

    return call
