"""Pod logs, metrics and events as the tools read them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx2
import pytest

from flux_mcp.sandbox import CANARIES, Sandbox, SandboxOptions


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def crashing_pod(api: httpx2.Client) -> str:
    pods = api.get("/api/v1/namespaces/team-api/pods", params={"labelSelector": "app=api-server"}).json()
    return str(pods["items"][0]["metadata"]["name"])


def test_the_crashing_pod_reports_crash_loop_back_off(api: httpx2.Client) -> None:
    pod = api.get(f"/api/v1/namespaces/team-api/pods/{crashing_pod(api)}").json()
    status = pod["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["restartCount"] > 0 and status["lastState"]["terminated"]["exitCode"] == 1


def test_pod_logs_honour_tail_timestamps_and_previous(api: httpx2.Client) -> None:
    path = f"/api/v1/namespaces/team-api/pods/{crashing_pod(api)}/log"
    full = api.get(path)
    assert full.headers["content-type"].startswith("text/plain")
    assert "panic: failed to connect to database" in full.text
    assert any(canary in full.text for canary in CANARIES)
    tail = api.get(path, params={"tailLines": "2", "container": "api"}).text.splitlines()
    assert len(tail) == 3  # the last entry spans two lines (a Go stack frame)
    stamped = api.get(path, params={"tailLines": "1", "timestamps": "true"}).text
    assert stamped[:4].isdigit() and "T" in stamped.split(" ", 1)[0]
    previous = api.get(path, params={"previous": "true"})
    assert previous.status_code == 200 and "panic" in previous.text


def test_since_seconds_drops_older_lines(api: httpx2.Client) -> None:
    path = f"/api/v1/namespaces/team-api/pods/{crashing_pod(api)}/log"
    assert api.get(path, params={"sinceSeconds": "1"}).text == ""
    assert "panic" in api.get(path, params={"sinceSeconds": "600"}).text


def test_log_errors_name_the_container_and_previous_instance(api: httpx2.Client) -> None:
    pod = crashing_pod(api)
    wrong = api.get(f"/api/v1/namespaces/team-api/pods/{pod}/log", params={"container": "sidecar"})
    assert wrong.status_code == 400 and "not valid" in wrong.json()["message"]
    healthy = api.get("/api/v1/namespaces/podinfo/pods", params={"labelSelector": "app=podinfo"}).json()
    name = healthy["items"][0]["metadata"]["name"]
    no_previous = api.get(f"/api/v1/namespaces/podinfo/pods/{name}/log", params={"previous": "true"})
    assert no_previous.status_code == 400
    assert "previous terminated container" in no_previous.json()["message"]


def test_controller_logs_are_json_lines_about_the_failing_objects(sandbox: Sandbox, api: httpx2.Client) -> None:
    pod = sandbox.controller_pods["source-controller"]
    lines = api.get(f"/api/v1/namespaces/flux-system/pods/{pod}/log").text.splitlines()
    records = [json.loads(line) for line in lines]
    errors = [r for r in records if r["level"] == "error" and r.get("name") == "billing"]
    assert errors and errors[-1]["controllerKind"] == "GitRepository"
    assert errors[-1]["namespace"] == "team-billing" and errors[-1]["reconcileID"]
    assert "authentication required" in errors[-1]["error"]


def test_pod_metrics_report_container_usage(api: httpx2.Client) -> None:
    listing = api.get("/apis/metrics.k8s.io/v1beta1/namespaces/flux-system/pods").json()
    assert listing["kind"] == "PodMetricsList" and len(listing["items"]) >= 6
    one = listing["items"][0]
    usage = one["containers"][0]["usage"]
    assert usage["cpu"].endswith("m") and usage["memory"].endswith("Mi")
    single = api.get(f"/apis/metrics.k8s.io/v1beta1/namespaces/flux-system/pods/{one['metadata']['name']}")
    assert single.json()["kind"] == "PodMetrics"
    assert api.get("/apis/metrics.k8s.io/v1beta1/namespaces/flux-system/pods/nope").status_code == 404


def test_without_metrics_server_the_group_is_absent() -> None:
    with Sandbox(SandboxOptions(metrics=False, simulate_controllers=False)) as sb, \
            httpx2.Client(base_url=sb.url) as api:
        groups = {g["name"] for g in api.get("/apis").json()["groups"]}
        assert "metrics.k8s.io" not in groups
        assert api.get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").status_code == 404


def test_events_of_flux_objects_have_the_full_shape(api: httpx2.Client) -> None:
    events = api.get("/api/v1/namespaces/team-web/events",
                     params={"fieldSelector": "involvedObject.kind=HelmRelease,reason=UpgradeFailed"}).json()
    event = events["items"][0]
    assert set(event["involvedObject"]) >= {"kind", "name", "namespace", "apiVersion", "uid"}
    assert event["type"] == "Warning" and event["count"] >= 1
    assert event["firstTimestamp"] <= event["lastTimestamp"]
    assert event["source"]["component"] == event["reportingComponent"] == "helm-controller"
    assert "reportingController" not in event  # an events.k8s.io/v1 field, unknown to core/v1
    release = api.get("/apis/helm.toolkit.fluxcd.io/v2/namespaces/team-web/helmreleases/frontend").json()
    assert event["involvedObject"]["uid"] == release["metadata"]["uid"]
    by_uid = api.get("/api/v1/events", params={"fieldSelector": f"involvedObject.uid={release['metadata']['uid']}"})
    assert len(by_uid.json()["items"]) == 2
