"""Shared fixtures: the sandbox cluster (an emulated API server with the Flux fleet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from tests.realk8s.tier import TIER_ENV, TierDecision, decide

_SANDBOX_FIXTURES = ("sandbox", "sandbox_plain")
_REALK8S_DIR = Path(__file__).parent / "realk8s"
_tier: TierDecision | None = None
_tier_skipped = 0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "realk8s: needs a real kube-apiserver (the realk8s tier, tests/realk8s)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/realk8s is the realk8s tier: run, skipped with one line, or a failure."""
    global _tier, _tier_skipped
    tier_items = [item for item in items if _REALK8S_DIR in Path(str(item.path)).parents]
    if not tier_items:
        return
    _tier = decide()
    for item in tier_items:
        item.add_marker(pytest.mark.realk8s)
    if _tier.required and not (_tier.run and not _tier.flux_reason):
        raise pytest.UsageError(f"{TIER_ENV}=1 requires the realk8s tier, which cannot run: "
                                f"{_tier.reason or _tier.flux_reason}")
    if _tier.run and not _tier.flux_reason:
        return
    reason = _tier.reason or _tier.flux_reason
    skipped = [item for item in tier_items
               if not _tier.run or "gitops" in getattr(item, "fixturenames", ())]
    skip = pytest.mark.skip(reason=f"realk8s tier: {reason}")
    for item in skipped:
        item.add_marker(skip)
    _tier_skipped = len(skipped)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _tier is not None and _tier_skipped:
        terminalreporter.write_line(
            f"REALK8S TIER SKIPPED ({_tier_skipped} tests): {_tier.reason or _tier.flux_reason}",
            yellow=True, bold=True)


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
