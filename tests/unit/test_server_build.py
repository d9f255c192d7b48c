"""Building the server: what it leaves alone in the process, and what it starts."""

from __future__ import annotations

import logging
import threading

import mcp.server.mcpserver.server as sdk_server

from flux_mcp import server, warm_up
from flux_mcp.settings import Settings


def test_the_sdk_still_configures_logging_in_its_constructor() -> None:
    """`_sdk_logging_left_alone` replaces this hook; if the SDK renames it, this says so."""
    assert callable(sdk_server.configure_logging)


def test_building_the_server_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    original = sdk_server.configure_logging

    server.build_server(Settings(kubeconfig="/nonexistent/kubeconfig"))

    assert root.handlers == before  # no RichHandler that would bypass the redaction filter
    assert sdk_server.configure_logging is original


def test_the_warm_up_imports_cluster_access_once_in_the_background() -> None:
    warm_up.start_warm_up()
    warm_up.start_warm_up()

    threads = [t for t in threading.enumerate() if t.name == "fluxcd-mcp-warm-up"]
    assert len(threads) <= 1
    for thread in threads:
        thread.join(timeout=60)
    import sys

    assert all(name in sys.modules for name in warm_up.WARM_UP_MODULES)
