"""Secret canaries: no planted secret reaches any read or analysis tool's output, or the audit log.

The sandbox plants unique values in Secret data, a Git URL with user:password inside a status
message, an event and pod/controller logs with bearer tokens, and a HelmRelease valuesFrom
Secret. Every read tool is called across the fleet with masking on; the text, the structured
content and the audit log must hold none of them (raw or base64-encoded). With masking off at
least one must be visible, which proves the sweep can fail.

The second half sweeps the canary corpus (flux_mcp.sandbox.canaries: every credential form in
every place) through every read and analysis tool and each projection/format parameter, looking
for whole values and any 8-character fragment (`_canary_check.CanaryChecker`); with masking off
every corpus canary must be visible. It also holds grep to the oracle property (the same answer
for a right and a wrong guess of a masked prefix) and bounds the hang cases.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.canaries import Canary, corpus
from flux_mcp.sandbox.fleet import CANARIES

from ._canary_check import CanaryChecker
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


# --- the canary corpus (flux_mcp.sandbox.canaries): every form x place x read/analysis tool ---------

CORPUS = corpus()
CORPUS_SECTION = "canary corpus (forms x places x tools; full values and 8-character fragments)"
CATASTROPHIC = "([a-z]+ ?)+QQ"
ADVERSARIAL_VALUE = "a." * 500_000 + " token"


def _checker(canaries: list[Canary]) -> CanaryChecker:
    return CanaryChecker({f"{c.form} @ {c.place}": c.secret for c in canaries})


def corpus_calls(canaries: list[Canary]) -> list[tuple[str, dict[str, object]]]:
    """Calls that reach every place of the corpus, with every projection and format parameter."""
    calls: list[tuple[str, dict[str, object]]] = []
    objects: dict[tuple[str, str, str], list[str]] = {}
    for c in canaries:
        if c.kind not in ("Event", "Pod"):
            objects.setdefault((c.kind, c.namespace, c.name), []).append(c.field)
    for (kind, namespace, name), fields in objects.items():
        calls += [
            ("get_kubernetes_resources", {"kind": kind, "namespace": namespace}),
            ("get_kubernetes_resources", {"kind": kind, "name": name, "namespace": namespace}),
            ("get_kubernetes_resources", {"kind": kind, "name": name}),
            ("get_kubernetes_resources", {"kind": kind, "namespace": namespace, "output": "table"}),
            ("get_kubernetes_resources", {"kind": kind, "output": "table"}),
        ]
        for projection in sorted({f for f in fields if f}):
            calls.append(("get_kubernetes_resources", {"kind": kind, "name": name, "namespace": namespace,
                                                       "fields": [projection]}))
        calls.append(("get_kubernetes_resources", {"kind": kind, "namespace": namespace,
                                                   "fields": [".spec", ".status", ".data", ".metadata"]}))
        if find_flux_kind(kind) is not None:
            calls += [
                ("analyze_flux_resource", {"kind": kind, "name": name, "namespace": namespace}),
                ("trace_kubernetes_resource", {"kind": kind, "name": name, "namespace": namespace}),
                ("get_flux_inventory_tree", {"kind": kind, "name": name, "namespace": namespace}),
            ]
    namespace = canaries[0].namespace
    app = next(c.name for c in canaries if c.kind == "Pod")
    calls += [
        ("get_kubernetes_resources", {"kind": "Pod", "namespace": namespace}),
        ("get_kubernetes_resources", {"kind": "Pod", "namespace": namespace, "output": "table"}),
        ("get_kubernetes_resources", {"kind": "Event", "namespace": namespace, "limit": 1000}),
        ("get_kubernetes_resources", {"kind": "Event", "namespace": namespace, "output": "table", "limit": 1000}),
        ("get_kubernetes_resources", {"kind": "Event", "namespace": namespace, "fields": [".message"],
                                      "limit": 1000}),
        ("get_kubernetes_events", {"namespace": namespace, "limit": 1000}),
        ("get_kubernetes_events", {"limit": 1000}),
        ("get_kubernetes_events", {"namespace": namespace, "limit": 1000, "grep": "password|token|key|secret"}),
        ("get_kubernetes_events", {"namespace": namespace, "limit": 1000, "grep": "."}),
        ("get_kubernetes_logs", {"kind": "Deployment", "name": app, "namespace": namespace, "limit": 5000}),
        ("get_kubernetes_logs", {"kind": "Deployment", "name": app, "namespace": namespace, "limit": 5000,
                                 "grep": "password|token|key|secret|auth"}),
        ("get_kubernetes_logs", {"kind": "Pod", "name": f"{app}-", "namespace": namespace}),
        ("trace_kubernetes_resource", {"kind": "Deployment", "name": app, "namespace": namespace}),
        ("get_flux_health", {}),
        ("get_flux_health", {"namespace": namespace}),
        ("get_flux_instance", {}),
        ("get_flux_dependency_graph", {"namespace": namespace}),
        ("get_flux_dependency_graph", {"namespace": namespace, "format": "mermaid"}),
        ("get_flux_dependency_graph", {"namespace": namespace, "format": "dot"}),
        ("get_flux_dependency_graph", {"namespace": namespace, "format": "json"}),
        ("get_flux_dependency_graph", {"format": "json"}),
    ]
    return calls


async def _pod_name(client: Client, namespace: str, app: str) -> str:
    result = await call_tool(client, "get_kubernetes_resources", {"kind": "Pod", "namespace": namespace,
                                                                  "fields": [".metadata.name"]})
    names = (result.structured_content or {}).get("names") or []
    return next(str(n).split("/", 1)[-1] for n in names if app in str(n))


async def corpus_sweep(client: Client, canaries: list[Canary]) -> list[tuple[str, dict[str, object], str]]:
    """The corpus calls, then every read/analysis tool's catalogue calls (so no tool is left out)."""
    tools = await list_tools(client)
    app = next(c.name for c in canaries if c.kind == "Pod")
    pod = await _pod_name(client, canaries[0].namespace, app)
    seen: list[tuple[str, dict[str, object], str]] = []
    for name, args in corpus_calls(canaries):
        if name not in tools:
            continue
        if args.get("name") == f"{app}-":
            args = {**args, "name": pod}
        result = await call_tool(client, name, dict(args))
        seen.append((name, dict(args), result_blob(result)))
    return seen + await sweep(client)


async def test_canary_corpus_sweep_finds_nothing_masked_and_everything_unmasked(
    make_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Masking off, every canary of the corpus is visible to some call (the sweep can fail); masking
    on, the same calls show no canary whole and no 8-character fragment of one, nor does the audit log."""
    checker = _checker(CORPUS)
    async with Client(make_server(mask_secrets=False)) as client:
        unmasked = await corpus_sweep(client, CORPUS)
    exposures = 0
    visible: set[str] = set()
    for _, _, blob in unmasked:
        found = checker.scan(blob)
        exposures += len(found.full)
        visible |= found.full
    audit = tmp_path / "audit.jsonl"
    async with Client(make_server(mask_secrets=True, audit_log=audit)) as client:
        masked = await corpus_sweep(client, CORPUS)
    leaks: list[str] = []
    leaked = fragments = 0
    for name, args, blob in masked:
        found = checker.scan(blob)
        leaked += len(found.full)
        fragments += len(found.fragments)
        SUMMARY.record(CORPUS_SECTION, name, not found, f"{name} {args}: whole {sorted(found.full)}, "
                       f"fragments {sorted(found.fragments)}")
        if found:
            leaks.append(f"{name} {args}: whole {sorted(found.full)[:5]}, fragments {sorted(found.fragments)[:5]}")
    audit_found = checker.scan(audit.read_text())
    SUMMARY.record(CORPUS_SECTION, "audit log", not audit_found, f"audit log: {audit_found}")
    forms = len({c.form for c in CORPUS})
    places = len({c.place for c in CORPUS})
    tools = len({name for name, _, _ in masked})
    tally = (f"canary corpus: {forms} forms x {places} places = {len(CORPUS)} canaries, {len(masked)} calls of "
             f"{tools} tools; masking off: {len(visible)}/{len(CORPUS)} canaries visible ({exposures} exposures); "
             f"masking on: {leaked} leaks, {fragments} fragments, audit log {len(audit_found.full)} leaks "
             f"{len(audit_found.fragments)} fragments")
    SUMMARY.record(CORPUS_SECTION, f"{len(CORPUS)} canaries x {len(masked)} calls: {leaked} leaks, {fragments} "
                   "fragments", True, outcome="tally")
    with capsys.disabled():
        print(f"\n{tally}")
    invisible = sorted(f"{c.form} @ {c.place}" for c in CORPUS if f"{c.form} @ {c.place}" not in visible)
    assert not invisible, f"with masking off the sweep does not reach: {invisible}"
    assert not leaks, "canary corpus in tool output:\n" + "\n".join(leaks)
    assert not audit_found, f"canary corpus in the audit log: {audit_found}"


def _oracle_cases() -> list[Canary]:
    """One canary per text form, in an event and in a log line: the places grep reads."""
    return [c for c in CORPUS if c.place in ("event message", "container log")]


async def test_grep_answers_the_same_for_a_right_and_a_wrong_guess_of_a_masked_value(
    make_server: ServerFactory,
) -> None:
    """grep only sees masked text: guessing a secret's prefix (case restored with (?-i:...)) tells nothing.
    With masking off the right guess matches and the wrong one does not, so the comparison can fail."""
    cases = _oracle_cases()
    app = next(c.name for c in CORPUS if c.kind == "Pod")

    def call_for(c: Canary, guess: str) -> tuple[str, dict[str, object]]:
        pattern = "(?-i:" + "".join(ch if ch.isalnum() else "\\" + ch for ch in guess) + ")"
        if c.place == "event message":
            return "get_kubernetes_events", {"namespace": c.namespace, "limit": 1000, "grep": pattern}
        return "get_kubernetes_logs", {"kind": "Deployment", "name": app, "namespace": c.namespace,
                                       "limit": 5000, "grep": pattern}

    def counts(result: CallToolResult) -> tuple[object, object]:
        data = result.structured_content or {}
        return (data.get("matched"), data.get("returned")) if "matched" in data else (
            data.get("lines_matched"), data.get("lines_returned"))

    async def differing(mask: bool) -> list[str]:
        found: list[str] = []
        async with Client(make_server(mask_secrets=mask)) as client:
            for c in cases:
                right = c.secret[:12]
                wrong = right[:-1] + ("B" if right[-1] != "B" else "C")
                a = await call_tool(client, *call_for(c, right))
                b = await call_tool(client, *call_for(c, wrong))
                if counts(a) != counts(b) or a.is_error != b.is_error:
                    found.append(f"{c.form} @ {c.place}: {counts(a)} vs {counts(b)}")
        return found

    unmasked = await differing(False)
    masked = await differing(True)
    section = "grep oracle (right vs wrong guess of a masked prefix)"
    SUMMARY.record(section, f"masking off: {len(unmasked)}/{len(cases)} guesses told apart", bool(unmasked),
                   outcome="can fail")
    SUMMARY.record(section, f"masking on: {len(masked)}/{len(cases)} guesses told apart", not masked,
                   "; ".join(masked[:5]))
    assert len(unmasked) == len(cases), "with masking off grep should confirm every right guess"
    assert not masked, "grep tells a right guess from a wrong one:\n" + "\n".join(masked)


async def _concurrently(client: Client, heavy: tuple[str, dict[str, object]]) -> tuple[CallToolResult, bool]:
    """The heavy call and a light one side by side; the light one must be answered too."""
    results: dict[str, CallToolResult] = {}

    async def run(key: str, tool: str, args: dict[str, object]) -> None:
        results[key] = await call_tool(client, tool, dict(args))

    async with anyio.create_task_group() as group:
        group.start_soon(run, "heavy", *heavy)
        group.start_soon(run, "light", "get_kubernetes_resources", {"kind": "Namespace", "output": "table"})
    return results["heavy"], not results["light"].is_error


async def test_catastrophic_patterns_and_a_1mb_adversarial_value_are_answered_while_other_calls_are_served(
    sandbox: Sandbox, make_server: ServerFactory,
) -> None:
    """Within the suite's per-call timeout: grep patterns that make a backtracking engine run for
    minutes, and listing a ConfigMap whose value is the quadratic case of the old URL pattern."""
    _post(sandbox.url, "/api/v1/namespaces/default/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "adversarial", "namespace": "default"},
        "data": {"value": ADVERSARIAL_VALUE},
    })
    heavy_calls: list[tuple[str, dict[str, object]]] = [
        ("get_kubernetes_events", {"grep": CATASTROPHIC, "limit": 1000}),
        ("get_kubernetes_logs", {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system",
                                 "grep": r"([0-9a-z\-]+)+=", "limit": 5000}),
        ("get_kubernetes_resources", {"kind": "ConfigMap", "name": "adversarial", "namespace": "default"}),
        ("get_kubernetes_resources", {"kind": "ConfigMap", "namespace": "default", "output": "table"}),
    ]
    section = "bounded work (answered within the call timeout while another call is served)"
    async with Client(make_server()) as client:
        for tool, args in heavy_calls:
            heavy, light_ok = await _concurrently(client, (tool, args))
            label = f"{tool} {str(args)[:60]}"
            SUMMARY.record(section, label, light_ok and not heavy.is_error, f"{label}: {result_blob(heavy)[:200]}")
            assert light_ok, f"a concurrent call failed while {label} ran"
            assert not heavy.is_error, result_blob(heavy)[:300]


async def test_a_lookaround_pattern_is_refused_in_one_line(make_server: ServerFactory) -> None:
    async with Client(make_server()) as client:
        result = await call_tool(client, "get_kubernetes_events", {"grep": "(?=token)"})
    text = result_blob(result)
    assert result.is_error
    assert "invalid grep regular expression" in text and "lookaround" in text
    assert len(text.strip().splitlines()) == 1
