"""Read-only mode: a session calling every read tool across the fleet makes zero mutating requests."""

from __future__ import annotations

from mcp.client import Client

from flux_mcp.sandbox import Sandbox
from tests.harness import call_tool, list_tools, text_of

from ._catalogue import case_for
from ._harness import error_problem
from ._summary import SUMMARY
from .conftest import ServerFactory

SECTION = "read-only session (requests made by every read tool)"


async def test_read_only_session_makes_no_mutating_request(sandbox: Sandbox, make_server: ServerFactory) -> None:
    sandbox.clear_requests()
    problems: list[str] = []
    async with Client(make_server(read_only=True)) as client:
        tools = await list_tools(client)
        for name, tool in tools.items():
            annotations = tool.annotations
            case = case_for(name, tool.input_schema, annotations.read_only_hint if annotations else None)
            for args in (case.args, *case.variants):
                since = len(sandbox.requests)
                result = await call_tool(client, name, dict(args))
                # diff_kubernetes_manifest's server-side-apply dry run (dryRun=All) persists nothing.
                mutating = [f"{r.method} {r.path}" for r in sandbox.requests[since:] if r.mutating and not r.dry_run]
                ok = not mutating
                note = f"{name} {args}: mutating requests {mutating}" if mutating else ""
                if result.is_error:
                    problem = error_problem(text_of(result))
                    if problem:
                        ok, note = False, f"{name} {args}: {problem}"
                kind = "clear ToolError" if result.is_error else "answered"
                SUMMARY.record(SECTION, name, ok, note, outcome=kind)
                if not ok:
                    problems.append(note)
    assert sandbox.requests, "the read tools made no request at all: the test would prove nothing"
    assert not problems, "\n".join(problems)
