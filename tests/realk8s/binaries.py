"""The real-cluster binaries: found in KUBEBUILDER_ASSETS or the cache, else built from the Go module proxy.

Layout of the cache (``FLUX_MCP_REALK8S_CACHE``, default ``~/.cache/fluxcd-mcp/realk8s``), one folder
per component and version, so a version bump never reuses a stale binary::

    etcd-v3.6.16/etcd
    kubernetes-v1.37.2/kube-apiserver, kube-controller-manager
    source-controller-v1.9.6/source-controller
    kustomize-controller-v1.9.6/kustomize-controller

Each component is built in a throwaway Go module under ``<cache>/.work/`` that requires the upstream
module at its pinned version. Only the Go module proxy is contacted (through ``go`` itself).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

KUBERNETES_VERSION = "v1.37.2"
ETCD_VERSION = "v3.6.16"
FLUX_CONTROLLERS_VERSION = "v1.9.6"

CACHE_ENV = "FLUX_MCP_REALK8S_CACHE"
ASSETS_ENV = "KUBEBUILDER_ASSETS"


@dataclass(frozen=True)
class Component:
    """One Go module built into one or more binaries of the cache."""

    folder: str
    binaries: tuple[str, ...]
    minutes: int
    """Rough cold build time on 2 cores, printed so a user knows what they are waiting for."""

    @property
    def title(self) -> str:
        return self.folder


ETCD = Component(f"etcd-{ETCD_VERSION}", ("etcd",), 2)
KUBERNETES = Component(f"kubernetes-{KUBERNETES_VERSION}", ("kube-apiserver", "kube-controller-manager"), 15)
SOURCE_CONTROLLER = Component(f"source-controller-{FLUX_CONTROLLERS_VERSION}", ("source-controller",), 7)
KUSTOMIZE_CONTROLLER = Component(f"kustomize-controller-{FLUX_CONTROLLERS_VERSION}", ("kustomize-controller",), 7)
FLUX_OPERATOR_VERSION = "v0.59.0"
FLUX_OPERATOR_MCP = Component(f"flux-operator-mcp-{FLUX_OPERATOR_VERSION}", ("flux-operator-mcp",), 6)
"""The official Flux MCP server, for the benchmark only (needs Go 1.27: fetched through GOTOOLCHAIN)."""
CLUSTER_COMPONENTS = (ETCD, KUBERNETES)
FLUX_COMPONENTS = (SOURCE_CONTROLLER, KUSTOMIZE_CONTROLLER)
ALL_COMPONENTS = (*CLUSTER_COMPONENTS, *FLUX_COMPONENTS)


class BuildError(RuntimeError):
    """A binary could not be built; the message names the step and the log file."""


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "fluxcd-mcp" / "realk8s"


def _asset(name: str) -> Path | None:
    """A binary from KUBEBUILDER_ASSETS (the envtest convention: one folder holding them)."""
    folder = os.environ.get(ASSETS_ENV)
    if not folder:
        return None
    candidate = Path(folder).expanduser() / name
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def binary_path(component: Component, name: str) -> Path:
    """Where `name` is taken from: KUBEBUILDER_ASSETS first, else its place in the cache."""
    return _asset(name) or cache_dir() / component.folder / name


def missing(components: tuple[Component, ...]) -> list[str]:
    """Binaries not present yet, as `folder/name` of the cache."""
    absent = []
    for component in components:
        for name in component.binaries:
            path = binary_path(component, name)
            if not (path.is_file() and os.access(path, os.X_OK)):
                absent.append(f"{component.folder}/{name}")
    return absent


def go_binary() -> str | None:
    return shutil.which("go")


# --- building ------------------------------------------------------------------------------------


def _say(message: str) -> None:
    # Written to the real stderr so progress shows even while pytest captures output.
    stream = sys.__stderr__ or sys.stderr
    stream.write(f"realk8s: {message}\n")
    stream.flush()


def _run_go(args: list[str], cwd: Path, log: Path, what: str, env: dict[str, str]) -> None:
    """Run one go command, appending its output to `log` and printing a heartbeat while it runs."""
    started = time.monotonic()
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(60):
            _say(f"  … {what}: {int(time.monotonic() - started) // 60} min so far (log: {log})")

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    try:
        with log.open("a") as out:
            out.write(f"$ go {' '.join(args)}\n")
            out.flush()
            code = subprocess.run(["go", *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                  check=False).returncode
    finally:
        done.set()
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise BuildError(f"{what} failed (go {args[0]} exit {code}); last lines of {log}:\n  " + "\n  ".join(tail))
    _say(f"  {what}: done in {time.monotonic() - started:.0f} s")


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOFLAGS"] = "-mod=mod"
    return env


def _downloaded_gomod(module: str, version: str, cwd: Path, log: Path, env: dict[str, str]) -> str:
    """The go.mod text of `module@version`, fetched through the module proxy by `go mod download`."""
    with log.open("a") as out:
        result = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], cwd=cwd,
                                capture_output=True, text=True, env=env, check=False)
        out.write(result.stderr)
    if result.returncode != 0:
        raise BuildError(f"go mod download {module}@{version} failed: {result.stdout.strip() or result.stderr.strip()}")
    return Path(json.loads(result.stdout)["GoMod"]).read_text()


def staging_replaces(gomod: str, staging_version: str) -> list[str]:
    """`replace` lines pinning every k8s.io staging module (mapped to ./staging in k8s.io/kubernetes's
    go.mod) to the published module at `staging_version`."""
    modules = re.findall(r"^\s*(k8s\.io/\S+)\s+=>\s+\./staging/", gomod, re.M)
    return [f"replace {module} => {module} {staging_version}" for module in modules]


def upstream_replaces(gomod: str) -> list[str]:
    """The non-relative `replace` directives of an upstream go.mod (a throwaway module that requires
    it must repeat them: replaces apply only in the main module)."""
    entries: list[str] = []
    for block in re.findall(r"^replace\s*\((.*?)^\)", gomod, re.S | re.M):
        entries.extend(block.strip().splitlines())
    entries.extend(line[len("replace "):] for line in gomod.splitlines()
                   if line.startswith("replace ") and "(" not in line)
    lines = []
    for entry in entries:
        entry = entry.split("//")[0].strip()
        if entry and "=> ./" not in entry and "=> ../" not in entry:
            lines.append(f"replace {entry}")
    return lines


def _prepare_module(workdir: Path, module: str, version: str, packages: list[str], extra: list[str],
                    log: Path, env: dict[str, str]) -> None:
    if (workdir / "go.sum").is_file() and (workdir / "tools.go").is_file():
        return
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in ("go.mod", "go.sum"):
        (workdir / leftover).unlink(missing_ok=True)
    _run_go(["mod", "init", f"realk8s.invalid/{workdir.name}"], workdir, log, "go mod init", env)
    gomod = _downloaded_gomod(module, version, workdir, log, env)
    if module == "k8s.io/kubernetes":
        extra = [*staging_replaces(gomod, version.replace("v1.", "v0.", 1)), *extra]
    else:
        extra = [*upstream_replaces(gomod), *extra]
    with (workdir / "go.mod").open("a") as fh:
        fh.write(f"\nrequire {module} {version}\n")
        fh.write("\n".join(extra) + "\n")
    imports = "\n".join(f'\t_ "{package}"' for package in packages)
    (workdir / "tools.go").write_text(f"//go:build tools\n\npackage tools\n\nimport (\n{imports}\n)\n")
    # -e: a test-only dependency of an imported package the proxy no longer serves (fluxcd/pkg/helmtestserver
    # v0.40.2 for source-controller, seen 2026-12-02) must not stop a build that never compiles tests.
    _run_go(["mod", "tidy", "-e"], workdir, log, f"resolving {module} {version}", env)


def _kubernetes_ldflags() -> str:
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    # Without these /version answers v0.0.0-master+$Format:%H$, which kubectl and client-go refuse.
    return " ".join([
        f"-X k8s.io/component-base/version.gitVersion={KUBERNETES_VERSION}",
        f"-X k8s.io/component-base/version.gitMajor={major}",
        f"-X k8s.io/component-base/version.gitMinor={minor}",
        "-X k8s.io/component-base/version.gitTreeState=clean",
        "-X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z",
    ])


def _build(component: Component, cache: Path) -> None:
    work = cache / ".work" / component.folder
    work.mkdir(parents=True, exist_ok=True)
    log = cache / ".work" / f"{component.folder}.log"
    env = _go_env()
    out_dir = cache / component.folder
    out_dir.mkdir(parents=True, exist_ok=True)
    _say(f"building {component.folder} from the Go module proxy (cold: ~{component.minutes} min on 2 cores; "
         f"seconds when the Go build cache is warm)")
    targets: list[tuple[str, str]]
    ldflags = ""
    if component is ETCD:
        package = "go.etcd.io/etcd/server/v3"
        _prepare_module(work, package, ETCD_VERSION, [package], [], log, env)
        targets = [("etcd", package)]
    elif component is KUBERNETES:
        packages = [f"k8s.io/kubernetes/cmd/{name}" for name in component.binaries]
        _prepare_module(work, "k8s.io/kubernetes", KUBERNETES_VERSION, packages, [], log, env)
        targets = list(zip(component.binaries, packages, strict=True))
        ldflags = _kubernetes_ldflags()
    elif component is FLUX_OPERATOR_MCP:
        env["GOTOOLCHAIN"] = "go1.27.3"
        module = "github.com/controlplaneio-fluxcd/flux-operator"
        _prepare_module(work, module, FLUX_OPERATOR_VERSION, [f"{module}/cmd/mcp"], [], log, env)
        targets = [("flux-operator-mcp", f"{module}/cmd/mcp")]
    else:
        name = component.binaries[0]
        module = f"github.com/fluxcd/{name}"
        extra = []
        if name == "source-controller":
            # The proxy refuses pkg/artifact v0.18.3 that source-controller v1.9.6 asks for.
            extra.append("replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.0")
        _prepare_module(work, module, FLUX_CONTROLLERS_VERSION, [module], extra, log, env)
        targets = [(name, module)]
    for name, package in targets:
        final = out_dir / name
        if final.is_file():
            continue
        partial = out_dir / f".{name}.partial"
        args = ["build", "-o", str(partial)]
        if ldflags:
            args += ["-ldflags", ldflags]
        _run_go([*args, package], work, log, f"go build {name}", env)
        partial.replace(final)  # atomic: a half-written binary is never taken for a built one


@contextmanager
def _build_lock(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".build.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"another build holds {cache / '.build.lock'}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(components: tuple[Component, ...] = ALL_COMPONENTS) -> None:
    """Build every binary of `components` that is neither in KUBEBUILDER_ASSETS nor in the cache."""
    if not missing(components):
        return
    if go_binary() is None:
        raise BuildError("cannot build the real-cluster binaries: `go` is not on PATH "
                         f"(or put them in ${ASSETS_ENV} or ${CACHE_ENV})")
    cache = cache_dir()
    started = time.monotonic()
    with _build_lock(cache):
        for component in components:
            if any(not binary_path(component, name).is_file() for name in component.binaries):
                _build(component, cache)
    _say(f"binaries ready in {cache} ({time.monotonic() - started:.0f} s)")
