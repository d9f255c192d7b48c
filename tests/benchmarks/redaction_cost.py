"""What masking costs: a 40 KB answer and cluster health over ~5,000 Flux objects, masking on vs off.

    python -m tests.benchmarks.redaction_cost [--scale 1000] [--repeats 7]

Run it with `PYTHONPATH=<other worktree>` first to measure another version of `flux_mcp` (the
before/after of a change) against the same script. Every figure is the median wall time of
in-process tool calls (server time plus in-memory framing; the sandbox runs in threads of the
same process), so compare ratios measured in one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.types import TextContent

import flux_mcp
from flux_mcp.flux.redaction import redact_text
from flux_mcp.sandbox import Sandbox, SandboxOptions
from flux_mcp.server import build_server
from flux_mcp.settings import Settings


def _text(result: Any) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, TextContent))


async def _timed(client: Client, tool: str, args: dict[str, Any], repeats: int) -> tuple[float, str]:
    await client.call_tool(tool, args)  # warm caches (discovery, imports)
    samples: list[float] = []
    text = ""
    for _ in range(repeats):
        started = time.perf_counter()
        result = await client.call_tool(tool, args)
        samples.append(time.perf_counter() - started)
        text = _text(result)
    return statistics.median(samples), text


async def _measure(kubeconfig: Path, calls: Sequence[tuple[str, dict[str, Any]]], repeats: int
                   ) -> dict[tuple[str, bool], tuple[float, str]]:
    out: dict[tuple[str, bool], tuple[float, str]] = {}
    for mask in (False, True, False, True):  # interleaved, the second round is kept
        server = build_server(Settings(kubeconfig=str(kubeconfig), mask_secrets=mask))
        async with Client(server) as client:
            for tool, args in calls:
                out[(f"{tool} {args}", mask)] = await _timed(client, tool, args, repeats)
    return out


def _report(title: str, figures: dict[tuple[str, bool], tuple[float, str]]) -> None:
    print(title)
    for label in dict.fromkeys(k for k, _ in figures):
        off, text = figures[(label, False)]
        on, _ = figures[(label, True)]
        print(f"  {label}: {len(text):,} chars; mask off {off * 1000:.1f} ms, on {on * 1000:.1f} ms "
              f"({(on / off - 1) * 100:+.1f} %)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1000, help="tenants (5 Flux objects each)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"flux_mcp from {Path(flux_mcp.__file__).parent}")
    with tempfile.TemporaryDirectory() as tmp:
        small = Sandbox(SandboxOptions(scale=40, simulate_controllers=False)).start()
        try:
            kubeconfig = small.write_kubeconfig(Path(tmp) / "small")
            page = [("get_kubernetes_resources", {"kind": "Kustomization"}),
                    ("get_kubernetes_resources", {"kind": "HelmRelease"}),
                    ("get_kubernetes_events", {"limit": 400})]
            figures = asyncio.run(_measure(kubeconfig, page, args.repeats))
            _report("answers cut at the 40 KB output budget (fleet + 40 tenants)", figures)
            text = max((t for _, t in figures.values()), key=len)
            started = time.perf_counter()
            for _ in range(args.repeats):
                redact_text(text)
            per_call = (time.perf_counter() - started) / args.repeats
            print(f"  redact_text alone on the largest answer ({len(text):,} chars): {per_call * 1000:.2f} ms")
        finally:
            small.stop()
        big = Sandbox(SandboxOptions(scale=args.scale, simulate_controllers=False)).start()
        try:
            kubeconfig = big.write_kubeconfig(Path(tmp) / "big")
            figures = asyncio.run(_measure(kubeconfig, [("get_flux_health", {})], max(3, args.repeats // 2)))
            _report(f"cluster health, scale={args.scale} (~{5 * args.scale:,} Flux objects)", figures)
        finally:
            big.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
