"""The sandbox validates writes like kube-apiserver: CRD schemas and CEL rules for Flux kinds, the
built-in kinds' rules for the fields we write, unknown fields per fieldValidation, dry runs included,
with the real server's status codes and Status bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client

from flux_mcp.sandbox import Sandbox
from flux_mcp.server import build_server
from flux_mcp.settings import Settings

KS = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/default/kustomizations"
IMG = "/apis/image.toolkit.fluxcd.io/v1/namespaces/default/imagepolicies"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url) as client:
        yield client


def kustomization(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"interval": "10m", "prune": True, "path": "./apps",
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"},
                     **spec}}


def deployment(name: str, template_labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": template_labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def test_a_dry_run_with_a_bad_interval_is_422_like_the_real_server(api: httpx2.Client, sandbox: Sandbox) -> None:
    answer = api.post(KS, json=kustomization("banana", interval="banana"), params={"dryRun": "All"})
    assert answer.status_code == 422
    status = answer.json()
    assert (status["kind"], status["status"], status["reason"], status["code"]) == ("Status", "Failure", "Invalid", 422)
    assert status["message"] == (
        'Kustomization.kustomize.toolkit.fluxcd.io "banana" is invalid: spec.interval: Invalid value: "banana": '
        "spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'")
    assert status["details"] == {
        "name": "banana", "group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization",
        "causes": [{"reason": "FieldValueInvalid", "field": "spec.interval",
                    "message": "Invalid value: \"banana\": spec.interval in body should match "
                               "'^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'"}]}
    assert sandbox.store.find_kind("kustomize.toolkit.fluxcd.io", "Kustomization", "default", "banana") is None


def test_every_error_is_reported_and_cel_rules_wait_for_a_valid_schema(api: httpx2.Client) -> None:
    bad = kustomization("many", interval="soon", prune="yes", kubeConfig={"secretRef": {"name": "a"},
                                                                         "configMapRef": {"name": "b"}})
    bad["spec"]["sourceRef"]["kind"] = "Helm"
    status = api.post(KS, json=bad).json()
    causes = [(c["reason"], c["field"]) for c in status["details"]["causes"]]
    assert causes == [("FieldValueInvalid", "spec.interval"), ("FieldValueTypeInvalid", "spec.prune"),
                      ("FieldValueNotSupported", "spec.sourceRef.kind"), ("FieldValueInvalid", "<nil>")]
    assert status["message"].startswith('Kustomization.kustomize.toolkit.fluxcd.io "many" is invalid: [spec.interval:')
    assert "some validation rules were not checked because the object was invalid" in status["message"]
    assert 'spec.sourceRef.kind: Unsupported value: "Helm": supported values: "OCIRepository", "GitRepository"' \
        in status["message"]

    only_cel = api.post(KS, json=kustomization("cel", kubeConfig={"secretRef": {"name": "a"},
                                                                   "configMapRef": {"name": "b"}})).json()
    assert only_cel["message"] == (
        'Kustomization.kustomize.toolkit.fluxcd.io "cel" is invalid: spec.kubeConfig: Invalid value: "object": '
        "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified")


def test_unknown_fields_follow_field_validation(api: httpx2.Client) -> None:
    strict = api.post(KS, json=kustomization("strict", pruning=True), params={"fieldValidation": "Strict"})
    assert strict.status_code == 400 and strict.json()["reason"] == "BadRequest"
    assert strict.json()["message"] == ('Kustomization in version "v1" cannot be handled as a Kustomization: '
                                        'strict decoding error: unknown field "spec.pruning"')

    warned = api.post(KS, json=kustomization("warned", pruning=True))  # Warn is the server's default
    assert warned.status_code == 201
    assert warned.headers.get_list("warning") == ['299 - "unknown field \\"spec.pruning\\""']
    assert "pruning" not in warned.json()["spec"]

    ignored = api.post(KS, json=kustomization("ignored", pruning=True), params={"fieldValidation": "Ignore"})
    assert ignored.status_code == 201 and "warning" not in ignored.headers
    assert "pruning" not in ignored.json()["spec"]
    assert api.post(KS, json=kustomization("x"), params={"fieldValidation": "Sometimes"}).status_code == 400


def test_created_objects_get_the_crd_defaults(api: httpx2.Client, sandbox: Sandbox) -> None:
    body = kustomization("defaulted")
    body["status"] = {"lastAppliedRevision": "main@sha1:0000"}  # a create cannot set the status
    created = api.post(KS, json=body, params={"dryRun": "All"}).json()
    assert created["spec"]["force"] is False
    assert created["status"] == {"observedGeneration": -1}
    served = sandbox.store.find_kind("kustomize.toolkit.fluxcd.io", "Kustomization", "flux-system", "flux-system")
    assert served is not None and served["spec"]["force"] is False  # the fleet shows them too, as on reads


def test_patches_are_validated_and_change_nothing_when_refused(api: httpx2.Client) -> None:
    api.post(KS, json=kustomization("patched"))
    refused = api.patch(f"{KS}/patched", json={"spec": {"timeout": "ten minutes"}}, headers=MERGE)
    assert refused.status_code == 422
    assert refused.json()["details"]["causes"][0]["field"] == "spec.timeout"
    assert "timeout" not in api.get(f"{KS}/patched").json()["spec"]
    dry = api.patch(f"{KS}/patched", json={"spec": {"sourceRef": None}}, headers=MERGE, params={"dryRun": "All"})
    assert dry.status_code == 422 and dry.json()["details"]["causes"][0]["reason"] == "FieldValueRequired"


def test_cel_rules_of_the_real_crds_apply(api: httpx2.Client) -> None:
    policy = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
              "metadata": {"name": "app", "namespace": "default"},
              "spec": {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}},
                       "interval": "5m"}}
    refused = api.post(IMG, json=policy)
    assert refused.status_code == 422
    assert refused.json()["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec",
        "message": "Invalid value: \"object\": spec.interval is only accepted when spec.digestReflectionPolicy "
                   "is set to 'Always'"}]
    policy["spec"]["digestReflectionPolicy"] = "Always"
    assert api.post(IMG, json=policy).status_code == 201


def test_a_transition_rule_sees_the_old_object(api: httpx2.Client) -> None:
    path = "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances/flux"
    assert "name" not in api.get(path).json()["spec"]["sync"]
    named = api.patch(path, json={"spec": {"sync": {"name": "renamed"}}}, headers=MERGE)
    assert named.status_code == 200  # no name before: setting one is no change of it
    again = api.patch(path, json={"spec": {"sync": {"name": "other"}}}, headers=MERGE, params={"dryRun": "All"})
    assert again.status_code == 422
    assert again.json()["details"]["causes"][0] == {
        "reason": "FieldValueInvalid", "field": "spec.sync.name",
        "message": 'Invalid value: "other": Sync name is immutable'}


def test_a_root_rule_sees_the_object_name(api: httpx2.Client) -> None:
    answer = api.post("/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances", json={
        "apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
        "metadata": {"name": "second", "namespace": "flux-system"},
        "spec": {"distribution": {"version": "2.x", "registry": "ghcr.io/fluxcd"}}})
    assert answer.status_code == 422
    assert answer.json()["message"] == ('FluxInstance.fluxcd.controlplane.io "second" is invalid: <nil>: Invalid '
                                        "value: \"object\": the only accepted name for a FluxInstance is 'flux'")


def test_built_in_kinds_are_checked_for_the_fields_we_write(api: httpx2.Client) -> None:
    mismatch = api.post(DEPLOY, json=deployment("web", {"app": "other"}), params={"dryRun": "All"})
    assert mismatch.status_code == 422
    assert mismatch.json()["message"] == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"other"}: `selector` does not match template `labels`')
    assert api.post(DEPLOY, json=deployment("web", {"app": "web"}), params={"dryRun": "All"}).status_code == 201

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Web_1", "namespace": "default"},
           "spec": {"containers": [{"name": "app"}]}}
    status = api.post("/api/v1/namespaces/default/pods", json=pod).json()
    assert status["message"].startswith('Pod "Web_1" is invalid: [metadata.name: Invalid value: "Web_1": '
                                        "a lowercase RFC 1123 subdomain")
    assert [c["field"] for c in status["details"]["causes"]] == ["metadata.name", "spec.containers[0].image"]
    assert "group" not in status["details"]

    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "default"},
             "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"}, "reason": "Started",
             "reportingController": "kubelet"}
    elsewhere = {**event, "involvedObject": {**event["involvedObject"], "namespace": "kube-system"}}
    moved = api.post("/api/v1/namespaces/default/events", json=elsewhere).json()
    assert moved["message"] == ('Event "e1" is invalid: involvedObject.namespace: Invalid value: "kube-system": '
                                "does not match event.namespace")
    strict = api.post("/api/v1/namespaces/default/events", json=event, params={"fieldValidation": "Strict"})
    assert strict.status_code == 400
    assert strict.json()["message"].endswith('strict decoding error: unknown field "reportingController"')
    label = api.post("/api/v1/namespaces/default/configmaps", json={
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"team": "a b"}}})
    assert label.status_code == 422 and label.json()["details"]["causes"][0]["field"] == "metadata.labels"


async def test_apply_dry_run_through_the_tool_reports_the_servers_refusal(sandbox_kubeconfig: Path) -> None:
    manifest = ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                "metadata:\n  name: banana\n  namespace: default\n"
                "spec:\n  interval: banana\n  prune: true\n  sourceRef:\n    kind: GitRepository\n"
                "    name: flux-system\n")
    async with Client(build_server(Settings(kubeconfig=str(sandbox_kubeconfig)))) as client:
        result = await client.call_tool("apply_kubernetes_manifest", {"yaml_content": manifest, "dry_run": True})
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error, text
    assert "spec.interval" in text and "banana" in text
    assert "would be created" not in text


def test_rule_errors_at_run_time_and_the_kubernetes_string_library(api: httpx2.Client) -> None:
    path = "/apis/fluxcd.controlplane.io/v1/namespaces/default/resourcesetinputproviders"

    def provider(name: str, **spec: Any) -> dict[str, Any]:
        return {"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
                "metadata": {"name": name, "namespace": "default"}, "spec": spec}

    no_url = api.post(path, json=provider("branches", type="GitHubBranch")).json()
    details = [c["message"] for c in no_url["details"]["causes"]]
    assert 'Invalid value: "object": spec.url must not be empty when spec.type is not \'Static\' or ' \
           "'ExternalArtifact'" in details
    assert "Invalid value: \"object\": no such key: url evaluating rule: !self.type.startsWith('Git') || " \
           "self.url.startsWith('http')" in details

    no_path = api.post(path, json=provider("tags", type="OCIArtifactTag", url="oci://ghcr.io")).json()
    assert [c["message"] for c in no_path["details"]["causes"]] == [
        'Invalid value: "object": spec.url must include the repository path after the registry host when '
        "spec.type is an OCI provider"]
    assert api.post(path, json=provider("tags", type="OCIArtifactTag", url="oci://ghcr.io/acme/app"),
                    params={"dryRun": "All"}).status_code == 201
