"""The retry policy for Kubernetes API calls.

Only idempotent calls are retried (get, list, discovery, logs, merge/strategic/apply patches):
repeating a create, a delete or a JSON patch could act twice. Retried: 408, 429 and the 5xx
statuses a busy or restarting API server answers with, plus transport failures (refused,
reset, timed out). A server's `Retry-After` is honoured, capped so one call stays bounded.

Only failures of the HTTP exchange are caught and turned into typed `KubeError`s. Any other
exception is a bug in our code: it passes through untouched, traceback and all, so the tool
boundary reports it as an internal error instead of as an API failure.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx2
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    stop_before_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from flux_mcp.kube.errors import ApiRequest, KubeError
from flux_mcp.kube.failures import (
    api_failure,
    http_status_of,
    is_api_failure,
    is_kubelet_failure,
    is_manifest_fault,
    response_of,
    server_message,
)

log = logging.getLogger("flux_mcp.kube")

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds form only; dates are rare from kube)."""
    response = response_of(exc)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None  # "nan" or "inf" parse as floats but are no wait; fall back to our own backoff
    return max(seconds, 0.0)


def is_transient(exc: BaseException, statuses: frozenset[int] = RETRYABLE_STATUSES) -> bool:
    if isinstance(exc, httpx2.TransportError):
        return True
    status = http_status_of(exc)
    if status is None or status not in statuses:
        return False
    # Values that do not fit the object's type (a 500): sending them again cannot help.
    return not (status == 500 and is_manifest_fault(status, server_message(exc)))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    """Tries in total, the first one included."""
    total_seconds: float = 20.0
    """No new attempt starts when its wait would end after this many seconds since the first."""
    initial_wait: float = 0.2
    max_wait: float = 3.0
    jitter: float = 0.2
    retry_after_cap: float = 5.0
    kubelet_attempts: int = 2
    """Tries of a request the API server proxies to a kubelet (pods/log, exec) that the kubelet failed:
    a node that did not answer once rarely answers a moment later, and every try costs the caller."""
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    """HTTP statuses worth another try (transport failures always are)."""

    @classmethod
    def for_timeout(cls, timeout: float) -> RetryPolicy:
        return cls(total_seconds=min(timeout, 20.0))

    def _wait(self) -> Callable[[RetryCallState], float]:
        backoff = wait_exponential_jitter(multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter)

        def wait(state: RetryCallState) -> float:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            server_says = retry_after_of(exc) if exc is not None else None
            if server_says is not None:
                return min(server_says, self.retry_after_cap)
            return float(backoff(state))

        return wait

    async def call(self, fn: Callable[[], Awaitable[T]], request: ApiRequest, *, idempotent: bool = True) -> T:
        """Run `fn`, retrying transient API failures when the call is idempotent.

        An API failure that persists is raised as the `KubeError` for `request`, carrying the
        attempts made and the time spent. Any other exception propagates unchanged.
        """
        started = time.monotonic()
        attempts = 0
        try:
            if not idempotent:
                attempts = 1
                return await fn()
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(lambda exc: is_transient(exc, self.retry_statuses)),
                stop=stop_any(stop_after_attempt(self.attempts), stop_before_delay(self.total_seconds),
                              _KubeletGaveUp(request, self.kubelet_attempts)),
                wait=self._wait(),
                reraise=True,
                before_sleep=_log_retry,
            ):
                with attempt:
                    attempts += 1
                    return await fn()
        except KubeError:
            raise
        except Exception as exc:
            if not is_api_failure(exc):
                raise
            raise api_failure(exc, request, attempts, time.monotonic() - started) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover


class _KubeletGaveUp(stop_base):
    """Stop once a kubelet-proxied request failed `attempts` times because of the kubelet."""

    def __init__(self, request: ApiRequest, attempts: int) -> None:
        self.request = request
        self.attempts = attempts

    def __call__(self, retry_state: RetryCallState) -> bool:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        return (exc is not None and retry_state.attempt_number >= self.attempts
                and is_kubelet_failure(http_status_of(exc), self.request, server_message(exc)))


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    log.info(
        "kubernetes API call failed (attempt %d, %s); retrying in %.2fs",
        state.attempt_number, type(exc).__name__, state.upcoming_sleep,
    )
