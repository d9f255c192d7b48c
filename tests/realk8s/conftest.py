"""Session fixtures of the realk8s tier: a real control plane, and a second one where the real Flux
controllers reconcile from a loopback git server. Everything started here is stopped here, also when
a test fails or the run is interrupted (and killed by the kernel if pytest itself is killed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from flux_mcp.sandbox.server import SANDBOX_TOKEN
from tests.realk8s import binaries
from tests.realk8s.api import ApiClient
from tests.realk8s.cluster import RealCluster
from tests.realk8s.copier import align_source, copy_objects, discover, served_objects
from tests.realk8s.flux import FluxControllers
from tests.realk8s.twins import Twins


@pytest.fixture(scope="session")
def cluster_binaries() -> None:
    binaries.ensure(binaries.CLUSTER_COMPONENTS)


@pytest.fixture(scope="session")
def flux_binaries() -> None:
    binaries.ensure(binaries.FLUX_COMPONENTS)


@pytest.fixture(scope="session")
def real_cluster(cluster_binaries: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCluster]:
    """A control plane with no Flux controllers: objects keep the status the tests write."""
    cluster = RealCluster(tmp_path_factory.mktemp("realk8s-static")).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def gitops(cluster_binaries: None, flux_binaries: None,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[FluxControllers]:
    """A control plane with the real source-controller and kustomize-controller and a git server."""
    workdir = tmp_path_factory.mktemp("realk8s-gitops")
    cluster = RealCluster(workdir / "cluster").start()
    try:
        controllers = FluxControllers(cluster, workdir / "flux").start()
        try:
            yield controllers
        finally:
            controllers.stop()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def twins(real_cluster: RealCluster) -> Iterator[Twins]:
    sandbox = Sandbox(SandboxOptions(scale=0, operator=True, simulate_controllers=False)).start()
    try:
        source = ApiClient(sandbox.url, None, SANDBOX_TOKEN)
        objects = served_objects(source, discover(source))
        admin = real_cluster.api("admin")
        report = copy_objects(objects, admin)
        yield Twins(sandbox, real_cluster, len(objects), report, align_source(source, admin, report))
    finally:
        sandbox.stop()
