"""Write tools against the sandbox and its controller simulator, through an in-process MCP client.

The sandbox is shared by the tests of this module, so each scenario either uses objects no other
scenario here touches or leaves them as it found them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import CallToolResult

from flux_mcp.flux.kinds import FORCE_AT, OPERATOR_RECONCILE, REQUESTED_AT, RESET_AT
from flux_mcp.sandbox import Sandbox
from flux_mcp.sandbox.fleet import CANARIES
from flux_mcp.server import FluxMCPServer, build_server
from flux_mcp.settings import Settings

WRITE_TOOLS = {
    "reconcile_flux_resource", "suspend_flux_reconciliation", "resume_flux_reconciliation",
    "apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource",
}
KS_GROUP = "kustomize.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"
OPERATOR_GROUP = "fluxcd.controlplane.io"


class Session:
    """One server on the sandbox; each call is made by an MCP client that records its progress notifications."""

    def __init__(self, server: FluxMCPServer, sandbox: Sandbox) -> None:
        self.server = server
        self.sandbox = sandbox
        self.progress: list[str] = []

    async def call(self, tool: str, **arguments: Any) -> CallToolResult:
        self.progress = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            self.progress.append(message or "")

        self.sandbox.clear_requests()
        # One client per call: the client's task group must be entered and left in the same task.
        async with Client(self.server) as client:
            return await client.call_tool(tool, arguments, progress_callback=on_progress)

    async def ok(self, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
        result = await self.call(tool, **arguments)
        assert not result.is_error, text_of(result)
        return text_of(result), result.structured_content or {}

    async def refused(self, tool: str, **arguments: Any) -> str:
        result = await self.call(tool, **arguments)
        assert result.is_error, text_of(result)
        return text_of(result)

    def writes(self) -> list[Any]:
        return [r for r in self.sandbox.requests if r.method in ("PATCH", "POST", "PUT", "DELETE")]

    def reads_of(self, path_tail: str) -> list[Any]:
        return [r for r in self.sandbox.requests if r.method == "GET" and r.path.endswith(path_tail)]


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def live(sandbox: Sandbox, group: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
    return sandbox.store.find_kind(group, kind, namespace, name)


def annotations_of(obj: dict[str, Any] | None) -> dict[str, str]:
    assert obj is not None
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def is_dry_run(record: Any) -> bool:
    return record.query.get("dryRun") == "All"


def config_map(name: str, namespace: str = "default", labels: dict[str, str] | None = None,
               data: dict[str, str] | None = None, finalizers: list[str] | None = None) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}", f"  namespace: {namespace}"]
    if labels:
        lines += ["  labels:", *(f"    {k}: {v}" for k, v in labels.items())]
    if finalizers:
        lines += ["  finalizers:", *(f"  - {f}" for f in finalizers)]
    lines += ["data:", *(f"  {k}: {v!r}" for k, v in (data or {"greeting": "hello"}).items())]
    return "\n".join(lines) + "\n"


@pytest.fixture
def session(sandbox: Sandbox, sandbox_kubeconfig: Path) -> Session:
    return Session(build_server(Settings(kubeconfig=str(sandbox_kubeconfig))), sandbox)


# --- reconcile --------------------------------------------------------------------------------------

async def test_reconcile_kustomization_with_source_patches_source_then_object_and_reports_ready(
    session: Session, sandbox: Sandbox,
) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="infra-controllers", namespace="flux-system",
        with_source=True,
    )
    patches = [r.path for r in session.writes()]
    assert len(patches) == 2
    assert patches[0].endswith("/namespaces/flux-system/gitrepositories/flux-system")
    assert patches[1].endswith("/namespaces/flux-system/kustomizations/infra-controllers")

    repo = live(sandbox, SOURCE_GROUP, "GitRepository", "flux-system", "flux-system")
    assert repo is not None
    fetched = repo["status"]["artifact"]["revision"]
    assert result["outcome"] == "ready"
    assert result["revision"] == fetched
    assert [s["kind"] for s in result["steps"]] == ["GitRepository", "Kustomization"]
    assert result["steps"][0]["revision"] == fetched
    assert "is Ready" in text and fetched in text

    assert any(m.startswith(f"GitRepository flux-system/flux-system fetched revision {fetched}")
               for m in session.progress)
    assert any(m.startswith("Kustomization flux-system/infra-controllers Ready") for m in session.progress)
    source_first = next(i for i, m in enumerate(session.progress) if m.startswith("GitRepository"))
    object_next = next(i for i, m in enumerate(session.progress) if m.startswith("Kustomization"))
    assert source_first < object_next

    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-controllers")
    assert ks is not None and ks["status"]["lastHandledReconcileAt"] == result["token"]
    assert annotations_of(ks)[REQUESTED_AT] == result["token"]


async def test_a_reconcile_the_controller_never_finishes_ends_at_the_timeout_as_picked_up_still_reconciling(
    session: Session, sandbox: Sandbox,
) -> None:
    sandbox.hang("Kustomization", "flux-system", "oci-apps")
    try:
        text, result = await session.ok(
            "reconcile_flux_resource", kind="Kustomization", name="oci-apps", namespace="flux-system", timeout=1,
        )
    finally:
        sandbox.hang("Kustomization", "flux-system", "oci-apps", hung=False)

    assert result["outcome"] == "still-reconciling"
    assert result["reason"] == "Reconciling", "the controller wrote Reconciling=True after the request"
    assert "still reconciling (timed out waiting)" in text
    assert "picked up by kustomize-controller, still reconciling after 1 s" in text
    assert result["polls"] > 1
    assert len(session.reads_of("/kustomizations/oci-apps")) == result["polls"] + 1  # the first read, then polls
    handled = (live(sandbox, KS_GROUP, "Kustomization", "flux-system", "oci-apps") or {})["status"]
    assert handled.get("lastHandledReconcileAt") != result["token"]


async def test_reconcile_of_the_git_auth_failure_stops_early_with_the_reason(session: Session) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="billing-infra", namespace="team-billing",
        with_source=True, timeout=300,
    )
    assert result["outcome"] == "failed"
    assert result["reason"] == "GitOperationFailed"
    assert "authentication required" in result["message"]
    assert result["message"].startswith("source GitRepository team-billing/billing")
    # Only the source was asked: a Kustomization reconciled on a failed source would fail the same way.
    assert [r.path.rsplit("/", 1)[-1] for r in session.writes()] == ["billing"]
    # Decided within a few reads of the source, nowhere near what 300 s of polling would take.
    assert result["polls"] <= 4
    assert len(session.reads_of("/gitrepositories/billing")) <= result["polls"] + 1
    assert not any(canary in text for canary in CANARIES)
    assert not any(canary in message for message in session.progress for canary in CANARIES)
    assert any(m.startswith("GitRepository team-billing/billing failed") for m in session.progress)


async def test_reconcile_of_a_failing_kustomization_alone_reports_its_own_failure(session: Session) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="ks", name="data-infra", namespace="team-data", timeout=300,
    )
    assert (result["outcome"], result["reason"]) == ("failed", "ReconciliationFailed")
    assert "spec.template.spec.containers[0].image" in result["message"]
    assert result["polls"] <= 4


async def test_helmrelease_force_and_reset_write_one_token_in_all_three_annotations(
    session: Session, sandbox: Sandbox,
) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="HelmRelease", name="podinfo", namespace="podinfo", force=True,
        reset=True,
    )
    annotations = annotations_of(live(sandbox, HELM_GROUP, "HelmRelease", "podinfo", "podinfo"))
    token = result["token"]
    assert annotations[REQUESTED_AT] == annotations[FORCE_AT] == annotations[RESET_AT] == token
    assert result["outcome"] == "ready"


async def test_helmrelease_with_source_reconciles_repository_then_generated_chart_then_release(
    session: Session,
) -> None:
    _, result = await session.ok(
        "reconcile_flux_resource", kind="hr", name="podinfo", namespace="podinfo", with_source=True,
    )
    assert [r.path.rsplit("/", 2)[-2:] for r in session.writes()] == [
        ["helmrepositories", "podinfo"], ["helmcharts", "podinfo-podinfo"], ["helmreleases", "podinfo"],
    ]
    assert [s["kind"] for s in result["steps"]] == ["HelmRepository", "HelmChart", "HelmRelease"]
    assert result["outcome"] == "ready"


async def test_a_write_conflict_on_the_request_is_retried_once(session: Session, sandbox: Sandbox) -> None:
    sandbox.inject_fault(method="PATCH", path=r"/kustomizations/infra-controllers$", status=409, times=1)
    _, result = await session.ok(
        "reconcile_flux_resource", kind="Kustomization", name="infra-controllers", namespace="flux-system",
    )
    assert [r.status for r in session.writes()] == [409, 200]
    assert result["outcome"] == "ready"


async def test_without_waiting_the_request_is_only_sent(session: Session) -> None:
    text, result = await session.ok(
        "reconcile_flux_resource", kind="GitRepository", name="flux-system", namespace="flux-system", wait=False,
    )
    assert result["outcome"] == "requested"
    assert result["polls"] == 0
    assert len(session.writes()) == 1
    assert "requested (not waiting)" in text


async def test_force_on_a_kustomization_is_refused_before_any_write(session: Session) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="apps", namespace="flux-system", force=True,
    )
    assert "force applies only to HelmRelease" in message
    assert session.writes() == []


async def test_a_suspended_kustomization_is_refused_with_the_way_out(session: Session) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="legacy", namespace="team-legacy",
    )
    assert "Kustomization team-legacy/legacy is suspended" in message
    assert "resume_flux_reconciliation" in message
    assert session.writes() == []


@pytest.mark.parametrize(("kind", "name"), [("Alert", "on-call"), ("Provider", "slack")])
async def test_static_notification_kinds_are_refused(session: Session, kind: str, name: str) -> None:
    message = await session.refused("reconcile_flux_resource", kind=kind, name=name, namespace="flux-system")
    assert f"{kind} flux-system/{name} cannot be reconciled" in message
    assert "static" in message
    assert session.writes() == []


async def test_a_missing_source_is_named_when_reconciling_with_source(session: Session) -> None:
    message = await session.refused(
        "reconcile_flux_resource", kind="Kustomization", name="search", namespace="team-search", with_source=True,
    )
    assert "GitRepository team-search/search-repo, does not exist" in message
    assert session.writes() == []


async def test_a_plain_kubernetes_kind_is_not_reconcilable(session: Session) -> None:
    message = await session.refused("reconcile_flux_resource", kind="ConfigMap", name="welcome", namespace="default")
    assert "not a Flux kind" in message


# --- suspend / resume -------------------------------------------------------------------------------

async def test_suspend_then_resume_a_kustomization(session: Session, sandbox: Sandbox) -> None:
    text, suspended = await session.ok(
        "suspend_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-configs")
    assert ks is not None and ks["spec"]["suspend"] is True
    assert suspended["changed"] is True and "resume_flux_reconciliation" in text

    _, again = await session.ok(
        "suspend_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    assert again["changed"] is False
    assert session.writes() == []

    text, resumed = await session.ok(
        "resume_flux_reconciliation", kind="Kustomization", name="infra-configs", namespace="flux-system",
    )
    ks = live(sandbox, KS_GROUP, "Kustomization", "flux-system", "infra-configs")
    assert ks is not None and not ks["spec"].get("suspend")
    assert len(session.writes()) == 1
    assert resumed["outcome"] == "ready"
    assert ks["status"]["lastHandledReconcileAt"] == resumed["token"] == annotations_of(ks)[REQUESTED_AT]
    assert "resumed" in text


async def test_suspend_and_resume_a_resourceset_through_the_operator_annotation(
    session: Session, sandbox: Sandbox,
) -> None:
    await session.ok("suspend_flux_reconciliation", kind="ResourceSet", name="tenants", namespace="flux-system")
    assert annotations_of(live(sandbox, OPERATOR_GROUP, "ResourceSet", "flux-system", "tenants"))[
        OPERATOR_RECONCILE] == "disabled"

    refusal = await session.refused(
        "reconcile_flux_resource", kind="ResourceSet", name="tenants", namespace="flux-system",
    )
    assert "suspended" in refusal

    _, resumed = await session.ok(
        "resume_flux_reconciliation", kind="ResourceSet", name="tenants", namespace="flux-system", wait=False,
    )
    annotations = annotations_of(live(sandbox, OPERATOR_GROUP, "ResourceSet", "flux-system", "tenants"))
    assert annotations[OPERATOR_RECONCILE] == "enabled"
    assert annotations[REQUESTED_AT] == resumed["token"]


# --- apply ------------------------------------------------------------------------------------------

async def test_apply_creates_then_leaves_an_unmanaged_object_unchanged(session: Session, sandbox: Sandbox) -> None:
    manifest = config_map("mcp-apply-demo")
    _, result = await session.ok("apply_kubernetes_manifest", yaml_content=manifest)
    assert result["objects"] == [{"kind": "ConfigMap", "name": "mcp-apply-demo", "namespace": "default",
                                  "api_version": "v1", "action": "created", "managed_by": ""}]
    [write] = session.writes()
    assert write.method == "PATCH" and write.query.get("fieldManager") == "fluxcd-mcp"
    created = live(sandbox, "", "ConfigMap", "default", "mcp-apply-demo")
    assert created is not None and created["data"] == {"greeting": "hello"}

    _, again = await session.ok("apply_kubernetes_manifest", yaml_content=manifest)
    assert again["objects"][0]["action"] in ("unchanged", "configured")


async def test_apply_orders_namespaces_first_and_defaults_the_namespace(session: Session, sandbox: Sandbox) -> None:
    manifest = (
        config_map("in-new-namespace", namespace="mcp-apply-ns")
        + "---\n"
        + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mcp-apply-ns\n"
        + "---\n"
        + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: no-namespace-given\ndata: {}\n"
    )
    _, result = await session.ok("apply_kubernetes_manifest", yaml_content=manifest)
    assert [(o["kind"], o["namespace"]) for o in result["objects"]] == [
        ("Namespace", ""), ("ConfigMap", "mcp-apply-ns"), ("ConfigMap", "flux-system"),
    ]
    assert session.writes()[0].path.endswith("/namespaces/mcp-apply-ns")
    assert live(sandbox, "", "ConfigMap", "flux-system", "no-namespace-given") is not None


async def test_apply_to_a_flux_managed_object_is_refused_then_done_with_overwrite(
    session: Session, sandbox: Sandbox,
) -> None:
    manifest = config_map("welcome", data={"message": "changed by hand"})
    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)
    assert "managed by Kustomization flux-system/oci-apps" in message
    assert "Flux will revert this change on its next reconcile" in message
    assert "overwrite=true" in message and "Nothing was applied" in message
    assert session.writes() == []

    _, result = await session.ok("apply_kubernetes_manifest", yaml_content=manifest, overwrite=True)
    assert result["objects"][0]["managed_by"] == "Kustomization flux-system/oci-apps"
    welcome = live(sandbox, "", "ConfigMap", "default", "welcome")
    assert welcome is not None and welcome["data"]["message"] == "changed by hand"


async def test_apply_refuses_a_manifest_that_carries_flux_labels(session: Session) -> None:
    labels = {"helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "podinfo"}
    message = await session.refused(
        "apply_kubernetes_manifest", yaml_content=config_map("looks-managed", labels=labels),
    )
    assert "managed by HelmRelease podinfo/podinfo" in message


async def test_apply_dry_run_sends_dry_run_all_and_changes_nothing(session: Session, sandbox: Sandbox) -> None:
    text, result = await session.ok(
        "apply_kubernetes_manifest", yaml_content=config_map("mcp-dry-run-only"), dry_run=True,
    )
    assert result["objects"][0]["action"] == "would be created"
    assert session.writes() and all(is_dry_run(r) for r in session.writes())
    assert live(sandbox, "", "ConfigMap", "default", "mcp-dry-run-only") is None
    assert "nothing was changed" in text


WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


async def test_dry_run_of_a_crd_with_its_custom_resource_validates_the_crd_and_says_why_not_the_rest(
    session: Session,
) -> None:
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n"
    _, result = await session.ok(
        "apply_kubernetes_manifest", yaml_content=widget + "---\n" + WIDGET_CRD, dry_run=True,
    )
    assert [(o["kind"], o["action"]) for o in result["objects"]] == [
        ("CustomResourceDefinition", "would be created"),
        ("Widget", "not validated: its CRD is created by this manifest"),
    ]
    assert [r.path.rsplit("/", 1)[-1] for r in session.writes()] == ["widgets.example.com"]
    assert all(is_dry_run(r) for r in session.writes())


async def test_bad_yaml_names_the_document_and_the_line(session: Session) -> None:
    manifest = config_map("fine") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"
    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)
    # Document 2 opens a flow sequence on line 12 that the stream ends (line 13) without closing.
    assert "yaml_content document 2: invalid YAML at line 13" in message
    assert "started at line 12" in message
    assert session.writes() == []


async def test_a_document_without_kind_is_refused_with_its_position(session: Session) -> None:
    manifest = config_map("fine") + "---\napiVersion: v1\nmetadata:\n  name: nameless-kind\n"
    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)
    assert "document 2" in message and "missing kind" in message


# --- patch ------------------------------------------------------------------------------------------

async def test_patch_of_a_helm_managed_deployment_is_refused_then_done_with_overwrite(
    session: Session, sandbox: Sandbox,
) -> None:
    patch = '{"metadata": {"annotations": {"example.com/touched": "yes"}}}'
    message = await session.refused(
        "patch_kubernetes_resource", kind="Deployment", name="podinfo", namespace="podinfo", patch=patch,
    )
    assert "Refusing to patch Deployment podinfo/podinfo: it is managed by HelmRelease podinfo/podinfo" in message
    assert session.writes() == []

    _, result = await session.ok(
        "patch_kubernetes_resource", kind="Deployment", name="podinfo", namespace="podinfo", patch=patch,
        overwrite=True,
    )
    assert result["changed"] is True and result["managed_by"] == "HelmRelease podinfo/podinfo"
    assert annotations_of(live(sandbox, "apps", "Deployment", "podinfo", "podinfo"))["example.com/touched"] == "yes"


async def test_patch_dry_run_and_json_patch(session: Session, sandbox: Sandbox) -> None:
    await session.ok("apply_kubernetes_manifest", yaml_content=config_map("mcp-patch-demo"))
    _, dry = await session.ok(
        "patch_kubernetes_resource", kind="ConfigMap", name="mcp-patch-demo", namespace="default",
        patch="data:\n  greeting: bonjour\n", dry_run=True,
    )
    assert dry["dry_run"] is True and dry["changed"] is False
    assert session.writes() and all(is_dry_run(r) for r in session.writes())
    unchanged = live(sandbox, "", "ConfigMap", "default", "mcp-patch-demo")
    assert unchanged is not None and unchanged["data"]["greeting"] == "hello"

    _, done = await session.ok(
        "patch_kubernetes_resource", kind="cm", name="mcp-patch-demo", namespace="default", type="json",
        patch='[{"op": "replace", "path": "/data/greeting", "value": "hola"}]',
    )
    assert done["changed"] is True
    patched = live(sandbox, "", "ConfigMap", "default", "mcp-patch-demo")
    assert patched is not None and patched["data"]["greeting"] == "hola"


async def test_patch_shapes_are_checked_before_the_cluster_is_asked(session: Session) -> None:
    message = await session.refused(
        "patch_kubernetes_resource", kind="ConfigMap", name="welcome", namespace="default", type="json",
        patch='{"data": {"x": "y"}}',
    )
    assert "must be a non-empty list of operations" in message
    message = await session.refused(
        "patch_kubernetes_resource", kind="Kustomization", name="apps", namespace="flux-system",
        type="strategic", patch='{"spec": {"prune": false}}', overwrite=True,
    )
    assert "strategic merge patches only for built-in kinds" in message
    assert session.writes() == []


# --- delete -----------------------------------------------------------------------------------------

async def test_delete_of_a_flux_managed_object_is_refused(session: Session, sandbox: Sandbox) -> None:
    message = await session.refused("delete_kubernetes_resource", kind="Service", name="podinfo", namespace="podinfo")
    assert "managed by HelmRelease podinfo/podinfo" in message
    assert "Flux will recreate it" in message
    assert session.writes() == []
    assert live(sandbox, "", "Service", "podinfo", "podinfo") is not None


async def test_delete_dry_run_then_delete(session: Session, sandbox: Sandbox) -> None:
    await session.ok("apply_kubernetes_manifest", yaml_content=config_map("mcp-delete-demo"))
    text, dry = await session.ok(
        "delete_kubernetes_resource", kind="ConfigMap", name="mcp-delete-demo", namespace="default", dry_run=True,
    )
    assert dry["deleted"] is False and "nothing was deleted" in text
    assert [r.method for r in session.writes()] == ["DELETE"] and is_dry_run(session.writes()[0])
    assert live(sandbox, "", "ConfigMap", "default", "mcp-delete-demo") is not None

    _, done = await session.ok("delete_kubernetes_resource", kind="ConfigMap", name="mcp-delete-demo",
                               namespace="default")
    assert done["deleted"] is True
    assert live(sandbox, "", "ConfigMap", "default", "mcp-delete-demo") is None


async def test_delete_reports_finalizers_that_hold_the_object(session: Session, sandbox: Sandbox) -> None:
    await session.ok(
        "apply_kubernetes_manifest",
        yaml_content=config_map("mcp-held", finalizers=["example.com/hold"]),
    )
    text, result = await session.ok("delete_kubernetes_resource", kind="ConfigMap", name="mcp-held",
                                    namespace="default")
    assert result["deleted"] is False
    assert result["pending_finalizers"] == ["example.com/hold"]
    assert "finalizers still pending: example.com/hold" in text
    held = live(sandbox, "", "ConfigMap", "default", "mcp-held")
    assert held is not None and held["metadata"].get("deletionTimestamp")


# --- read-only --------------------------------------------------------------------------------------

async def test_read_only_server_lists_no_write_tool(sandbox_kubeconfig: Path) -> None:
    server = build_server(Settings(kubeconfig=str(sandbox_kubeconfig), read_only=True))
    async with Client(server) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names, "the read-only server lists no tool at all"
    assert not names & WRITE_TOOLS


async def test_write_tools_say_what_they_do_in_their_annotations(sandbox_kubeconfig: Path) -> None:
    async with Client(build_server(Settings(kubeconfig=str(sandbox_kubeconfig)))) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= WRITE_TOOLS
    hints = {name: tools[name].annotations for name in WRITE_TOOLS}
    assert all(h is not None and h.read_only_hint is False for h in hints.values())
    destructive = {name for name, h in hints.items() if h is not None and h.destructive_hint}
    assert destructive == {"apply_kubernetes_manifest", "patch_kubernetes_resource", "delete_kubernetes_resource"}
