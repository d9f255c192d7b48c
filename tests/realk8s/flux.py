"""The real source-controller and kustomize-controller (v1.9.6, built from the Go module proxy)
running against a RealCluster, with a loopback git server holding the repositories tests commit to."""

from __future__ import annotations

from pathlib import Path

from tests.realk8s import binaries
from tests.realk8s.cluster import RealCluster
from tests.realk8s.gitserver import GitServer
from tests.realk8s.processes import environment, free_port, port_open

FLUX_NAMESPACE = "flux-system"


class FluxControllers:
    def __init__(self, cluster: RealCluster, workdir: Path) -> None:
        self.cluster = cluster
        self.workdir = workdir
        self.git = GitServer(workdir / "git")

    def start(self) -> FluxControllers:
        absent = binaries.missing(binaries.FLUX_COMPONENTS)
        if absent:
            raise RuntimeError(f"Flux controller binaries missing: {', '.join(absent)}")
        try:
            self.git.start()
            admin = self.cluster.api("admin")
            if not admin.get(f"/api/v1/namespaces/{FLUX_NAMESPACE}").ok:
                admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                     "metadata": {"name": FLUX_NAMESPACE}})
            self._start_source_controller()
            self._start_kustomize_controller()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for name in ("kustomize-controller", "source-controller"):
            self.cluster.processes.stop(name)
        self.git.stop()

    def _env(self) -> dict[str, str]:
        # Neither controller has a --kubeconfig flag: controller-runtime reads KUBECONFIG.
        return environment(KUBECONFIG=str(self.cluster.controllers_kubeconfig), RUNTIME_NAMESPACE=FLUX_NAMESPACE)

    def _common(self) -> tuple[list[str], int]:
        health = free_port()
        return ([f"--health-addr=127.0.0.1:{health}", f"--metrics-addr=127.0.0.1:{free_port()}",
                 "--watch-all-namespaces=true", "--log-level=debug", "--log-encoding=json"], health)

    def _start_source_controller(self) -> None:
        storage = free_port()
        self.storage_address = f"127.0.0.1:{storage}"
        flags, health = self._common()
        (self.workdir / "artifacts").mkdir(parents=True, exist_ok=True)  # it refuses a missing folder
        binary = binaries.binary_path(binaries.SOURCE_CONTROLLER, "source-controller")
        self.cluster.processes.start("source-controller", [
            str(binary), *flags, f"--storage-path={self.workdir / 'artifacts'}",
            f"--storage-addr={self.storage_address}", f"--storage-adv-addr={self.storage_address}",
        ], env=self._env(), cwd=self.workdir)
        self.cluster.processes.wait_until("source-controller", lambda: port_open(health), 60)

    def _start_kustomize_controller(self) -> None:
        flags, health = self._common()
        binary = binaries.binary_path(binaries.KUSTOMIZE_CONTROLLER, "kustomize-controller")
        self.cluster.processes.start("kustomize-controller", [str(binary), *flags], env=self._env(), cwd=self.workdir)
        self.cluster.processes.wait_until("kustomize-controller", lambda: port_open(health), 60)
