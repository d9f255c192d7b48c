"""Classifying what lightkube and httpx2 raise into the typed errors of `kube.errors`.

lightkube surfaces a failed response three ways (ApiError for JSON bodies, HTTPStatusError for
other bodies, KeyError when the response has no Content-Type); the network fails as
httpx2.TransportError; configuration problems met while calling (an exec plugin, a certificate)
as lightkube's ConfigError.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import msgspec
from lightkube.core.exceptions import ApiError, ConfigError

from flux_mcp.flux.budget import clip_line
from flux_mcp.flux.redaction import redact_text
from flux_mcp.kube.errors import (
    ApiRequest,
    BadRequest,
    ConfigProblem,
    Conflict,
    FieldConflict,
    FieldOwnership,
    Forbidden,
    Gone,
    Invalid,
    KubeError,
    KubeletUnreachable,
    MalformedResponse,
    NotFound,
    TimedOut,
    Unauthorized,
    Unavailable,
    Unreachable,
    not_found_message,
)


def response_of(exc: BaseException) -> httpx2.Response | None:
    """The error response behind an API failure, None for other failures.

    lightkube raises `ApiError` (an HTTPStatusError) for JSON error bodies, re-raises the
    HTTPStatusError for other bodies, and lets a `KeyError` (no Content-Type) or a JSON decode
    error (a non-JSON body labelled JSON) escape; the response is then only on the exception it
    was raised from.
    """
    if isinstance(exc, httpx2.HTTPStatusError):
        return exc.response
    if isinstance(exc, KeyError | ValueError):
        # lightkube decoding the error body failed: KeyError without a Content-Type, a JSON decode
        # error for a body sent as application/json that is not JSON (a proxy's text, an HTML page).
        # The json module raises from inside its own handler, so the status may be a few links up.
        context = exc.__context__
        for _ in range(3):
            if context is None:
                break
            if isinstance(context, httpx2.HTTPStatusError):
                return context.response
            context = context.__context__
    return None


def http_status_of(exc: BaseException) -> int | None:
    """The HTTP status behind an API failure, whichever way lightkube surfaced it."""
    response = response_of(exc)
    return int(response.status_code) if response is not None else None


def is_api_failure(exc: BaseException) -> bool:
    """True for failures of the HTTP exchange itself (status, transport, auth config, body decoding).

    Anything else raised while talking to the API is a bug in our code and must not be dressed up
    as an API failure.
    """
    return (
        isinstance(exc, httpx2.HTTPError | ConfigError | msgspec.DecodeError)
        or response_of(exc) is not None
    )


# field.Invalid renders its value with Go's %q: a quoted string with backslash escapes.
_INVALID_VALUE = re.compile(r'Invalid value: "((?:[^"\\]|\\.)*)"')
_FIELD_ERROR_LINE = re.compile(r"^\s+\.[\w.\[\]=\-/]*: ")
_PATCH_DID_NOT_DECODE = re.compile(r'^\s*"" is invalid: patch: Invalid value: \(not shown\): (.*)$', re.S)
MANIFEST_FAULTS = ("failed to create typed patch object", "failed to convert new object")
"""How kube-apiserver (HTTP 500) words a write whose values do not fit the object's type (server-side
apply of a mistyped value; a value its Go type cannot hold, such as replicas 1.5 or cpu "lots")."""
_GO_VALUE = re.compile(r"(?:got )?&value\.valueUnstructured\{.*|got &\{.*")


def is_manifest_fault(status: int | None, message: str) -> bool:
    return status == 500 and message.startswith(MANIFEST_FAULTS)


def without_secret_values(message: str) -> str:
    """A message about a Secret with every value it quotes left out (an invalid value there may be one of
    the Secret's own values, copied where validation quotes it)."""
    message = _INVALID_VALUE.sub("Invalid value: (not shown)", message)
    return _GO_VALUE.sub("got (the value, not shown)", message)


def without_echoed_objects(message: str) -> str:
    """The message with every whole object the API server quoted back left out.

    A patch that does not decode into a built-in type is refused with `patch: Invalid value: "<the whole
    object as patched, JSON>": json: cannot unmarshal …`: for a Secret that is its data, and for any
    object whatever it holds. Quoted values that are objects or lists (JSON, or Go's map[…] form) are
    dropped; scalar values (a name, a number) are kept, they say what was wrong.
    """

    def shown(found: re.Match[str]) -> str:
        value = found.group(1)
        if value[:1] in ("{", "[") or value.startswith("map["):
            return "Invalid value: (not shown)"
        return found.group(0)

    cleaned = _INVALID_VALUE.sub(shown, message)
    first, _, rest = cleaned.strip("\n").partition("\n")
    listed = rest.splitlines()
    if listed and all(_FIELD_ERROR_LINE.match(line) for line in listed):
        # server-side apply lists one field error a line: one line, the fields joined.
        cleaned = f"{first.rstrip()} " + "; ".join(line.strip() for line in listed)
    elif rest:
        # Only a quote of the object spans lines ("pod updates may not change fields …" is followed by a
        # diff of the whole pod spec, env values included): the explanation is the first line.
        more = rest.count("\n") + 1
        cleaned = f"{first.rstrip()} ({more} more line{'s' if more != 1 else ''} of the server's message not shown: " \
                  "they quote the object)"
    decoded = _PATCH_DID_NOT_DECODE.match(cleaned)
    if decoded:
        return f"the patched object does not fit its type: {decoded.group(1)}"
    return cleaned


def server_message(exc: BaseException) -> str:
    """The API server's own explanation: Status.message for JSON bodies, else the body text; objects it
    quoted back are left out (`without_echoed_objects`)."""
    return without_echoed_objects(_raw_server_message(exc))


def _raw_server_message(exc: BaseException) -> str:
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
    # Masked before the cut: a cut through a token leaves a fragment no detector recognises.
    return clip_line(redact_text(body), 500)


KUBELET_SUBRESOURCES = frozenset({"pods/log", "pods/exec", "pods/attach", "pods/portforward", "nodes/proxy",
                                  "pods/proxy"})
"""Requests the API server does not answer itself but proxies to the kubelet of the pod's node."""

_KUBELET_MARKERS = ("no preferred addresses found", ":10250", "dialing backend", "kubelet", "proxy error")
_CONFLICT_MANAGER = re.compile(r'conflict with "([^"]+)"')


def is_kubelet_failure(status: int | None, request: ApiRequest, message: str) -> bool:
    """A 5xx on a kubelet-proxied path that the kubelet, not the API server, caused.

    The API server answers 500 when it cannot reach the kubelet ("no preferred addresses found;
    known addresses: []" for a node with no address, "dial tcp …:10250: connect: connection refused"
    for a stopped kubelet); a 503 or 429 with its own Retry-After is still the API server being busy.
    """
    if status is None or status < 500 or request.resource not in KUBELET_SUBRESOURCES:
        return False
    return status in (500, 502) or any(marker in message.lower() for marker in _KUBELET_MARKERS)


def _status_document(exc: BaseException) -> dict[str, Any]:
    """The metav1.Status the API server answered with, {} when the body is not one."""
    response = response_of(exc)
    if response is None:
        return {}
    try:
        decoded: Any = json.loads(response.content or b"{}")
    except (ValueError, httpx2.ResponseNotRead, RuntimeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def field_conflicts(exc: BaseException) -> tuple[FieldOwnership, ...]:
    """The fields a server-side apply would take from other managers, from the 409's Status causes.

    Each cause reads `{"reason": "FieldManagerConflict", "field": ".data.mode",
    "message": "conflict with \"kustomize-controller\" using v1"}` on a real API server.
    """
    details = _status_document(exc).get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    owned: list[FieldOwnership] = []
    for cause in causes if isinstance(causes, list) else []:
        if not isinstance(cause, dict) or cause.get("reason") != "FieldManagerConflict":
            continue
        found = _CONFLICT_MANAGER.search(str(cause.get("message") or ""))
        manager = found.group(1) if found else "another field manager"
        owned.append(FieldOwnership(manager, str(cause.get("field") or "")))
    return tuple(owned)


def _server_reason(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return str(getattr(getattr(exc, "status", None), "reason", None) or "")
    return ""


def _tries(attempts: int, elapsed: float) -> str:
    if attempts <= 1:
        return ""
    return f" after {attempts} attempts over {elapsed:.1f} s"


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


def api_failure(cause: BaseException, request: ApiRequest, attempts: int = 1, elapsed: float = 0.0) -> KubeError:
    """The typed error for an API failure (`is_api_failure(cause)` holds) of the call `request` describes."""
    server = request.server or "the configured server"
    tried: dict[str, Any] = {"request": request, "attempts": attempts, "elapsed": elapsed}
    if isinstance(cause, ConfigError):
        return ConfigProblem(f"kubeconfig problem: {config_problem(cause)}.", **tried)
    if isinstance(cause, httpx2.TimeoutException):
        return TimedOut(
            f"the Kubernetes API at {server} did not answer in time ({type(cause).__name__}"
            f"{_tries(attempts, elapsed)}) while trying to {request.verb} {request.what}; "
            "check the kubeconfig/context/VPN",
            **tried,
        )
    if isinstance(cause, httpx2.TransportError):
        return Unreachable(
            f"cannot reach the Kubernetes API at {server}: {cause or type(cause).__name__}"
            f"{_tries(attempts, elapsed)}; check the kubeconfig/context/VPN",
            **tried,
        )
    status = http_status_of(cause)
    if status is None:
        return MalformedResponse(
            f"the Kubernetes API at {server} answered {request.verb} {request.what} with a body that could not "
            f"be read ({type(cause).__name__}: {cause})",
            **tried,
        )
    message = server_message(cause)
    if request.resource == "secrets" and not request.group:
        message = without_secret_values(message)
    fields: dict[str, Any] = {**tried, "status": status, "reason": _server_reason(cause), "server_message": message}
    if status == 401:
        return Unauthorized(
            f"the Kubernetes API at {server} rejected our credentials (HTTP 401 Unauthorized): the token or "
            "certificate has expired or is invalid. Log in again / refresh the kubeconfig "
            "(e.g. re-run your cloud CLI's get-credentials), then retry.",
            **fields,
        )
    if status == 403:
        group = request.group or "core"
        resource = request.resource or "the resource"
        text = (f"forbidden: the current identity may not {request.verb} {resource} (API group {group}) "
                f"{request.scope}.")
        if message:
            text += f"\nAPI server: {message}"
        return Forbidden(text, **fields)
    if status == 404:
        return NotFound(not_found_message(request, message), **fields)
    if status == 409:
        conflicts = field_conflicts(cause)
        if conflicts:
            owners = "; ".join(f"{c.field} (owned by {c.manager})" for c in conflicts)
            return FieldConflict(
                f"server-side apply of {request.what} conflicts with fields other field managers own: {owners}",
                conflicts=conflicts, **fields,
            )
        return Conflict(f"conflict on {request.what} (HTTP 409): {message}. Read the object again and retry.", **fields)
    if status == 410:
        return Gone(f"the continue token has expired (HTTP 410 Gone): {message}.", **fields)
    if status == 422:
        return Invalid(f"the API server rejected {request.what} as invalid (HTTP 422): {message}", **fields)
    if status == 400:
        return BadRequest(f"bad request for {request.what} (HTTP 400): {message}", **fields)
    if is_manifest_fault(status, message):
        # The values do not fit the object's type: the same answer however often it is sent.
        return Invalid(
            f"the API server rejected {request.what} as invalid (HTTP 500): {message}. Fix that field's value.",
            **fields,
        )
    if is_kubelet_failure(status, request, message):
        return KubeletUnreachable(
            f"the kubelet of the node running {request.what} is unreachable (the API server answered HTTP {status} "
            f"to {request.verb} {request.resource}{_tries(attempts, elapsed)}): {message or '(no message)'}",
            **fields,
        )
    if status == 429:
        # API Priority and Fairness (or an overloaded server) refusing the request: the API is up.
        return Unavailable(
            f"the Kubernetes API at {server} refused {request.verb} {request.what} as too many requests "
            f"(HTTP 429{_tries(attempts, elapsed)}): it is overloaded or "
            f"limits this identity's requests (API Priority and Fairness); retry later. Server said: "
            f"{message or '(no message)'}",
            **fields,
        )
    if status >= 500 or status == 408:
        return Unavailable(
            f"the Kubernetes API at {server} is unavailable (HTTP {status}{_tries(attempts, elapsed)}); "
            f"retry later. Server said: {message or '(no message)'}",
            **fields,
        )
    return KubeError(f"the Kubernetes API answered HTTP {status} to {request.verb} {request.what}: {message}",
                     **fields)


