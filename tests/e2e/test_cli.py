"""`fluxcd-mcp call TOOL JSON`: one tool from the shell, readable output, exit code 1 on a tool error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flux_mcp.sandbox import CANARY_FORMS, Sandbox

REPO = Path(__file__).resolve().parents[2]


def fluxcd_mcp(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KUBECONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "flux_mcp", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
        check=False,
    )


def test_call_get_flux_instance_prints_a_readable_report(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    done = fluxcd_mcp("--kubeconfig", str(sandbox_kubeconfig), "call", "get_flux_instance", "{}")

    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert "version: v2.9.0" in report
    assert "flux-system/source-controller: ready 1/1 image=ghcr.io/fluxcd/source-controller:v1.7.0" in report
    assert "Kustomization (kustomize.toolkit.fluxcd.io): served v1; stored v1" in report
    assert "GitRepository: 6 total, 5 ready, 1 failing, 0 suspended" in report
    assert not [c for c in CANARY_FORMS if c in report + done.stderr]


def test_a_tool_error_exits_1_with_the_message_on_stderr(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    done = fluxcd_mcp("--kubeconfig", str(sandbox_kubeconfig), "call", "get_kubernetes_resources",
                      '{"kind": "Kustomizaton"}')

    assert done.returncode == 1
    assert "unknown kind 'Kustomizaton'" in done.stderr
    assert "Kustomization (kustomize.toolkit.fluxcd.io)" in done.stderr
    assert done.stdout == ""


def test_sandbox_mode_answers_without_any_kubeconfig() -> None:
    arguments = '{"kind": "GitRepository", "namespace": "team-billing", "fields": [".status.conditions[0].reason"]}'
    done = fluxcd_mcp("--sandbox", "call", "get_kubernetes_resources", arguments)

    assert done.returncode == 0, done.stderr
    assert ".status.conditions[0].reason: GitOperationFailed" in done.stdout


def test_a_refused_argument_reads_the_same_on_the_command_line_as_over_mcp(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    done = fluxcd_mcp("--kubeconfig", str(sandbox_kubeconfig), "call", "get_kubernetes_resources",
                      '{"kind": "ks", "ns": "team-billing"}')

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == "unknown argument 'ns': did you mean 'namespace'?"


def test_tools_prints_the_catalogue_and_read_only_leaves_the_write_tools_out() -> None:
    everything = fluxcd_mcp("tools")
    read_only = fluxcd_mcp("--read-only", "tools")

    assert everything.returncode == 0 and read_only.returncode == 0, everything.stderr + read_only.stderr
    assert "get_kubernetes_resources  [read-only]" in everything.stdout
    assert "arguments: kind*, name, namespace, apiVersion" in everything.stdout
    assert "delete_kubernetes_resource  [changes state]" in everything.stdout
    assert "delete_kubernetes_resource" not in read_only.stdout
    assert "set_kubeconfig_context  [changes state]" in read_only.stdout


def test_a_reader_that_stops_early_ends_the_call_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KUBECONFIG", None)
    # Far more than a pipe buffer holds, so the write meets the closed pipe.
    command = [sys.executable, "-m", "flux_mcp", "--sandbox", "--output-limit", "2000000", "--sandbox-scale", "40",
               "call", "get_kubernetes_resources", '{"kind": "Pod", "limit": 1000}']
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO) as producer:
        assert producer.stdout is not None and producer.stderr is not None
        first = producer.stdout.readline()
        producer.stdout.close()
        errors = producer.stderr.read().decode()
        code = producer.wait(timeout=120)

    assert first.startswith(b"# ")
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
    assert code == 0


def test_serving_on_a_terminal_says_what_it_is_waiting_for() -> None:
    import pty
    import select

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KUBECONFIG", None)
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "flux_mcp", "--sandbox"], stdin=follower,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO) as server:
        os.close(follower)
        try:
            assert server.stderr is not None
            ready, _, _ = select.select([server.stderr], [], [], 60)
            assert ready, "nothing on stderr within 60 s"
            line = server.stderr.readline().decode()
        finally:
            server.terminate()
            server.wait(timeout=30)
            os.close(leader)
    assert line.startswith("fluxcd-mcp serves MCP on stdio against the built-in sandbox cluster"), line
    assert "fluxcd-mcp --sandbox call get_flux_health" in line


def test_a_bad_option_is_one_line_without_a_validation_dump() -> None:
    done = fluxcd_mcp("--output-limit", "1500", "tools")

    assert done.returncode == 2
    assert done.stderr.strip() == ("fluxcd-mcp: invalid option --output-limit 1500: "
                                   "Input should be greater than or equal to 2000")


def test_start_up_imports_no_cluster_client() -> None:
    """lightkube and its HTTP stack load on the first tool call (or in the background after the
    first tools/list), never while the server is built: the first tools/list answer waits for it."""
    probe = (
        "import sys\n"
        "from flux_mcp.server import build_server\n"
        "build_server()\n"
        "print(sorted(m for m in ('lightkube', 'flux_mcp.kube.gateway', 'httpcore2') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=str(REPO), env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert done.stdout.strip() == "[]"
