"""Real-server mode (issue 17 item 6): ours, the official Flux MCP server and the Go kubernetes-mcp-server
against one real kube-apiserver on loopback, in one run.

    python -m tests.benchmarks --real [--json results.json]

The cluster comes from the realk8s harness (etcd, kube-apiserver, kube-controller-manager; binaries
cached by `python -m tests.realk8s build`); no Flux controllers run: the Kustomizations and
GitRepositories are created through the API in bulk and their status written through `/status` in
the shapes the real controllers write, which is all that listing and health read. Every call has a
timeout and every loop a fixed count; everything started is stopped on the way out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.peer import Peer, fetch_go_server
from tests.benchmarks.results import _fmt, median
from tests.benchmarks.scenarios import (
    GO_LIST,
    OUR_HEALTH,
    OUR_LIST,
    PAGE_SERVER_MS_BUDGET,
    READY_FIELDS,
    _cpu_delta,
    _list_all_pages,
    _page_costs,
)
from tests.benchmarks.stdio import CallMeasure, ColdStart, ServerUnderTest, Session, cold_start, session

OFFICIAL_LIST = "get_kubernetes_resources"
FIRST_CALL_NAMESPACE = "flux-system"
FIRST_CALL_OBJECTS = 15
PER_NAMESPACE = 100
BROKEN_EVERY = 40
"""Every 40th Kustomization fails its build (Ready=False with a retry), as kustomize-controller reports it."""
COLD_START_OVER_IMPORT_MS = 200.0
FIRST_CALL_RATIO_TARGET = 1.5
OFFICIAL_REPEATS = 2
"""The official server takes many seconds per full listing: fewer repeats keep the run bounded."""
SETTLE_AFTER_LOAD_S = 10.0
TIME_NOW = "2026-01-01T00:00:00Z"
KUSTOMIZE = "kustomize.toolkit.fluxcd.io"
SOURCE = "source.toolkit.fluxcd.io"


# --- the fleet ------------------------------------------------------------------------------------


def _ready(ok: bool, reason: str, message: str) -> list[dict[str, Any]]:
    ready = {"type": "Ready", "status": "True" if ok else "False", "reason": reason, "message": message,
             "lastTransitionTime": TIME_NOW, "observedGeneration": 1}
    if ok:
        return [ready]
    return [ready, {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry",
                    "message": "Detecting drift for revision main@sha1:0123456789abcdef",
                    "lastTransitionTime": TIME_NOW, "observedGeneration": 1}]


def fleet(count: int) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(collection path, name, object, status) of every object to load: one GitRepository per namespace and
    `count` Kustomizations, FIRST_CALL_OBJECTS of them in flux-system and the rest PER_NAMESPACE a namespace."""
    revision = "main@sha1:0123456789abcdef0123456789abcdef01234567"
    namespaces: list[tuple[str, int]] = [(FIRST_CALL_NAMESPACE, min(count, FIRST_CALL_OBJECTS))]
    left = count - namespaces[0][1]
    index = 0
    while left > 0:
        namespaces.append((f"bench-{index:02d}", min(left, PER_NAMESPACE)))
        left -= PER_NAMESPACE
        index += 1
    objects: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    serial = 0
    for namespace, many in namespaces:
        repo = {"apiVersion": f"{SOURCE}/v1", "kind": "GitRepository",
                "metadata": {"name": "fleet", "namespace": namespace},
                "spec": {"interval": "5m", "url": "http://127.0.0.1:9/fleet.git", "ref": {"branch": "main"}}}
        repo_status = {"observedGeneration": 1, "conditions": _ready(True, "Succeeded", f"stored artifact for "
                                                                                       f"revision '{revision}'"),
                       "artifact": {"path": f"gitrepository/{namespace}/fleet/0123.tar.gz", "revision": revision,
                                    "url": "http://127.0.0.1:9/0123.tar.gz", "lastUpdateTime": TIME_NOW,
                                    "digest": "sha256:" + "0" * 64}}
        objects.append((f"/apis/{SOURCE}/v1/namespaces/{namespace}/gitrepositories", "fleet", repo, repo_status))
        for i in range(many):
            serial += 1
            name = f"app-{i:03d}"
            spec = {"interval": "10m", "path": f"./apps/{name}", "prune": True,
                    "sourceRef": {"kind": "GitRepository", "name": "fleet"}, "timeout": "2m"}
            obj = {"apiVersion": f"{KUSTOMIZE}/v1", "kind": "Kustomization",
                   "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/name": name}},
                   "spec": spec}
            if serial % BROKEN_EVERY == 0:
                status = {"observedGeneration": -1, "conditions": _ready(
                    False, "BuildFailed", f"kustomize build failed: accumulating resources from 'apps/{name}': "
                                          "open apps/" + name + "/deployment.yaml: no such file or directory")}
            else:
                status = {"observedGeneration": 1, "lastAppliedRevision": revision,
                          "lastAttemptedRevision": revision,
                          "conditions": _ready(True, "ReconciliationSucceeded", f"Applied revision: {revision}")}
            objects.append((f"/apis/{KUSTOMIZE}/v1/namespaces/{namespace}/kustomizations", name, obj, status))
    return objects


def load_fleet(cluster: Any, count: int) -> dict[str, Any]:
    """Create the namespaces and the fleet, 8 requests at a time; write each status through /status."""
    api = cluster.api("admin")
    objects = fleet(count)
    started = time.perf_counter()
    for namespace in sorted({o[2]["metadata"]["namespace"] for o in objects}):
        response = api.request("POST", "/api/v1/namespaces",
                               {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        if not response.ok and response.status != 409:
            raise RuntimeError(f"creating namespace {namespace}: HTTP {response.status}: {response.message}")

    def put(item: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
        collection, name, obj, status = item
        api.create(collection, obj)
        api.must("PATCH", f"{collection}/{name}/status", {"status": status},
                 content_type="application/merge-patch+json")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, objects))
    listed = api.must("GET", f"/apis/{KUSTOMIZE}/v1/kustomizations")["items"]
    if len(listed) != count:
        raise RuntimeError(f"the API server lists {len(listed)} Kustomizations, {count} were created")
    return {"kustomizations": count, "objects": len(objects), "broken": sum(
        1 for o in objects if o[3]["conditions"][0]["status"] == "False"),
            "load_s": round(time.perf_counter() - started, 1),
            "names": {f"{o[2]['metadata']['namespace']}/{o[1]}" for o in objects if o[2]["kind"] == "Kustomization"}}


# --- rows -----------------------------------------------------------------------------------------


@dataclass
class RealRow:
    metric: str
    unit: str
    ours: float | None
    official: float | None = None
    go: float | None = None
    target: float | None = None
    target_label: str = ""
    note: str = ""

    @staticmethod
    def _ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None or b == 0 else a / b

    @property
    def verdict(self) -> str:
        if self.target is None or self.ours is None:
            return ""
        return "met" if self.ours <= self.target else "MISSED"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ours_over_official": self._ratio(self.ours, self.official),
                "ours_over_go": self._ratio(self.ours, self.go), "verdict": self.verdict}

    def cells(self) -> tuple[str, ...]:
        def ratio(value: float | None) -> str:
            return "" if value is None else f"{value:.2f}"

        target = "" if self.target is None else f"≤ {_fmt(self.target)} {self.target_label}".rstrip()
        return (self.metric, self.unit, _fmt(self.ours), _fmt(self.official), _fmt(self.go),
                ratio(self._ratio(self.ours, self.official)), ratio(self._ratio(self.ours, self.go)), target,
                self.verdict)


def render(rows: list[RealRow], meta: dict[str, Any]) -> str:
    headers = ("metric", "unit", "ours", "official", "Go", "ours/official", "ours/Go", "target", "")
    lines = [headers, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    rendered = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
    rendered.insert(1, "-+-".join("-" * w for w in widths))
    notes = [f"  {row.metric}: {row.note}" for row in rows if row.note]
    head = (f"real kube-apiserver {meta.get('kubernetes')} on loopback; official = {meta.get('official')}, "
            f"Go = {meta.get('go')}; {meta.get('fleet')}")
    return "\n".join([head, "", *rendered, *(["", "notes:", *notes] if notes else [])])


# --- measurements ---------------------------------------------------------------------------------


def import_floor_ms(runs: int) -> list[float]:
    """Wall time of `python -c "import mcp.server.mcpserver"`: what the SDK costs before any of our code."""
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import mcp.server.mcpserver"], check=True, timeout=60)
        walls.append((time.perf_counter() - started) * 1000)
    return walls


async def _timed_calls(sess: Session, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    measures: list[CallMeasure] = []
    cpu_before = sess.cpu_ms()
    for tool, arguments in calls:
        measures.append(await sess.call(tool, arguments))
    return {"ms": sum(m.ms for m in measures), "bytes": sum(m.bytes for m in measures), "calls": len(measures),
            "errors": [m.text[:200] for m in measures if m.is_error],
            "first_text": measures[0].text[:1500] if measures else "",
            "cpu_ms": _cpu_delta(cpu_before, sess.cpu_ms()), "peak_kib": sess.memory_kib().get("VmHWM")}


def _summary(runs: list[dict[str, Any]], key: str) -> float | None:
    return median([float(r[key]) for r in runs if r.get(key) is not None])


async def measure(args: argparse.Namespace, cluster: Any, peer: Peer, official_binary: Path,
                  fleet_facts: dict[str, Any], rows: list[RealRow], details: dict[str, Any],
                  phase: Callable[[str], None]) -> None:
    from tests.benchmarks.run import floor_server, our_server

    kubeconfig = cluster.kubeconfig
    ours = our_server(kubeconfig, args.server_root)
    official = ServerUnderTest("flux-operator-mcp", str(official_binary), ("serve",),
                               env={"KUBECONFIG": str(kubeconfig)})
    go = None if peer.binary is None else ServerUnderTest(
        f"kubernetes-mcp-server {peer.version}", str(peer.binary), ("--kubeconfig", str(kubeconfig)))
    go_yaml = None if go is None else ServerUnderTest(go.label + " (yaml)", go.command,
                                                      (*go.args, "--list-output", "yaml"))
    count = fleet_facts["kustomizations"]
    kust = {"apiVersion": f"{KUSTOMIZE}/v1", "kind": "Kustomization"}

    # 1. cold start, interleaved, with the SDK import floor and an empty MCPServer measured alongside.
    phase(f"cold start ({args.runs} runs each, interleaved)")
    starts: dict[str, list[ColdStart]] = {"floor": [], "ours": [], "official": [], "go": []}
    imports: list[float] = []
    for _ in range(args.runs):
        imports += import_floor_ms(1)
        for name, server in (("floor", floor_server()), ("ours", ours), ("official", official), ("go", go)):
            if server is not None:
                starts[name].append(await cold_start(server))
    walls = {name: median([s.tools_list_ms for s in found]) for name, found in starts.items()}
    cpus = {name: median([s.cpu_ms for s in found if s.cpu_ms is not None]) for name, found in starts.items()}
    tools_bytes = {name: found[-1].tools_list_bytes if found else None for name, found in starts.items()}
    tool_counts = {name: found[-1].tool_count if found else None for name, found in starts.items()}
    import_ms = median(imports)
    details["cold_start"] = {"import_floor_ms": [round(v, 1) for v in imports],
                             **{f"{n}_ms": [round(s.tools_list_ms, 1) for s in f] for n, f in starts.items()},
                             **{f"{n}_cpu_ms": [s.cpu_ms for s in f] for n, f in starts.items()},
                             "tools": tool_counts, "tools_list_bytes": tools_bytes}
    rows += [
        RealRow(f"cold start: spawn → first tools/list (median of {args.runs})", "ms", walls["ours"],
                walls["official"], walls["go"],
                target=None if import_ms is None else import_ms + COLD_START_OVER_IMPORT_MS,
                target_label="(import floor + 200)"),
        RealRow('… SDK import floor: python -c "import mcp.server.mcpserver"', "ms", import_ms),
        RealRow("… an empty mcp MCPServer to its first tools/list", "ms", walls["floor"], walls["official"],
                walls["go"]),
        RealRow("… server CPU to first tools/list", "ms", cpus["ours"], cpus["official"], cpus["go"]),
        RealRow("tools/list bytes (compact JSON)", "bytes", tools_bytes["ours"], tools_bytes["official"],
                tools_bytes["go"], target=20_000,
                note=f"tools: ours {tool_counts['ours']}, official {tool_counts['official']}, "
                     f"Go {tool_counts['go']}"),
    ]

    # 2. first call after start: the Kustomizations of flux-system, a fresh process per run.
    phase("first call after start")
    first: dict[str, list[float]] = {"ours": [], "official": [], "go": []}
    first_calls = {
        "ours": (ours, OUR_LIST, {"kind": "Kustomization", "namespace": FIRST_CALL_NAMESPACE}),
        "official": (official, OFFICIAL_LIST, {**kust, "namespace": FIRST_CALL_NAMESPACE}),
        "go": (go, GO_LIST, {**kust, "namespace": FIRST_CALL_NAMESPACE}),
    }
    for _ in range(args.runs):
        for name, (server, tool, arguments) in first_calls.items():
            if server is None:
                continue
            async with session(server) as sess:
                found = await sess.call(tool, arguments)
                if not found.is_error:
                    first[name].append(found.ms)
    first_ms = {name: median(values) for name, values in first.items()}
    details["first_call"] = first
    rows.append(RealRow(f"first call after start: {FIRST_CALL_OBJECTS} Kustomizations of {FIRST_CALL_NAMESPACE} "
                        f"(median of {args.runs})", "ms", first_ms["ours"], first_ms["official"], first_ms["go"],
                        target=None if first_ms["official"] is None
                        else first_ms["official"] * FIRST_CALL_RATIO_TARGET, target_label="(1.5 × official)"))

    # 3. listing every Kustomization.
    phase(f"listing {count} Kustomizations ({args.repeats} repeats; official {OFFICIAL_REPEATS})")
    expected = fleet_facts["names"]
    listing: dict[str, list[dict[str, Any]]] = {}
    async with session(ours) as sess:
        await sess.call(OUR_LIST, {"kind": "Kustomization", "limit": 1})
        variants = {"yaml": {"kind": "Kustomization", "limit": args.page_limit},
                    "table": {"kind": "Kustomization", "output": "table", "limit": args.table_limit},
                    "fields": {"kind": "Kustomization", "fields": READY_FIELDS, "limit": min(count, 1000)}}
        for _ in range(args.repeats):
            for name, arguments in variants.items():
                listing.setdefault(f"ours_{name}", []).append(
                    await _list_all_pages(sess, arguments, expected, count + 2))
    async with session(official) as sess:
        for _ in range(OFFICIAL_REPEATS):
            listing.setdefault("official_yaml", []).append(
                await _timed_calls(sess, [(OFFICIAL_LIST, {**kust, "limit": count + 100})]))
            listing.setdefault("official_fields", []).append(await _timed_calls(
                sess, [(OFFICIAL_LIST, {**kust, "limit": count + 100, "fields": READY_FIELDS})]))
    for name, server in (("go_table", go), ("go_yaml", go_yaml)):
        if server is None:
            continue
        async with session(server) as sess:
            await sess.call(GO_LIST, kust)
            for _ in range(args.repeats):
                listing.setdefault(name, []).append(await _timed_calls(sess, [(GO_LIST, kust)]))
    details["listing"] = listing
    complete = {name: sum(1 for r in runs if r["coverage"]["exactly_once"])
                for name, runs in listing.items() if name.startswith("ours_")}
    errors = sorted({e for name, runs in listing.items() for r in runs for e in r.get("errors", [])})

    notes = {"YAML": f"ours: compact YAML, limit {args.page_limit}, every page; official: one call, "
                     f"limit {count + 100}; Go: one resources_list with --list-output yaml",
             "table": f'ours: output="table", limit {args.table_limit}, every page; official (no table output): one '
                      "call with fields=Ready status+message; Go: one resources_list, its default table"}

    def listing_rows(label: str, ours_key: str, official_key: str, go_key: str, target_key: str) -> list[RealRow]:
        ours_runs, off_runs, go_runs = listing.get(ours_key, []), listing.get(official_key, []), listing.get(go_key, [])
        go_ms = _summary(go_runs, "ms")
        return [
            RealRow(f"list {count} Kustomizations, {label}: wall, all pages", "ms", _summary(ours_runs, "ms"),
                    _summary(off_runs, "ms"), go_ms,
                    target=_summary(listing.get(target_key, []), "ms"), target_label="(Go, one call)",
                    note=f"{notes[label]}; ours {complete.get(ours_key, 0)}/{len(ours_runs)} runs showed every "
                         f"name exactly once through continue_token; official median of {len(off_runs)}, "
                         f"Go of {len(go_runs)}"),
            RealRow(f"… tool calls ({label})", "calls", _summary(ours_runs, "calls"), _summary(off_runs, "calls"),
                    _summary(go_runs, "calls")),
            RealRow(f"… bytes ({label})", "bytes", _summary(ours_runs, "bytes"), _summary(off_runs, "bytes"),
                    _summary(go_runs, "bytes")),
            RealRow(f"… server CPU ({label})", "ms", _summary(ours_runs, "server_cpu_ms"),
                    _summary(off_runs, "cpu_ms"), _summary(go_runs, "cpu_ms")),
        ]

    rows += listing_rows("YAML", "ours_yaml",
                         "official_yaml", "go_yaml", "go_yaml")
    rows += listing_rows("table", "ours_table",
                         "official_fields", "go_table", "go_table")
    if errors:
        rows[-4].note += f"; ERRORS: {errors[:3]}"

    # 4. one 40 KB YAML page, server time from our audit log.
    phase("one YAML page (audit log)")
    page = await _page_costs(ours, {"kind": "Kustomization", "limit": 100}, args.repeats * 4)
    details["page"] = page
    rows.append(RealRow(f"one YAML page (limit 100, {_fmt(median([float(b) for b in page['bytes']]))} bytes): "
                        "server time", "ms", median(page["server_ms"]), target=PAGE_SERVER_MS_BUDGET,
                        note=f"the tool's own duration (audit log), median of {len(page['server_ms'])} calls; "
                             f"wall per page {_fmt(median(page['wall_ms']))} ms"))

    # 5. what is broken: one health call vs listing every Flux kind's Ready condition.
    phase("health / what is broken")
    api = cluster.api("admin")
    kinds = []
    from flux_mcp.flux.kinds import FLUX_KINDS

    for kind in FLUX_KINDS:
        # The version that serves the kind, preferred first (notification's Alert is not in its preferred v1).
        group = api.get(f"/apis/{kind.group}").body
        versions = [group.get("preferredVersion", {}).get("groupVersion")]
        versions += [v.get("groupVersion") for v in group.get("versions", [])]
        for group_version in filter(None, versions):
            served = api.get(f"/apis/{group_version}").body.get("resources", [])
            if any(r.get("kind") == kind.kind and "/" not in r.get("name", "") for r in served):
                kinds.append({"apiVersion": group_version, "kind": kind.kind})
                break
    health: dict[str, list[dict[str, Any]]] = {}
    async with session(ours) as sess:
        for _ in range(args.repeats + 1):
            health.setdefault("ours", []).append(await _timed_calls(sess, [(OUR_HEALTH, {})]))
    async with session(official) as sess:
        for _ in range(OFFICIAL_REPEATS + 1):
            health.setdefault("official", []).append(await _timed_calls(
                sess, [(OFFICIAL_LIST, {**k, "limit": count + 100, "fields": READY_FIELDS}) for k in kinds]))
    if go is not None:
        async with session(go) as sess:
            for _ in range(args.repeats + 1):
                health.setdefault("go", []).append(await _timed_calls(sess, [(GO_LIST, k) for k in kinds]))
    details["health"] = {"kinds": kinds, **health}
    warm = {name: runs[1:] for name, runs in health.items()}
    broken = fleet_facts["broken"]
    ours_text_ok = [r for r in health.get("ours", []) if not r["errors"]]
    rows += [
        RealRow(f"what is broken ({broken} of {fleet_facts['objects']} Flux objects): first call", "ms",
                _summary(health.get("ours", [])[:1], "ms"), _summary(health.get("official", [])[:1], "ms"),
                _summary(health.get("go", [])[:1], "ms"),
                note="ours: one get_flux_health; official: get_kubernetes_resources with fields=Ready "
                     f"status+message for each of the {len(kinds)} Flux kinds; Go: resources_list of each kind"),
        RealRow("… warm (median)", "ms", _summary(warm.get("ours", []), "ms"), _summary(warm.get("official", []), "ms"),
                _summary(warm.get("go", []), "ms")),
        RealRow("… tool calls", "calls", _summary(warm.get("ours", []), "calls"),
                _summary(warm.get("official", []), "calls"), _summary(warm.get("go", []), "calls")),
        RealRow("… bytes the assistant reads", "bytes", _summary(warm.get("ours", []), "bytes"),
                _summary(warm.get("official", []), "bytes"), _summary(warm.get("go", []), "bytes")),
        RealRow("… peak RSS of the server (VmHWM)", "MiB",
                None if not health.get("ours") else (health["ours"][-1]["peak_kib"] or 0) / 1024,
                None if not health.get("official") else (health["official"][-1]["peak_kib"] or 0) / 1024,
                None if not health.get("go") else (health["go"][-1]["peak_kib"] or 0) / 1024),
    ]
    if len(ours_text_ok) != len(health.get("ours", [])):
        rows[-5].note += "; ERRORS in our health calls"


def main(args: argparse.Namespace) -> int:
    import anyio

    from tests.realk8s import binaries
    from tests.realk8s.cluster import RealCluster

    absent = binaries.missing((*binaries.CLUSTER_COMPONENTS, binaries.FLUX_OPERATOR_MCP))
    if absent:
        print(f"benchmark --real: missing binaries: {', '.join(absent)} (build them with "
              "`python -m tests.realk8s build`)", file=sys.stderr)
        return 1
    official_binary = binaries.binary_path(binaries.FLUX_OPERATOR_MCP, "flux-operator-mcp")
    version = subprocess.run([str(official_binary), "--version"], capture_output=True, text=True, timeout=30)
    peer = Peer(None, "", "--no-peer given") if args.no_peer else fetch_go_server(args.cache)
    started = time.perf_counter()

    def phase(name: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {name}", file=sys.stderr, flush=True)

    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(), "kubernetes": binaries.KUBERNETES_VERSION,
        "official": f"flux-operator-mcp {binaries.FLUX_OPERATOR_VERSION}"
                    f" ({(version.stdout or version.stderr).strip()[:60]})",
        "go": f"kubernetes-mcp-server {peer.version}" if peer.binary else f"absent: {peer.skipped_because}",
        "runs": args.runs, "repeats": args.repeats, "official_repeats": OFFICIAL_REPEATS,
    }
    rows: list[RealRow] = []
    details: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fluxcd-mcp-bench-real-") as tmp:
        phase("starting etcd, kube-apiserver, kube-controller-manager")
        with RealCluster(Path(tmp) / "cluster").start() as cluster:
            phase(f"API server ready in {cluster.started_in:.1f} s; loading {args.list_count} Kustomizations")
            facts = load_fleet(cluster, args.list_count)
            meta["fleet"] = (f"{facts['kustomizations']} Kustomizations + {facts['objects'] - facts['kustomizations']}"
                             f" GitRepositories, {facts['broken']} failing, loaded in {facts['load_s']} s")
            time.sleep(SETTLE_AFTER_LOAD_S)  # let the API server and etcd finish the bulk load's work
            anyio.run(measure, args, cluster, peer, official_binary, facts, rows, details, phase)
    phase("done, everything stopped")
    meta["load_average_at_end"] = os.getloadavg()
    meta["duration_s"] = round(time.perf_counter() - started, 1)
    print(render(rows, meta))
    print(f"\nload average at start {meta['load_average_at_start']}, at end {meta['load_average_at_end']}; "
          f"{meta['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": [r.as_json() for r in rows], "details": details},
                                        indent=2, default=str) + "\n")
        print(f"JSON written to {args.json}")
    return 0
