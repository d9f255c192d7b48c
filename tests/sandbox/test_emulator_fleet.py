"""The scenario fleet stays realistic: valid against the real Flux CRD schemas, with its canaries."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml

from flux_mcp.sandbox import CANARIES, Sandbox, SandboxOptions
from flux_mcp.sandbox.fleet import build_fleet

CRD_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "crds" / "flux"


def strict(schema: Any) -> Any:
    """A Kubernetes structural schema as plain JSON schema, rejecting fields the CRD does not know
    (the API server would prune them silently; a fixture with an invented field is a bug)."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if ("properties" in out and "additionalProperties" not in out
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_validators() -> dict[tuple[str, str], jsonschema.Draft7Validator]:
    if not CRD_DIR.is_dir():
        pytest.skip("../shared/reference/crds/flux is not available")
    validators: dict[tuple[str, str], jsonschema.Draft7Validator] = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = strict(version["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = {"type": "object"}
            validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return validators


def flux_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if "fluxcd" in o["apiVersion"]]


@pytest.mark.parametrize("operator", [True, False], ids=["operator", "plain"])
def test_every_fleet_flux_object_matches_the_real_crd_schema(operator: bool) -> None:
    validators = crd_validators()
    objects = flux_objects(build_fleet(scale=20, operator=operator).objects)
    problems = []
    for obj in objects:
        validator = validators.get((obj["apiVersion"], obj["kind"]))
        assert validator is not None, f"no CRD for {obj['apiVersion']} {obj['kind']}"
        for error in validator.iter_errors(obj):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{obj['kind']} {obj['metadata'].get('namespace')}/{obj['metadata']['name']}: "
                            f"{where}: {error.message}")
    assert problems == []


def test_objects_written_by_the_simulator_stay_valid() -> None:
    validators = crd_validators()
    with Sandbox(SandboxOptions(operator=True)) as sb, httpx2.Client(base_url=sb.url) as api:
        for obj in flux_objects(list(sb.store.iter_objects(sb.catalog.by_kind("kustomize.toolkit.fluxcd.io",
                                                                                "Kustomization")))):  # type: ignore[arg-type]
            meta = obj["metadata"]
            path = f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{meta['namespace']}/kustomizations/{meta['name']}"
            api.patch(path, json={"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "now"}}},
                      headers={"Content-Type": "application/merge-patch+json"})
        for name in ("podinfo", "frontend"):
            ns = "podinfo" if name == "podinfo" else "team-web"
            api.patch(f"/apis/helm.toolkit.fluxcd.io/v2/namespaces/{ns}/helmreleases/{name}",
                      json={"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "now",
                                                         "reconcile.fluxcd.io/forceAt": "now"}}},
                      headers={"Content-Type": "application/merge-patch+json"})
        assert sb.wait_idle()
        reconciled = [o for t in sb.catalog.crd_types for o in sb.store.iter_objects(t)]
        problems = [f"{o['kind']} {o['metadata']['name']}: {e.message}"
                    for o in reconciled for e in validators[(o["apiVersion"], o["kind"])].iter_errors(o)]
    assert problems == []


def test_the_canaries_are_planted_where_tools_could_leak_them() -> None:
    with Sandbox(SandboxOptions(simulate_controllers=False)) as sb, httpx2.Client(base_url=sb.url) as api:
        secrets = "\n".join(base64.b64decode(value).decode() for item in api.get("/api/v1/secrets").json()["items"]
                            for value in (item.get("data") or {}).values())
        statuses = api.get("/apis/source.toolkit.fluxcd.io/v1/gitrepositories").text
        pod = api.get("/api/v1/namespaces/team-api/pods").json()["items"][0]["metadata"]["name"]
        logs = api.get(f"/api/v1/namespaces/team-api/pods/{pod}/log").text
    for canary in CANARIES:
        assert canary in secrets or canary in logs
    assert CANARIES[0] in statuses
    assert any(canary in logs for canary in CANARIES)


def test_scale_adds_tenants_with_a_realistic_failure_mix() -> None:
    fleet = build_fleet(scale=100)
    releases = [o for o in fleet.objects
                if o["kind"] == "HelmRelease" and o["metadata"]["namespace"].startswith("tenant-")]
    failing = [r for r in releases if r["status"]["conditions"][0]["status"] == "False"]
    assert len(releases) == 100 and len(failing) == 10
    assert {"tenant-0000", "tenant-0099"} <= {o["metadata"]["name"] for o in fleet.objects if o["kind"] == "Namespace"}


def test_a_large_fleet_pages_through_thousands_of_kustomizations() -> None:
    with Sandbox(SandboxOptions(scale=2000, simulate_controllers=False)) as sb, \
            httpx2.Client(base_url=sb.url, timeout=30) as api:
        assert sb.store.count() > 12_000
        seen = 0
        token = ""
        while True:
            body = api.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
                           params={"limit": "500", **({"continue": token} if token else {})}).json()
            seen += len(body["items"])
            token = body["metadata"].get("continue", "")
            if not token:
                break
    default = sum(1 for o in build_fleet().objects if o["kind"] == "Kustomization")
    assert seen == 2000 + default  # the tenants and the default fleet
