"""patch_kubernetes_resource: merge, JSON and strategic patches, guarded against fighting Flux."""

from __future__ import annotations

from pathlib import Path

import pytest

from flux_mcp.sandbox import Sandbox
from tests.harness import ToolSession
from tests.tools.scenarios import annotations_of, config_map, is_dry_run, live


async def test_patch_of_a_helm_managed_deployment_is_refused_then_done_with_overwrite(
    session: ToolSession, sandbox: Sandbox,
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


async def test_patch_dry_run_and_json_patch(session: ToolSession, sandbox: Sandbox) -> None:
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


async def test_patch_shapes_are_checked_before_the_cluster_is_asked(session: ToolSession) -> None:
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


async def test_a_refused_patch_of_a_secret_does_not_quote_its_data_back(
    sandbox: Sandbox, sandbox_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kube-apiserver refuses a patch that does not decode by quoting the whole patched object, a Secret's
    data included: the error names the field, never the data. Without the two filters the canary shows."""
    import base64

    from flux_mcp.kube import failures
    from flux_mcp.sandbox.canaries import corpus
    from tests.harness import ask, server_on

    [canary] = [c for c in corpus() if c.kind == "Secret" and c.name == "vault-credentials"]
    forms = (canary.secret, base64.b64encode(canary.planted.encode()).decode())
    arguments = {"kind": "Secret", "name": canary.name, "namespace": canary.namespace, "dry_run": True,
                 "patch": '{"metadata": {"labels": {"tier": 3}}}'}
    refused = await ask(server_on(sandbox_kubeconfig), "patch_kubernetes_resource", **arguments)
    assert refused.is_error
    assert ("the patched object does not fit its type: json: cannot unmarshal number into Go struct field "
            "ObjectMeta.metadata.labels of type string") in refused.text, refused.text
    assert not [form for form in forms if form in refused.text]

    monkeypatch.setattr(failures, "without_echoed_objects", lambda message: message)
    monkeypatch.setattr(failures, "without_secret_values", lambda message: message)
    unfiltered = await ask(server_on(sandbox_kubeconfig), "patch_kubernetes_resource", **arguments)
    assert [form for form in forms if form in unfiltered.text], "the filter is what keeps the Secret's data out"


async def test_a_json_patch_may_not_read_a_masked_secrets_values(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    """copy/move from a Secret's data would put a value where an error or a listing quotes it; a test op
    answers whether a guess is right. With values masked they are refused before anything is sent."""
    from tests.harness import ask, server_on

    for patch in ('[{"op": "copy", "from": "/data/password", "path": "/metadata/labels/x"}]',
                  '[{"op": "move", "from": "/data", "path": "/metadata/annotations"}]',
                  '[{"op": "test", "path": "/data/password", "value": "Z3Vlc3M="}]'):
        sandbox.clear_requests()
        answer = await ask(server_on(sandbox_kubeconfig), "patch_kubernetes_resource", kind="Secret",
                           name="vault-credentials", namespace="team-vault", type="json", dry_run=True, patch=patch)
        assert answer.is_error and "reads a Secret's values, which are masked" in answer.text, answer.text
        assert not [r for r in sandbox.requests if r.method == "PATCH"]
    allowed = await ask(server_on(sandbox_kubeconfig), "patch_kubernetes_resource", kind="Secret",
                        name="vault-credentials", namespace="team-vault", type="json", dry_run=True,
                        patch='[{"op": "add", "path": "/data/extra", "value": "eA=="}]')
    assert not allowed.is_error, allowed.text


async def test_a_failed_json_patch_operation_says_what_can_fail(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    """kube-apiserver answers a failed JSON-patch operation with 'an error in our request' and no more."""
    from tests.harness import ask, server_on

    answer = await ask(server_on(sandbox_kubeconfig), "patch_kubernetes_resource", kind="Namespace",
                       name="team-web", type="json", dry_run=True,
                       patch='[{"op": "test", "path": "/metadata/name", "value": "another-name"}]')
    assert answer.is_error and "one of its operations could not be applied" in answer.text, answer.text
    assert "a `test` whose value did not match" in answer.text
