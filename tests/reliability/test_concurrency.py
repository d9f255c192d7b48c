"""Concurrency and leaks over ONE real stdio session.

50 tool calls in flight at once are all answered, each with its own answer; and the server's
resident memory after 1,000 calls stays within 10% of what it was after 100 (no per-call leak).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from tests.harness import call_tool, text_of

from ._catalogue import CASES
from ._stdio import REPO, child_env, find_server_pid, rss_kib, server_command
from ._summary import SUMMARY

SECTION = "concurrency over one stdio session"

# (arguments, text the answer must contain): distinct answers, so a mixed-up reply is caught.
RESOURCE_QUESTIONS: list[tuple[dict[str, Any], str]] = [
    ({"kind": "Kustomization", "name": "legacy", "namespace": "team-legacy"}, "legacy"),
    ({"kind": "Kustomization", "name": "data-apps", "namespace": "team-data"}, "data-apps"),
    ({"kind": "Kustomization", "name": "billing-infra", "namespace": "team-billing"}, "billing-infra"),
    ({"kind": "GitRepository", "name": "billing", "namespace": "team-billing"}, "billing"),
    ({"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"}, "frontend"),
    ({"kind": "HelmRelease", "name": "podinfo", "namespace": "podinfo"}, "podinfo"),
    ({"kind": "Kustomization", "name": "api", "namespace": "team-api"}, "team-api"),
    ({"kind": "Kustomization", "name": "search", "namespace": "team-search"}, "search"),
]


def stdio_params(kubeconfig: Path) -> StdioServerParameters:
    command = server_command(kubeconfig)
    return StdioServerParameters(command=command[0], args=command[1:], env=child_env(), cwd=REPO)


def question(i: int) -> tuple[str, dict[str, Any], str]:
    """The i-th call of the mix: a kubeconfig read or a small resource get, with its expected marker."""
    if i % 3 == 0:
        return "get_kubeconfig_contexts", {}, "sandbox-alt"
    args, marker = RESOURCE_QUESTIONS[i % len(RESOURCE_QUESTIONS)]
    return "get_kubernetes_resources", args, marker


async def ask(client: Client, i: int) -> str | None:
    """One call of the mix; the problem with its answer, or None."""
    tool, args, marker = question(i)
    result = await call_tool(client, tool, args)
    text = text_of(result)
    if result.is_error:
        return f"call {i} {tool} {args} failed: {text[:200]!r}"
    if marker not in text:
        return f"call {i} {tool} {args}: answer lacks {marker!r}: {text[:200]!r}"
    return None


async def ask_many(client: Client, start: int, count: int, parallel: int) -> list[str]:
    problems: list[str] = []
    limiter = anyio.CapacityLimiter(parallel)

    async def one(i: int) -> None:
        async with limiter:
            problem = await ask(client, i)
        if problem:
            problems.append(problem)

    async with anyio.create_task_group() as group:
        for i in range(start, start + count):
            group.start_soon(one, i)
    return problems


async def test_fifty_parallel_calls_then_no_leak_over_1000(sandbox: object, unique_kubeconfig: Path) -> None:
    assert "get_kubernetes_resources" in CASES
    async with Client(stdio_params(unique_kubeconfig), read_timeout_seconds=60) as client:
        pid = find_server_pid(unique_kubeconfig.name)

        # 50 calls in flight at once over the one session.
        problems = await ask_many(client, 0, 50, parallel=50)
        SUMMARY.record(SECTION, "50 parallel calls answered correctly", not problems, "; ".join(problems[:3]))
        assert not problems, "\n".join(problems)

        # Memory: after 100 calls vs after 1,000 (bounded parallelism keeps the run short).
        problems = await ask_many(client, 50, 50, parallel=10)
        rss_100 = rss_kib(pid)
        problems += await ask_many(client, 100, 900, parallel=10)
        rss_1000 = rss_kib(pid)
        growth = (rss_1000 - rss_100) / rss_100
        note = f"VmRSS after 100 calls {rss_100} KiB, after 1,000 {rss_1000} KiB ({growth:+.1%})"
        print(note, file=sys.stderr)
        SUMMARY.record(SECTION, "1,000 calls answered correctly", not problems, "; ".join(problems[:3]))
        SUMMARY.record(SECTION, f"RSS 100→1,000 calls {growth:+.1%} (≤ +10%)", growth <= 0.10, note)
        assert not problems, "\n".join(problems[:10])
        assert growth <= 0.10, note
