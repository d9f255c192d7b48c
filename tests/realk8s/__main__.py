"""Bring the real cluster up by hand, or build its binaries.

    python -m tests.realk8s status            # which binaries are present, where
    python -m tests.realk8s build             # build what is missing (cold: ~30 min on 2 cores)
    python -m tests.realk8s up [--flux] [--dir DIR]
        # etcd + kube-apiserver + kube-controller-manager (+ source/kustomize-controller and a git
        # server); prints the kubeconfig, stops everything on Ctrl-C or SIGTERM
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from tests.realk8s import binaries
from tests.realk8s.cluster import RealCluster
from tests.realk8s.flux import FluxControllers


def _status() -> int:
    print(f"cache: {binaries.cache_dir()} (${binaries.CACHE_ENV}); ${binaries.ASSETS_ENV} is looked at first")
    for component in binaries.ALL_COMPONENTS:
        for name in component.binaries:
            path = binaries.binary_path(component, name)
            print(f"  {'ok     ' if path.is_file() else 'missing'} {path}")
    return 1 if binaries.missing(binaries.ALL_COMPONENTS) else 0


def _up(workdir: Path, flux: bool) -> int:
    binaries.ensure(binaries.ALL_COMPONENTS if flux else binaries.CLUSTER_COMPONENTS)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    cluster = RealCluster(workdir).start()
    try:
        controllers = FluxControllers(cluster, workdir / "flux").start() if flux else None
        print(f"API server {cluster.server} ready in {cluster.started_in:.1f} s; logs in {workdir / 'logs'}")
        print(f"export KUBECONFIG={cluster.kubeconfig}   # contexts: admin, tenant, nobody")
        if controllers is not None:
            repo = controllers.git.repository("demo")
            repo.commit({"README": "commit manifests here\n"}, "initial")
            print(f"git repository {repo.url} (work tree {repo.work})")
        print("Ctrl-C stops everything")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        if controllers is not None:
            controllers.stop()
    finally:
        cluster.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.realk8s", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="list the binaries and where they are taken from")
    build = sub.add_parser("build", help="build the missing binaries")
    build.add_argument("--cluster-only", action="store_true", help="etcd and Kubernetes only, no Flux controllers")
    up = sub.add_parser("up", help="start the cluster until interrupted")
    up.add_argument("--flux", action="store_true", help="also run source-controller, kustomize-controller, git")
    up.add_argument("--dir", type=Path, help="working directory (default: a new temporary one)")
    args = parser.parse_args(argv)
    try:
        if args.command == "status":
            return _status()
        if args.command == "build":
            binaries.ensure(binaries.CLUSTER_COMPONENTS if args.cluster_only else binaries.ALL_COMPONENTS)
            return 0
        return _up(args.dir or Path(tempfile.mkdtemp(prefix="realk8s-")), args.flux)
    except (binaries.BuildError, RuntimeError) as exc:
        print(f"realk8s: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
