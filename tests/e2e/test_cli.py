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
