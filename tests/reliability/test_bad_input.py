"""Hostile tool arguments, generated: never a crash or hang; validation errors name the field.

One in-process session per module, driven from hypothesis (synchronous) through an anyio
blocking portal. Each example starts from a tool's realistic call and replaces one argument
with something hostile: a wrong type, a huge or unicode or path-like string, a negative limit,
broken JSONPath in `fields`, broken YAML for apply, a broken patch. Afterwards the same session
must still answer a plain call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, Tool

from flux_mcp.sandbox import Sandbox
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.harness import call_tool, list_tools, text_of

from ._catalogue import CATALOGUE, PROBE_CONFIGMAP, PROBE_NAMESPACE, case_for, tools_under_test
from ._harness import ensure_probe_configmap, error_problem
from ._summary import SUMMARY

SECTION = "bad input (hypothesis examples per tool)"
EXAMPLES_PER_TOOL = 8

PATH_LIKE = [
    "../../etc/passwd", "/etc/passwd", "..", ".", "a/b", "%2e%2e%2fkube-system", "flux-system/../kube-system",
    "flux-system%2F..%2Fsecrets", "name?watch=true", "name#frag", "a\x00b", "a\nb", "*", "${HOME}", "$(id)",
    "{{7*7}}", "' OR '1'='1", "\u202eevil", "🚀", "Ñandú", "x" * 254, " ", "",
]
HUGE = ["K" * 100_000, "é" * 50_000, "../" * 20_000]
BAD_JSONPATH = [
    "{", "{.metadata", "$..[?(@.x==", "{{}}", "[*", "{.items[-1:]}", "spec..", "$", "", "{.a}{.b", "{range .x}",
    "metadata.name[", "..", "$[", "{.metadata.labels['a.b/c']}", "x" * 5_000,
]
BAD_YAML = [
    "a: [", "- : :\n  - ]", "\tkey: value", "---\n...\n---\n", "!!python/object/apply:os.system ['id']",
    "just a scalar", "- a\n- b\n", "kind: ConfigMap\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: 5\n",
    "apiVersion: v1\nkind: NoSuchKind\nmetadata:\n  name: x\n  namespace: default\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ../../x\n  namespace: default\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: no-such-ns\n",
    "a: &a [1, 2]\nb: *a\nc: *nope\n", "{" * 5_000, "---\n" * 2_000, "\x00\x01\x02", "key: " + "v" * 200_000,
]
BAD_PATCHES = [
    "{", "[]", "[{\"op\": \"explode\"}]", "[{\"op\": \"remove\", \"path\": \"/metadata\"}]", "null", "\"str\"",
    "42", "{\"metadata\": {\"name\": \"other\"}}", "{\"data\": \"not a map\"}",
    "[{\"op\": \"replace\", \"path\": \"/data/missing/deeper\", \"value\": 1}]", "[{\"op\": \"add\"}]",
    "{\"data\": {\"k\": " + "[" * 3_000 + "]" * 3_000 + "}}", "x" * 100_000, "a: b\n",
]
WRONG_TYPES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([-1, 0, -(2**63), 2**64, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
)
STRINGS = st.one_of(st.text(max_size=64), st.sampled_from(PATH_LIKE), st.sampled_from(HUGE))


def hostile_value(field: str, prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values aimed at one argument, by its name and schema."""
    kinds: set[Any] = set()
    for alt in (prop, *prop.get("anyOf", [])):
        declared = alt.get("type")
        kinds |= set(declared) if isinstance(declared, list) else {declared}
    choices: list[st.SearchStrategy[Any]] = [WRONG_TYPES, STRINGS]
    if field == "fields":
        choices.append(st.lists(st.sampled_from(BAD_JSONPATH), min_size=1, max_size=3))
    if field == "yaml_content":
        choices += [st.sampled_from(BAD_YAML)] * 3
    if field == "patch":
        choices += [st.sampled_from(BAD_PATCHES)] * 3
    if kinds & {"integer", "number"}:
        choices += [NUMBERS] * 2
    if "array" in kinds:
        choices.append(st.lists(STRINGS, max_size=4))
    return st.one_of(choices)


@dataclass
class Session:
    portal: BlockingPortal
    client: Client
    tools: dict[str, Tool]

    def call(self, tool: str, args: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(call_tool, self.client, tool, args)
        return result


@pytest.fixture(scope="module")
def session(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    kubeconfig = tmp_path_factory.mktemp("bad-input") / "kubeconfig.yaml"
    sandbox.write_kubeconfig(kubeconfig)
    ensure_probe_configmap(sandbox.url)
    server = build_server(Settings(kubeconfig=str(kubeconfig), timeout=5))
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(Client(server)) as client:
        tools = portal.call(list_tools, client)
        yield Session(portal, client, tools)




def _schema_invalid(args: dict[str, Any], schema: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(args, schema)
    except jsonschema.ValidationError:
        return True
    return False


def judge(session: Session, tool: str, args: dict[str, Any], field: str, schema: dict[str, Any]) -> str | None:
    """The problem with how the server handled one hostile call, or None."""
    try:
        result = session.call(tool, args)
    except TimeoutError:
        return "hang: no answer within the call timeout"
    except MCPError as exc:
        # A JSON-RPC error instead of a tool result is acceptable only if it names the field.
        if field not in str(exc):
            return f"protocol error not naming {field!r}: {exc}"
        return None
    if not result.is_error:
        return None
    text = text_of(result)
    problem = error_problem(text)
    if problem:
        return problem
    named = field in text
    if not named and field in schema.get("properties", {}) and "validation error" in text and _schema_invalid(
        args, schema
    ):
        return f"validation error does not name the field {field!r}: {text[:300]!r}"
    return None


def still_answers(session: Session) -> str | None:
    result = session.call("get_kubeconfig_contexts", {})
    if result.is_error:
        return f"the session no longer answers: {text_of(result)[:200]!r}"
    return None


@pytest.mark.parametrize("tool", tools_under_test())
@settings(
    max_examples=EXAMPLES_PER_TOOL,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_arguments(tool: str, session: Session, data: st.DataObject) -> None:
    listed = session.tools.get(tool)
    if listed is None:
        assert tool not in CATALOGUE, f"catalogued tool {tool} (DESIGN.md) is not registered by the server"
        pytest.skip(f"{tool} is not served")
    schema = listed.input_schema
    annotations = listed.annotations
    case = case_for(tool, schema, annotations.read_only_hint if annotations else None)
    properties: dict[str, Any] = schema.get("properties", {})
    fields = [*sorted(properties), "unexpected_argument"]
    field = data.draw(st.sampled_from(fields), label="field")
    value = data.draw(hostile_value(field, properties.get(field, {})), label="value")
    args = {**case.args, field: value}
    if case.write and tool == "delete_kubernetes_resource" and field != "dry_run":
        args["dry_run"] = True
    if tool == "patch_kubernetes_resource" and field not in ("name", "namespace"):
        args.setdefault("name", PROBE_CONFIGMAP)
        args.setdefault("namespace", PROBE_NAMESPACE)
    problem = judge(session, tool, args, field, schema) or still_answers(session)
    shown = json.dumps(args, default=str)[:160]
    SUMMARY.record(SECTION, tool, problem is None, f"{tool} {shown}: {problem}")
    assert problem is None, f"{tool} with {field}={json.dumps(value, default=str)[:200]}: {problem}"


def alias_bomb(levels: int = 7, key: str = "data") -> str:
    """A few hundred characters of YAML whose aliases expand to 9**levels values ("billion laughs")."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\n{key}: {{bomb: *a{levels - 1}}}\n"


BOMB_MANIFEST = (
    f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  namespace: {PROBE_NAMESPACE}\n" + alias_bomb()
)


@dataclass(frozen=True)
class Hostile:
    label: str
    tool: str
    args: dict[str, Any]
    must_fail: bool = True
    names: str = ""
    """A word the error must contain (the field, or the cause)."""


def _named_cases() -> list[Hostile]:
    resources = {"kind": "Kustomization", "namespace": "flux-system"}
    probe = {"kind": "ConfigMap", "name": PROBE_CONFIGMAP, "namespace": PROBE_NAMESPACE}
    cases = [
        Hostile("apply: YAML alias bomb", "apply_kubernetes_manifest",
                {"yaml_content": BOMB_MANIFEST, "dry_run": True}, names="alias"),
        Hostile("diff: YAML alias bomb", "diff_kubernetes_manifest", {"yaml_content": BOMB_MANIFEST}, names="alias"),
        Hostile("patch: YAML alias bomb", "patch_kubernetes_resource",
                {**probe, "patch": alias_bomb(key="metadata"), "dry_run": True}, names="alias"),
    ]
    cases += [
        Hostile(f"apply: bad YAML {text[:20]!r}", "apply_kubernetes_manifest", {"yaml_content": text, "dry_run": True},
                names="yaml_content")
        for text in BAD_YAML
        if "NoSuchKind" not in text and "no-such-ns" not in text and "../../x" not in text
    ]
    cases += [
        Hostile(f"diff: bad YAML {text[:20]!r}", "diff_kubernetes_manifest", {"yaml_content": text},
                names="yaml_content")
        for text in BAD_YAML
        if "NoSuchKind" not in text and "no-such-ns" not in text and "../../x" not in text
    ]
    cases += [
        Hostile(f"apply: {label}", "apply_kubernetes_manifest", {"yaml_content": text, "dry_run": True})
        for label, text in (
            ("unknown kind", BAD_YAML[9]), ("missing namespace", BAD_YAML[11]), ("path-like name", BAD_YAML[10])
        )
    ]
    # Shape errors only the API server's schema catches (a real one rejects them; the sandbox need not).
    schema_level = ('{"metadata": {"name": "other"}}', "a: b\n", '{"data": "not a map"}',
                    '[{"op": "remove", "path": "/metadata"}]')
    strict_patches = [p for p in BAD_PATCHES if p not in schema_level]
    cases += [
        Hostile(f"patch: bad merge patch {text[:20]!r}", "patch_kubernetes_resource",
                {**probe, "patch": text, "type": "merge", "dry_run": True}, names="patch")
        for text in strict_patches
        if not text.startswith("[{")
    ]
    cases += [
        Hostile(f"patch: bad json patch {text[:24]!r}", "patch_kubernetes_resource",
                {**probe, "patch": text, "type": "json", "dry_run": True})
        for text in strict_patches
    ]
    cases += [
    ]
    cases += [
        Hostile(f"patch: schema-level {text[:24]!r}", "patch_kubernetes_resource",
                {**probe, "patch": text, "type": "json" if text.startswith("[") else "merge", "dry_run": True},
                must_fail=False)
        for text in schema_level
    ]
    cases += [
        Hostile("patch: unknown patch type", "patch_kubernetes_resource", {**probe, "patch": "{}", "type": "apply"},
                names="type"),
    ]
    cases += [
        Hostile(f"fields: {path[:20]!r}", "get_kubernetes_resources", {**resources, "fields": [path]},
                names="field")
        for path in ("{", "{.metadata", "$..[?(@.x==", "[*", "metadata.name[", "{{}}", "x" * 5_000)
    ]
    cases += [
        Hostile(f"fields (valid or not): {path[:20]!r}", "get_kubernetes_resources", {**resources, "fields": [path]},
                must_fail=False)
        for path in ("$", "", "..", "{.items[-1:]}", "{range .x}", "{.metadata.labels['a.b/c']}")
    ]
    for tool, base in (
        ("get_kubernetes_resources", resources),
        ("get_kubernetes_events", {"namespace": "flux-system"}),
        ("get_kubernetes_logs", {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system"}),
        ("get_kubernetes_metrics", {"namespace": "flux-system"}),
    ):
        for limit in (-1, 0, -(2**63), 2**64):
            cases.append(Hostile(f"{tool}: limit={limit}", tool, {**base, "limit": limit}, names="limit"))
    for name in ("../../etc/passwd", "a/b", "%2e%2e", "x?watch=1", "a\nb", "\u202eevil", "🚀"):
        cases.append(Hostile(f"name {name!r}", "get_kubernetes_resources", {**resources, "name": name}, names="name"))
        cases.append(Hostile(f"delete name {name!r}", "delete_kubernetes_resource",
                             {**probe, "name": name, "dry_run": True}, names="name"))
        cases.append(Hostile(f"namespace {name!r}", "get_kubernetes_events", {"namespace": name}, names="namespace"))
    cases += [
        Hostile("kind path-like", "get_kubernetes_resources", {"kind": "../secrets"}, names="kind"),
        Hostile("kind huge", "get_kubernetes_resources", {"kind": "K" * 2_000_000}, names="kind"),
        Hostile("kind unknown", "get_kubernetes_resources", {"kind": "NoSuchKind"}, names="NoSuchKind"),
        Hostile("selector broken", "get_kubernetes_resources", {**resources, "selector": "a in ("}, must_fail=False),
        Hostile("context unknown", "get_kubernetes_resources", {**resources, "context": "no-such-context"},
                names="no-such-context"),
        Hostile("set context path-like", "set_kubeconfig_context", {"name": "../../etc/passwd"}),
        Hostile("explain bad field", "explain_flux_api", {"kind": "Kustomization", "field": "spec..x"},
                must_fail=False),
        Hostile("explain huge field", "explain_flux_api", {"kind": "Kustomization", "field": "a." * 5_000},
                must_fail=False),
        Hostile("analyze non-Flux kind", "analyze_flux_resource", {"kind": "ConfigMap", "name": "x",
                                                                   "namespace": "default"}, must_fail=False),
        Hostile("events since garbage", "get_kubernetes_events", {"namespace": "flux-system", "since": "yesterday"},
                names="since"),
        Hostile("logs since negative", "get_kubernetes_logs",
                {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system", "since": "-5m"},
                names="since"),
        Hostile("logs grep bad regex", "get_kubernetes_logs",
                {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system", "grep": "(["},
                must_fail=False),
        Hostile("graph unknown format", "get_flux_dependency_graph", {"format": "svg"}, names="format"),
    ]
    return cases


NAMED = "bad input (named hostile cases)"


@pytest.mark.parametrize("hostile", _named_cases(), ids=lambda h: h.label[:60])
def test_named_hostile_input(hostile: Hostile, session: Session) -> None:
    listed = session.tools.get(hostile.tool)
    if listed is None:
        assert hostile.tool not in CATALOGUE, f"catalogued tool {hostile.tool} is not registered by the server"
        pytest.skip(f"{hostile.tool} is not served")
    try:
        result = session.call(hostile.tool, hostile.args)
    except TimeoutError:
        SUMMARY.record(NAMED, hostile.tool, False, f"{hostile.label}: hang")
        raise AssertionError(f"{hostile.label}: no answer within the call timeout") from None
    text = text_of(result)
    problem = error_problem(text) if result.is_error else None
    if problem is None and hostile.must_fail and not result.is_error:
        problem = f"accepted: {text[:200]!r}"
    if problem is None and result.is_error and hostile.names and hostile.names.lower() not in text.lower():
        problem = f"the error does not name {hostile.names!r}: {text[:300]!r}"
    problem = problem or still_answers(session)
    kind = "accepted" if not result.is_error else ("rejected, names it" if hostile.names else "clear ToolError")
    SUMMARY.record(NAMED, hostile.tool, problem is None, f"{hostile.label}: {problem}", outcome=kind)
    assert problem is None, f"{hostile.label}: {problem}"
