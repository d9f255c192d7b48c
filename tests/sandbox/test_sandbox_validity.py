"""The sandbox world is valid Kubernetes: a real API server (fieldValidation=Strict) would accept
every object it serves. Flux kinds are checked against the real Flux CRDs (../shared/reference,
schema and CEL rules), built-in kinds against the API server's validation of the fields we write.
Until the real-server copy test runs this is the proof; the last tests show the check can fail."""

from __future__ import annotations

import copy
from typing import Any

import httpx2
import pytest

from flux_mcp.sandbox import Sandbox, SandboxOptions
from flux_mcp.sandbox.discovery import Catalog
from flux_mcp.sandbox.fleet import build_fleet
from tests.sandbox.reference_crds import reference_schemas, rejections


@pytest.mark.parametrize("operator", [True, False], ids=["operator", "plain"])
def test_every_fleet_object_would_be_accepted_by_a_real_api_server(operator: bool) -> None:
    objects = build_fleet(scale=0, operator=operator).objects
    assert len(objects) > 90
    assert rejections(objects, Catalog(operator=operator)) == []


@pytest.mark.parametrize("scale", [0, 30])
def test_no_two_fleet_services_claim_the_same_cluster_ip(scale: int) -> None:
    """A real server refuses a Service whose clusterIP is allocated already."""
    ips = [o["spec"]["clusterIP"] for o in build_fleet(scale=scale).objects
           if o["kind"] == "Service" and o["spec"].get("clusterIP") not in (None, "None")]
    assert ips and len(ips) == len(set(ips))


def test_the_tenants_of_a_scaled_fleet_are_valid_too() -> None:
    objects = build_fleet(scale=30).objects
    tenants = [o for o in objects if o["metadata"].get("namespace", o["metadata"]["name"]).startswith("tenant-")]
    assert len(tenants) >= 30 * 3
    assert rejections(tenants) == []


def test_objects_written_by_the_simulator_stay_valid() -> None:
    """Reconciles rewrite status and emit events; what they store is still valid."""
    reference_schemas()
    with Sandbox(SandboxOptions(operator=True, reconcile_delay=0.01)) as sb, httpx2.Client(base_url=sb.url) as api:
        for rt in sb.catalog.crd_types:
            for obj in sb.store.iter_objects(rt):
                meta = obj["metadata"]
                path = (f"/apis/{rt.group}/{rt.version}/namespaces/{meta['namespace']}/{rt.plural}/{meta['name']}"
                        if rt.namespaced else f"/apis/{rt.group}/{rt.version}/{rt.plural}/{meta['name']}")
                answer = api.patch(path, json={"metadata": {"annotations": {
                    "reconcile.fluxcd.io/requestedAt": "2026-12-01T00:00:00Z",
                    "reconcile.fluxcd.io/forceAt": "2026-12-01T00:00:00Z"}}},
                    headers={"Content-Type": "application/merge-patch+json"},
                    params={"fieldValidation": "Strict"})
                assert answer.status_code == 200, answer.text
        assert sb.wait_idle()
        stored = [o for rt in sb.catalog.types if not rt.virtual for o in sb.store.iter_objects(rt)]
    assert sum(o["kind"] == "Event" for o in stored) > 11  # the reconciles added events
    assert rejections(stored) == []


# --- the check is real: it refuses what a real server refuses ---------------------------------


def _first(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(o for o in objects if o["kind"] == kind))


@pytest.fixture(scope="module")
def fleet_objects() -> list[dict[str, Any]]:
    return build_fleet(scale=0).objects


def test_a_replica_set_whose_template_lacks_the_selector_labels_is_refused(fleet_objects: list[dict[str, Any]]) -> None:
    rs = _first(fleet_objects, "ReplicaSet")
    del rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"]
    (problem,) = rejections([rs])
    assert "spec.template.metadata.labels: Invalid value: " in problem
    assert "`selector` does not match template `labels`" in problem


def test_an_event_with_an_events_k8s_io_field_is_refused(fleet_objects: list[dict[str, Any]]) -> None:
    event = _first(fleet_objects, "Event")
    event["reportingController"] = "kustomize-controller"
    (problem,) = rejections([event])
    assert problem.endswith('strict decoding error: unknown field "reportingController"')


def test_an_image_policy_with_an_interval_but_no_digest_reflection_is_refused(
        fleet_objects: list[dict[str, Any]]) -> None:
    policy = _first(fleet_objects, "ImagePolicy")
    policy["spec"]["interval"] = "10m"
    (problem,) = rejections([policy])
    assert problem.endswith("spec: Invalid value: \"object\": spec.interval is only accepted when "
                            "spec.digestReflectionPolicy is set to 'Always'")
    policy["spec"]["digestReflectionPolicy"] = "Always"
    assert rejections([policy]) == []


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["spec"].update(interval="banana"), "spec.interval in body should match"),
    (lambda o: o["spec"]["sourceRef"].update(kind="Helm"), 'spec.sourceRef.kind: Unsupported value: "Helm"'),
    (lambda o: o["spec"].pop("sourceRef"), "spec.sourceRef: Required value"),
    (lambda o: o["spec"].update(prune="yes"), "spec.prune in body must be of type boolean"),
    (lambda o: o["spec"].update(pruning=True), 'unknown field "spec.pruning"'),
    (lambda o: o["metadata"].update(name="Bad_Name"), "metadata.name: Invalid value: \"Bad_Name\""),
    (lambda o: o["spec"].update(kubeConfig={"secretRef": {"name": "a"}, "configMapRef": {"name": "b"}}),
     "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified"),
], ids=["pattern", "enum", "required", "type", "unknown", "name", "cel"])
def test_a_kustomization_is_checked_like_the_real_crd_checks_it(
        fleet_objects: list[dict[str, Any]], mutate: Any, expected: str) -> None:
    ks = _first(fleet_objects, "Kustomization")
    mutate(ks)
    (problem,) = rejections([ks])
    assert expected in problem
