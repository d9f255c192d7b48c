"""The audit log: one JSON line per tool call, owner-only, free of secrets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from mcp.client import Client

from flux_mcp.audit import AuditLog
from flux_mcp.sandbox import CANARY_FORMS
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.harness import call_tool

CANARY = CANARY_FORMS[0]


def test_one_json_line_per_call_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)

    log.record("get_kubernetes_resources", {"kind": "Kustomization", "namespace": "flux-system"}, "ok", 12.34)
    log.record("reconcile_flux_resource", {"kind": "ks", "name": "apps"}, "error", 3.0, error="forbidden")

    lines = path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["tool"] for e in entries] == ["get_kubernetes_resources", "reconcile_flux_resource"]
    assert entries[0]["arguments"] == {"kind": "Kustomization", "namespace": "flux-system"}
    assert entries[0]["outcome"] == "ok" and entries[0]["duration_ms"] == 12.3
    assert entries[1]["error"] == "forbidden" and entries[1]["time"].endswith("+00:00")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_file_is_tightened_to_0600_and_appended(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier": true}\n')
    path.chmod(0o644)

    AuditLog(path).record("get_flux_instance", {}, "ok", 1.0)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().splitlines()) == 2


def test_payload_arguments_are_fingerprinted_and_urls_redacted(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    manifest = f"apiVersion: v1\nkind: Secret\nstringData:\n  password: {CANARY}\n"

    AuditLog(path).record("apply_kubernetes_manifest", {"yaml_content": manifest,
                                                        "note": f"https://bot:{CANARY}@github.com/x"}, "ok", 1.0)

    text = path.read_text()
    assert CANARY not in text
    entry = json.loads(text)
    assert set(entry["arguments"]["yaml_content"]) == {"sha256", "chars"}


async def test_the_server_audits_every_tool_call_even_failures(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    server = build_server(Settings(kubeconfig=str(tmp_path / "missing"), audit_log=path))

    async with Client(server) as client:
        await call_tool(client, "get_kubeconfig_contexts", {})
        await call_tool(client, "get_kubernetes_resources", {"kind": "Kustomization", "name": "apps"})

    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["tool"], e["outcome"]) for e in entries] == [
        ("get_kubeconfig_contexts", "error"), ("get_kubernetes_resources", "error")]
    assert entries[1]["arguments"]["kind"] == "Kustomization"
    assert "no kubeconfig file found" in entries[1]["error"]
