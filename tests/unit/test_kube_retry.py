"""The retry policy: transient failures are retried within bounds, everything else fails at once."""

from __future__ import annotations

import httpx2
import pytest

from flux_mcp.kube.errors import ApiRequest, NotFound, Unavailable
from flux_mcp.kube.failures import http_status_of
from flux_mcp.kube.retry import RetryPolicy, is_transient, retry_after_of

QUICK = RetryPolicy(attempts=4, total_seconds=5.0, initial_wait=0.001, max_wait=0.01, jitter=0.001,
                    retry_after_cap=0.02)
REQUEST = httpx2.Request("GET", "https://api.test/api/v1/pods")
LIST_PODS = ApiRequest(verb="list", resource="pods", server="https://api.test")


def http_error(code: int, headers: dict[str, str] | None = None) -> httpx2.HTTPStatusError:
    response = httpx2.Response(code, request=REQUEST, headers=headers or {"Content-Type": "text/plain"})
    return httpx2.HTTPStatusError(f"HTTP {code}", request=REQUEST, response=response)


class Flaky:
    """Fails with the given exceptions in turn, then answers."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_busy_statuses_are_transient(code: int) -> None:
    assert is_transient(http_error(code))


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 410, 422])
def test_answers_about_the_request_are_not_transient(code: int) -> None:
    assert not is_transient(http_error(code))


def test_transport_errors_are_transient() -> None:
    assert is_transient(httpx2.ConnectError("refused", request=REQUEST))
    assert is_transient(httpx2.ReadTimeout("slow", request=REQUEST))


def test_a_key_error_raised_while_handling_an_error_response_keeps_its_status() -> None:
    # lightkube raises KeyError('content-type') from inside its HTTPStatusError handler.
    try:
        try:
            raise http_error(503)
        except httpx2.HTTPStatusError:
            raise KeyError("content-type") from None
    except KeyError as exc:
        assert http_status_of(exc) == 503
        assert is_transient(exc)


def test_retry_after_is_read_in_seconds() -> None:
    assert retry_after_of(http_error(429, {"Retry-After": "3"})) == 3.0
    assert retry_after_of(http_error(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) is None
    assert retry_after_of(http_error(429)) is None


async def test_two_transient_failures_then_success() -> None:
    call = Flaky(http_error(503), httpx2.ConnectError("reset", request=REQUEST))

    assert await QUICK.call(call, LIST_PODS) == "ok"
    assert call.calls == 3


async def test_gives_up_after_the_attempt_bound_with_the_count() -> None:
    call = Flaky(*(http_error(503) for _ in range(10)))

    with pytest.raises(Unavailable) as raised:
        await QUICK.call(call, LIST_PODS)

    assert raised.value.attempts == 4
    assert call.calls == 4
    assert raised.value.status == 503 and raised.value.request == LIST_PODS


async def test_the_total_time_bound_stops_retrying_before_the_attempts_run_out() -> None:
    patient_server = RetryPolicy(attempts=10, total_seconds=0.05, initial_wait=0.001, retry_after_cap=10.0)
    call = Flaky(*(http_error(503, {"Retry-After": "1"}) for _ in range(10)))

    with pytest.raises(Unavailable):
        await patient_server.call(call, LIST_PODS)

    # The first wait (Retry-After: 1 s) would already end past the 50 ms bound.
    assert call.calls == 1


async def test_retry_after_is_honoured_but_capped() -> None:
    call = Flaky(http_error(429, {"Retry-After": "3600"}))

    assert await QUICK.call(call, LIST_PODS) == "ok"
    assert call.calls == 2


async def test_non_idempotent_calls_are_tried_once() -> None:
    call = Flaky(http_error(503))

    with pytest.raises(Unavailable) as raised:
        await QUICK.call(call, LIST_PODS, idempotent=False)

    assert call.calls == 1 and raised.value.attempts == 1


async def test_permanent_errors_are_not_retried() -> None:
    call = Flaky(http_error(404))

    with pytest.raises(NotFound):
        await QUICK.call(call, LIST_PODS)

    assert call.calls == 1


def test_the_total_bound_follows_the_request_timeout_up_to_20s() -> None:
    assert RetryPolicy.for_timeout(5).total_seconds == 5
    assert RetryPolicy.for_timeout(120).total_seconds == 20


def test_a_retry_after_that_is_not_a_finite_number_falls_back_to_backoff() -> None:
    assert retry_after_of(http_error(503, {"Retry-After": "nan"})) is None
    assert retry_after_of(http_error(503, {"Retry-After": "inf"})) is None
    assert retry_after_of(http_error(503, {"Retry-After": "-4"})) == 0.0


async def test_a_bug_in_the_called_code_is_not_retried_nor_dressed_as_an_api_failure() -> None:
    call = Flaky(AttributeError("'NoneType' object has no attribute 'get'"))

    with pytest.raises(AttributeError):
        await QUICK.call(call, LIST_PODS)

    assert call.calls == 1


async def test_a_bug_in_a_non_idempotent_call_propagates_unchanged() -> None:
    bug = TypeError("unsupported operand")

    with pytest.raises(TypeError) as raised:
        await QUICK.call(Flaky(bug), LIST_PODS, idempotent=False)

    assert raised.value is bug
