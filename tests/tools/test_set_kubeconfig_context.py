"""set_kubeconfig_context: later calls act in the chosen context; the kubeconfig file is never written."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, server_on


async def test_after_switching_an_object_without_namespace_lands_in_the_new_contexts_namespace(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    # `sandbox` defaults to namespace flux-system, `sandbox-alt` to default. Tool arguments never fall back
    # to the context's namespace (omitted = any namespace); a manifest without metadata.namespace does.
    server = server_on(sandbox_kubeconfig)
    manifest = {"yaml_content": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  a: b\n",
                "dry_run": True}

    before = await ask(server, "apply_kubernetes_manifest", **manifest)
    switched = await ask(server, "set_kubeconfig_context", name="sandbox-alt")
    after = await ask(server, "apply_kubernetes_manifest", **manifest)

    assert "ConfigMap flux-system/probe: would be created" in before.text
    assert not switched.is_error and switched.text.startswith("# current context is now sandbox-alt")
    assert "ConfigMap default/probe: would be created" in after.text, after.text


async def test_the_switch_belongs_to_one_server_and_an_unknown_name_changes_nothing(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    first, second = server_on(sandbox_kubeconfig), server_on(sandbox_kubeconfig)

    await ask(first, "set_kubeconfig_context", name="sandbox-alt")
    refused = await ask(first, "set_kubeconfig_context", name="production")
    first_contexts = await ask(first, "get_kubeconfig_contexts")
    second_contexts = await ask(second, "get_kubeconfig_contexts")

    assert refused.is_error and "unknown kubeconfig context 'production'" in refused.text
    assert first_contexts.structured["current"] == "sandbox-alt"
    assert second_contexts.structured["current"] == "sandbox"
