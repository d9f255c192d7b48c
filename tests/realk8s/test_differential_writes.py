"""Writes answer the same on the sandbox and the real server: each write tool call is made on both
(same arguments, objects in a namespace of their own), and both the answers and the objects left
behind are compared after normalisation. Neither side runs a controller, so a reconcile request is
one nobody picks up on both."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from flux_mcp.sandbox.server import SANDBOX_TOKEN
from tests.realk8s.api import ApiClient
from tests.realk8s.differential import Difference, Known, call_label, compare, missing_from, normalise
from tests.realk8s.tools import Answer, Tools
from tests.realk8s.twins import Twins

NAMESPACE = "differential"
KNOWN_WRITES: list[Known] = []
"""Differences we know (see test_differential_reads.KNOWN); the sandbox bugs are for its owners."""


def _manifest(*objects: dict[str, Any]) -> str:
    return yaml.safe_dump_all(list(objects), sort_keys=False)


def _config_map(name: str, finalizers: list[str] | None = None, **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if finalizers:
        meta["finalizers"] = finalizers
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _deployment(name: str) -> dict[str, Any]:
    def labels() -> dict[str, str]:
        return {"app": name}

    containers = [
        {"name": "app", "image": "registry.example/app:1", "ports": [{"containerPort": 8080}],
         "env": [{"name": "MODE", "value": "blue"}]},
        {"name": "sidecar", "image": "registry.example/sidecar:1"},
    ]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels()},
                     "template": {"metadata": {"labels": labels()}, "spec": {"containers": containers}}}}


def _kept(obj: dict[str, Any]) -> dict[str, Any]:
    """What a write decides about an object: metadata it sets, and spec/data, not server bookkeeping."""
    meta = obj.get("metadata", {})
    kept_meta = {key: meta[key] for key in ("name", "namespace", "labels", "annotations", "finalizers") if key in meta}
    kept_meta["deleting"] = "deletionTimestamp" in meta
    return {"metadata": kept_meta, **{key: obj[key] for key in ("spec", "data") if key in obj}}


def _state(api: ApiClient, path: str) -> dict[str, Any] | None:
    response = api.get(path)
    return None if response.status == 404 else _kept(response.body)


WRITES: list[tuple[str, dict[str, Any], str]] = [
    ("apply_kubernetes_manifest",
     {"yaml_content": _manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})},
     f"/api/v1/namespaces/{NAMESPACE}"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest(_config_map("settings", mode="blue"))},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest(_config_map("settings", mode="green")),
                                   "dry_run": True}, f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest(_config_map("settings", mode="green"))},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "bad-interval", "namespace": NAMESPACE},
        "spec": {"interval": "banana", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "none"}}}),
        "dry_run": True}, f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{NAMESPACE}/kustomizations/bad-interval"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest(_deployment("web"))},
     f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web"),
    ("patch_kubernetes_resource", {"kind": "ConfigMap", "name": "settings", "namespace": NAMESPACE,
                                   "patch": '{"data": {"extra": "1"}}', "type": "merge"},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("patch_kubernetes_resource", {"kind": "ConfigMap", "name": "settings", "namespace": NAMESPACE,
                                   "patch": '[{"op": "remove", "path": "/data/extra"}]', "type": "json"},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("patch_kubernetes_resource", {"kind": "ConfigMap", "name": "settings", "namespace": NAMESPACE,
                                   "patch": '[{"op": "test", "path": "/data/mode", "value": "red"}]', "type": "json"},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("patch_kubernetes_resource", {"kind": "Deployment", "name": "web", "namespace": NAMESPACE, "type": "strategic",
                                   "patch": '{"spec": {"template": {"spec": {"containers": '
                                            '[{"name": "app", "image": "registry.example/app:2"}]}}}}'},
     f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web"),
    ("patch_kubernetes_resource", {"kind": "Deployment", "name": "web", "namespace": NAMESPACE, "dry_run": True,
                                   "patch": '{"spec": {"replicas": "three"}}'},
     f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web"),
    ("delete_kubernetes_resource", {"kind": "ConfigMap", "name": "settings", "namespace": NAMESPACE, "dry_run": True},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("delete_kubernetes_resource", {"kind": "ConfigMap", "name": "settings", "namespace": NAMESPACE},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/settings"),
    ("apply_kubernetes_manifest", {"yaml_content": _manifest(_config_map("held", ["example.com/hold"], a="1"))},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/held"),
    ("delete_kubernetes_resource", {"kind": "ConfigMap", "name": "held", "namespace": NAMESPACE},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/held"),
    ("delete_kubernetes_resource", {"kind": "ConfigMap", "name": "never-there", "namespace": NAMESPACE},
     f"/api/v1/namespaces/{NAMESPACE}/configmaps/never-there"),
]


def _flux_writes(twins: Twins) -> list[tuple[str, dict[str, Any], str]]:
    """Suspend, resume and a reconcile request on a copied Kustomization that is not suspended."""
    for ref in sorted(twins.report.status_written):
        kind, _, where = ref.partition(" ")
        if kind != "Kustomization":
            continue
        namespace, name = where.split("/", 1)
        path = f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{namespace}/kustomizations/{name}"
        if twins.cluster.api("admin").get(path).body.get("spec", {}).get("suspend"):
            continue
        ref_args = {"kind": "Kustomization", "name": name, "namespace": namespace}
        return [
            ("suspend_flux_reconciliation", ref_args, path),
            ("resume_flux_reconciliation", {**ref_args, "wait": False}, path),
            ("reconcile_flux_resource", {**ref_args, "timeout": 3}, path),
        ]
    raise AssertionError("no unsuspended Kustomization was copied")


async def _both(call: tuple[str, dict[str, Any], str], sandbox: Tools, real: Tools,
                sandbox_api: ApiClient, real_api: ApiClient) -> list[Difference]:
    tool, arguments, path = call
    label = call_label(tool, arguments)
    answers: list[Answer] = [await sandbox.call(tool, **arguments), await real.call(tool, **arguments)]
    found = []
    answer_difference = compare(label, *answers)
    if answer_difference is not None:
        found.append(answer_difference)
    left, right = _state(sandbox_api, path), _state(real_api, path)
    if (left is None) != (right is None):
        found.append(Difference(f"{label} -> object at {path}",
                                f"sandbox: {'absent' if left is None else 'present'}, "
                                f"real: {'absent' if right is None else 'present'}"))
    elif left is not None and right is not None:
        lines = missing_from(json.loads(normalise(json.dumps(left))), json.loads(normalise(json.dumps(right))))
        if lines:
            found.append(Difference(f"{label} -> object at {path}", "\n".join(lines)))
    return found


@pytest.fixture(scope="module")
def write_servers(twins: Twins, tmp_path_factory: pytest.TempPathFactory) -> tuple[Tools, Tools]:
    folder = tmp_path_factory.mktemp("differential-writes")
    return (Tools(twins.sandbox.write_kubeconfig(folder / "sandbox.kubeconfig")),
            Tools(twins.cluster.write_kubeconfig(folder / "real.kubeconfig", ["admin"])))


async def test_every_write_answers_and_leaves_the_same_object_on_the_sandbox_and_the_real_server(
        twins: Twins, write_servers: tuple[Tools, Tools]) -> None:
    sandbox, real = write_servers
    sandbox_api = ApiClient(twins.sandbox.url, None, SANDBOX_TOKEN)
    real_api = twins.cluster.api("admin")
    differences: list[Difference] = []
    calls = [*WRITES, *_flux_writes(twins)]
    for call in calls:
        differences += await _both(call, sandbox, real, sandbox_api, real_api)
    unexplained = [d for d in differences if not any(k.matches(d.call) for k in KNOWN_WRITES)]
    fixed = [k for k in KNOWN_WRITES if k.sandbox_bug and not any(k.matches(d.call) for d in differences)]
    assert not fixed, "no longer differs, remove from KNOWN_WRITES: " + "; ".join(k.pattern for k in fixed)
    assert not unexplained, (f"{len(unexplained)} of {len(calls)} write calls differ for no known reason:\n\n"
                             + "\n\n".join(d.summary() for d in unexplained))
