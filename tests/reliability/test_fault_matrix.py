"""Fault matrix: every read and write tool against every way the Kubernetes API fails.

For each tool a realistic call is made once without faults (the baseline), then once per fault
with the fault injected into the sandbox. A transient fault injected once on a retryable request
must end in success (the retry policy absorbed it); a permanent one must end in one clear
ToolError whose text names the cause. Never the SDK's bare "Error executing tool X", never an
unmapped exception, never a hang; and the same server answers the next call once the fault is gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client

from flux_mcp.sandbox import Sandbox, SandboxOptions
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.harness import call_tool, list_tools, text_of

from ._catalogue import CASES, CATALOGUE, ToolCase, case_for, tools_under_test
from ._harness import ensure_probe_configmap, error_problem
from ._summary import SUMMARY

BY_FAULT = "fault matrix — by fault (tool calls under an injected API fault)"
BY_TOOL = "fault matrix — by tool"
NEXT_CALL = "fault matrix — the same server answers the next call after each fault"

MATRIX_TIMEOUT = 2.0
"""Settings.timeout for the matrix: bounds the retry budget so a permanent 5xx fails within ~2 s."""
SLOW_TIMEOUT = 1.0
BASELINE_TRIES = 3
SLOW_DELAY = 2.0

FLUX_GROUP_PATH = r"^/apis/[^/]*fluxcd\.io(/|$)"
CRD_GONE_BODY = json.dumps({
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "the server could not find the requested resource", "reason": "NotFound",
    "details": {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]}, "code": 404,
})


@dataclass(frozen=True)
class Fault:
    name: str
    inject: dict[str, Any]
    cause: re.Pattern[str]
    transient: bool
    """Injected once: a retried idempotent call must succeed."""
    either: bool = False
    """Success (a retry within the budget) and a clear error are both right."""
    timeout: float = MATRIX_TIMEOUT
    path: str = r".*"
    paging_only: bool = False


def _cause(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


UNAVAILABLE = r"unavailable|retry later"
FAULTS: tuple[Fault, ...] = (
    Fault("429 + Retry-After, once", {"status": 429, "retry_after": 1, "times": 1},
          _cause(r"429|too many|throttl|" + UNAVAILABLE), transient=True),
    Fault("500, once", {"status": 500, "times": 1}, _cause(r"500|internal server|" + UNAVAILABLE), transient=True),
    Fault("503, permanent", {"status": 503}, _cause(r"503|" + UNAVAILABLE), transient=False),
    Fault("slow (2 s > 1 s timeout), once", {"status": None, "delay": SLOW_DELAY, "times": 1},
          _cause(r"time(d)?[ -]?out|did not answer in time|deadline"), transient=False, either=True,
          timeout=SLOW_TIMEOUT),
    Fault("connection reset, once", {"reset": True, "times": 1},
          _cause(r"reset|connect|reach|transport|closed|disconnect|protocol"), transient=True),
    Fault("non-JSON 503 body, once",
          {"status": 503, "body": "<html><body>upstream overloaded</body></html>", "content_type": "text/html",
           "times": 1},
          _cause(r"503|" + UNAVAILABLE), transient=True),
    Fault("no Content-Type 500, once", {"status": 500, "body": "oops", "content_type": None, "times": 1},
          _cause(r"500|" + UNAVAILABLE), transient=True),
    Fault("non-JSON 403 from a proxy", {"status": 403, "body": "Forbidden by egress proxy\n",
                                         "content_type": "text/plain"},
          _cause(r"403|forbidden"), transient=False),
    Fault("401 Unauthorized", {"status": 401}, _cause(r"401|unauthori[sz]ed|credentials"), transient=False),
    Fault("403 Forbidden", {"status": 403}, _cause(r"403|forbidden"), transient=False),
    # What a real API server answers for a resource path whose CRD was removed after discovery.
    Fault("404 Flux CRD missing", {"status": 404, "body": CRD_GONE_BODY},
          _cause(r"404|not ?found|not installed|could not find|does not exist|missing"), transient=False,
          path=FLUX_GROUP_PATH),
    Fault("410 expired continue", {"status": 410}, _cause(r"410|expired|continue"), transient=False,
          paging_only=True),
)




@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    missing: bool = False

    def fail(self, fault: Fault, message: str) -> None:
        self.problems.append(f"[{fault.name}] {message}")


PERMANENT = 10_000
"""`times` for a permanent fault: far more requests than any call makes, and countable."""


def _hit(sandbox: Sandbox, since: int, fault: Fault, method: str, injected: object, times: int) -> bool:
    """Whether the fault reached the API during the call.

    The sandbox counts a fault's uses down on the object it returned; the request log is the
    fallback (it records a delayed request only once the delay is over, hence the counter first).
    """
    remaining = getattr(injected, "times", None)
    if isinstance(remaining, int):
        return remaining < times
    status = fault.inject.get("status")
    path = re.compile(fault.path)
    return any(
        record.method == method and path.search(record.path) and record.status in (status, 0)
        for record in sandbox.requests[since:]
    )


def _continue_token(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if "continue" in key.lower() and isinstance(item, str) and item:
                return item
            found = _continue_token(item)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _continue_token(item)
            if found:
                return found
    return None


async def _run_fault(
    client: Client, sandbox: Sandbox, case: ToolCase, fault: Fault, outcome: Outcome
) -> None:
    args = dict(case.args)
    if fault.paging_only:
        first = await call_tool(client, case.tool, {**args, "limit": 1})
        token = _continue_token(first.structured_content)
        if first.is_error or not token:
            outcome.fail(fault, f"no continue token from a limit=1 listing: {text_of(first)[:200]!r}")
            SUMMARY.record(BY_FAULT, fault.name, False, f"{case.tool}: no continue token")
            return
        args = {**args, "limit": 1, str(case.continue_arg): token}
    if case.undo is not None:
        await call_tool(client, case.undo[0], dict(case.undo[1]))
    since = len(sandbox.requests)
    inject = dict(fault.inject)
    times = int(inject.pop("times", PERMANENT))
    injected = sandbox.inject_fault(method=case.fault_method, path=fault.path, times=times, **inject)
    try:
        try:
            result = await call_tool(client, case.tool, args)
        except TimeoutError:
            outcome.fail(fault, "the call hung (no answer within the suite's call timeout)")
            SUMMARY.record(BY_FAULT, fault.name, False, f"{case.tool}: hang")
            return
    finally:
        sandbox.clear_faults()
    hit = _hit(sandbox, since, fault, case.fault_method, injected, times)
    text = text_of(result)
    problem: str | None = None
    if result.is_error:
        kind = "clear ToolError"
        problem = error_problem(text, fault.cause)
        if problem is None and hit and fault.transient and case.idempotent_request:
            problem = f"a transient fault on a retryable request was not retried: {text[:300]!r}"
        if problem is None and not hit:
            problem = f"failed although the fault never fired: {text[:300]!r}"
    elif not hit:
        kind = "not hit"
    elif fault.transient or fault.either:
        kind = "ok after retry"
    elif fault.cause.search(text):
        kind = "ok, cause reported"
    else:
        kind = "swallowed"
        problem = "a permanent API fault was swallowed: the call succeeded without mentioning it"
    note = f"{case.tool}: {problem}" if problem else ""
    SUMMARY.record(BY_FAULT, fault.name, problem is None, note, outcome=kind)
    SUMMARY.record(BY_TOOL, case.tool, problem is None, f"[{fault.name}] {problem}", outcome=kind)
    if problem:
        outcome.fail(fault, problem)
    # The same server answers the next call once the API is healthy again.
    if case.undo is not None:
        await call_tool(client, case.undo[0], dict(case.undo[1]))
    after = await call_tool(client, case.tool, dict(case.args))
    if after.is_error:
        outcome.fail(fault, f"the next call after the fault failed: {text_of(after)[:300]!r}")
        SUMMARY.record(NEXT_CALL, fault.name, False, f"{case.tool} after [{fault.name}]")
    else:
        SUMMARY.record(NEXT_CALL, fault.name, True, outcome="answered")


WORKERS = 4
"""Tools run in parallel, each worker on its own sandbox (faults are per sandbox), so the
matrix's waits (Retry-After, retry budgets, timeouts) overlap instead of adding up."""


async def _tool_matrix(sandbox: Sandbox, kubeconfig: Path, tool: str) -> Outcome:
    outcome = Outcome()
    for timeout in sorted({f.timeout for f in FAULTS}, reverse=True):
        settings = Settings(kubeconfig=str(kubeconfig), timeout=timeout)
        async with Client(build_server(settings)) as client:
            tools = await list_tools(client)
            if tool not in tools:
                outcome.missing = True
                return outcome
            listed = tools[tool]
            annotations = listed.annotations
            case = case_for(tool, listed.input_schema, annotations.read_only_hint if annotations else None)
            # The fault-free call is a precondition, not the subject: on a loaded 2-core machine the
            # in-process sandbox can miss a 1 s connect deadline, so it gets a few tries.
            for _ in range(BASELINE_TRIES):
                baseline = await call_tool(client, tool, dict(case.args))
                if not baseline.is_error:
                    break
            if baseline.is_error:
                outcome.problems.append(f"fails without any fault: {text_of(baseline)[:500]}")
                return outcome
            for fault in FAULTS:
                if fault.timeout != timeout or (fault.paging_only and not case.continue_arg):
                    continue
                if not case.touches_cluster:
                    SUMMARY.record(BY_FAULT, fault.name, True, outcome="not hit")
                    SUMMARY.record(BY_TOOL, case.tool, True, outcome="not hit")
                    continue
                if case.cold:
                    async with Client(build_server(settings)) as cold_client:
                        await _run_fault(cold_client, sandbox, case, fault, outcome)
                else:
                    await _run_fault(client, sandbox, case, fault, outcome)
    return outcome


async def _run_matrix(tools: list[str], sandboxes: list[tuple[Sandbox, Path]]) -> dict[str, Outcome]:
    queue = list(reversed(tools))
    reports: dict[str, Outcome] = {}

    async def worker(sandbox: Sandbox, kubeconfig: Path) -> None:
        while queue:
            tool = queue.pop()
            try:
                reports[tool] = await _tool_matrix(sandbox, kubeconfig, tool)
            except Exception as exc:  # reported by the tool's test, the other tools carry on
                reports[tool] = Outcome(problems=[f"the matrix itself failed: {type(exc).__name__}: {exc}"])
            finally:
                sandbox.clear_faults()

    async with anyio.create_task_group() as group:
        for sandbox, kubeconfig in sandboxes:
            group.start_soon(worker, sandbox, kubeconfig)
    return reports


def _selected_tools(session: pytest.Session) -> list[str]:
    """The tools whose matrix test this run will execute (honours -k and node ids)."""
    selected = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") == "test_fault_matrix" and callspec is not None:
            selected.append(str(callspec.params["tool"]))
    return selected


@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Runs the whole matrix once for the module; each tool's test then reads its own outcome."""
    # Heaviest rows first so the workers finish together.
    tools = sorted(
        _selected_tools(request.session), key=lambda t: (not CASES.get(t, ToolCase(t, {})).analysis, t)
    )
    sandboxes: list[tuple[Sandbox, Path]] = []
    try:
        for index in range(WORKERS):
            sandbox = Sandbox(SandboxOptions(scale=0, operator=True, reconcile_delay=0.05)).start()
            kubeconfig = sandbox.write_kubeconfig(tmp_path_factory.mktemp(f"matrix-{index}") / "config")
            ensure_probe_configmap(sandbox.url)
            sandboxes.append((sandbox, kubeconfig))
        yield anyio.run(_run_matrix, tools, sandboxes)
    finally:
        for sandbox, _ in sandboxes:
            sandbox.stop()


@pytest.mark.parametrize("tool", tools_under_test())
def test_fault_matrix(tool: str, matrix: dict[str, Outcome]) -> None:
    outcome = matrix[tool]
    if outcome.missing:
        assert tool not in CATALOGUE, f"catalogued tool {tool} (DESIGN.md) is not registered by the server"
        pytest.skip(f"{tool} is not served")
    assert not outcome.problems, f"{tool}:\n" + "\n".join(outcome.problems)
