"""Cluster access imported in the background while the server starts.

Cluster access (lightkube, httpcore2, h11, h2, tenacity, ...: ~60 ms of imports on a quiet machine,
200-350 ms of wall time on a loaded one) is not needed for the first tools/list answer, but every
first tool call needs it, and a client may send that call right after tools/list. `serve` starts
this thread as soon as the SDK is imported, so the imports overlap importing our tool modules,
building the server and the handshake instead of landing on the first call. An in-process server
starts it on its first tools/list. Imports only: nothing reads the kubeconfig or touches the cluster
before a tool asks. Stdlib imports only here, so `serve` can start it before our other modules.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

log = logging.getLogger("flux_mcp.server")

WARM_UP_MODULES = (
    "flux_mcp.kube.access", "flux_mcp.kube.gateway", "httpcore2", "httpcore2._backends.anyio", "anyio.streams.tls",
    "flux_mcp.ops.diff",
)
_started = threading.Event()


def _warm_up() -> None:
    started = time.perf_counter()
    for name in WARM_UP_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # pragma: no cover - the first tool call reports a broken install itself
            log.debug("warm-up import of %s failed", name, exc_info=True)
    log.debug("cluster access imported in the background in %.0f ms", (time.perf_counter() - started) * 1000)


def start_warm_up() -> None:
    """Import cluster access in a background thread, once per process."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm_up, name="fluxcd-mcp-warm-up", daemon=True).start()
