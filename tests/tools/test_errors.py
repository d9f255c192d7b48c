"""The tool boundary: failures end as one clear, actionable ToolError; transient ones are retried within bounds."""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from mcp.client import Client

from flux_mcp.kube import gateway
from flux_mcp.sandbox import Sandbox
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.harness import answer_of, ask, call_tool, server_on

APPS_PATH = r"^/apis/kustomize\.toolkit\.fluxcd\.io/v1/namespaces/flux-system/kustomizations/apps$"

READ_SOME_SOURCES = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: read-sources-only
rules:
- apiGroups: ["source.toolkit.fluxcd.io"]
  resources: ["gitrepositories"]
  verbs: ["get", "list"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list"]
"""


def requests_to(sandbox: Sandbox, path_suffix: str) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith(path_suffix))


async def test_forbidden_names_the_missing_rule(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    sandbox.enforce_rbac([READ_SOME_SOURCES])
    server = server_on(sandbox_kubeconfig)

    allowed = await ask(server, "get_kubernetes_resources", kind="GitRepository", namespace="team-billing")
    denied = await ask(server, "get_kubernetes_resources", kind="Kustomization", namespace="team-billing")

    assert not allowed.is_error, allowed.text
    assert denied.is_error
    assert "may not list kustomizations (API group kustomize.toolkit.fluxcd.io)" in denied.text
    assert 'in namespace "team-billing"' in denied.text
    rule = yaml.safe_load(denied.text[denied.text.index("- apiGroups"):])
    assert rule == [{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"],
                     "verbs": ["list"]}]


async def test_a_flux_kind_whose_crd_is_absent_is_not_installed(sandbox_plain: Sandbox, tmp_path: Path) -> None:
    kubeconfig = sandbox_plain.write_kubeconfig(tmp_path / "plain")

    answer = await ask(server_on(kubeconfig), "get_kubernetes_resources", kind="FluxInstance")

    assert answer.is_error
    assert (
        "FluxInstance (fluxcd.controlplane.io) is not installed in this cluster: the Flux component flux-operator"
        in answer.text
    )


async def test_two_503s_then_200_succeeds(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    sandbox.inject_fault("GET", APPS_PATH, status=503, times=2)

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       name="apps", namespace="flux-system")

    assert not answer.is_error, answer.text
    assert answer.structured["names"] == ["flux-system/apps"]
    assert requests_to(sandbox, "/kustomizations/apps") == 3


async def test_a_permanent_503_fails_within_the_retry_bound_and_the_next_call_works(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    sandbox.inject_fault("GET", APPS_PATH, status=503, content_type="text/plain", body="apiserver overloaded")
    server = server_on(sandbox_kubeconfig)

    async with Client(server) as client:
        failed = answer_of(await call_tool(
            client, "get_kubernetes_resources", {"kind": "Kustomization", "name": "apps", "namespace": "flux-system"}))
        sandbox.clear_faults()
        recovered = answer_of(await call_tool(
            client, "get_kubernetes_resources", {"kind": "Kustomization", "name": "apps", "namespace": "flux-system"}))

    assert failed.is_error
    assert f"the Kubernetes API at {sandbox.url} is unavailable (HTTP 503 after 4 attempts" in failed.text
    assert "apiserver overloaded" in failed.text
    assert not recovered.is_error and recovered.structured["names"] == ["flux-system/apps"]


async def test_an_error_response_without_content_type_is_still_explained(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    sandbox.inject_fault("GET", APPS_PATH, status=500, content_type=None, body="oops")

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       name="apps", namespace="flux-system")

    assert answer.is_error and "HTTP 500" in answer.text and "internal error" not in answer.text


async def test_a_connection_reset_says_the_api_cannot_be_reached(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    sandbox.inject_fault("GET", APPS_PATH, status=None, reset=True)

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       name="apps", namespace="flux-system")

    assert answer.is_error
    assert f"cannot reach the Kubernetes API at {sandbox.url}" in answer.text
    assert "after 4 attempts" in answer.text


async def test_a_missing_kubeconfig_is_reported_on_the_first_call_not_at_start_up(tmp_path: Path) -> None:
    server = build_server(Settings(kubeconfig=str(tmp_path / "nowhere.yaml")))

    async with Client(server) as client:
        tools = await client.list_tools()
        result = answer_of(await call_tool(client, "get_flux_instance", {}))

    assert "get_flux_instance" in {t.name for t in tools.tools}
    assert result.is_error
    assert "cannot load the Kubernetes configuration: no kubeconfig file found" in result.text
    assert "nowhere.yaml" in result.text


async def test_a_bug_in_our_code_is_an_internal_error_whose_id_leads_to_the_traceback_in_the_log(
    sandbox: Sandbox, sandbox_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_decoder(obj: Any) -> dict[str, Any]:
        raise KeyError("kind")  # a KeyError like lightkube's missing Content-Type, but with no HTTP cause

    # Inside the retried call: before, any exception there was reported as an API failure.
    monkeypatch.setattr(gateway, "_plain", broken_decoder)
    caplog.set_level(logging.ERROR, logger="flux_mcp.tools")

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization")

    assert answer.is_error
    found = re.search(r"internal error ([0-9a-f]{8}) in get_kubernetes_resources \(KeyError\)", answer.text)
    assert found, answer.text
    assert "Kubernetes API" not in answer.text.split(":")[0] and "unexpected failure" not in answer.text
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "broken_decoder" in "".join(traceback.format_exception(*logged[0].exc_info))
    assert requests_to(sandbox, "/kustomizations") == 1  # a bug is not retried


async def test_a_200_that_is_not_a_list_is_a_clear_error_not_an_empty_list(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    from tests.harness import ask, server_on

    for body in ('{"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "proxy says no"}',
                 '{"kind": "KustomizationList", "items": [{"metadata": "not an object"}]}'):
        sandbox.inject_fault("GET", r"^/apis/kustomize\.toolkit\.fluxcd\.io/v1/kustomizations$", status=200,
                             body=body)
        try:
            answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization")
        finally:
            sandbox.clear_faults()
        assert answer.is_error and "could not be read" in answer.text, answer.text
        assert "no Kustomization" not in answer.text and "internal error" not in answer.text
