"""Shared fixtures: the sandbox cluster (an emulated API server with the Flux fleet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions

_SANDBOX_FIXTURES = ("sandbox", "sandbox_plain")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A started sandbox with the default fleet and flux-operator, shared by the test module."""
    sb = Sandbox(SandboxOptions(scale=0, operator=True, reconcile_delay=0.05)).start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def sandbox_plain() -> Iterator[Sandbox]:
    """A started sandbox with a plain flux bootstrap (no flux-operator kinds)."""
    sb = Sandbox(SandboxOptions(scale=0, operator=False, reconcile_delay=0.05)).start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def sandbox_kubeconfig(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kubeconfig file for `sandbox` (contexts `sandbox` and `sandbox-alt`)."""
    return sandbox.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")


@pytest.fixture(autouse=True)
def _reset_sandboxes(request: pytest.FixtureRequest) -> None:
    """Each test starts without faults, without RBAC enforcement and with an empty request log."""
    for name in _SANDBOX_FIXTURES:
        if name in request.fixturenames:
            sb: Sandbox = request.getfixturevalue(name)
            sb.clear_faults()
            sb.enforce_rbac(None)
            sb.clear_requests()
