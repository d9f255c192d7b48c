"""Command line: `serve` (default), `call TOOL JSON`, `tools`, `sandbox`.

stdout belongs to the MCP protocol when serving; everything human goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from flux_mcp import __version__
from flux_mcp.settings import Settings

log = logging.getLogger("flux_mcp")


def _add_server_options(parser: argparse.ArgumentParser, default: Any) -> None:
    def opt(*names: str, **kwargs: Any) -> None:
        parser.add_argument(*names, default=default, **kwargs)

    opt("--kubeconfig", help="kubeconfig file(s), ':'-separated like KUBECONFIG (env KUBECONFIG)")
    opt("--context", help="kubeconfig context to use (env FLUX_MCP_CONTEXT)")
    opt("--kube-as", dest="kube_as", help="impersonate this user (env FLUX_MCP_KUBE_AS)")
    opt("--kube-as-group", dest="kube_as_group", action="append",
        help="impersonate this group; repeatable (env FLUX_MCP_KUBE_AS_GROUP, comma separated)")
    opt("--read-only", dest="read_only", action="store_const", const=True,
        help="register only read tools (env FLUX_MCP_READ_ONLY)")
    opt("--mask-secrets", dest="mask_secrets", action=argparse.BooleanOptionalAction,
        help="mask Secret values and credentials in output; on by default (env FLUX_MCP_MASK_SECRETS)")
    opt("--timeout", type=float, help="seconds per Kubernetes API request, default 30 (env FLUX_MCP_TIMEOUT)")
    opt("--output-limit", dest="output_limit", type=int,
        help="characters per tool response, default 40000 (env FLUX_MCP_OUTPUT_LIMIT)")
    opt("--log-level", dest="log_level", help="DEBUG, INFO, WARNING (default) or ERROR; logs go to stderr")
    opt("--audit-log", dest="audit_log", help="append one JSON line per tool call to FILE (mode 0600)")
    opt("--sandbox", action="store_const", const=True,
        help="serve against the built-in emulated Flux cluster (env FLUX_MCP_SANDBOX)")
    opt("--sandbox-scale", dest="sandbox_scale", type=int, help="extra tenants in the sandbox fleet")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fluxcd-mcp",
        description="MCP server (stdio) to understand and operate Flux CD on Kubernetes.",
    )
    parser.add_argument("--version", action="version", version=f"fluxcd-mcp {__version__}")
    _add_server_options(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="{serve,call,tools,sandbox}")
    serve = commands.add_parser("serve", help="serve MCP over stdio (default)")
    _add_server_options(serve, argparse.SUPPRESS)
    call = commands.add_parser("call", help="run one tool and print its text result")
    _add_server_options(call, argparse.SUPPRESS)
    call.add_argument("tool", help="tool name, e.g. get_flux_instance")
    call.add_argument("arguments", nargs="?", default="{}", help="tool arguments as a JSON object")
    tools = commands.add_parser("tools", help="print the tool catalogue (names, what they do, their arguments)")
    _add_server_options(tools, argparse.SUPPRESS)
    sandbox = commands.add_parser("sandbox", help="serve the emulated Kubernetes API alone")
    sandbox.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    sandbox.add_argument("--kubeconfig-out", dest="kubeconfig_out", required=True,
                         help="write a kubeconfig for the sandbox to this file")
    sandbox.add_argument("--scale", type=int, default=0, help="extra tenants in the fleet")
    sandbox.add_argument("--no-operator", dest="operator", action="store_false",
                         help="emulate a plain `flux bootstrap` install (no flux-operator)")
    sandbox.add_argument("--no-metrics", dest="metrics", action="store_false",
                         help="emulate a cluster without metrics-server")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    flags = {k: v for k, v in vars(args).items() if k in Settings.model_fields}
    if flags.get("kube_as_group"):
        flags["kube_as_group"] = ",".join(flags["kube_as_group"])
    return Settings.from_sources(flags)


@contextmanager
def cluster_for(settings: Settings) -> Iterator[dict[str, Any] | None]:
    """The kubeconfig to use: the sandbox's when asked for, else None (load from settings later)."""
    if not settings.sandbox:
        yield None
        return
    from flux_mcp.sandbox import Sandbox, SandboxOptions

    sandbox = Sandbox(SandboxOptions(scale=settings.sandbox_scale))
    sandbox.start()
    log.info("sandbox cluster serving at %s", sandbox.url)
    try:
        yield sandbox.kubeconfig_dict()
    finally:
        sandbox.stop()


def serve(settings: Settings) -> int:
    # Start-up creates ~10^5 long-lived objects (mcp_types' pydantic models, tool schemas): cyclic GC
    # passes over them during import are wasted work, and freezing them keeps them out of every later
    # collection (a 5,000-object health check allocates enough to trigger many).
    gc.disable()
    try:
        # The SDK first (it completes pydantic, anyio and httpx2, which cluster access needs too), then
        # cluster access in the background beside our tool modules, building the server and the
        # handshake. Started after our own imports instead, it was still running when tools/list was
        # answered, and the first call waited for it (~100 ms against the official server's 60, measured).
        importlib.import_module("mcp.server.mcpserver")
        from flux_mcp.warm_up import start_warm_up

        start_warm_up()
        from flux_mcp.server import build_server

        with cluster_for(settings) as kubeconfig:
            server = build_server(settings, kubeconfig=kubeconfig)
            gc.enable()
            gc.freeze()
            if sys.stdin.isatty():
                # A person started it by hand: say it is waiting for a client, not hanging.
                print(terminal_hint(settings), file=sys.stderr, flush=True)
            server.run("stdio")
    finally:
        gc.enable()
    return 0


async def _call_tool(
    settings: Settings, kubeconfig: dict[str, Any] | None, tool: str, arguments: dict[str, Any]
) -> int:
    from mcp.client import Client
    from mcp.types import TextContent

    from flux_mcp.server import build_server

    async with Client(build_server(settings, kubeconfig=kubeconfig)) as client:
        result = await client.call_tool(tool, arguments)
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    print(text, file=sys.stderr if result.is_error else sys.stdout)
    return 1 if result.is_error else 0


def terminal_hint(settings: Settings) -> str:
    where = "the built-in sandbox cluster" if settings.sandbox else "your kubeconfig's cluster"
    flags = "--sandbox " if settings.sandbox else ""
    return (f"fluxcd-mcp serves MCP on stdio against {where}, waiting for an MCP client (Ctrl-C to stop). "
            f"To try one tool: fluxcd-mcp {flags}call get_flux_health; to list them: fluxcd-mcp tools")


def catalogue(settings: Settings) -> str:
    """The tools this server would register, what each does and its arguments (* = required)."""
    from flux_mcp.server import selected_tools

    blocks = []
    for spec in selected_tools(settings):
        summary = spec.description.split("\n", 1)[0]
        mode = "read-only" if spec.read_only else "changes state"
        blocks.append(f"{spec.name}  [{mode}]\n  {summary}\n  arguments: {_argument_list(spec.fn)}")
    return "\n\n".join(blocks)


def _argument_list(fn: Any) -> str:
    import inspect

    names = []
    for name, parameter in inspect.signature(fn).parameters.items():
        if name == "ctx":
            continue
        names.append(name + ("*" if parameter.default is inspect.Parameter.empty else ""))
    return ", ".join(names) or "none"


def call(settings: Settings, tool: str, raw_arguments: str) -> int:
    try:
        arguments = json.loads(raw_arguments)
    except json.JSONDecodeError as exc:
        print(f"arguments: not valid JSON ({exc})", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("arguments: must be a JSON object, e.g. '{\"namespace\": \"flux-system\"}'", file=sys.stderr)
        return 2
    with cluster_for(settings) as kubeconfig:
        return asyncio.run(_call_tool(settings, kubeconfig, tool, arguments))


def run_sandbox(args: argparse.Namespace) -> int:
    from flux_mcp.sandbox import run_sandbox_cli

    exit_code: int = run_sandbox_cli(
        port=args.port, kubeconfig_out=args.kubeconfig_out, scale=args.scale,
        operator=args.operator, metrics=args.metrics,
    )
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`fluxcd-mcp call ... | head -1`): stop quietly, and keep Python from
        # reporting the failed flush of stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValidationError as exc:
        for error in exc.errors()[:2]:
            option = "--" + "-".join(str(p) for p in error.get("loc", ())).replace("_", "-")
            print(f"fluxcd-mcp: invalid option {option} {error.get('input')!r}: {error.get('msg')}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"fluxcd-mcp: invalid option: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stderr, level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.mask_secrets:
        from flux_mcp.flux.redaction import RedactingFilter

        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactingFilter())
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command == "call":
        return call(settings, args.tool, args.arguments)
    if args.command == "tools":
        print(catalogue(settings), flush=True)
        return 0
    return serve(settings)
