"""get_kubernetes_logs: merged, time-ordered container logs of pods and workloads."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, leaked_canaries, server_on


async def test_a_crashing_deployment_shows_its_error_line_without_the_token(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Deployment",
                       name="api-server", namespace="team-api")

    assert not answer.is_error, answer.text
    assert "failed to connect to database" in answer.text
    assert answer.structured["pods"] and answer.structured["pods"][0].startswith("api-server-")
    assert leaked_canaries(answer.text) == []


async def test_lines_are_time_ordered_and_the_limit_keeps_the_newest(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    server = server_on(sandbox_kubeconfig)
    full = await ask(server, "get_kubernetes_logs", kind="Deployment", name="api-server", namespace="team-api")
    capped = await ask(server, "get_kubernetes_logs", kind="Deployment", name="api-server", namespace="team-api",
                       limit=2)

    lines = [line for line in full.text.splitlines() if not line.startswith("#")]
    stamps = [line.split(" ", 1)[0] for line in lines]
    assert stamps == sorted(stamps)
    assert capped.structured["lines_returned"] == 2 and capped.structured["truncated"] is True
    assert [line for line in capped.text.splitlines() if not line.startswith("#")] == lines[-2:]


async def test_grep_is_a_case_insensitive_regex(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Deployment",
                       name="api-server", namespace="team-api", grep="LEVEL=ERROR|panic")

    lines = [line for line in answer.text.splitlines() if not line.startswith("#")]
    assert lines and all("level=error" in line or "panic" in line for line in lines)


async def test_previous_reads_the_crashed_instance(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Deployment",
                       name="api-server", namespace="team-api", previous=True)

    assert "[previous instances]" in answer.text
    log_requests = [r for r in sandbox.requests if r.path.endswith("/log")]
    assert log_requests and all(r.query.get("previous") == "true" for r in log_requests)


async def test_a_pod_by_name_with_an_unknown_container_lists_the_real_ones(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    server = server_on(sandbox_kubeconfig)
    pods = await ask(server, "get_kubernetes_resources", kind="Pod", namespace="flux-system",
                     selector="app=source-controller", fields=[".metadata.name"])
    pod = pods.structured["names"][0].split("/")[1]

    answer = await ask(server, "get_kubernetes_logs", name=pod, namespace="flux-system", container="nope")

    assert answer.is_error and "has no container 'nope'; containers: manager" in answer.text


async def test_a_missing_workload_is_a_clear_error(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_logs", kind="Deployment",
                       name="api-servr", namespace="team-api")

    assert answer.is_error and 'Deployment "api-servr" in namespace "team-api" not found' in answer.text
    assert "api-server" in answer.text
