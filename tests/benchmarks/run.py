"""Entry point: `python -m tests.benchmarks --scale 1250 --json results.json` from the repo root."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import anyio

from tests.benchmarks.peer import DEFAULT_CACHE, Peer, fetch_go_server
from tests.benchmarks.results import Report
from tests.benchmarks.stdio import ServerUnderTest

REPO = Path(__file__).resolve().parents[2]
PROBE_SCALE = 4
"""Tenants in the tiny sandbox that measures how many Flux objects one tenant adds."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Measure fluxcd-mcp against containers/kubernetes-mcp-server on the sandbox (issue 7).",
    )
    parser.add_argument("--scale", type=int, default=None,
                        help="sandbox tenants for the health/graph run; default: enough for --flux-objects")
    parser.add_argument("--flux-objects", type=int, default=5000,
                        help="Flux objects wanted in the health/graph run when --scale is not given")
    parser.add_argument("--list-count", type=int, default=2000, help="Kustomizations in the listing run")
    parser.add_argument("--runs", type=int, default=10, help="cold starts per server (median reported)")
    parser.add_argument("--repeats", type=int, default=5, help="measured calls per listing/analysis metric")
    parser.add_argument("--page-limit", type=int, default=100,
                        help="`limit` per page of the full-YAML listing (our tool's default is 100)")
    parser.add_argument("--table-limit", type=int, default=500,
                        help='`limit` per page of the output="table" listing (at most the tool\'s maximum, 1000)')
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--no-peer", action="store_true", help="do not fetch or run the Go server")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the Go server is cached")
    parser.add_argument("--server-root", type=Path, default=REPO,
                        help="directory holding the flux_mcp package to measure (default: this checkout); "
                             "point it at another worktree to compare a change")
    parser.add_argument("--baseline-root", type=Path, default=None,
                        help="directory holding another flux_mcp package (e.g. the commit before a change) to "
                             "measure beside ours in the same run: cold start, listing and per-call rows")
    parser.add_argument("--only", default="1,2,3,5,6",
                        help="comma-separated sections to run (1 cold start, 2 listing, 3 health/graph+RSS, "
                             "5 what is broken, 6 cost per call: first call after start, one 40 KB page)")
    return parser


def floor_server() -> ServerUnderTest:
    return ServerUnderTest(
        label="empty MCPServer", command=sys.executable, args=("-m", "tests.benchmarks.floor_server"),
        env={"PYTHONPATH": str(REPO)}, cwd=str(REPO),
    )


def our_server(kubeconfig: Path, server_root: Path, label: str = "fluxcd-mcp") -> ServerUnderTest:
    return ServerUnderTest(
        label=label,
        command=sys.executable,
        args=("-m", "flux_mcp", "--kubeconfig", str(kubeconfig), "--log-level", "ERROR"),
        env={"PYTHONPATH": str(server_root)},
        cwd=str(server_root),
    )


def contestants_for(
    kubeconfig: Path, peer: Peer, server_root: Path = REPO
) -> tuple[ServerUnderTest, ServerUnderTest | None]:
    ours = our_server(kubeconfig, server_root)
    theirs = None
    if peer.binary is not None:
        theirs = ServerUnderTest(
            label=f"kubernetes-mcp-server {peer.version}",
            command=str(peer.binary),
            args=("--kubeconfig", str(kubeconfig)),
        )
    return ours, theirs


async def run(args: argparse.Namespace, report: Report, workdir: Path) -> None:
    from tests.benchmarks.cluster import running_sandbox, take_census
    from tests.benchmarks.scenarios import (
        Contestants,
        measure_analysis,
        measure_cold_start,
        measure_listing,
        measure_per_call,
        measure_what_is_broken,
    )

    sections = set(args.only.split(","))

    def baseline(kubeconfig: Path) -> ServerUnderTest | None:
        if args.baseline_root is None:
            return None
        return our_server(kubeconfig, args.baseline_root, label=f"fluxcd-mcp at {args.baseline_root}")
    peer = Peer(None, "", "--no-peer given") if args.no_peer else fetch_go_server(args.cache)
    if peer.skipped_because:
        report.skipped.append(f"theirs column: {peer.skipped_because}")
    report.meta["peer"] = f"kubernetes-mcp-server {peer.version}" if peer.binary else None

    def phase(name: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {name}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    with running_sandbox(0, workdir) as (sandbox, kubeconfig):
        census = take_census(sandbox.url)
        base_kustomizations = census.count("Kustomization")
        contestants = Contestants(*contestants_for(kubeconfig, peer, args.server_root), floor=floor_server(),
                                  baseline=baseline(kubeconfig))
        report.meta["default_fleet_flux_objects"] = census.count()
        if "1" in sections:
            phase("1 cold start")
            await measure_cold_start(report, contestants, args.runs)
        if "5" in sections:
            phase("5 what is broken (default fleet)")
            await measure_what_is_broken(report, contestants, sandbox, census)
    if "2" in sections or "6" in sections:
        scale = max(0, args.list_count - base_kustomizations)
        with running_sandbox(scale, workdir) as (sandbox, kubeconfig):
            census = take_census(sandbox.url)
            contestants = Contestants(*contestants_for(kubeconfig, peer, args.server_root),
                                      baseline=baseline(kubeconfig))
            if "2" in sections:
                phase(f"2 listing (sandbox scale {scale})")
                await measure_listing(report, contestants, census, args.repeats, args.page_limit, args.table_limit)
            if "6" in sections:
                phase(f"6 cost per call (sandbox scale {scale})")
                await measure_per_call(report, contestants, census, args.runs, args.repeats)
    if "3" in sections:
        scale = args.scale
        if scale is None:
            base = report.meta["default_fleet_flux_objects"]
            with running_sandbox(PROBE_SCALE, workdir) as (sandbox, _):
                per_tenant = (take_census(sandbox.url).count() - base) / PROBE_SCALE
            scale = max(0, round((args.flux_objects - base) / per_tenant))
        report.meta["scale"] = scale
        phase(f"3+4 health/graph/RSS (sandbox scale {scale})")
        with running_sandbox(scale, workdir) as (sandbox, kubeconfig):
            census = take_census(sandbox.url)
            report.meta["analysis_flux_objects"] = census.count()
            contestants = Contestants(*contestants_for(kubeconfig, peer, args.server_root), floor=floor_server())
            await measure_analysis(report, contestants, sandbox, census, args.repeats)
    phase("done")
    report.meta["duration_s"] = round(time.perf_counter() - started, 1)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report = Report(
        meta={
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "mcp": version("mcp"),
            "lightkube": version("lightkube"),
            "scale": args.scale,
            "list_count": args.list_count,
            "runs": args.runs,
            "repeats": args.repeats,
            "page_limit": args.page_limit,
            "table_limit": args.table_limit,
            "server_root": str(args.server_root),
            "baseline_root": str(args.baseline_root) if args.baseline_root else None,
            "load_average_at_start": os.getloadavg(),
        }
    )
    with tempfile.TemporaryDirectory(prefix="fluxcd-mcp-bench-") as tmp:
        anyio.run(run, args, report, Path(tmp))
    report.meta["load_average_at_end"] = os.getloadavg()
    print(report.table())
    if args.json:
        report.write_json(args.json)
        print(f"\nJSON written to {args.json}")
    return 0
