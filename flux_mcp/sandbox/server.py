"""The Sandbox: fleet + store + HTTP server (uvicorn in a daemon thread) + controller simulator."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from uvicorn.protocols.http.h11_impl import H11Protocol

from flux_mcp.sandbox.app import TRANSPORT_KEY, RequestRecord, SandboxApp, SandboxState, server_version
from flux_mcp.sandbox.controllers import ControllerSimulator
from flux_mcp.sandbox.discovery import Catalog
from flux_mcp.sandbox.faults import Fault
from flux_mcp.sandbox.fleet import Failure, FailureKey, build_fleet
from flux_mcp.sandbox.logs import PodLogs
from flux_mcp.sandbox.rbac import AUTHENTICATED, RbacPolicy, UserInfo
from flux_mcp.sandbox.schemas import served_defaults
from flux_mcp.sandbox.store import ObjectStore, now_iso

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
SANDBOX_TOKEN = "sandbox-token-not-a-secret"


@dataclass(frozen=True)
class SandboxOptions:
    scale: int = 0
    """Extra tenants (namespace + GitRepository, Kustomization, HelmRepository, HelmChart, HelmRelease)."""
    operator: bool = True
    """flux-operator present (FluxInstance, FluxReport, ResourceSet) or a plain flux bootstrap."""
    metrics: bool = True
    """Serve metrics.k8s.io (False: as if metrics-server were not installed)."""
    reconcile_delay: float = 0.05
    """Seconds between Reconciling and the verdict in the controller simulator."""
    simulate_controllers: bool = True
    port: int = 0
    """0 picks a free port."""


@dataclass(frozen=True)
class SandboxIdentity:
    """A second user of the sandbox: its own bearer token, kubeconfig user and context."""

    context: str
    """The kubeconfig context (and user entry) name."""
    user: str
    """The user name the API server authenticates the token as (RBAC subjects name it)."""
    namespace: str
    """The context's namespace."""
    groups: tuple[str, ...]
    token: str


class _SandboxH11(H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol that also hands the connection's transport to the app, so a fault
    can abort the connection without a response (a real reset, not an HTTP error)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # uvicorn writes headers and body separately: without this, Nagle + delayed ACK
            # add ~40 ms to every response
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        inner = self.app

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = transport
            await inner(scope, receive, send)

        self.app = app


class Sandbox:
    """An emulated Kubernetes API server with a Flux fleet, on 127.0.0.1."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.catalog = Catalog(operator=self.options.operator, metrics=self.options.metrics)
        self.store = ObjectStore(self.catalog)
        self.logs = PodLogs()
        fleet = build_fleet(scale=self.options.scale, operator=self.options.operator)
        crd_rt = self.catalog.by_kind("apiextensions.k8s.io", "CustomResourceDefinition")
        assert crd_rt is not None
        created = fleet.objects[0]["metadata"].get("creationTimestamp") or now_iso()
        crds = [self.catalog.crd_object(t, created, str(uuid.uuid5(uuid.NAMESPACE_URL, t.key)))
                for t in self.catalog.crd_types]
        defaults = {t.key: reduced for t in self.catalog.crd_types
                    if (reduced := served_defaults(t.kind)) is not None}
        self.store.load([*crds, *fleet.objects], defaults)
        for key, lines in fleet.logs.items():
            self.logs.extend(key, lines)
        self.failures: dict[FailureKey, Failure] = fleet.failures
        """Failures the simulator keeps reproducing; delete an entry to let an object heal."""
        self.controller_pods = fleet.controller_pods
        self.state = SandboxState(self.catalog, self.store, self.logs, server_version())
        self.app = SandboxApp(self.state)
        self.simulator = ControllerSimulator(self.store, self.logs, self.catalog, self.failures,
                                             self.controller_pods, self.options.reconcile_delay)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port = 0
        self._lock = threading.Lock()
        self.identities: dict[str, SandboxIdentity] = {}

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        with self._lock:
            if self._thread is not None:
                return self
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, self.options.port))
            sock.listen(128)
            sock.setblocking(False)
            self._port = sock.getsockname()[1]
            self.state.server_address = f"{LOOPBACK}:{self._port}"
            config = uvicorn.Config(
                self.app, host=LOOPBACK, port=self._port, http=_SandboxH11, lifespan="off", log_config=None,
                access_log=False, log_level="warning", timeout_keep_alive=30,
            )
            self._server = uvicorn.Server(config)
            ready = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(sock, ready), name="fluxcd-sandbox",
                                            daemon=True)
            self._thread.start()
            if not ready.wait(10):
                raise RuntimeError("the sandbox API server did not start within 10s")
            log.info("sandbox API server listening on %s", self.url)
            return self

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        async def main() -> None:
            assert self._server is not None
            self._loop = asyncio.get_running_loop()
            if self.options.simulate_controllers:
                self.simulator.attach(self._loop)
            serve = asyncio.create_task(self._server.serve(sockets=[sock]))
            # uvicorn has no startup callback when lifespan is off: poll its flag
            for _ in range(2000):
                if self._server.started or serve.done():
                    break
                await asyncio.sleep(0.005)
            ready.set()
            await serve
            self.simulator.detach()

        try:
            asyncio.run(main())
        except Exception:
            log.exception("sandbox API server stopped with an error")
        finally:
            ready.set()
            sock.close()

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._thread = None
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        if not self._port:
            raise RuntimeError("the sandbox is not started")
        return f"http://{LOOPBACK}:{self._port}"

    # --- clients -------------------------------------------------------------------------------

    def add_identity(self, context: str, user: str, namespace: str, groups: tuple[str, ...] = ()) -> SandboxIdentity:
        """Serve another user: requests with its token are authenticated as `user` (with `groups` and
        system:authenticated), and kubeconfigs written afterwards carry a context `context` for it,
        whose namespace is `namespace`. Under `enforce_rbac` it holds only what bindings grant it."""
        if context in ("sandbox", "sandbox-alt") or context in self.identities:
            raise ValueError(f"context {context!r} already exists")
        token = f"sandbox-{context}-token-not-a-secret"
        identity = SandboxIdentity(context, user, namespace, (*groups, AUTHENTICATED), token)
        self.identities[context] = identity
        self.state.identities[token] = UserInfo(user, identity.groups)
        return identity

    def kubeconfig_dict(self, current: str = "sandbox") -> dict[str, Any]:
        users = [{"name": "sandbox", "user": {"token": SANDBOX_TOKEN}}]
        contexts = [
            {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": "flux-system"}},
            {"name": "sandbox-alt", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": "default"}},
        ]
        for identity in self.identities.values():
            users.append({"name": identity.context, "user": {"token": identity.token}})
            contexts.append({"name": identity.context, "context": {"cluster": "sandbox", "user": identity.context,
                                                                   "namespace": identity.namespace}})
        if current not in {c["name"] for c in contexts}:
            raise ValueError(f"no context {current!r} in the sandbox kubeconfig")
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sandbox", "cluster": {"server": self.url}}],
            "users": users,
            "contexts": contexts,
            "current-context": current,
            "preferences": {},
        }

    def write_kubeconfig(self, path: str | os.PathLike[str], current: str = "sandbox") -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(self.kubeconfig_dict(current), sort_keys=False)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(target, 0o600)
        return target

    # --- test hooks ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.requests

    def clear_requests(self) -> None:
        self.state.requests.clear()

    def inject_fault(
        self,
        method: str = "GET",
        path: str = r".*",
        status: int | None = 503,
        retry_after: float | None = None,
        delay: float = 0.0,
        reset: bool = False,
        body: str | None = None,
        content_type: str | None = "application/json",
        times: int | None = None,
    ) -> Fault:
        """Make matching requests fail. `status=None` with a `delay` only slows them down;
        `reset=True` closes the connection without a response; `content_type=None` sends no
        Content-Type header; `times` limits how many requests are hit (None: all)."""
        return self.state.faults.add(Fault(method.upper(), re.compile(path), status, retry_after, delay, reset, body,
                                           content_type, times))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def hang(self, kind: str, namespace: str, name: str, hung: bool = True) -> None:
        """Make the controller of one object start reconciling and never finish (or finish again)."""
        key = (kind, namespace, name)
        if hung:
            self.simulator.hung.add(key)
        else:
            self.simulator.hung.discard(key)

    def enforce_rbac(self, rbac_yaml_texts: list[str] | None) -> None:
        """Authorize every request as kube-apiserver's RBAC would with these Roles, ClusterRoles and
        bindings (see sandbox.rbac; roles no binding names are the sandbox identity's); None: allow all."""
        self.state.rbac = None if rbac_yaml_texts is None else RbacPolicy.from_yaml_texts(rbac_yaml_texts)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until the controller simulator has nothing queued (for sync tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.simulator.idle:
                return True
            time.sleep(0.01)
        return self.simulator.idle


def run_sandbox_cli(port: int, kubeconfig_out: str | os.PathLike[str] | None, scale: int = 0,
                    operator: bool = True, metrics: bool = True) -> int:
    """`fluxcd-mcp sandbox`: serve the emulated API until interrupted."""
    sandbox = Sandbox(
        SandboxOptions(scale=scale, operator=operator, metrics=metrics, port=port, reconcile_delay=0.5)
    ).start()
    stop = threading.Event()

    def _stop(*_args: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        if kubeconfig_out:
            written = sandbox.write_kubeconfig(kubeconfig_out)
            log.warning("sandbox kubeconfig written to %s (try: kubectl --kubeconfig %s get kustomizations -A)",
                        written, written)
        log.warning("sandbox API server on %s (%d objects); Ctrl-C to stop", sandbox.url, sandbox.store.count())
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    return 0
