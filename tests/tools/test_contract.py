"""The argument contract, generated from tools/list: every tool × every parameter × {omitted, a natural
variant (case, unit, one string for a list, text for a number), a wrong type, an unknown neighbour}.

Each call is accepted with the documented meaning (the variant answers as the canonical value does), or
refused in one or two lines that name the argument, the value given and what is accepted, with no
validation library, URL or SDK prefix in them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import Tool

from flux_mcp.sandbox import Sandbox
from tests.harness import server_on, text_of
from tests.reliability._catalogue import CASES, PROBE_MANIFEST

TOOLS_LIST_BUDGET = 20_000
LEAKS = ("pydantic", "http://", "https://", "validation error", "Error executing tool", "Traceback", "Input should")
DRY = {"apply_kubernetes_manifest": {"dry_run": True, "yaml_content": PROBE_MANIFEST},
       "patch_kubernetes_resource": {"dry_run": True, "kind": "ConfigMap", "name": "welcome", "namespace": "default",
                                     "patch": '{"data": {"contract": "1"}}'},
       "delete_kubernetes_resource": {"dry_run": True, "kind": "ConfigMap", "name": "welcome",
                                      "namespace": "default"},
       "reconcile_flux_resource": {"wait": False}, "resume_flux_reconciliation": {"wait": False}}


def base_arguments(tool: str) -> dict[str, Any]:
    """A realistic call against the sandbox fleet; writes validate or only send the request."""
    case = CASES[tool]
    return {**case.args, **DRY.get(tool, {})}


@dataclass(frozen=True)
class Probe:
    tool: str
    parameter: str
    schema: dict[str, Any]
    required: bool

    @property
    def types(self) -> set[str]:
        declared = self.schema.get("type")
        return set(declared) if isinstance(declared, list) else {str(declared)}

    def canonical(self, base: dict[str, Any]) -> Any:
        if "enum" in self.schema:
            default = self.schema.get("default", base.get(self.parameter))
            return next((v for v in self.schema["enum"] if v != default), self.schema["enum"][0])
        if self.types == {"string", "number"}:
            return 120
        if "object" in self.types:
            return base.get(self.parameter)
        if self.types == {"array"}:
            return [".metadata.name"]
        if self.types == {"integer"}:
            return 5
        if self.types == {"boolean"}:
            return bool(base.get(self.parameter, self.schema.get("default", False)))
        return base.get(self.parameter)

    def variant(self, canonical: Any) -> Any:
        """The same value written the way a model naturally writes it, or None when there is no such form."""
        if canonical is None:
            return None
        if "enum" in self.schema:
            return str(canonical).upper() if str(canonical).upper() != canonical else str(canonical).lower()
        if self.types == {"string", "number"}:
            return "2m"
        if "object" in self.types and isinstance(canonical, str):
            return json.loads(canonical)
        if self.types == {"array"}:
            return canonical[0]
        if self.types == {"integer"}:
            return str(canonical)
        if self.types == {"boolean"}:
            return "true" if canonical else "false"
        if self.parameter == "kind" and isinstance(canonical, str):
            return canonical.lower()
        return None

    def wrong_type(self) -> Any:
        if "enum" in self.schema:
            return 7
        if self.types & {"integer", "number"}:
            return ["x"] if "string" in self.types else "many"
        if self.types == {"boolean"}:
            return "maybe"
        if self.types == {"array"}:
            return 5
        if "object" in self.types:
            return 5
        return 12345

    def neighbour(self, parameters: set[str]) -> str:
        for candidate in (self.parameter + "s", self.parameter[:-1], self.parameter + "_"):
            if candidate not in parameters:
                return candidate
        raise AssertionError(f"no unknown neighbour of {self.parameter}")


def probes(tools: list[Tool]) -> Iterator[Probe]:
    for tool in tools:
        required = set(tool.input_schema.get("required", []))
        for name, schema in tool.input_schema["properties"].items():
            yield Probe(tool.name, name, schema, name in required)


def assert_one_clear_line(text: str, parameter: str | None) -> None:
    lines = text.splitlines()
    assert 1 <= len(lines) <= 2, text
    assert not any(leak in text for leak in LEAKS), text
    if parameter is not None:
        assert parameter in lines[0], text


def argument_refusal(text: str, parameter: str) -> bool:
    """Whether an error is the contract refusing this argument's form (not the cluster answering)."""
    first = text.splitlines()[0] if text else ""
    return (first.startswith(f"{parameter}: ") and "is not accepted" in first) or first.startswith(
        ("unknown argument", f"missing required argument '{parameter}'"))


@pytest.fixture(scope="module")
def listed() -> list[Tool]:
    import anyio

    from flux_mcp.server import build_server
    from flux_mcp.settings import Settings

    async def tools() -> list[Tool]:
        async with Client(build_server(Settings())) as client:
            return (await client.list_tools()).tools

    return anyio.run(tools)


def test_tools_list_fits_its_budget_and_every_schema_is_closed(listed: list[Tool]) -> None:
    payload = json.dumps({"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed]},
                         separators=(",", ":"))
    assert len(payload.encode()) <= TOOLS_LIST_BUDGET, f"tools/list is {len(payload.encode())} bytes"
    assert '"title":' not in json.dumps([t.input_schema for t in listed])
    for tool in listed:
        assert tool.input_schema.get("additionalProperties") is False, tool.name
        assert tool.description and tool.input_schema["type"] == "object", tool.name
    # Deliberately none (see flux_tool): structured content is still returned by every call.
    assert [t.name for t in listed if t.output_schema] == []


async def test_every_parameter_of_every_tool_honours_the_contract(
    sandbox: Sandbox, sandbox_kubeconfig: Path, listed: list[Tool],
) -> None:
    server = server_on(sandbox_kubeconfig)
    checked = 0
    async with Client(server) as client:

        async def call(tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
            result = await client.call_tool(tool, arguments)
            return bool(result.is_error), text_of(result)

        for probe in probes(listed):
            base = base_arguments(probe.tool)
            parameters = set(next(t for t in listed if t.name == probe.tool).input_schema["properties"])
            where = f"{probe.tool}.{probe.parameter}"

            # Omitted: a required parameter is named as missing; an optional one is simply not needed.
            without = {k: v for k, v in base.items() if k != probe.parameter}
            failed, text = await call(probe.tool, without)
            if probe.required:
                assert failed and text.startswith(f"missing required argument '{probe.parameter}'"), (where, text)
                assert_one_clear_line(text, probe.parameter)
            else:
                assert not (failed and argument_refusal(text, probe.parameter)), (where, text)

            # A wrong type: one or two lines naming the argument and the value given.
            wrong = probe.wrong_type()
            failed, text = await call(probe.tool, {**base, probe.parameter: wrong})
            assert failed, (where, wrong, text)
            assert text.startswith(f"{probe.parameter}: "), (where, text)
            assert_one_clear_line(text, probe.parameter)

            # An unknown neighbour: refused, with the parameter it most likely meant.
            stray = probe.neighbour(parameters)
            failed, text = await call(probe.tool, {**base, stray: base.get(probe.parameter, "x")})
            assert failed and text == f"unknown argument '{stray}': did you mean '{probe.parameter}'?", (where, text)

            # A natural variant means what the canonical value means.
            canonical = probe.canonical(base)
            variant = probe.variant(canonical)
            if variant is not None:
                canonical_failed, canonical_text = await call(probe.tool, {**base, probe.parameter: canonical})
                failed, text = await call(probe.tool, {**base, probe.parameter: variant})
                assert not (failed and argument_refusal(text, probe.parameter)), (where, variant, text)
                assert failed == canonical_failed, (where, variant, text, canonical_text)
                if CASES[probe.tool].write is False:
                    assert text.splitlines()[:1] == canonical_text.splitlines()[:1], (where, variant)
            checked += 1
    assert checked >= 60, f"only {checked} parameters probed"


async def test_one_object_without_namespace_is_found_wherever_it_is_unique(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    server = server_on(sandbox_kubeconfig)
    async with Client(server) as client:
        traced = await client.call_tool("trace_kubernetes_resource", {"kind": "Deployment", "name": "api-server"})
        analysed = await client.call_tool("analyze_flux_resource", {"kind": "ks", "name": "billing-apps"})

    assert not traced.is_error and text_of(traced).startswith("Deployment team-api/api-server")
    assert not analysed.is_error and "team-billing/billing-apps" in text_of(analysed)


@pytest.mark.parametrize("tool", ["analyze_flux_resource", "get_flux_dependency_graph", "reconcile_flux_resource"])
async def test_a_name_in_several_namespaces_answers_with_the_candidates(
    sandbox: Sandbox, sandbox_kubeconfig: Path, tool: str,
) -> None:
    async with Client(server_on(sandbox_kubeconfig)) as client:
        result = await client.call_tool(tool, {"kind": "Kustomization", "name": "search", "wait": False}
                                        if tool == "reconcile_flux_resource" else
                                        {"kind": "Kustomization", "name": "search"})

    assert result.is_error
    assert text_of(result) == ('Kustomization "search" exists in 2 namespaces (docs/search, team-search/search); '
                               "pass namespace to pick one")


async def test_a_namespace_for_a_cluster_scoped_kind_is_refused_not_ignored(
    sandbox: Sandbox, sandbox_kubeconfig: Path,
) -> None:
    async with Client(server_on(sandbox_kubeconfig)) as client:
        listed = await client.call_tool("get_kubernetes_resources", {"kind": "Namespace", "namespace": "flux-system"})
        table = await client.call_tool("get_kubernetes_resources", {"kind": "ks", "output": "table",
                                                                    "fields": ".spec.path"})

    assert listed.is_error and text_of(listed).startswith(
        "namespace: Namespace is cluster-scoped, so namespace='flux-system' has no effect; omit it")
    assert table.is_error and text_of(table).startswith('fields: has no effect with output="table"')
