"""Fixtures of the tool tests: a tool session on the shared sandbox, and the special sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from tests.harness import ToolSession, server_on


@pytest.fixture
def session(sandbox: Sandbox, sandbox_kubeconfig: Path) -> ToolSession:
    """A server on the module's sandbox; every answer is checked for the fleet's secret canaries."""
    return ToolSession(server_on(sandbox_kubeconfig), sandbox, forbid_canaries=True)


@pytest.fixture(scope="session")
def large_kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A kubeconfig for a sandbox of ≈5,000 Flux objects, started once for the whole run."""
    sb = Sandbox(SandboxOptions(scale=1250, operator=True, reconcile_delay=0.05)).start()
    try:
        yield sb.write_kubeconfig(tmp_path_factory.mktemp("large") / "config")
    finally:
        sb.stop()


@pytest.fixture(scope="module")
def sandbox_without_metrics() -> Iterator[Sandbox]:
    sb = Sandbox(SandboxOptions(metrics=False)).start()
    yield sb
    sb.stop()
