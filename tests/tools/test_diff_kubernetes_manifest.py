"""diff_kubernetes_manifest against the sandbox over real HTTP, through an in-process MCP client.

Live objects are put in place the way their owners would: a server-side apply by the named field
manager (kustomize-controller for what Flux applied, fluxcd-mcp for what an earlier apply of ours
did), so managedFields are the API server's own.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.sandbox import Sandbox
from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings

KUSTOMIZE_LABELS = {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}


@pytest.fixture(scope="module")
def server(sandbox_kubeconfig: Path) -> FluxMCPServer:
    return build_server(Settings(kubeconfig=str(sandbox_kubeconfig)))


def config_map(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def secret(name: str, values: dict[str, str]) -> dict[str, Any]:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "default"},
            "type": "Opaque", "data": data}


def as_yaml(*objects: dict[str, Any]) -> str:
    return "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)


def applied_by(sandbox: Sandbox, manager: str, obj: dict[str, Any]) -> None:
    """Server-side apply `obj` as `manager`, as that controller (or an earlier apply) would have."""
    plural = {"ConfigMap": "configmaps", "Secret": "secrets"}[obj["kind"]]
    metadata = obj["metadata"]
    response = httpx2.patch(
        f"{sandbox.url}/api/v1/namespaces/{metadata['namespace']}/{plural}/{metadata['name']}",
        params={"fieldManager": manager, "force": "true"}, content=json.dumps(obj),
        headers={"Content-Type": "application/apply-patch+yaml"}, timeout=10,
    )
    assert response.status_code in (200, 201), response.text


async def diff(server: FluxMCPServer, manifest: str) -> CallToolResult:
    async with Client(server) as client:
        return await client.call_tool("diff_kubernetes_manifest", {"yaml_content": manifest})


async def diffed(server: FluxMCPServer, manifest: str) -> tuple[str, list[dict[str, Any]]]:
    result = await diff(server, manifest)
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    assert not result.is_error, text
    return text, (result.structured_content or {})["objects"]


def writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.method in ("PATCH", "POST", "PUT", "DELETE")]


async def test_a_new_object_would_be_created_and_nothing_is_written(server: FluxMCPServer, sandbox: Sandbox) -> None:
    text, [obj] = await diffed(server, as_yaml(config_map("mcp-diff-new", {"greeting": "hello"})))
    assert (obj["kind"], obj["name"], obj["namespace"], obj["action"]) == ("ConfigMap", "mcp-diff-new", "default",
                                                                         "create")
    assert "ConfigMap default/mcp-diff-new (v1): would be created" in text
    assert writes(sandbox) and all(r.query.get("dryRun") == "All" for r in writes(sandbox))
    assert all(r.query.get("fieldManager") == "fluxcd-mcp" for r in writes(sandbox))
    assert sandbox.store.find_kind("", "ConfigMap", "default", "mcp-diff-new") is None


async def test_a_changed_field_shows_the_live_and_the_new_value(server: FluxMCPServer, sandbox: Sandbox) -> None:
    applied_by(sandbox, "fluxcd-mcp", config_map("mcp-diff-changed", {"greeting": "hello", "size": "s"}))
    text, [obj] = await diffed(server, as_yaml(config_map("mcp-diff-changed", {"greeting": "bye", "size": "s"})))
    assert obj["action"] == "change"
    assert obj["changes"] == [{"path": ".data.greeting", "op": "changed", "before": '"hello"', "after": '"bye"',
                               "owners": []}]
    assert '~ .data.greeting: "hello" → "bye"' in text
    live = sandbox.store.find_kind("", "ConfigMap", "default", "mcp-diff-changed")
    assert live is not None and live["data"]["greeting"] == "hello"


async def test_a_field_the_manifest_no_longer_sets_would_be_removed(server: FluxMCPServer, sandbox: Sandbox) -> None:
    applied_by(sandbox, "fluxcd-mcp", config_map("mcp-diff-removed", {"keep": "1", "drop": "2"}))
    text, [obj] = await diffed(server, as_yaml(config_map("mcp-diff-removed", {"keep": "1"})))
    assert [(c["path"], c["op"], c.get("before")) for c in obj["changes"]] == [(".data.drop", "removed", '"2"')]
    assert '- .data.drop: "2"' in text


async def test_the_same_manifest_again_is_unchanged(server: FluxMCPServer, sandbox: Sandbox) -> None:
    manifest = config_map("mcp-diff-same", {"greeting": "hello"})
    applied_by(sandbox, "fluxcd-mcp", manifest)
    text, [obj] = await diffed(server, as_yaml(manifest))
    assert (obj["action"], obj["changes"], obj["changes_total"]) == ("unchanged", [], 0)
    assert "ConfigMap default/mcp-diff-same (v1): unchanged" in text


async def test_a_flux_managed_object_names_its_kustomization_and_the_fields_kustomize_controller_owns(
    server: FluxMCPServer, sandbox: Sandbox,
) -> None:
    applied_by(sandbox, "kustomize-controller",
               config_map("mcp-diff-flux", {"owned": "from-git", "other": "x"}, labels=KUSTOMIZE_LABELS))
    manifest = config_map("mcp-diff-flux", {"owned": "by-hand", "other": "x", "extra": "new"})
    text, [obj] = await diffed(server, as_yaml(manifest))
    assert obj["managed_by"] == "Kustomization flux-system/apps"
    assert obj["flux_owned_fields"] == [".data.owned"]
    changes = {c["path"]: c for c in obj["changes"]}
    assert changes[".data.owned"]["owners"] == ["kustomize-controller"]
    assert changes[".data.extra"] == {"path": ".data.extra", "op": "added", "after": '"new"', "owners": []}
    assert "managed by Kustomization flux-system/apps" in text
    assert ('~ .data.owned: "from-git" → "by-hand"  [owned by kustomize-controller: Flux reverts it on its next '
            "reconcile]") in text
    live = sandbox.store.find_kind("", "ConfigMap", "default", "mcp-diff-flux")
    assert live is not None and live["data"]["owned"] == "from-git"


async def test_a_manifest_that_carries_flux_labels_is_flagged_before_it_exists(server: FluxMCPServer) -> None:
    _, [obj] = await diffed(server, as_yaml(config_map("mcp-diff-labelled", {"a": "1"}, labels=KUSTOMIZE_LABELS)))
    assert (obj["action"], obj["managed_by"]) == ("create", "Kustomization flux-system/apps")


async def test_a_field_another_manager_owns_says_apply_needs_overwrite(
    server: FluxMCPServer, sandbox: Sandbox,
) -> None:
    applied_by(sandbox, "kubectl", config_map("mcp-diff-kubectl", {"replicas": "1"}))
    text, [obj] = await diffed(server, as_yaml(config_map("mcp-diff-kubectl", {"replicas": "2"})))
    assert obj["changes"][0]["owners"] == ["kubectl"] and obj["flux_owned_fields"] == []
    assert "owned by kubectl: apply_kubernetes_manifest needs overwrite=true" in text


async def test_secret_values_are_masked_on_both_sides(server: FluxMCPServer, sandbox: Sandbox) -> None:
    applied_by(sandbox, "fluxcd-mcp", secret("mcp-diff-secret", {"password": "old-hunter2", "user": "admin"}))
    manifest = secret("mcp-diff-secret", {"password": "new-hunter3", "user": "admin", "token": "fresh-token-9"})
    result = await diff(server, as_yaml(manifest))
    assert not result.is_error
    everything = json.dumps(result.model_dump(mode="json"))
    for value in ("old-hunter2", "new-hunter3", "fresh-token-9", "admin"):
        assert value not in everything
        assert base64.b64encode(value.encode()).decode() not in everything
    [obj] = (result.structured_content or {})["objects"]
    assert obj["values_masked"] is True
    # Only the key that appears is a change: a value compared masked against masked looks the same.
    assert [(c["path"], c["op"], c["after"]) for c in obj["changes"]] == [(".data.token", "added", '"****"')]


async def test_invalid_yaml_names_the_document_and_line_and_sends_nothing(
    server: FluxMCPServer, sandbox: Sandbox,
) -> None:
    manifest = as_yaml(config_map("mcp-diff-fine", {"a": "1"})) + "---\napiVersion: v1\nkind: ConfigMap\n" \
        "metadata:\n  name: [unclosed\n"
    result = await diff(server, manifest)
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error
    assert "yaml_content document 2: invalid YAML at line" in text
    assert sandbox.requests == []


async def test_alias_bombs_are_refused_like_apply_refuses_them(server: FluxMCPServer, sandbox: Sandbox) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(7)
    )
    result = await diff(server, bomb)
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error and "expands to more than" in text
    assert sandbox.requests == []


async def test_objects_that_depend_on_the_same_manifest_are_not_validated_and_say_why(
    server: FluxMCPServer, sandbox: Sandbox,
) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mcp-diff-ns"}}
    inside = config_map("in-new-namespace", {"a": "1"})
    inside["metadata"]["namespace"] = "mcp-diff-ns"
    text, objects = await diffed(server, as_yaml(inside, namespace))
    assert [(o["kind"], o["action"]) for o in objects] == [("Namespace", "create"), ("ConfigMap", "not validated")]
    assert objects[1]["reason"] == "its Namespace mcp-diff-ns is created by this manifest"
    assert "ConfigMap mcp-diff-ns/in-new-namespace (v1): not validated: its Namespace mcp-diff-ns" in text
    assert sandbox.store.find_kind("", "Namespace", None, "mcp-diff-ns") is None


async def test_an_object_the_api_server_rejects_is_reported_with_the_others(server: FluxMCPServer) -> None:
    bad = config_map("mcp-diff-bad", {})
    bad["data"] = {"count": 3}  # ConfigMap data is a map of strings: 422 Invalid
    text, objects = await diffed(server, as_yaml(config_map("mcp-diff-ok", {"a": "1"}), bad))
    assert [(o["name"], o["action"]) for o in objects] == [("mcp-diff-ok", "create"), ("mcp-diff-bad", "rejected")]
    # kube-apiserver v1.37 words a mistyped server-side apply so (HTTP 500, not worth a retry).
    assert ".data.count: expected string, got &value.valueUnstructured{Value:3}" in objects[1]["reason"]
    assert "ConfigMap default/mcp-diff-bad (v1): would be rejected by the API server" in text


async def test_each_object_gets_its_share_of_the_output_budget(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    small = build_server(Settings(kubeconfig=str(sandbox_kubeconfig), output_limit=6_000))
    wide = {f"key-{i:03d}": "v" * 40 for i in range(200)}
    applied_by(sandbox, "fluxcd-mcp", config_map("mcp-diff-wide", {"seed": "1"}))
    manifest = as_yaml(config_map("mcp-diff-wide", wide), config_map("mcp-diff-after-wide", {"a": "1"}))
    text, objects = await diffed(small, manifest)
    assert len(text) <= 6_000
    assert objects[0]["changes_total"] == 201 and 0 < len(objects[0]["changes"]) < 201
    # The wide object is cut inside its own share, so the next object is still reported.
    assert "ConfigMap default/mcp-diff-after-wide (v1): would be created" in text
    assert "output truncated" in text
