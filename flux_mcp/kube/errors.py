"""The one error mapper: every way a Kubernetes API call can fail becomes a ToolError a model can act on.

lightkube surfaces a failed response three ways (ApiError for JSON bodies, HTTPStatusError for
other bodies, KeyError when the response has no Content-Type); the network fails as
httpx2.TransportError; configuration problems as lightkube's ConfigError. The MCP SDK hides the
text of anything but a ToolError, so nothing else may leave the kube layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import httpx2
from lightkube.core.exceptions import ApiError, ConfigError
from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.flux.redaction import redact_text
from flux_mcp.kube.retry import ApiCallFailed, http_status_of, response_of


@dataclass(frozen=True)
class ApiRequest:
    """What we were trying to do, in RBAC terms, so a failure can name it."""

    verb: str
    """RBAC verb: get, list, create, patch, delete."""
    resource: str = ""
    """Plural resource name, with a subresource as `pods/log`."""
    group: str = ""
    kind: str = ""
    namespace: str | None = None
    name: str | None = None
    server: str = ""
    near_names: tuple[str, ...] | None = None
    """Names close to `name` in the namespace (404 on a get), None when they could not be listed."""

    def with_near_names(self, names: tuple[str, ...] | None) -> ApiRequest:
        return replace(self, near_names=names)

    @property
    def what(self) -> str:
        label = self.kind or self.resource or "object"
        target = f'{label} "{self.name}"' if self.name else label
        return f'{target} in namespace "{self.namespace}"' if self.namespace else target

    @property
    def scope(self) -> str:
        return f'in namespace "{self.namespace}"' if self.namespace else "cluster-wide (all namespaces)"


def rbac_rule(request: ApiRequest) -> str:
    """The Role/ClusterRole rule that grants the request, as YAML."""
    return (
        f'- apiGroups: ["{request.group}"]\n'
        f'  resources: ["{request.resource}"]\n'
        f'  verbs: ["{request.verb}"]'
    )


def _server_message(exc: BaseException) -> str:
    """The API server's own explanation: Status.message for JSON bodies, else the body text."""
    if isinstance(exc, ApiError):
        status = getattr(exc, "status", None)
        message = getattr(status, "message", None)
        if message:
            return str(message)
    response = response_of(exc)
    if response is None:
        return str(exc)
    try:
        body = response.content.decode("utf-8", "replace").strip()
    except (httpx2.ResponseNotRead, RuntimeError):
        return ""
    if body.startswith("{"):
        try:
            decoded: Any = json.loads(body)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and decoded.get("message"):
            return str(decoded["message"])
    return body[:500]


def _unwrap(exc: BaseException) -> tuple[BaseException, int, float]:
    if isinstance(exc, ApiCallFailed):
        return exc.cause, exc.attempts, exc.elapsed
    return exc, 1, 0.0


def to_tool_error(exc: BaseException, request: ApiRequest) -> ToolError:
    """Translate any failure of a call described by `request` into an actionable ToolError."""
    cause, attempts, elapsed = _unwrap(exc)
    return ToolError(redact_text(_describe(cause, request, attempts, elapsed)))


def config_problem(cause: ConfigError) -> str:
    """What failed in the kubeconfig, without an exec plugin's output.

    lightkube puts the plugin's whole stderr in the message ("Exec aws returned 1: <stderr>"), and
    a plugin may echo its environment, tokens included: keep the command and exit status only.
    """
    text = str(cause)
    if text.startswith("Exec ") and " returned " in text:
        head = text.split(":", 1)[0]
        return f"the exec credential plugin failed ({head.removeprefix('Exec ')}; its output is not shown)"
    return text


def _describe(cause: BaseException, request: ApiRequest, attempts: int, elapsed: float) -> str:
    server = request.server or "the configured server"
    if isinstance(cause, ToolError):
        return str(cause)
    if isinstance(cause, ConfigError):
        return f"kubeconfig problem: {config_problem(cause)}. Fix the kubeconfig or pick another context " \
            "(get_kubeconfig_contexts)."
    if isinstance(cause, httpx2.TimeoutException):
        return (
            f"the Kubernetes API at {server} did not answer in time ({type(cause).__name__}"
            f"{_tries(attempts, elapsed)}) while trying to {request.verb} {request.what}; "
            "check the kubeconfig/context/VPN, or retry with a narrower request (namespace, limit)"
        )
    if isinstance(cause, httpx2.TransportError):
        return (
            f"cannot reach the Kubernetes API at {server}: {cause or type(cause).__name__}"
            f"{_tries(attempts, elapsed)}; check the kubeconfig/context/VPN"
        )
    status = http_status_of(cause)
    if status is None:
        return f"unexpected failure talking to the Kubernetes API at {server}: {type(cause).__name__}: {cause}"
    message = _server_message(cause)
    if status == 401:
        return (
            f"the Kubernetes API at {server} rejected our credentials (HTTP 401 Unauthorized): the token or "
            "certificate has expired or is invalid. Log in again / refresh the kubeconfig "
            "(e.g. re-run your cloud CLI's get-credentials), then retry."
        )
    if status == 403:
        return _forbidden(request, message)
    if status == 404:
        return _not_found(request, message)
    if status == 409:
        return f"conflict on {request.what} (HTTP 409): {message}. Read the object again and retry."
    if status == 410:
        return (
            f"the continue token has expired (HTTP 410 Gone): {message}. "
            "Restart the listing without `continue`."
        )
    if status == 422:
        return f"the API server rejected {request.what} as invalid (HTTP 422): {message}"
    if status == 400:
        return f"bad request for {request.what} (HTTP 400): {message}"
    if status >= 500 or status in (408, 429):
        return (
            f"the Kubernetes API at {server} is unavailable (HTTP {status}{_tries(attempts, elapsed)}); "
            f"retry later. Server said: {message or '(no message)'}"
        )
    return f"the Kubernetes API answered HTTP {status} to {request.verb} {request.what}: {message}"


def _tries(attempts: int, elapsed: float) -> str:
    if attempts <= 1:
        return ""
    return f" after {attempts} attempts over {elapsed:.1f} s"


def _forbidden(request: ApiRequest, message: str) -> str:
    group = request.group or "core"
    resource = request.resource or "the resource"
    lines = [
        f"forbidden: the current identity may not {request.verb} {resource} (API group {group}) "
        f"{request.scope}.",
    ]
    if message:
        lines.append(f"API server: {message}")
    if request.resource:
        role = "a Role in that namespace (or a ClusterRole)" if request.namespace else "a ClusterRole"
        lines.append(f"Add this rule to {role} bound to that identity:")
        lines.append(rbac_rule(request))
    return "\n".join(lines)


def _not_found(request: ApiRequest, message: str) -> str:
    if not request.name:
        return f"not found: {message or request.what}"
    text = f"{request.what} not found."
    if request.near_names:
        text += " Close names: " + ", ".join(request.near_names) + "."
    elif request.near_names == ():
        text += " No object with a similar name exists there."
    text += (
        " Check the name and namespace; list them with get_kubernetes_resources "
        f"(kind={request.kind or request.resource}"
        + (f", namespace={request.namespace})" if request.namespace else ")")
        + "."
    )
    return text
