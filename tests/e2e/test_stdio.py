"""The real thing: `python -m flux_mcp` as a subprocess over stdio, against the sandbox, in both protocol eras."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from mcp import StdioServerParameters
from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.sandbox import CANARIES, CANARY_FORMS, Sandbox
from tests.harness import call_tool, everything_of, text_of

REPO = Path(__file__).resolve().parents[2]
READ_TOOLS = {
    "get_flux_instance", "get_kubernetes_resources", "get_kubernetes_api_versions", "get_kubernetes_events",
    "get_kubernetes_logs", "get_kubernetes_metrics", "get_kubeconfig_contexts", "set_kubeconfig_context",
}


def server_process(kubeconfig: Path, *flags: str) -> StdioServerParameters:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KUBECONFIG", None)
    return StdioServerParameters(
        command=sys.executable, args=["-m", "flux_mcp", "--kubeconfig", str(kubeconfig), *flags], env=env,
        cwd=str(REPO),
    )


class Transcript:
    """Every answer the client saw, to check for canaries at the end."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: list[str] = []

    async def ask(self, tool: str, **arguments: Any) -> CallToolResult:
        result = await call_tool(self.client, tool, arguments)
        self.seen.append(everything_of(result))
        return result


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_user_investigates_the_fleet_over_stdio(
    sandbox: Sandbox, sandbox_kubeconfig: Path, mode: Literal["auto", "legacy"]
) -> None:
    async with Client(server_process(sandbox_kubeconfig), mode=mode) as client:
        if mode == "auto":
            assert client.protocol_version == "2026-07-28"
        else:
            assert client.protocol_version == "2025-11-25"
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) >= READ_TOOLS
        assert all(tools[name].annotations and tools[name].annotations.read_only_hint
                   for name in READ_TOOLS - {"set_kubeconfig_context"})
        context_switch = tools["set_kubeconfig_context"].annotations
        assert context_switch is not None and context_switch.read_only_hint is False
        chat = Transcript(client)

        # "Which version of Flux runs here, and is it healthy?"
        instance = await chat.ask("get_flux_instance")
        assert not instance.is_error and "version: v2.9.0" in text_of(instance)
        assert "GitRepository: 6 total" in text_of(instance)

        # "Why is billing broken?"
        billing = await chat.ask("get_kubernetes_resources", kind="gitrepo", name="billing", namespace="team-billing")
        assert "reason: GitOperationFailed" in text_of(billing)
        assert "authentication required" in text_of(billing)

        # "What warnings happened in team-billing?"
        events = await chat.ask("get_kubernetes_events", namespace="team-billing", type="Warning")
        assert "GitRepository/team-billing/billing GitOperationFailed" in text_of(events)

        # "Why does the api crash?"
        logs = await chat.ask("get_kubernetes_logs", kind="Deployment", name="api-server", namespace="team-api",
                              grep="error")
        assert "failed to connect to database" in text_of(logs)

        # "Which Flux controller uses the most memory?"
        metrics = await chat.ask("get_kubernetes_metrics", namespace="flux-system")
        assert "source-controller" in text_of(metrics)

        api = await chat.ask("get_kubernetes_api_versions")
        assert "notification.toolkit.fluxcd.io/v1 (also v1beta3)" in text_of(api)

        contexts = await chat.ask("get_kubeconfig_contexts")
        assert "* sandbox " in text_of(contexts)
        switched = await chat.ask("set_kubeconfig_context", name="sandbox-alt")
        assert (switched.structured_content or {}).get("current") == "sandbox-alt"

        # Every Kustomization exactly once across continue pages.
        full = await chat.ask("get_kubernetes_resources", kind="Kustomization", limit=1000, fields=[".metadata.name"])
        expected = (full.structured_content or {})["names"]
        seen: list[str] = []
        token = None
        while True:
            arguments: dict[str, Any] = {"kind": "Kustomization", "limit": 5, "fields": [".metadata.name"]}
            if token:
                arguments["continue_token"] = token
            page = await chat.ask("get_kubernetes_resources", **arguments)
            seen += (page.structured_content or {})["names"]
            token = (page.structured_content or {}).get("continue_token")
            if not token:
                break
        assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen)) > 5

        # Secrets are masked everywhere.
        secrets = await chat.ask("get_kubernetes_resources", kind="Secret")
        assert "'****'" in text_of(secrets)

    transcript = "\n".join(chat.seen)
    assert [c for c in CANARY_FORMS if c in transcript] == []


async def test_secret_values_appear_with_no_mask_secrets(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    async with Client(server_process(sandbox_kubeconfig, "--no-mask-secrets")) as client:
        result = await call_tool(client, "get_kubernetes_resources", {"kind": "Secret", "namespace": "team-web"})

    documents = [d for d in yaml.safe_load_all(text_of(result)) if isinstance(d, dict)]
    decoded = "\n".join(base64.b64decode(v).decode() for d in documents for v in (d.get("data") or {}).values())
    assert any(canary in decoded for canary in CANARIES)
