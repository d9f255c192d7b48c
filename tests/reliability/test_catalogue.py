"""The catalogue of DESIGN.md is the contract: every tool in it is served, and this suite's table fits it."""

from __future__ import annotations

import jsonschema
from mcp.client import Client

from tests.harness import list_tools

from ._catalogue import CASES, CATALOGUE, CATALOGUE_READ, CATALOGUE_WRITE
from .conftest import ServerFactory


async def test_every_catalogued_tool_is_served(make_server: ServerFactory) -> None:
    async with Client(make_server()) as client:
        served = set(await list_tools(client))
    missing = sorted(CATALOGUE - served)
    assert not missing, f"tools of the DESIGN.md catalogue missing from tools/list: {missing}"


async def test_read_only_serves_exactly_the_read_tools(make_server: ServerFactory) -> None:
    async with Client(make_server(read_only=True)) as client:
        tools = await list_tools(client)
    assert not (set(tools) & CATALOGUE_WRITE), "write tools registered under read_only"
    writable = sorted(
        name for name, tool in tools.items() if not (tool.annotations and tool.annotations.read_only_hint)
    )
    # It writes nothing to a cluster but moves where later calls land: served, and truthfully not read-only.
    assert writable == ["set_kubeconfig_context"], f"tools served under read_only without readOnlyHint: {writable}"
    assert set(tools) >= CATALOGUE_READ & set(tools)


async def test_suite_arguments_are_valid_for_the_served_schemas(make_server: ServerFactory) -> None:
    """The realistic calls this suite makes must fit the real input schemas (else the table is stale)."""
    async with Client(make_server()) as client:
        tools = await list_tools(client)
    stale: list[str] = []
    for name, case in CASES.items():
        tool = tools.get(name)
        if tool is None:
            continue
        properties = set(tool.input_schema.get("properties", {}))
        for args in (case.args, *case.variants):
            unknown = sorted(set(args) - properties)
            if unknown:
                stale.append(f"{name}: arguments {unknown} not in its schema ({sorted(properties)})")
            try:
                jsonschema.validate(args, tool.input_schema)
            except jsonschema.ValidationError as exc:
                stale.append(f"{name} {args}: {exc.message}")
    assert not stale, "\n".join(stale)
