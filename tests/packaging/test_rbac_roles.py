"""The shipped ClusterRoles, enforced by the sandbox: the tool suite never meets a 403 under its
profile, and every rule is needed (without it, some tool call is refused)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import Client

from flux_mcp.sandbox import Sandbox
from flux_mcp.server import build_server
from flux_mcp.settings import Settings
from tests.harness import call_tool

ROLES = Path(__file__).resolve().parents[2] / "toolhive" / "kubernetes"
PROBE = "fluxcd-mcp-rbac-probe"
PROBE_CONFIGMAP = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {PROBE}
  namespace: default
data:
  probe: "1"
"""
# Objects the fleet lacks, created before the suite (without RBAC) so that their rules are exercised.
SETUP_MANIFESTS = f"""\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {PROBE}
  namespace: default
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: probe
              image: busybox
---
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: {PROBE}
  namespace: flux-system
spec:
  sources:
    - alias: fleet
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: fleet
      copy:
        - from: "@fleet/**"
          to: "@artifact/"
"""


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    succeeds: bool = True
    """False when the tool answers with an error for a reason other than RBAC (an empty CronJob)."""


def ks(name: str, namespace: str) -> dict[str, Any]:
    return {"kind": "Kustomization", "name": name, "namespace": namespace}


READ_CALLS: tuple[Call, ...] = (
    Call("get_flux_instance"),
    Call("get_kubernetes_api_versions"),
    Call("get_kubeconfig_contexts"),
    Call("set_kubeconfig_context", {"name": "sandbox"}),
    Call("get_kubernetes_resources", {"kind": "Kustomization", "namespace": "flux-system"}),
    Call("get_kubernetes_resources", {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"}),
    Call("get_kubernetes_resources", {"kind": "Deployment", "namespace": "team-api"}),
    Call("get_kubernetes_resources", {"kind": "ConfigMap", "namespace": "flux-system"}),
    Call("get_kubernetes_resources", {"kind": "Service", "namespace": "podinfo"}),
    Call("get_kubernetes_resources", {"kind": "Namespace"}),
    Call("get_kubernetes_events", {"namespace": "team-billing"}),
    Call("get_kubernetes_events", {"kind": "GitRepository", "name": "billing", "namespace": "team-billing"}),
    Call("get_kubernetes_logs", {"kind": "Deployment", "name": "source-controller", "namespace": "flux-system"}),
    Call("get_kubernetes_logs", {"kind": "Deployment", "name": "api-server", "namespace": "team-api"}),
    Call("get_kubernetes_logs", {"kind": "CronJob", "name": PROBE, "namespace": "default"}, succeeds=False),
    Call("get_kubernetes_metrics", {"namespace": "flux-system"}),
    Call("trace_kubernetes_resource", {"kind": "Deployment", "name": "podinfo", "namespace": "podinfo"}),
    Call("get_flux_inventory_tree", ks("flux-system", "flux-system")),
    Call("get_flux_inventory_tree", {"kind": "HelmRelease", "name": "podinfo", "namespace": "podinfo"}),
    Call("get_flux_dependency_graph"),
    Call("get_flux_health"),
    Call("analyze_flux_resource", ks("billing-apps", "team-billing")),
    Call("analyze_flux_resource", ks("api", "team-api")),
    Call("analyze_flux_resource", {"kind": "HelmRelease", "name": "frontend", "namespace": "team-web"}),
    Call("explain_flux_api", {"kind": "Kustomization", "field": "spec.interval"}),
)
# Reconcile one object of each API group the operate role may patch, then suspend and resume.
OPERATE_CALLS: tuple[Call, ...] = (
    Call("reconcile_flux_resource", {**ks("infra-controllers", "flux-system"), "with_source": True, "wait": False}),
    Call("reconcile_flux_resource", {"kind": "HelmRelease", "name": "podinfo", "namespace": "podinfo",
                                     "with_source": True, "wait": False}),
    Call("reconcile_flux_resource", {"kind": "Receiver", "name": "github-receiver", "namespace": "flux-system",
                                     "wait": False}),
    Call("reconcile_flux_resource", {"kind": "ImageRepository", "name": "podinfo", "namespace": "flux-system",
                                     "wait": False}),
    Call("reconcile_flux_resource", {"kind": "ArtifactGenerator", "name": PROBE, "namespace": "flux-system",
                                     "wait": False}),
    Call("reconcile_flux_resource", {"kind": "FluxInstance", "name": "flux", "namespace": "flux-system",
                                     "wait": False}),
    Call("suspend_flux_reconciliation", ks("apps", "flux-system")),
    Call("resume_flux_reconciliation", {**ks("apps", "flux-system"), "wait": False}),
)
# diff_kubernetes_manifest is read-only but its server-side-apply dry run needs the same patch
# permission as the apply itself (RBAC does not tell dry runs apart), so it is here.
APPLY_CALLS: tuple[Call, ...] = (
    Call("apply_kubernetes_manifest", {"yaml_content": PROBE_CONFIGMAP}),
    Call("diff_kubernetes_manifest", {"yaml_content": PROBE_CONFIGMAP}),
    Call("patch_kubernetes_resource", {"kind": "ConfigMap", "name": PROBE, "namespace": "default",
                                       "patch": '{"data": {"patched": "yes"}}', "type": "merge"}),
    Call("delete_kubernetes_resource", {"kind": "ConfigMap", "name": PROBE, "namespace": "default", "dry_run": True}),
)


@dataclass
class Outcome:
    call: Call
    is_error: bool
    text: str
    requests: list[tuple[str, str, int]]  # (verb, path, status)

    @property
    def forbidden(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[2] == 403]


def role_text(name: str) -> str:
    return (ROLES / f"clusterrole-{name}.yaml").read_text()


def role_rules(name: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = yaml.safe_load(role_text(name))["rules"]
    return rules


def without_rule(name: str, index: int) -> str:
    role = yaml.safe_load(role_text(name))
    del role["rules"][index]
    return yaml.safe_dump(role)


async def run(sandbox: Sandbox, kubeconfig: Path, calls: tuple[Call, ...], roles: list[str] | None,
              read_only: bool = False) -> list[Outcome]:
    """Every call through one MCP client session, with `roles` enforced; the requests each one made."""
    sandbox.enforce_rbac(roles)
    outcomes = []
    async with Client(build_server(Settings(kubeconfig=str(kubeconfig), read_only=read_only))) as client:
        for call in calls:
            start = len(sandbox.requests)
            result = await call_tool(client, call.tool, call.args)
            text = "\n".join(getattr(block, "text", "") for block in result.content)
            made = [(r.verb, r.path, r.status) for r in sandbox.requests[start:]]
            outcomes.append(Outcome(call, bool(result.is_error), text, made))
    return outcomes


def resource_of(path: str) -> tuple[str, str] | None:
    """(API group, resource[/subresource]) of a resource request path; None for discovery paths."""
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    if rest[0] == "namespaces" and len(rest) > 2:
        rest = rest[2:]
    return group, rest[0] + (f"/{rest[2]}" if len(rest) > 2 else "")


def uses(outcome: Outcome, rule: dict[str, Any]) -> bool:
    for verb, path, _ in outcome.requests:
        target = resource_of(path)
        if target and target[0] in rule["apiGroups"] and target[1] in rule["resources"] and verb in rule["verbs"]:
            return True
    return False


def failures(outcomes: list[Outcome]) -> list[str]:
    """Calls refused by RBAC, or failing when they should succeed."""
    return [
        f"{o.call.tool} {o.call.args}: {o.forbidden or o.text[:300]}"
        for o in outcomes
        if o.forbidden or (o.is_error and (o.call.succeeds or "forbidden" in o.text.lower()))
    ]


def run_now(sandbox: Sandbox, kubeconfig: Path, calls: tuple[Call, ...], roles: list[str] | None,
            read_only: bool = False) -> list[Outcome]:
    return anyio.run(functools.partial(run, sandbox, kubeconfig, calls, roles, read_only=read_only))


@pytest.fixture(scope="module")
def kubeconfig(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's kubeconfig, once the objects the fleet lacks exist."""
    path = sandbox.write_kubeconfig(tmp_path_factory.mktemp("rbac") / "config")
    (created,) = run_now(sandbox, path, (Call("apply_kubernetes_manifest", {"yaml_content": SETUP_MANIFESTS}),), None)
    assert not created.is_error, created.text
    return path


@pytest.fixture(scope="module")
def read_calls(sandbox: Sandbox) -> tuple[Call, ...]:
    """READ_CALLS plus a trace from a pod of the fleet (its name is generated): Pod -> ReplicaSet -> ..."""
    pods = sandbox.store.iter_objects(sandbox.store.catalog.by_kind("", "Pod"), "podinfo")
    name = pods[0]["metadata"]["name"]
    return (*READ_CALLS, Call("trace_kubernetes_resource", {"kind": "Pod", "name": name, "namespace": "podinfo"}))


@pytest.fixture(scope="module")
def read_profile(sandbox: Sandbox, kubeconfig: Path, read_calls: tuple[Call, ...]) -> list[Outcome]:
    """The read suite of a --read-only server under fluxcd-mcp-read (once per module)."""
    return run_now(sandbox, kubeconfig, read_calls, [role_text("read")], read_only=True)


@pytest.fixture(scope="module")
def operate_profile(sandbox: Sandbox, kubeconfig: Path, read_calls: tuple[Call, ...]) -> list[Outcome]:
    """The read and Flux write suite of a read-write server under fluxcd-mcp-operate (once per module)."""
    return run_now(sandbox, kubeconfig, read_calls + OPERATE_CALLS, [role_text("operate")])


# --- every tool is in the suite ----------------------------------------------------------------


async def test_the_suite_calls_every_tool_the_server_offers(kubeconfig: Path) -> None:
    async with Client(build_server(Settings(kubeconfig=str(kubeconfig)))) as client:
        offered = {tool.name for tool in (await client.list_tools()).tools}
    assert {c.tool for c in READ_CALLS + OPERATE_CALLS + APPLY_CALLS} == offered


# --- each profile works under its own role -----------------------------------------------------


def test_read_only_profile_meets_no_403_under_the_read_role(read_profile: list[Outcome]) -> None:
    assert failures(read_profile) == []


def test_operations_profile_meets_no_403_under_the_operate_role(operate_profile: list[Outcome]) -> None:
    assert failures(operate_profile) == []
    patched = {resource_of(p) for o in operate_profile for verb, p, _ in o.requests if verb == "patch"}
    patch_rules = [r for r in role_rules("operate") if r["verbs"] == ["patch"]]
    assert all(any(t and t[0] in r["apiGroups"] for t in patched) for r in patch_rules)


async def test_generic_writes_need_the_optional_apply_role(sandbox: Sandbox, kubeconfig: Path) -> None:
    refused = await run(sandbox, kubeconfig, APPLY_CALLS[:1], [role_text("operate")])
    assert refused[0].forbidden and refused[0].is_error
    allowed = await run(sandbox, kubeconfig, APPLY_CALLS, [role_text("operate"), role_text("apply")])
    assert failures(allowed) == []


async def test_secrets_stay_forbidden_and_the_answer_says_what_to_grant(sandbox: Sandbox, kubeconfig: Path) -> None:
    call = Call("get_kubernetes_resources", {"kind": "Secret", "namespace": "team-web"})
    (outcome,) = await run(sandbox, kubeconfig, (call,), [role_text("read")], read_only=True)
    assert outcome.is_error and outcome.forbidden
    assert "secrets" in outcome.text and "list" in outcome.text


# --- minimal: every rule is needed -------------------------------------------------------------


async def assert_rule_is_needed(sandbox: Sandbox, kubeconfig: Path, role: str, index: int,
                                baseline: list[Outcome], read_only: bool) -> None:
    rule = role_rules(role)[index]
    candidates = [o.call for o in baseline if uses(o, rule)]
    assert candidates, f"no call of the suite uses rule {index} of fluxcd-mcp-{role}: {rule}"
    reduced = without_rule(role, index)
    for call in candidates:
        (outcome,) = await run(sandbox, kubeconfig, (call,), [reduced], read_only=read_only)
        if outcome.forbidden:
            return
    pytest.fail(f"removing rule {index} of fluxcd-mcp-{role} ({rule}) broke none of {candidates}")


@pytest.mark.parametrize("index", range(len(role_rules("read"))))
async def test_every_rule_of_the_read_role_is_needed(
    sandbox: Sandbox, kubeconfig: Path, read_profile: list[Outcome], index: int
) -> None:
    await assert_rule_is_needed(sandbox, kubeconfig, "read", index, read_profile, read_only=True)


# The operate role starts with the read role's rules (test_kubernetes_manifests checks it), whose
# necessity the test above proves; here only the patch rules it adds.
@pytest.mark.parametrize("index", range(len(role_rules("read")), len(role_rules("operate"))))
async def test_every_patch_rule_of_the_operate_role_is_needed(
    sandbox: Sandbox, kubeconfig: Path, operate_profile: list[Outcome], index: int
) -> None:
    await assert_rule_is_needed(sandbox, kubeconfig, "operate", index, operate_profile, read_only=False)
