"""Secret canaries: no planted secret reaches any read or analysis tool's output, or the audit log.

The sandbox plants unique values in Secret data, a Git URL with user:password inside a status
message, an event and pod/controller logs with bearer tokens, and a HelmRelease valuesFrom
Secret. Every read tool is called across the fleet with masking on; the text, the structured
content and the audit log must hold none of them (raw or base64-encoded). With masking off at
least one must be visible, which proves the sweep can fail.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from mcp.client import Client

from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.fleet import CANARIES

from ._catalogue import case_for
from ._harness import call_tool, leaked_canaries, list_tools, result_blob
from ._summary import SUMMARY
from .conftest import ServerFactory

SECTION = "secret canaries (read/analysis tool calls scanned, masking on)"

# Planted by this suite on top of the fleet's own canaries, where the fleet has none yet.
LAST_APPLIED_CANARY = "C4n4ryL4stApp1i3dR3l14b1l1ty08"
EVENT_CANARY = "C4n4ryEv3ntB34r3rR3l14b1l1ty09"
CONTROLLER_LOG_CANARY = "C4n4ryC0ntr0ll3rL0gR3l14b1l1ty10"
EXTRA_CANARIES = [LAST_APPLIED_CANARY, EVENT_CANARY, CONTROLLER_LOG_CANARY]


def _post(api_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        api_url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer reliability"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise
        return {}


def _get(api_url: str, path: str) -> dict[str, Any]:
    request = urllib.request.Request(api_url + path, headers={"Authorization": "Bearer reliability"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


@pytest.fixture(scope="module")
def planted(sandbox: Sandbox) -> list[str]:
    """Every canary of the fleet plus the suite's own: a last-applied annotation that still holds a
    Secret's stringData (what `kubectl apply` leaves behind), a Warning event on the failing
    GitRepository echoing a bearer token, and a source-controller log line with one."""
    last_applied = json.dumps({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "kubectl-applied", "namespace": "team-billing"},
        "stringData": {"password": LAST_APPLIED_CANARY},
    })
    _post(sandbox.url, "/api/v1/namespaces/team-billing/secrets", {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "kubectl-applied", "namespace": "team-billing",
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}},
        "data": {"password": base64.b64encode(LAST_APPLIED_CANARY.encode()).decode()},
    })
    _post(sandbox.url, "/api/v1/namespaces/team-billing/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kubectl-applied", "namespace": "team-billing",
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}},
        "data": {"note": "applied with kubectl"},
    })
    repo = _get(sandbox.url, "/apis/source.toolkit.fluxcd.io/v1/namespaces/team-billing/gitrepositories/billing")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _post(sandbox.url, "/api/v1/namespaces/team-billing/events", {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "billing.reliability-canary", "namespace": "team-billing"},
        "involvedObject": {"apiVersion": repo.get("apiVersion", "source.toolkit.fluxcd.io/v1"),
                           "kind": "GitRepository", "name": "billing", "namespace": "team-billing",
                           "uid": repo.get("metadata", {}).get("uid", "")},
        "reason": "GitOperationFailed", "type": "Warning", "count": 1,
        "message": f"proxy rejected request with header Authorization: Bearer {EVENT_CANARY}",
        "firstTimestamp": now, "lastTimestamp": now,
        "source": {"component": "source-controller"}, "reportingComponent": "source-controller",
    })
    pods = _get(sandbox.url, "/api/v1/namespaces/flux-system/pods?labelSelector=app%3Dsource-controller")
    for pod in pods.get("items", []):
        line = json.dumps({
            "level": "error", "ts": now, "msg": "Reconciler error", "controllerKind": "GitRepository",
            "name": "billing", "namespace": "team-billing",
            "error": f"fetch failed: 'https://deploy-bot:{CONTROLLER_LOG_CANARY}@github.com/acme/billing-config'",
        })
        sandbox.logs.append("flux-system", pod["metadata"]["name"], "manager", line)
    return [*CANARIES, *EXTRA_CANARIES]


def kubeconfig_secrets(path: Path) -> list[str]:
    """Credentials of the kubeconfig itself: they must never be returned either."""
    config = yaml.safe_load(path.read_text())
    found: list[str] = []
    for user in config.get("users", []) or []:
        for key in ("token", "password", "client-key-data"):
            value = (user.get("user") or {}).get(key)
            if isinstance(value, str) and len(value) >= 12:
                found.append(value)
    return found


async def sweep(client: Client) -> list[tuple[str, dict[str, object], str]]:
    """Call every read tool with its realistic calls; (tool, args, everything the client saw)."""
    seen: list[tuple[str, dict[str, object], str]] = []
    tools = await list_tools(client)
    for name, tool in tools.items():
        annotations = tool.annotations
        if annotations is not None and annotations.read_only_hint is False:
            continue
        case = case_for(name, tool.input_schema, annotations.read_only_hint if annotations else None)
        for args in (case.args, *case.variants):
            result = await call_tool(client, name, dict(args))
            seen.append((name, dict(args), result_blob(result)))
    return seen


async def test_no_canary_reaches_output_or_audit_log(
    planted: list[str], make_server: ServerFactory, sandbox_kubeconfig: Path, tmp_path: Path
) -> None:
    canaries = [*planted, *kubeconfig_secrets(sandbox_kubeconfig)]
    audit = tmp_path / "audit.jsonl"
    async with Client(make_server(audit_log=audit, mask_secrets=True)) as client:
        seen = await sweep(client)
    leaks: list[str] = []
    for name, args, blob in seen:
        leaked = leaked_canaries(blob, canaries)
        SUMMARY.record(SECTION, name, not leaked, f"{name} {args} leaked {leaked}")
        if leaked:
            leaks.append(f"{name} {args}: {leaked}")
    audit_text = audit.read_text()
    audit_leaks = leaked_canaries(audit_text, canaries)
    SUMMARY.record(SECTION, "audit log", not audit_leaks, f"audit log leaked {audit_leaks}")
    assert len(audit_text.splitlines()) == len(seen), "the audit log misses tool calls"
    assert not leaks, "canaries in tool output:\n" + "\n".join(leaks)
    assert not audit_leaks, f"canaries in the audit log: {audit_leaks}"


async def test_without_masking_a_canary_is_visible(planted: list[str], make_server: ServerFactory) -> None:
    """The sweep can fail: with mask_secrets off, Secret values reach the output."""
    async with Client(make_server(mask_secrets=False)) as client:
        seen = await sweep(client)
    visible = {canary for _, _, blob in seen for canary in leaked_canaries(blob, planted)}
    section = "secret canaries with masking OFF (visible = the sweep can detect a leak)"
    for canary in planted:
        SUMMARY.record(section, f"{canary[:24]}…", True, outcome="visible" if canary in visible else "not visible")
    assert visible, "no canary visible even with masking off: the sweep cannot detect a leak"


WRITE_CANARY = "C4n4ryR3l14b1l1tyWr1t3P4yl04dDoNotLeak07"


async def test_secret_payloads_of_write_tools_stay_out_of_output_and_audit_log(
    sandbox: Sandbox, make_server: ServerFactory, tmp_path: Path
) -> None:
    """A Secret applied or patched through the tools: its value is in neither the answer nor the audit log."""
    manifest = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: reliability-secret\n  namespace: default\n"
        f"type: Opaque\nstringData:\n  password: {WRITE_CANARY}\n"
    )
    calls: list[tuple[str, dict[str, object]]] = [
        ("apply_kubernetes_manifest", {"yaml_content": manifest}),
        ("apply_kubernetes_manifest", {"yaml_content": manifest, "dry_run": True}),
        ("diff_kubernetes_manifest", {"yaml_content": manifest}),
        ("diff_kubernetes_manifest", {"yaml_content": manifest.replace(WRITE_CANARY, WRITE_CANARY[::-1])}),
        ("patch_kubernetes_resource", {"kind": "Secret", "name": "reliability-secret", "namespace": "default",
                                       "patch": f'{{"stringData": {{"token": "{WRITE_CANARY}"}}}}'}),
        ("get_kubernetes_resources", {"kind": "Secret", "name": "reliability-secret", "namespace": "default"}),
        ("delete_kubernetes_resource", {"kind": "Secret", "name": "reliability-secret", "namespace": "default",
                                        "dry_run": True}),
    ]
    audit = tmp_path / "audit.jsonl"
    leaks: list[str] = []
    async with Client(make_server(audit_log=audit)) as client:
        tools = await list_tools(client)
        for name, args in calls:
            if name not in tools:
                continue
            result = await call_tool(client, name, dict(args))
            leaked = leaked_canaries(result_blob(result), [WRITE_CANARY])
            SUMMARY.record(SECTION, f"{name} (Secret payload)", not leaked, f"{name} leaked the payload")
            if leaked:
                leaks.append(f"{name} {list(args)}: {result_blob(result)[:300]}")
    audit_leaks = leaked_canaries(audit.read_text(), [WRITE_CANARY])
    SUMMARY.record(SECTION, "audit log (Secret payloads)", not audit_leaks, "audit log holds a Secret payload")
    assert not leaks, "\n".join(leaks)
    assert not audit_leaks, "the audit log holds a Secret value from a tool argument"
    assert oct(audit.stat().st_mode & 0o777) == "0o600"
