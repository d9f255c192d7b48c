"""The five measurements of issue 7, each against a running sandbox over real stdio."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from tests.benchmarks.results import Report, Row, median
from tests.benchmarks.stdio import CallMeasure, ColdStart, ServerUnderTest, Session, cold_start, session

if TYPE_CHECKING:
    from flux_mcp.sandbox import Sandbox
    from tests.benchmarks.cluster import Census

KIB_PER_MIB = 1024
SETTLE_SECONDS = 1.0
COLD_START_OVER_FLOOR_MS = 200.0
PAGE_SERVER_MS_BUDGET = 30.0

OUR_LIST = "get_kubernetes_resources"
OUR_HEALTH = "get_flux_health"
OUR_GRAPH = "get_flux_dependency_graph"
GO_LIST = "resources_list"
GO_GET = "resources_get"


@dataclass(frozen=True)
class Contestants:
    ours: ServerUnderTest
    theirs: ServerUnderTest | None
    floor: ServerUnderTest | None = None
    """An MCPServer with no tools: what the SDK alone costs at start-up."""
    baseline: ServerUnderTest | None = None
    """Our server from another checkout (`--baseline-root`): before/after figures from one run."""


def _requests(sandbox: Sandbox) -> int:
    return len(sandbox.requests)


async def _measured(
    sandbox: Sandbox, sess: Session, tool: str, arguments: dict[str, Any]
) -> tuple[CallMeasure, int, float | None]:
    """One call with the API requests it made and the server CPU time it used."""
    sandbox.clear_requests()
    cpu_before = sess.cpu_ms()
    measure = await sess.call(tool, arguments)
    return measure, _requests(sandbox), _cpu_delta(cpu_before, sess.cpu_ms())


def _cpu_delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _missing(sess: Session, *tools: str) -> list[str]:
    return [tool for tool in tools if tool not in sess.tools]


# 1. cold start ---------------------------------------------------------------------------------


async def measure_cold_start(report: Report, contestants: Contestants, runs: int) -> None:
    """Interleaved runs (ours, theirs, ours, ...) so that load from other work hits both alike."""
    ours: list[ColdStart] = []
    theirs: list[ColdStart] = []
    floor: list[ColdStart] = []
    baseline: list[ColdStart] = []
    for _ in range(runs):
        if contestants.floor is not None:
            floor.append(await cold_start(contestants.floor))
        ours.append(await cold_start(contestants.ours))
        if contestants.baseline is not None:
            baseline.append(await cold_start(contestants.baseline))
        if contestants.theirs is not None:
            theirs.append(await cold_start(contestants.theirs))

    def wall(starts: list[ColdStart]) -> float | None:
        return median([s.tools_list_ms for s in starts])

    def cpu(starts: list[ColdStart]) -> float | None:
        return median([s.cpu_ms for s in starts if s.cpu_ms is not None])

    details: dict[str, Any] = {
        "runs": runs,
        **{f"{name}_ms": [round(s.tools_list_ms, 1) for s in starts]
           for name, starts in (("ours", ours), ("theirs", theirs), ("floor", floor), ("baseline", baseline))},
        **{f"{name}_cpu_ms": [s.cpu_ms for s in starts]
           for name, starts in (("ours", ours), ("theirs", theirs), ("floor", floor), ("baseline", baseline))},
        "ours_tools": ours[-1].tool_count if ours else None,
        "ours_tools_list_bytes": ours[-1].tools_list_bytes if ours else None,
        "theirs_tools": theirs[-1].tool_count if theirs else None,
        "theirs_tools_list_bytes": theirs[-1].tools_list_bytes if theirs else None,
    }
    report.details["cold_start"] = details
    floor_ms = wall(floor)
    ours_ms = wall(ours)
    over_floor = ours_ms - floor_ms if ours_ms is not None and floor_ms is not None else None
    report.add(
        Row("1", f"cold start → first tools/list (median of {runs})", "ms", wall(ours), wall(theirs),
            budget=None if floor_ms is None else floor_ms + COLD_START_OVER_FLOOR_MS,
            note=f"budget: the SDK floor below + {COLD_START_OVER_FLOOR_MS:.0f} ms (DESIGN.md)"),
        Row("1", "… above the SDK floor", "ms", over_floor, budget=COLD_START_OVER_FLOOR_MS),
        Row("1", "… an empty mcp 2.3 MCPServer (SDK floor)", "ms", floor_ms, wall(theirs),
            note="no tools, none of our modules: the start-up cost we cannot remove ourselves"),
        Row("1", "… server CPU to first tools/list", "ms", cpu(ours), cpu(theirs),
            note=f"user+system CPU of the process (/proc), robust to machine load; SDK floor {cpu(floor)} ms"),
    )
    if baseline:
        report.add(
            Row("1", "… cold start of the baseline (--baseline-root)", "ms", wall(baseline), wall(theirs)),
            Row("1", "… server CPU to first tools/list, baseline", "ms", cpu(baseline), cpu(theirs)),
        )
    report.add(
        Row("1", "tools/list size (tools)", "bytes", details.get("ours_tools_list_bytes"),
            details.get("theirs_tools_list_bytes"), budget=20_000,
            note=f"ours {details.get('ours_tools')} tools, theirs {details.get('theirs_tools', '—')} tools; "
                 "compact JSON as sent"),
    )
    if ours:
        details["ours_tool_bytes"] = ours[-1].tool_bytes
        report.add(*(Row("1", f"… {name}", "bytes", size) for name, size in sorted(ours[-1].tool_bytes.items())))
    if theirs:
        details["theirs_tool_bytes"] = theirs[-1].tool_bytes


# 2. list 2,000 Kustomizations -----------------------------------------------------------------

_TEXT_CONTINUE = re.compile(r"continue\W{0,4}[:=]\s*[\"'`]?([A-Za-z0-9+/=_.:\-]{8,})")


def continue_token(measure: CallMeasure) -> str | None:
    """The `continue_token` of a page, from structured content or, failing that, the text."""
    structured = measure.structured
    if isinstance(structured, dict):
        for key in ("continue_token", "continue", "continueToken", "next_continue"):
            value = structured.get(key)
            if isinstance(value, str) and value:
                return value
    found = _TEXT_CONTINUE.search(measure.text)
    return found.group(1) if found else None


def names_shown(measure: CallMeasure) -> list[str] | None:
    """`namespace/name` of every object a page showed (structured `names`); None when absent."""
    structured = measure.structured
    if isinstance(structured, dict):
        names = structured.get("names")
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return list(names)
    return None


READY_FIELDS = [
    '.status.conditions[?(@.type=="Ready")].status',
    '.status.conditions[?(@.type=="Ready")].message',
]
"""Roughly the columns of the Go server's table (READY, STATUS): the compact way to list many."""


@dataclass(frozen=True)
class ListingVariant:
    name: str
    label: str
    arguments: dict[str, Any]
    """Everything but `continue_token`: the same on every page, as the tool asks."""


def coverage(seen: list[str], expected: set[str]) -> dict[str, Any]:
    """How the names a listing showed compare with the objects that exist."""
    distinct = set(seen)
    missing = sorted(expected - distinct)
    unexpected = sorted(distinct - expected)
    duplicates = len(seen) - len(distinct)
    return {
        "seen": len(seen),
        "distinct": len(distinct),
        "duplicates": duplicates,
        "missing": len(missing),
        "unexpected": len(unexpected),
        "missing_sample": missing[:5],
        "unexpected_sample": unexpected[:5],
        "exactly_once": not missing and not unexpected and duplicates == 0,
    }


async def _list_all_pages(
    sess: Session, arguments: dict[str, Any], expected: set[str], max_calls: int
) -> dict[str, Any]:
    """Page through every object the way our tool tells a model to: pass back `continue_token`.

    The arguments stay the same on every page; a page the output budget cut ends with the tool's own
    token, which resumes at the first object not shown, so no page is ever repeated.
    """
    pages: list[CallMeasure] = []
    seen: list[str] = []
    token: str | None = None
    tokens: set[str] = set()
    problems: list[str] = []
    cpu_before = sess.cpu_ms()
    for _ in range(max_calls):
        page = await sess.call(OUR_LIST, {**arguments, "continue_token": token} if token else arguments)
        pages.append(page)
        if page.is_error:
            problems.append(f"error: {page.text[:300]}")
            break
        names = names_shown(page)
        if names is None:
            problems.append("a page had no structured `names`")
            break
        seen += names
        token = continue_token(page)
        if not token:
            break
        if token in tokens:
            problems.append("the same continue_token came back twice")
            break
        tokens.add(token)
    else:
        problems.append(f"still a continue_token after {max_calls} calls")
    cut = sum(1 for p in pages if isinstance(p.structured, dict) and p.structured.get("truncated"))
    return {
        "ms": sum(p.ms for p in pages),
        "server_cpu_ms": _cpu_delta(cpu_before, sess.cpu_ms()),
        "page_ms": [round(p.ms, 1) for p in pages],
        "page_objects": [len(names_shown(p) or []) for p in pages],
        "bytes": sum(p.bytes for p in pages),
        "structured_bytes": sum(p.structured_bytes for p in pages),
        "calls": len(pages),
        "pages_cut_by_output_budget": cut,
        "coverage": coverage(seen, expected),
        "problems": problems,
    }


def _coverage_text(cov: dict[str, Any], expected: int) -> str:
    verdict = f"all {expected} names exactly once" if cov["exactly_once"] else "NOT every name exactly once"
    text = f"{verdict} ({cov['distinct']} distinct of {cov['seen']} shown"
    if cov["missing"] or cov["duplicates"] or cov["unexpected"]:
        text += f"; {cov['missing']} missing, {cov['duplicates']} duplicates, {cov['unexpected']} unexpected"
    return text + ")"


async def measure_listing(
    report: Report, contestants: Contestants, census: Census, repeats: int, page_limit: int, table_limit: int
) -> None:
    kustomizations = [o for o in census.objects if o.kind == "Kustomization"]
    expected_names = {f"{o.namespace}/{o.name}" if o.namespace else o.name for o in kustomizations}
    expected = len(expected_names)
    api_version = kustomizations[0].api_version if kustomizations else ""
    details: dict[str, Any] = {"kustomizations": expected, "api_version": api_version}
    go: list[CallMeasure] = []
    runs: dict[str, list[dict[str, Any]]] = {}
    baseline_runs: dict[str, list[dict[str, Any]]] = {}
    variants: list[ListingVariant] = []
    async with AsyncExitStack() as stack:
        ours = await stack.enter_async_context(session(contestants.ours))
        before = None
        if contestants.baseline is not None:
            before = await stack.enter_async_context(session(contestants.baseline))
        if missing := _missing(ours, OUR_LIST):
            report.skipped.append(f"2 listing: our server has no {', '.join(missing)} yet")
            return
        maximum = ours.argument_maximum(OUR_LIST, "limit") or expected
        fields_limit, table_limit = min(expected, maximum), min(table_limit, maximum)
        kind = {"kind": "Kustomization"}
        variants = [
            ListingVariant("yaml", f"compact YAML, limit {page_limit}", {**kind, "limit": page_limit}),
            ListingVariant("fields", f"fields=Ready status+message, limit {fields_limit}",
                           {**kind, "fields": READY_FIELDS, "limit": fields_limit}),
        ]
        if "output" in ours.schemas.get(OUR_LIST, {}).get("properties", {}):
            variants.append(ListingVariant("table", f'output="table", limit {table_limit}',
                                           {**kind, "output": "table", "limit": table_limit}))
        else:
            report.skipped.append('2 listing output="table": our get_kubernetes_resources has no `output` yet')
        details["variants"] = {v.name: v.arguments for v in variants}
        # A warm-up call fills discovery caches: the measured calls are the steady state.
        await ours.call(OUR_LIST, {**kind, "limit": 1})
        if before is not None:
            await before.call(OUR_LIST, {**kind, "limit": 1})
        # A page shows at least one object, so a correct listing needs at most `expected` + 1 calls.
        max_calls = expected + 2
        for _ in range(repeats):  # interleaved, so that load from other work hits every variant alike
            for variant in variants:
                runs.setdefault(variant.name, []).append(
                    await _list_all_pages(ours, variant.arguments, expected_names, max_calls)
                )
                if before is not None:
                    baseline_runs.setdefault(variant.name, []).append(
                        await _list_all_pages(before, variant.arguments, expected_names, max_calls)
                    )
    if contestants.theirs is not None:
        async with session(contestants.theirs) as theirs:
            arguments = {"apiVersion": api_version, "kind": "Kustomization"}
            await theirs.call(GO_LIST, arguments)
            go_cpu: list[float] = []
            for _ in range(repeats):
                cpu_before = theirs.cpu_ms()
                go.append(await theirs.call(GO_LIST, arguments))
                if (used := _cpu_delta(cpu_before, theirs.cpu_ms())) is not None:
                    go_cpu.append(used)
            details["theirs_cpu_ms"] = go_cpu
            details["theirs_rows"] = max(0, len(go[-1].text.strip().splitlines()) - 1) if go else None
            details["theirs_errors"] = [m.text[:300] for m in go if m.is_error]
    details["ours"] = runs
    details["baseline"] = baseline_runs
    details["theirs"] = [{"ms": m.ms, "bytes": m.bytes, "error": m.is_error} for m in go]
    report.details["listing"] = details
    go_ms = median([m.ms for m in go])
    go_cpu_ms = median(details.get("theirs_cpu_ms", []))
    go_bytes = median([float(m.bytes) for m in go])
    go_calls = 1.0 if go else None
    go_label = f"resources_list, {details.get('theirs_rows', '?')} rows"
    for variant in variants:
        measured = runs.get(variant.name, [])
        if not measured:
            continue
        last = measured[-1]
        correct = sum(1 for r in measured if r["coverage"]["exactly_once"])
        checked = f"{_coverage_text(last['coverage'], expected)}; {correct}/{len(measured)} runs complete"
        print(f"  2 {variant.name}: {checked}", file=sys.stderr, flush=True)
        problems = sorted({p for r in measured for p in r["problems"]})
        report.add(
            Row("2", f"list {expected} Kustomizations, {variant.label}: wall", "ms",
                median([r["ms"] for r in measured]), go_ms, go_label, budget=go_ms,
                note=f"followed continue_token, no page repeated; {last['pages_cut_by_output_budget']} of "
                     f"{last['calls']} pages cut by the output budget and resumed by the tool's token; {checked}"
                     + (f"; PROBLEMS: {problems}" if problems else "")),
            Row("2", f"… tool calls ({variant.name})", "calls", median([float(r["calls"]) for r in measured]),
                go_calls),
            Row("2", f"… server CPU ({variant.name})", "ms",
                median([r["server_cpu_ms"] for r in measured if r["server_cpu_ms"] is not None]), go_cpu_ms,
                note="user+system CPU of the server process (/proc), insensitive to waiting for a core"
                if variant is variants[0] else ""),
            Row("2", f"… bytes returned ({variant.name})", "bytes", median([float(r["bytes"]) for r in measured]),
                go_bytes),
        )
        if before_runs := baseline_runs.get(variant.name):
            report.add(
                Row("2", f"… baseline wall ({variant.name})", "ms", median([r["ms"] for r in before_runs]), go_ms),
                Row("2", f"… baseline server CPU ({variant.name})", "ms",
                    median([r["server_cpu_ms"] for r in before_runs if r["server_cpu_ms"] is not None]), go_cpu_ms),
            )


# 3 + 4. health and graph over ~5,000 Flux objects, RSS --------------------------------------


async def measure_analysis(
    report: Report, contestants: Contestants, sandbox: Sandbox, census: Census, repeats: int
) -> None:
    details: dict[str, Any] = {"flux_objects": census.count()}
    rows: list[Row] = []
    async with session(contestants.ours) as ours:
        await anyio.sleep(SETTLE_SECONDS)
        idle = ours.memory_kib()
        details["ours_pid"] = ours.pid
        details["ours_idle_kib"] = idle
        for tool in (OUR_HEALTH, OUR_GRAPH):
            if tool not in ours.tools:
                report.skipped.append(f"3 {tool}: not registered by our server yet")
                continue
            calls = [await _measured(sandbox, ours, tool, {}) for _ in range(repeats)]
            first, warm = calls[0], calls[1:] or calls
            details[tool] = [
                {"ms": m.ms, "requests": n, "server_cpu_ms": cpu, "bytes": m.bytes,
                 "structured_bytes": m.structured_bytes, "error": m.is_error, "head": m.text[:400]}
                for m, n, cpu in calls
            ]
            rows += [
                Row("3", f"{tool}: first call", "ms", first[0].ms, note="includes discovery and the client set-up"),
                Row("3", f"{tool}: warm (median of {len(warm)})", "ms", median([m.ms for m, _, _ in warm]),
                    budget=1500.0 if tool == OUR_HEALTH else None),
                Row("3", f"{tool}: server CPU per warm call", "ms",
                    median([cpu for _, _, cpu in warm if cpu is not None]),
                    note="user+system CPU of the server process (/proc): the wall time on an idle machine is "
                         "about this plus the API round trips"),
                Row("3", f"{tool}: API requests (first call)", "requests", float(first[1]),
                    note=f"warm calls made {median([float(n) for _, n, _ in warm])} requests"),
                Row("3", f"{tool}: bytes returned", "bytes", float(first[0].bytes),
                    note=f"structured content {first[0].structured_bytes} bytes"
                         + ("; ERROR: " + first[0].text[:200] if first[0].is_error else "")),
            ]
        peak = ours.memory_kib()
        details["ours_after_kib"] = peak

    theirs_idle: dict[str, int] = {}
    theirs_peak: dict[str, int] = {}
    sweep_ms = sweep_bytes = sweep_requests = sweep_cpu = None
    if contestants.theirs is not None:
        kinds = sorted({(o.api_version, o.kind) for o in census.objects})
        async with session(contestants.theirs) as theirs:
            await anyio.sleep(SETTLE_SECONDS)
            theirs_idle = theirs.memory_kib()
            sandbox.clear_requests()
            cpu_before = theirs.cpu_ms()
            sweep = [await theirs.call(GO_LIST, {"apiVersion": av, "kind": k}) for av, k in kinds]
            sweep_cpu = _cpu_delta(cpu_before, theirs.cpu_ms())
            sweep_requests = float(_requests(sandbox))
            sweep_ms = sum(m.ms for m in sweep)
            sweep_bytes = float(sum(m.bytes for m in sweep))
            theirs_peak = theirs.memory_kib()
        details["theirs_sweep"] = {"kinds": len(kinds), "ms": sweep_ms, "bytes": sweep_bytes,
                                   "requests": sweep_requests, "server_cpu_ms": sweep_cpu}
    floor_idle: dict[str, int] = {}
    if contestants.floor is not None:
        async with session(contestants.floor) as floor:
            await anyio.sleep(SETTLE_SECONDS)
            floor_idle = floor.memory_kib()
    details["floor_idle_kib"] = floor_idle
    details["theirs_idle_kib"] = theirs_idle
    details["theirs_after_kib"] = theirs_peak
    report.details["analysis"] = details

    def mib(values: dict[str, int], key: str) -> float | None:
        return values[key] / KIB_PER_MIB if key in values else None

    sweep_label = "resources_list × every Flux kind"
    rows += [
        Row("3", "find what is not ready: one health call vs listing every Flux kind", "ms",
            next((r.ours for r in rows if r.metric.startswith(f"{OUR_HEALTH}: warm")), None), sweep_ms,
            sweep_label),
        Row("3", "… server CPU", "ms",
            next((r.ours for r in rows if r.metric == f"{OUR_HEALTH}: server CPU per warm call"), None), sweep_cpu,
            sweep_label),
        Row("3", "… bytes the assistant reads", "bytes",
            next((r.ours for r in rows if r.metric == f"{OUR_HEALTH}: bytes returned"), None), sweep_bytes,
            sweep_label),
        Row("3", "… API requests", "requests",
            next((r.ours for r in rows if r.metric.startswith(f"{OUR_HEALTH}: API")), None), sweep_requests,
            sweep_label),
        Row("4", "idle RSS after start", "MiB", mib(idle, "VmRSS"), mib(theirs_idle, "VmRSS")),
        Row("4", "… an empty mcp 2.3 MCPServer (SDK floor), idle", "MiB", mib(floor_idle, "VmRSS"),
            mib(theirs_idle, "VmRSS")),
        Row("4", "peak RSS (VmHWM) through the calls of 3", "MiB", mib(peak, "VmHWM"), mib(theirs_peak, "VmHWM"),
            "during its sweep", budget=128.0),
    ]
    report.add(*rows)


# 5. bytes to answer "what is broken and why" --------------------------------------------------


async def measure_what_is_broken(report: Report, contestants: Contestants, sandbox: Sandbox, census: Census) -> None:
    broken = census.not_ready()
    details: dict[str, Any] = {"not_ready": [f"{o.kind}/{o.namespace}/{o.name} ({o.state})" for o in broken]}
    async with session(contestants.ours) as ours:
        if missing := _missing(ours, OUR_HEALTH, OUR_LIST):
            report.skipped.append(f"5 what is broken: our server has no {', '.join(missing)} yet")
            report.details["what_is_broken"] = details
            return
        health, health_requests, _ = await _measured(sandbox, ours, OUR_HEALTH, {})
        sandbox.clear_requests()
        dumps = [
            await ours.call(OUR_LIST, {"kind": o.kind, "name": o.name, "namespace": o.namespace}) for o in broken
        ]
        dump_requests = _requests(sandbox)
    go_dumps: list[CallMeasure] = []
    if contestants.theirs is not None:
        async with session(contestants.theirs) as theirs:
            go_dumps = [
                await theirs.call(GO_GET, {"apiVersion": o.api_version, "kind": o.kind, "name": o.name,
                                           "namespace": o.namespace})
                for o in broken
            ]
    dump_bytes = float(sum(m.bytes for m in dumps))
    details.update(
        health={"ms": health.ms, "bytes": health.bytes, "requests": health_requests, "text": health.text},
        ours_dump={"calls": len(dumps), "bytes": dump_bytes, "ms": sum(m.ms for m in dumps),
                   "requests": dump_requests, "errors": [m.text[:200] for m in dumps if m.is_error]},
        theirs_dump={"calls": len(go_dumps), "bytes": sum(m.bytes for m in go_dumps),
                     "ms": sum(m.ms for m in go_dumps), "errors": [m.text[:200] for m in go_dumps if m.is_error]},
    )
    report.details["what_is_broken"] = details
    report.add(
        Row("5", f"what is broken and why ({len(broken)} not-ready objects): bytes", "bytes", float(health.bytes),
            dump_bytes, f"our get_kubernetes_resources × {len(dumps)}",
            note="ours = one get_flux_health call; theirs = anchor style, one get per not-ready object"),
        Row("5", "… same, against the Go server's resources_get", "bytes", float(health.bytes),
            float(sum(m.bytes for m in go_dumps)) if go_dumps else None, f"resources_get × {len(go_dumps)}"),
        Row("5", "… tool calls needed", "calls", 1.0, float(len(broken))),
    )


# 6. cost per call: the first call after start, one 40 KB page ----------------------------------


def _audit_ms(path: Path, tool: str) -> list[float]:
    """The server's own duration of each call of `tool`, from its audit log (--audit-log)."""
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [float(e["duration_ms"]) for e in entries if e.get("tool") == tool and "duration_ms" in e]


async def _first_calls(
    server: ServerUnderTest, tool: str, arguments: dict[str, Any], runs: int
) -> tuple[list[float], list[float]]:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        async with session(server) as sess:
            cpu_before = sess.cpu_ms()
            measure = await sess.call(tool, arguments)
            if not measure.is_error:
                walls.append(measure.ms)
                if (used := _cpu_delta(cpu_before, sess.cpu_ms())) is not None:
                    cpus.append(used)
    return walls, cpus


async def _page_costs(server: ServerUnderTest, arguments: dict[str, Any], calls: int) -> dict[str, Any]:
    """`calls` first pages of a listing (each cut at the output budget) on one warm server."""
    with tempfile.TemporaryDirectory(prefix="fluxcd-mcp-bench-audit-") as tmp:
        audit = Path(tmp) / "audit.jsonl"
        audited = replace(server, args=(*server.args, "--audit-log", str(audit)))
        async with session(audited) as sess:
            await sess.call(OUR_LIST, arguments)  # warm: discovery, first connection
            walls: list[float] = []
            sizes: list[int] = []
            cpu_before = sess.cpu_ms()
            for _ in range(calls):
                measure = await sess.call(OUR_LIST, arguments)
                walls.append(measure.ms)
                sizes.append(measure.bytes)
            cpu = _cpu_delta(cpu_before, sess.cpu_ms())
        server_ms = _audit_ms(audit, OUR_LIST)[1:]
    return {"wall_ms": walls, "server_ms": server_ms, "bytes": sizes,
            "cpu_ms_per_call": None if cpu is None else cpu / calls}


async def measure_per_call(report: Report, contestants: Contestants, census: Census, runs: int, repeats: int) -> None:
    kustomizations = [o for o in census.objects if o.kind == "Kustomization"]
    api_version = kustomizations[0].api_version if kustomizations else ""
    namespace = "flux-system"
    in_namespace = sum(1 for o in kustomizations if o.namespace == namespace)
    ours_args = {"kind": "Kustomization", "namespace": namespace}
    go_args = {"apiVersion": api_version, "kind": "Kustomization", "namespace": namespace}
    details: dict[str, Any] = {"first_call_objects": in_namespace}
    first: dict[str, tuple[list[float], list[float]]] = {}
    contenders = [
        (name, server, tool, arguments) for name, server, tool, arguments in (
            ("ours", contestants.ours, OUR_LIST, ours_args),
            ("baseline", contestants.baseline, OUR_LIST, ours_args),
            ("theirs", contestants.theirs, GO_LIST, go_args),
        ) if server is not None
    ]
    for _ in range(runs):  # interleaved, so that load from other work hits every server alike
        for name, server, tool, arguments in contenders:
            walls, cpus = first.setdefault(name, ([], []))
            more_walls, more_cpus = await _first_calls(server, tool, arguments, 1)
            walls += more_walls
            cpus += more_cpus
    details["first_call"] = {name: {"wall_ms": w, "cpu_ms": c} for name, (w, c) in first.items()}
    theirs_first = median(first.get("theirs", ([], []))[0])
    report.add(
        Row("6", f"first call after start: {in_namespace} Kustomizations of {namespace} (median of {runs})", "ms",
            median(first.get("ours", ([], []))[0]), theirs_first, "resources_list", note="a fresh process per run"),
        Row("6", "… server CPU of that call", "ms", median(first.get("ours", ([], []))[1]),
            median(first.get("theirs", ([], []))[1])),
    )
    if "baseline" in first:
        report.add(Row("6", "… first call, baseline", "ms", median(first["baseline"][0]), theirs_first))

    page_args = {"kind": "Kustomization", "limit": 100}
    pages = {"ours": await _page_costs(contestants.ours, page_args, repeats * 4)}
    if contestants.baseline is not None:
        pages["baseline"] = await _page_costs(contestants.baseline, page_args, repeats * 4)
    details["page"] = pages
    report.details["per_call"] = details
    ours_page = pages["ours"]
    report.add(
        Row("6", f"one YAML page (kind=Kustomization, limit=100; {median([float(b) for b in ours_page['bytes']])} "
                 "bytes): server time", "ms", median(ours_page["server_ms"]), budget=PAGE_SERVER_MS_BUDGET,
            note=f"the tool's own duration (audit log), median of {len(ours_page['server_ms'])} calls"),
        Row("6", "… wall per page (client side)", "ms", median(ours_page["wall_ms"])),
        Row("6", "… server CPU per page", "ms", ours_page["cpu_ms_per_call"]),
    )
    if "baseline" in pages:
        report.add(
            Row("6", "… server time per page, baseline", "ms", median(pages["baseline"]["server_ms"])),
            Row("6", "… server CPU per page, baseline", "ms", pages["baseline"]["cpu_ms_per_call"]),
        )
