"""get_kubeconfig_contexts: the contexts of every kubeconfig file, and which one is current."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on


async def test_contexts_are_listed_and_switched_in_memory(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)
    before = sandbox_kubeconfig.stat().st_mtime_ns, sandbox_kubeconfig.stat().st_size  # noqa: ASYNC240

    listed = await ask(server, "get_kubeconfig_contexts")
    switched = await ask(server, "set_kubeconfig_context", name="sandbox-alt")
    unknown = await ask(server, "set_kubeconfig_context", name="production")

    assert listed.structured["current"] == "sandbox"
    assert [c["name"] for c in listed.structured["contexts"]] == ["sandbox", "sandbox-alt"]
    assert "token" not in listed.text.lower()
    assert switched.structured["current"] == "sandbox-alt"
    assert unknown.is_error and "known contexts: sandbox, sandbox-alt" in unknown.text
    assert (sandbox_kubeconfig.stat().st_mtime_ns, sandbox_kubeconfig.stat().st_size) == before  # noqa: ASYNC240
