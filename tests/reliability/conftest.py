"""Fixtures of the reliability suite, and the summary table printed at the end of the run."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings

from ._summary import SUMMARY


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = SUMMARY.render()
    if not lines:
        return
    terminalreporter.section("reliability and security summary")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture
def unique_kubeconfig(sandbox_kubeconfig: Path, tmp_path: Path) -> Path:
    """A private copy of the sandbox kubeconfig whose path identifies one server process."""
    path = tmp_path / f"kubeconfig-{uuid.uuid4().hex}.yaml"
    shutil.copyfile(sandbox_kubeconfig, path)
    return path


class ServerFactory:
    """Builds in-process servers on the sandbox with per-test settings."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig

    def settings(self, **overrides: Any) -> Settings:
        return Settings(kubeconfig=str(self.kubeconfig), **overrides)

    def __call__(self, **overrides: Any) -> FluxMCPServer:
        return build_server(self.settings(**overrides))


@pytest.fixture
def make_server(sandbox_kubeconfig: Path) -> Iterator[ServerFactory]:
    yield ServerFactory(sandbox_kubeconfig)
