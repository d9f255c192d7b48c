"""apply_kubernetes_manifest: server-side apply of multi-document YAML, guarded against fighting Flux."""

from __future__ import annotations

from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession
from tests.tools.scenarios import config_map, is_dry_run, live

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


async def test_apply_creates_then_leaves_an_unmanaged_object_unchanged(session: ToolSession, sandbox: Sandbox) -> None:
    manifest = config_map("mcp-apply-demo")
    _, result = await session.ok("apply_kubernetes_manifest", yaml_content=manifest)
    assert result["objects"] == [{"kind": "ConfigMap", "name": "mcp-apply-demo", "namespace": "default",
                                  "api_version": "v1", "action": "created", "managed_by": "",
                                  "taken_over": []}]
    [write] = session.writes()
    assert write.method == "PATCH" and write.query.get("fieldManager") == "fluxcd-mcp"
    created = live(sandbox, "", "ConfigMap", "default", "mcp-apply-demo")
    assert created is not None and created["data"] == {"greeting": "hello"}

    _, again = await session.ok("apply_kubernetes_manifest", yaml_content=manifest)
    assert again["objects"][0]["action"] in ("unchanged", "configured")


async def test_apply_orders_namespaces_first_and_defaults_the_namespace(session: ToolSession, sandbox: Sandbox) -> None:
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
    session: ToolSession, sandbox: Sandbox,
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


async def test_apply_refuses_a_manifest_that_carries_flux_labels(session: ToolSession) -> None:
    labels = {"helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "podinfo"}
    message = await session.refused(
        "apply_kubernetes_manifest", yaml_content=config_map("looks-managed", labels=labels),
    )
    assert "managed by HelmRelease podinfo/podinfo" in message


async def test_apply_dry_run_sends_dry_run_all_and_changes_nothing(session: ToolSession, sandbox: Sandbox) -> None:
    text, result = await session.ok(
        "apply_kubernetes_manifest", yaml_content=config_map("mcp-dry-run-only"), dry_run=True,
    )
    assert result["objects"][0]["action"] == "would be created"
    assert session.writes() and all(is_dry_run(r) for r in session.writes())
    assert live(sandbox, "", "ConfigMap", "default", "mcp-dry-run-only") is None
    assert "nothing was changed" in text


async def test_dry_run_of_a_crd_with_its_custom_resource_validates_the_crd_and_says_why_not_the_rest(
    session: ToolSession,
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


async def test_bad_yaml_names_the_document_and_the_line(session: ToolSession) -> None:
    manifest = config_map("fine") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"
    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)
    # Document 2 opens a flow sequence on line 12 that the stream ends (line 13) without closing.
    assert "yaml_content document 2: invalid YAML at line 13" in message
    assert "started at line 12" in message
    assert session.writes() == []


async def test_a_document_without_kind_is_refused_with_its_position(session: ToolSession) -> None:
    manifest = config_map("fine") + "---\napiVersion: v1\nmetadata:\n  name: nameless-kind\n"
    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)
    assert "document 2" in message and "missing kind" in message


# --- a CRD and its custom resources in one manifest ---------------------------------------------------


# The sandbox does not serve kinds of CRDs created at run time, so here each custom resource answers
# a fault; tests/ops/test_manifest_apply.py shows the retries that end when the new kind is served.
def crd_with_one_object(kind: str, plural: str) -> tuple[str, str]:
    """A manifest defining kind (group example.com) and holding one object of it, and that object's API path."""
    crd = WIDGET_CRD.replace("widgets", plural).replace("Widget", kind).replace("widget", kind.lower())
    obj = f"apiVersion: example.com/v1\nkind: {kind}\nmetadata:\n  name: first\n  namespace: default\n"
    return obj + "---\n" + crd, f"/apis/example.com/v1/namespaces/default/{plural}/first"


def patches_to(sandbox: Sandbox, path: str) -> int:
    return sum(1 for r in sandbox.requests if r.method == "PATCH" and r.path == path)


async def test_a_forbidden_custom_resource_fails_at_once_while_its_crd_settles(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    manifest, path = crd_with_one_object("Gizmo", "gizmos")
    sandbox.inject_fault("PATCH", f"^{path}$", status=403)

    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)

    assert patches_to(sandbox, path) == 1
    assert "forbidden: the current identity may not patch gizmos (API group example.com)" in message
    assert "Already applied: CustomResourceDefinition gizmos.example.com" in message and "not attempted: none" \
        in message


async def test_an_invalid_custom_resource_fails_at_once_while_its_crd_settles(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    manifest, path = crd_with_one_object("Doohickey", "doohickeys")
    sandbox.inject_fault("PATCH", f"^{path}$", status=422,
                         body='{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 422, '
                              '"reason": "Invalid", "message": "spec.size: Invalid value: \\"huge\\""}')

    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)

    assert patches_to(sandbox, path) == 1
    assert "as invalid (HTTP 422)" in message and 'spec.size: Invalid value: "huge"' in message


async def test_a_field_conflict_midway_says_what_was_already_applied_and_what_was_not_attempted(
    session: ToolSession, sandbox: Sandbox,
) -> None:
    import httpx2

    # `kubectl apply --server-side` owns .data.greeting of the second object.
    response = httpx2.patch(
        f"{sandbox.url}/api/v1/namespaces/default/configmaps/mcp-apply-held",
        params={"fieldManager": "kubectl", "force": "true"}, timeout=10,
        content='{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mcp-apply-held", '
                '"namespace": "default"}, "data": {"greeting": "from-kubectl"}}',
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    assert response.status_code in (200, 201), response.text
    manifest = "---\n".join((config_map("mcp-apply-first", namespace="default"),
                             config_map("mcp-apply-held", namespace="default"),
                             config_map("mcp-apply-third", namespace="default")))

    message = await session.refused("apply_kubernetes_manifest", yaml_content=manifest)

    first_line = message.splitlines()[0]
    assert "ConfigMap default/mcp-apply-held" in first_line and "conflicts with fields" in first_line, message
    assert ("Already applied: ConfigMap default/mcp-apply-first; not attempted: ConfigMap default/mcp-apply-third "
            "(document 3") in first_line
    assert "- .data.greeting is owned by kubectl: pass overwrite=true" in message
    assert live(sandbox, "", "ConfigMap", "default", "mcp-apply-first") is not None
    assert live(sandbox, "", "ConfigMap", "default", "mcp-apply-third") is None
    held = live(sandbox, "", "ConfigMap", "default", "mcp-apply-held")
    assert held is not None and held["data"]["greeting"] == "from-kubectl"
