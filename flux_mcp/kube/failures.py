"""Classifying what lightkube and httpx2 raise into the typed errors of `kube.errors`.

lightkube surfaces a failed response three ways (ApiError for JSON bodies, HTTPStatusError for
other bodies, KeyError when the response has no Content-Type); the network fails as
httpx2.TransportError; configuration problems met while calling (an exec plugin, a certificate)
as lightkube's ConfigError.
"""

from __future__ import annotations

import json
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
    Forbidden,
    Gone,
    Invalid,
    KubeError,
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
    # Masked before the cut: a cut through a token leaves a fragment no detector recognises.
    return clip_line(redact_text(body), 500)


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
    message = _server_message(cause)
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
        return Conflict(f"conflict on {request.what} (HTTP 409): {message}. Read the object again and retry.", **fields)
    if status == 410:
        return Gone(f"the continue token has expired (HTTP 410 Gone): {message}.", **fields)
    if status == 422:
        return Invalid(f"the API server rejected {request.what} as invalid (HTTP 422): {message}", **fields)
    if status == 400:
        return BadRequest(f"bad request for {request.what} (HTTP 400): {message}", **fields)
    if status >= 500 or status in (408, 429):
        return Unavailable(
            f"the Kubernetes API at {server} is unavailable (HTTP {status}{_tries(attempts, elapsed)}); "
            f"retry later. Server said: {message or '(no message)'}",
            **fields,
        )
    return KubeError(f"the Kubernetes API answered HTTP {status} to {request.verb} {request.what}: {message}",
                     **fields)


