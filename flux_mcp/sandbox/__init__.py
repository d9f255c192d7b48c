"""An emulated Kubernetes API server with a Flux fleet and a controller simulator, on 127.0.0.1.

    sb = Sandbox(SandboxOptions(scale=0, operator=True)).start()
    sb.write_kubeconfig(path)   # kubectl --kubeconfig path get kustomizations -A
"""

from __future__ import annotations

from flux_mcp.sandbox.app import RequestRecord
from flux_mcp.sandbox.fleet import CANARIES, CANARY_FORMS
from flux_mcp.sandbox.server import Sandbox, SandboxIdentity, SandboxOptions, run_sandbox_cli

__all__ = [
    "CANARIES", "CANARY_FORMS", "RequestRecord", "Sandbox", "SandboxIdentity", "SandboxOptions", "run_sandbox_cli",
]
