"""Typed failures of the kube layer: one class per way a Kubernetes API call or its configuration fails.

Each `KubeError` keeps the HTTP status, the server's reason and message, and the request in RBAC
terms (`kube.failures` builds them from what lightkube and httpx2 raise). The messages speak
Kubernetes only; the tool boundary (`flux_mcp.tools._boundary`) adds what to do next with which
tool, and redacts. This module imports no HTTP library, so naming these types costs no start-up time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "ApiRequest",
    "BadRequest",
    "ConfigProblem",
    "Conflict",
    "FieldConflict",
    "FieldOwnership",
    "Forbidden",
    "Gone",
    "Invalid",
    "KindNotServed",
    "KubeError",
    "KubeletUnreachable",
    "MalformedResponse",
    "NotFound",
    "TimedOut",
    "Unauthorized",
    "Unavailable",
    "Unreachable",
    "rbac_rule",
    "with_near_names",
]


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


class KubeError(Exception):
    """A Kubernetes API call, or the configuration to make one, that failed for good.

    `str()` is one readable account in Kubernetes terms; the attributes keep what a caller needs to
    decide (retry, degrade, hint): the HTTP status, the Status reason, the server's own message,
    the request, and how hard the retry policy tried.
    """

    def __init__(
        self,
        message: str,
        *,
        request: ApiRequest | None = None,
        status: int | None = None,
        reason: str = "",
        server_message: str = "",
        attempts: int = 1,
        elapsed: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.status = status
        self.reason = reason
        self.server_message = server_message
        self.attempts = attempts
        self.elapsed = elapsed


class ConfigProblem(KubeError):
    """The kubeconfig, a context or the identity settings cannot be used."""


class Unreachable(KubeError):
    """The API server could not be reached (refused, reset, DNS, TLS)."""


class TimedOut(Unreachable):
    """The API server did not answer in time."""


class Unauthorized(KubeError):
    """HTTP 401: the credentials are expired or invalid."""


class Forbidden(KubeError):
    """HTTP 403: the identity may not do `request.verb` on `request.resource`."""


class NotFound(KubeError):
    """HTTP 404: the object (or, for a list, the resource path) does not exist."""


class KindNotServed(NotFound):
    """The cluster serves no resource for the kind asked for (discovery, before any request)."""

    def __init__(self, message: str, *, flux_component: str = "", unknown_kind: bool = False) -> None:
        super().__init__(message, reason="NotFound")
        self.flux_component = flux_component
        """The Flux component whose CRD is missing, when the kind is a Flux kind."""
        self.unknown_kind = unknown_kind
        """True when no version of any group serves the name at all (a typo, most likely)."""


class Conflict(KubeError):
    """HTTP 409: a write raced another one, or the object already exists."""


@dataclass(frozen=True)
class FieldOwnership:
    """One field a server-side apply would take from another field manager."""

    manager: str
    field: str


class FieldConflict(Conflict):
    """HTTP 409 to a server-side apply: fields the object sets are owned by other field managers."""

    def __init__(self, message: str, *, conflicts: tuple[FieldOwnership, ...], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.conflicts = conflicts


class Gone(KubeError):
    """HTTP 410: a continue token (or watch resourceVersion) has expired."""


class Invalid(KubeError):
    """HTTP 422, or an object we refused to send because it lacks what the API requires."""


class BadRequest(KubeError):
    """HTTP 400."""


class Unavailable(KubeError):
    """HTTP 5xx, 408 or 429 after the retries: the API server is busy, restarting or broken."""


class KubeletUnreachable(Unavailable):
    """HTTP 5xx from a path the API server proxies to a node's kubelet (pods/log, exec, metrics).

    The API server itself is fine; the kubelet of the pod's node is not answering it (node down,
    kubelet stopped, no address). Retrying at the API server's pace does not help.
    """

    def __init__(self, message: str, *, node: str = "", node_ready: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.node = node
        self.node_ready = node_ready
        """The node's Ready condition in one line ("" when it could not be read)."""


class MalformedResponse(KubeError):
    """The API server (or a proxy in front of it) answered a body that is not the JSON expected."""


def rbac_rule(request: ApiRequest) -> str:
    """The Role/ClusterRole rule that grants the request, as YAML."""
    return (
        f'- apiGroups: ["{request.group}"]\n'
        f'  resources: ["{request.resource}"]\n'
        f'  verbs: ["{request.verb}"]'
    )


def not_found_message(request: ApiRequest, message: str) -> str:
    if not request.name:
        return f"not found: {message or request.what}"
    text = f"{request.what} not found."
    if request.near_names:
        text += " Close names: " + ", ".join(request.near_names) + "."
    elif request.near_names == ():
        text += " No object with a similar name exists there."
    return text


def with_near_names(error: NotFound, names: tuple[str, ...] | None) -> NotFound:
    """The same 404, naming the objects whose names are close to the one asked for."""
    if error.request is None:
        return error
    request = error.request.with_near_names(names)
    return NotFound(
        not_found_message(request, error.server_message), request=request, status=error.status, reason=error.reason,
        server_message=error.server_message, attempts=error.attempts, elapsed=error.elapsed,
    )
