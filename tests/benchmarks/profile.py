"""Where our server spends its time: a sampling profiler around the real stdio server process.

    python -m tests.benchmarks.profile --flux-objects 5000 --out profiles

Runs the server under py-spy (default: samples from outside, so the numbers are not inflated by
the profiler) or pyinstrument, drives it over stdio like the benchmark, and writes:
- startup.*  spawn → first tools/list answer → exit (imports, server build, tool schemas);
- health.*   get_flux_health and get_flux_dependency_graph over the scaled fleet;
- first.*    spawn → one get_kubernetes_resources of the flux-system Kustomizations → exit (the
             first call after start: discovery, lightkube, the first request);
- listing.*  every Kustomization of a `--list-count` fleet as compact YAML pages (the default
             limit, cut at the output budget, following continue_token), then as table pages,
             then one get_flux_health over the same fleet;
plus, for py-spy, a summary of the hottest functions of each phase (summary.txt).
The sandbox runs in this driver process, so the profiles hold only the server's own work.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import mcp.client.stdio as mcp_stdio

from tests.benchmarks.run import REPO
from tests.benchmarks.stdio import ServerUnderTest, Session, session

ANALYSIS_TOOLS = ("get_flux_health", "get_flux_dependency_graph")
LIST_TOOL = "get_kubernetes_resources"
MAX_PAGES = 500
TOP = 25


def profiled_server(kubeconfig: Path, output: Path, profiler: str, rate: int) -> ServerUnderTest:
    server = ("-m", "flux_mcp", "--kubeconfig", str(kubeconfig), "--log-level", "ERROR")
    if profiler == "py-spy":
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        return ServerUnderTest(
            label="fluxcd-mcp under py-spy", command=py_spy,
            args=("record", "--rate", str(rate), "--nolineno", "--format", "raw", "--output", str(output),
                  "--", sys.executable, *server),
            env={"PYTHONPATH": str(REPO)}, cwd=str(REPO),
        )
    return ServerUnderTest(
        label="fluxcd-mcp under pyinstrument", command=sys.executable,
        args=("-m", "pyinstrument", "--interval", str(1 / rate), "--renderer", "text", "--outfile", str(output),
              *server),
        env={"PYTHONPATH": str(REPO)}, cwd=str(REPO),
    )


def summarize(raw: Path, focus: str | None = None, top: int = TOP) -> str:
    """Inclusive and self sample shares per function from py-spy's collapsed stacks.

    With `focus`, only stacks passing through a frame whose name starts with it are counted,
    and shares are of those stacks (e.g. the time inside one tool).
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        if focus is not None:
            starts = [i for i, f in enumerate(frames) if f.startswith(focus)]
            if not starts:
                continue
            frames = frames[starts[0]:]
        count = int(count_text)
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return f"(no samples{' in ' + focus if focus else ''})\n"
    lines = [f"{total} samples{' inside ' + focus if focus else ''}", "", "inclusive %  function (file)"]
    lines += [f"{100 * n / total:10.1f}  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self %       function (file)"]
    lines += [f"{100 * n / total:10.1f}  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


async def _pages(server: Session, arguments: dict[str, Any]) -> tuple[int, float, int]:
    """(calls, total ms, bytes) of listing every page, passing back the continue token."""
    calls, ms, size = 0, 0.0, 0
    token: str | None = None
    while calls < MAX_PAGES:
        measure = await server.call(LIST_TOOL, {**arguments, "continue_token": token} if token else arguments)
        calls, ms, size = calls + 1, ms + measure.ms, size + measure.bytes
        structured = measure.structured if isinstance(measure.structured, dict) else {}
        token = structured.get("continue_token")
        if measure.is_error or not token:
            break
    return calls, ms, size


async def profile_listing(kubeconfig: Path, out: Path, profiler: str, rate: int, objects: int) -> None:
    async with session(profiled_server(kubeconfig, out / "first.txt", profiler, rate)) as server:
        first = await server.call(LIST_TOOL, {"kind": "Kustomization", "namespace": "flux-system"})
        print(f"first call after start: {first.ms:.0f} ms (profiled)", file=sys.stderr)
    async with session(profiled_server(kubeconfig, out / "listing.txt", profiler, rate)) as server:
        for output in ("yaml", "table"):
            calls, ms, size = await _pages(server, {"kind": "Kustomization", "output": output})
            print(f"{objects} Kustomizations as {output}: {calls} calls, {ms:.0f} ms, {size} bytes (profiled)",
                  file=sys.stderr)
        health = await server.call("get_flux_health", {})
        print(f"get_flux_health: {health.ms:.0f} ms (profiled)", file=sys.stderr)


async def profile(flux_objects: int, out: Path, profiler: str, rate: int, calls: int, list_count: int) -> None:
    from tests.benchmarks.cluster import running_sandbox, take_census

    suffix = "txt"
    with tempfile.TemporaryDirectory(prefix="fluxcd-mcp-profile-") as tmp:
        workdir = Path(tmp)
        with running_sandbox(0, workdir) as (sandbox, kubeconfig):
            census = take_census(sandbox.url)
            base, base_kustomizations = census.count(), census.count("Kustomization")
            async with session(profiled_server(kubeconfig, out / f"startup.{suffix}", profiler, rate)):
                pass
        if list_count:
            with running_sandbox(max(0, list_count - base_kustomizations), workdir) as (sandbox, kubeconfig):
                kustomizations = take_census(sandbox.url).count("Kustomization")
                await profile_listing(kubeconfig, out, profiler, rate, kustomizations)
        with running_sandbox(4, workdir) as (sandbox, _):
            per_tenant = (take_census(sandbox.url).count() - base) / 4
        scale = max(0, round((flux_objects - base) / per_tenant))
        with running_sandbox(scale, workdir) as (sandbox, kubeconfig):
            objects = take_census(sandbox.url).count()
            async with session(profiled_server(kubeconfig, out / f"health.{suffix}", profiler, rate)) as server:
                for _ in range(calls):
                    for tool in ANALYSIS_TOOLS:
                        if tool in server.tools:
                            measure = await server.call(tool, {})
                            print(f"{tool} over {objects} Flux objects: {measure.ms:.0f} ms (profiled), "
                                  f"{measure.bytes} bytes", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flux-objects", type=int, default=5000, help="Flux objects in the health run")
    parser.add_argument("--out", type=Path, default=Path("profiles"))
    parser.add_argument("--profiler", choices=("py-spy", "pyinstrument"), default="py-spy")
    parser.add_argument("--rate", type=int, default=500, help="samples per second")
    parser.add_argument("--calls", type=int, default=3, help="calls of each analysis tool in the health run")
    parser.add_argument("--list-count", type=int, default=2000,
                        help="Kustomizations in the listing run (0: skip the first-call and listing profiles)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # Profilers write their report after stdin closes; give them longer than the SDK's 2 s grace.
    mcp_stdio.PROCESS_TERMINATION_TIMEOUT = 60.0
    # py-spy announces itself on stdout, which the client then reports as a malformed message.
    logging.getLogger(mcp_stdio.__name__).setLevel(logging.CRITICAL)
    anyio.run(profile, args.flux_objects, args.out, args.profiler, args.rate, args.calls, args.list_count)
    if args.profiler == "py-spy":
        sections: list[tuple[str, Path, str | None]] = [
            ("start-up (whole process of the first run)", args.out / "startup.txt", None)
        ]
        sections += [
            ("first call after start (whole process)", args.out / "first.txt", None),
            (f"{LIST_TOOL} in the listing run", args.out / "listing.txt", f"{LIST_TOOL} ("),
            ("get_flux_health in the listing run", args.out / "listing.txt", "get_flux_health ("),
        ]
        sections += [(tool, args.out / "health.txt", f"{tool} (") for tool in ANALYSIS_TOOLS]
        report = "".join(f"== {title}\n{summarize(path, focus)}\n" for title, path, focus in sections if path.exists())
        (args.out / "summary.txt").write_text(report)
        print(report)
    print(f"profiles in {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
