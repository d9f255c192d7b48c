"""The scenario fleet: plain data builders of a Flux cluster with one of each classic failure.

Names other code relies on (see also CANARIES):

flux-system   controllers (Deployments, ReplicaSets, Pods: source-controller, kustomize-controller,
              helm-controller, notification-controller, image-reflector-controller,
              image-automation-controller, + flux-operator with the operator), GitRepository
              `flux-system`, Kustomizations `flux-system`, `infra-controllers` → `infra-configs` →
              `apps` (dependsOn chain), OCIRepository `manifests` + Kustomization `oci-apps`,
              ImageRepository/ImagePolicy `podinfo` (policy failing), ImageUpdateAutomation
              `flux-system`, Provider `slack`, Alert `on-call`, Receiver `github-receiver`;
              operator: FluxInstance `flux`, FluxReport `flux`, ResourceSet `tenants` (owning
              team-alpha and team-beta: Namespace, GitRepository, Kustomization).
podinfo       HelmRepository `podinfo`, HelmChart `podinfo-podinfo`, HelmRelease `podinfo` (healthy),
              Deployment/ReplicaSet/Pods/Service `podinfo`.
team-billing  GitRepository `billing` (auth failure, credentials in the URL of the message),
              Kustomizations `billing-infra` (ArtifactFailed) → `billing-config` → `billing-apps`
              (DependencyNotReady), Secret `billing-git-auth`.
team-data     GitRepository `data-repo` (healthy), Kustomizations `data-infra` (apply error) →
              `data-apps` (DependencyNotReady).
team-search   Kustomization `search` → GitRepository `search-repo` (does not exist).
team-web      HelmRepository `bitnami`, HelmChart `team-web-frontend`, HelmRelease `frontend`
              (UpgradeFailed, Stalled RetriesExceeded), Secret `frontend-values`.
team-api      Kustomization `api` (HealthCheckFailed) → Deployment `api-server` in CrashLoopBackOff.
team-legacy   Kustomization `legacy` (suspended).
tenant-NNNN   with scale=N: GitRepository `tenant-NNNN`, Kustomization `tenant-NNNN`, HelmRepository
              `charts`, HelmChart `tenant-NNNN-app`, HelmRelease `app`; every 10th tenant (i % 10 == 7)
              has a Git auth failure, every 10th (i % 10 == 3) a failed Helm install.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flux_mcp.sandbox.canaries import plant_canaries
from flux_mcp.sandbox.logs import LogKey, LogLine, controller_line, rfc3339

Obj = dict[str, Any]

SRC_V1 = "source.toolkit.fluxcd.io/v1"
KS_V1 = "kustomize.toolkit.fluxcd.io/v1"
HELM_V2 = "helm.toolkit.fluxcd.io/v2"
NOTIF_V1B3 = "notification.toolkit.fluxcd.io/v1beta3"
NOTIF_V1 = "notification.toolkit.fluxcd.io/v1"
IMG_V1 = "image.toolkit.fluxcd.io/v1"
OP_V1 = "fluxcd.controlplane.io/v1"

FLUX_VERSION = "v2.9.0"

GIT_PASSWORD_CANARY = "ghp_C4n4ryB1ll1ngT0k3nDoNotLeak0000001"
HELM_VALUES_CANARY = "sk_live_C4n4ryFrontendV4luesDoNotLeak02"
BEARER_TOKEN_CANARY = "eyJhbGciOiJIUzI1NiJ9.C4n4ryApiServerDoNotLeak.03"
SLACK_WEBHOOK_CANARY = "C4n4rySl4ckW3bh00kDoNotLeak04"
SSH_KEY_CANARY = "C4n4rySshPr1v4teK3yDoNotLeak05"
RECEIVER_TOKEN_CANARY = "C4n4ryW3bh00kT0k3nDoNotLeak06"

CANARIES: list[str] = [
    GIT_PASSWORD_CANARY,
    HELM_VALUES_CANARY,
    BEARER_TOKEN_CANARY,
    SLACK_WEBHOOK_CANARY,
    SSH_KEY_CANARY,
    RECEIVER_TOKEN_CANARY,
]
"""Secret strings planted in the fleet (Secret data, a Git URL in a status message, pod logs).
None of them may reach tool output while masking is on."""

CANARY_FORMS: list[str] = CANARIES + [base64.b64encode(c.encode()).decode() for c in CANARIES]
"""The canaries as planted and as they appear base64-encoded in Secret `data`."""

CONTROLLERS: tuple[str, ...] = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
)
OPERATOR = "flux-operator"
FLUX_FINALIZER = "finalizers.fluxcd.io"

# The controller that logs about each Flux kind (for the simulator and seeded history).
COMPONENT_OF_KIND: dict[str, str] = {
    "GitRepository": "source-controller", "OCIRepository": "source-controller", "Bucket": "source-controller",
    "HelmRepository": "source-controller", "HelmChart": "source-controller",
    "ExternalArtifact": "source-controller", "Kustomization": "kustomize-controller",
    "HelmRelease": "helm-controller", "Receiver": "notification-controller",
    "Alert": "notification-controller", "Provider": "notification-controller",
    "ImageRepository": "image-reflector-controller", "ImagePolicy": "image-reflector-controller",
    "ImageUpdateAutomation": "image-automation-controller", "FluxInstance": OPERATOR,
    "FluxReport": OPERATOR, "ResourceSet": OPERATOR, "ResourceSetInputProvider": OPERATOR,
    "ArtifactGenerator": "source-watcher",
}


@dataclass(frozen=True)
class Failure:
    """A failure the controller simulator keeps reproducing (a bad credential does not heal)."""

    reason: str
    message: str
    stalled_reason: str = ""
    stalled_message: str = ""


FailureKey = tuple[str, str, str]
"""(kind, namespace, name)"""


@dataclass
class Fleet:
    objects: list[Obj] = field(default_factory=list)
    failures: dict[FailureKey, Failure] = field(default_factory=dict)
    logs: dict[LogKey, list[LogLine]] = field(default_factory=dict)
    controller_pods: dict[str, str] = field(default_factory=dict)
    """controller name → its pod name in flux-system."""

    def add(self, *objs: Obj) -> None:
        self.objects.extend(objs)

    def log(self, key: LogKey, at: datetime, text: str) -> None:
        self.logs.setdefault(key, []).append(LogLine(at, text))


# --- small builders --------------------------------------------------------------------------------

class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def ago(self, minutes: float) -> str:
        return rfc3339(self.now - timedelta(minutes=minutes))

    def at(self, minutes: float) -> datetime:
        return self.now - timedelta(minutes=minutes)


def _hex(seed: str, algo: str = "sha1") -> str:
    return hashlib.new(algo, seed.encode()).hexdigest()


def git_revision(seed: str, branch: str = "main") -> str:
    return f"{branch}@sha1:{_hex(seed)}"


def oci_revision(seed: str, tag: str = "latest") -> str:
    return f"{tag}@sha256:{_hex(seed, 'sha256')}"


def digest(seed: str) -> str:
    return f"sha256:{_hex('digest/' + seed, 'sha256')}"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def meta(
    name: str, namespace: str | None = None, labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None, created: str | None = None, **extra: Any,
) -> Obj:
    m: Obj = {"name": name}
    if namespace is not None:
        m["namespace"] = namespace
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    if created:
        m["creationTimestamp"] = created
    m.update(extra)
    return m


def flux_meta(clock: Clock, name: str, namespace: str, labels: dict[str, str] | None = None) -> Obj:
    """Metadata of a Flux object: created 20 days ago, with the finalizer every Flux controller adds."""
    return meta(name, namespace, labels=labels, created=clock.ago(60 * 24 * 20), finalizers=[FLUX_FINALIZER])


def condition(kind: str, status: str, reason: str, message: str, when: str, generation: int = 1) -> Obj:
    return {
        "type": kind, "status": status, "reason": reason, "message": message,
        "lastTransitionTime": when, "observedGeneration": generation,
    }


def ready_conditions(reason: str, message: str, when: str, generation: int = 1) -> list[Obj]:
    return [condition("Ready", "True", reason, message, when, generation)]


def stored_conditions(reason: str, message: str, when: str) -> list[Obj]:
    """A source that holds its artifact: Ready and ArtifactInStorage, both True for the same reason."""
    return [condition(kind, "True", reason, message, when) for kind in ("Ready", "ArtifactInStorage")]


def failed_conditions(
    reason: str, message: str, when: str, generation: int = 1, stalled: tuple[str, str] | None = None
) -> list[Obj]:
    conds = [condition("Ready", "False", reason, message, when, generation)]
    if stalled:
        conds.append(condition("Stalled", "True", stalled[0], stalled[1], when, generation))
    return conds


def artifact(kind: str, namespace: str, name: str, revision: str, when: str, ext: str = "tar.gz") -> Obj:
    sha = revision.rsplit(":", 1)[-1][:40]
    path = f"{kind.lower()}/{namespace}/{name}/{sha}.{ext}"
    return {
        "revision": revision,
        "digest": digest(revision),
        "path": path,
        "url": f"http://source-controller.flux-system.svc.cluster.local./{path}",
        "lastUpdateTime": when,
        "size": 10_000 + int(_hex(revision)[:4], 16),
    }


def inventory_entry(namespace: str, name: str, group: str, kind: str, version: str) -> Obj:
    return {"id": f"{namespace}_{name}_{group}_{kind}", "v": version}


def flux_labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": "flux",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": "flux-system",
        "app.kubernetes.io/version": FLUX_VERSION,
    }


def kustomize_labels(name: str, namespace: str = "flux-system") -> dict[str, str]:
    """The labels kustomize-controller puts on the objects it applies."""
    return {"kustomize.toolkit.fluxcd.io/name": name, "kustomize.toolkit.fluxcd.io/namespace": namespace}


def namespace(name: str, created: str, labels: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": meta(name, labels={"kubernetes.io/metadata.name": name, **(labels or {})}, created=created),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def secret(name: str, ns: str, data: dict[str, str], created: str, type_: str = "Opaque",
           labels: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1", "kind": "Secret", "metadata": meta(name, ns, labels=labels, created=created),
        "type": type_, "data": {k: b64(v) for k, v in data.items()},
    }


def event(
    clock: Clock, involved: Obj, type_: str, reason: str, message: str, component: str,
    minutes_ago: float, count: int = 1, first_minutes_ago: float | None = None,
) -> Obj:
    m = involved["metadata"]
    seed = f"{m.get('namespace')}/{m['name']}/{reason}/{message}"
    ns = m.get("namespace") or "default"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{m['name']}.{_hex(seed)[:16]}", ns, created=clock.ago(first_minutes_ago or minutes_ago)),
        "involvedObject": {
            "apiVersion": involved["apiVersion"], "kind": involved["kind"], "name": m["name"],
            "namespace": ns, "uid": m.get("uid", ""),
        },
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": clock.ago(first_minutes_ago or minutes_ago),
        "lastTimestamp": clock.ago(minutes_ago),
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": f"{component}-0",
    }


def set_uid(obj: Obj) -> Obj:
    """Fleet objects get their uid up front so events can point at them."""
    m = obj["metadata"]
    h = _hex(f"uid/{obj['kind']}/{m.get('namespace', '')}/{m['name']}")
    m["uid"] = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return obj


# --- workloads ---------------------------------------------------------------------------------------

def container_status(name: str, image: str, ready: bool, started: str, restarts: int = 0,
                     waiting: tuple[str, str] | None = None, last_exit: tuple[int, str, str, str] | None = None
                     ) -> Obj:
    cs: Obj = {
        "name": name, "image": image, "imageID": f"{image.split(':')[0]}@{digest(image)}",
        "ready": ready, "started": ready, "restartCount": restarts,
        "containerID": f"containerd://{_hex(name + image + started, 'sha256')}",
    }
    if waiting:
        cs["state"] = {"waiting": {"reason": waiting[0], "message": waiting[1]}}
    else:
        cs["state"] = {"running": {"startedAt": started}}
    if last_exit:
        code, reason, start, finish = last_exit
        cs["lastState"] = {"terminated": {"exitCode": code, "reason": reason, "startedAt": start,
                                          "finishedAt": finish, "containerID": cs["containerID"]}}
    else:
        cs["lastState"] = {}
    return cs


def deployment_set(
    clock: Clock, name: str, ns: str, image: str, labels: dict[str, str], replicas: int = 1,
    container: str = "manager", pod_suffixes: tuple[str, ...] = ("x2k9p",), crash: bool = False,
    extra_labels: dict[str, str] | None = None, created_minutes: float = 60 * 24 * 20,
    sa: str | None = None,
) -> tuple[list[Obj], list[str]]:
    """Deployment + ReplicaSet + Pods; returns the objects and the pod names."""
    template_hash = _hex(name + image)[:10]
    rs_name = f"{name}-{template_hash}"
    created = clock.ago(created_minutes)
    selector = {"app": name}
    pod_labels = {**labels, "app": name, "pod-template-hash": template_hash}
    all_labels = {**labels, "app": name, **(extra_labels or {})}
    spec_template: Obj = {
        "metadata": {"labels": {**labels, "app": name}},
        "spec": {
            "serviceAccountName": sa or name,
            "containers": [{
                "name": container, "image": image,
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "1Gi"}},
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            }],
        },
    }
    available = 0 if crash else replicas
    dep_conditions = [
        {"type": "Available", "status": "False" if crash else "True",
         "reason": "MinimumReplicasUnavailable" if crash else "MinimumReplicasAvailable",
         "message": "Deployment does not have minimum availability." if crash
         else "Deployment has minimum availability.",
         "lastUpdateTime": clock.ago(30 if crash else created_minutes - 1),
         "lastTransitionTime": clock.ago(30 if crash else created_minutes - 1)},
        {"type": "Progressing", "status": "False" if crash else "True",
         "reason": "ProgressDeadlineExceeded" if crash else "NewReplicaSetAvailable",
         "message": f'ReplicaSet "{rs_name}" has timed out progressing.' if crash
         else f'ReplicaSet "{rs_name}" has successfully progressed.',
         "lastUpdateTime": clock.ago(20 if crash else created_minutes - 1),
         "lastTransitionTime": clock.ago(20 if crash else created_minutes - 1)},
    ]
    deployment: Obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta(name, ns, labels=all_labels, created=created,
                         annotations={"deployment.kubernetes.io/revision": "1"}),
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": spec_template,
                 "strategy": {"type": "RollingUpdate"}, "progressDeadlineSeconds": 600},
        "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                   "readyReplicas": available, "availableReplicas": available,
                   **({"unavailableReplicas": replicas} if crash else {}), "conditions": dep_conditions},
    }
    if crash:
        del deployment["status"]["readyReplicas"]
        del deployment["status"]["availableReplicas"]
    set_uid(deployment)
    owner_dep = {"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                 "uid": deployment["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    replica_set = set_uid({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": meta(rs_name, ns, labels=pod_labels, created=created, ownerReferences=[owner_dep],
                         annotations={"deployment.kubernetes.io/revision": "1"}),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {**selector, "pod-template-hash": template_hash}},
                 "template": {**spec_template, "metadata": {"labels": pod_labels}}},
        "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": available,
                   "availableReplicas": available, "observedGeneration": 1},
    })
    owner_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
                "uid": replica_set["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    objs: list[Obj] = [deployment, replica_set]
    names: list[str] = []
    for idx, suffix in enumerate(pod_suffixes[:replicas] or pod_suffixes):
        pod_name = f"{rs_name}-{suffix}"
        started = clock.ago(created_minutes - 1)
        if crash:
            cs = container_status(
                container, image, False, started, restarts=7 + idx,
                waiting=("CrashLoopBackOff",
                         f"back-off 5m0s restarting failed container={container} pod={pod_name}_{ns}"),
                last_exit=(1, "Error", clock.ago(6), clock.ago(5.9)),
            )
        else:
            cs = container_status(container, image, True, started)
        pod_conditions = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": started},
            {"type": "Initialized", "status": "True", "lastTransitionTime": started},
            {"type": "Ready", "status": "False" if crash else "True", "lastTransitionTime": started,
             **({"reason": "ContainersNotReady",
                 "message": f"containers with unready status: [{container}]"} if crash else {})},
            {"type": "ContainersReady", "status": "False" if crash else "True", "lastTransitionTime": started,
             **({"reason": "ContainersNotReady",
                 "message": f"containers with unready status: [{container}]"} if crash else {})},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
        ]
        pod = set_uid({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": meta(pod_name, ns, labels=pod_labels, created=started, ownerReferences=[owner_rs],
                             generateName=f"{rs_name}-"),
            "spec": {**dict(spec_template["spec"]), "nodeName": "sandbox-control-plane", "restartPolicy": "Always"},
            "status": {"phase": "Running", "conditions": pod_conditions, "hostIP": "172.18.0.2",
                       "podIP": f"10.244.0.{10 + len(name) + idx}", "startTime": started, "qosClass": "Burstable",
                       "containerStatuses": [cs]},
        })
        objs.append(pod)
        names.append(pod_name)
    return objs, names


def service(name: str, ns: str, labels: dict[str, str], created: str, port: int = 80,
            target: str | int = "http") -> Obj:
    return {
        "apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns, labels=labels, created=created),
        "spec": {"type": "ClusterIP", "selector": {"app": name}, "clusterIP": f"10.96.{len(name)}.{port % 250}",
                 "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target}]},
        "status": {"loadBalancer": {}},
    }


# --- Flux objects ------------------------------------------------------------------------------------

def git_repository(clock: Clock, name: str, ns: str, url: str, secret_ref: str | None = None,
                   revision: str | None = None, failure: Failure | None = None,
                   labels: dict[str, str] | None = None, interval: str = "1m") -> Obj:
    spec: Obj = {"interval": interval, "url": url, "ref": {"branch": "main"}, "timeout": "60s"}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    status: Obj = {"observedGeneration": 1}
    if failure:
        status["conditions"] = [
            condition("Ready", "False", failure.reason, failure.message, clock.ago(180)),
            condition("FetchFailed", "True", failure.reason, failure.message, clock.ago(180)),
        ]
    else:
        rev = revision or git_revision(f"{ns}/{name}")
        when = clock.ago(2)
        status["artifact"] = artifact("GitRepository", ns, name, rev, when)
        status["conditions"] = stored_conditions("Succeeded", f"stored artifact for revision '{rev}'",
                                                 clock.ago(60 * 24))
    return set_uid({"apiVersion": SRC_V1, "kind": "GitRepository",
                    "metadata": flux_meta(clock, name, ns, labels),
                    "spec": spec, "status": status})


def kustomization(
    clock: Clock, name: str, ns: str, source: tuple[str, str, str | None], path: str,
    applied: str | None, depends_on: list[str] | None = None, failure: Failure | None = None,
    inventory: list[Obj] | None = None, attempted: str | None = None, suspend: bool = False,
    health_checks: list[Obj] | None = None, labels: dict[str, str] | None = None,
    target_namespace: str | None = None,
) -> Obj:
    kind, src_name, src_ns = source
    spec: Obj = {"interval": "10m", "retryInterval": "2m", "path": path, "prune": True, "timeout": "5m",
                 "sourceRef": {"kind": kind, "name": src_name, **({"namespace": src_ns} if src_ns else {})},
                 "wait": bool(health_checks) or None}
    if spec["wait"] is None:
        del spec["wait"]
    if depends_on:
        spec["dependsOn"] = [{"name": d} for d in depends_on]
    if health_checks:
        spec["healthChecks"] = health_checks
    if target_namespace:
        spec["targetNamespace"] = target_namespace
    if suspend:
        spec["suspend"] = True
    status: Obj = {"observedGeneration": 1}
    if failure:
        status["conditions"] = failed_conditions(failure.reason, failure.message, clock.ago(45))
        if failure.stalled_reason:
            status["conditions"].append(condition("Stalled", "True", failure.stalled_reason,
                                                  failure.stalled_message, clock.ago(45)))
    else:
        status["conditions"] = ready_conditions("ReconciliationSucceeded", f"Applied revision: {applied}",
                                                clock.ago(60 * 24 * (5 if suspend else 1)))
    if applied:
        status["lastAppliedRevision"] = applied
    if attempted or applied:
        status["lastAttemptedRevision"] = attempted or applied
    if inventory is not None:
        status["inventory"] = {"entries": inventory}
    if applied and not failure:
        status["history"] = [{
            "digest": digest(f"{ns}/{name}/{applied}"), "firstReconciled": clock.ago(60 * 24 * 3),
            "lastReconciled": clock.ago(10), "lastReconciledDuration": "1.52s",
            "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 432,
            "metadata": {"revision": applied},
        }]
    return set_uid({"apiVersion": KS_V1, "kind": "Kustomization",
                    "metadata": flux_meta(clock, name, ns, labels),
                    "spec": spec, "status": status})


def helm_repository(clock: Clock, name: str, ns: str, url: str, failure: Failure | None = None,
                    labels: dict[str, str] | None = None) -> Obj:
    status: Obj = {"observedGeneration": 1}
    if failure:
        status["conditions"] = failed_conditions(failure.reason, failure.message, clock.ago(60))
    else:
        rev = digest(f"index/{ns}/{name}")
        status["artifact"] = artifact("HelmRepository", ns, name, rev, clock.ago(5), "yaml")
        status["artifact"]["path"] = f"helmrepository/{ns}/{name}/index-{rev.split(':')[1][:12]}.yaml"
        status["url"] = f"http://source-controller.flux-system.svc.cluster.local./helmrepository/{ns}/{name}/index.yaml"
        status["conditions"] = stored_conditions("Succeeded", f"stored artifact: revision '{rev}'",
                                                 clock.ago(60 * 24))
    return set_uid({"apiVersion": SRC_V1, "kind": "HelmRepository",
                    "metadata": flux_meta(clock, name, ns, labels),
                    "spec": {"interval": "1h", "url": url, "timeout": "60s"}, "status": status})


def helm_chart(clock: Clock, hr_name: str, hr_ns: str, repo: str, repo_ns: str, chart: str, version_range: str,
               version: str, failure: Failure | None = None) -> Obj:
    name = f"{hr_ns}-{hr_name}"
    status: Obj = {"observedGeneration": 1, "observedChartName": chart,
                   "observedSourceArtifactRevision": digest(f"index/{repo_ns}/{repo}")}
    if failure:
        status["conditions"] = failed_conditions(failure.reason, failure.message, clock.ago(60))
    else:
        art = artifact("HelmChart", repo_ns, name, version, clock.ago(60 * 24), "tgz")
        art["path"] = f"helmchart/{repo_ns}/{name}/{chart}-{version}.tgz"
        art["url"] = f"http://source-controller.flux-system.svc.cluster.local./{art['path']}"
        status["artifact"] = art
        status["url"] = art["url"]
        msg = f"pulled '{chart}' chart with version '{version}'"
        status["conditions"] = stored_conditions("ChartPullSucceeded", msg, clock.ago(60 * 24))
    return set_uid({"apiVersion": SRC_V1, "kind": "HelmChart",
                    "metadata": meta(name, repo_ns, created=clock.ago(60 * 24 * 20),
                                     finalizers=[FLUX_FINALIZER],
                                     labels={"helm.toolkit.fluxcd.io/name": hr_name,
                                             "helm.toolkit.fluxcd.io/namespace": hr_ns}),
                    "spec": {"chart": chart, "version": version_range, "interval": "10m",
                             "reconcileStrategy": "ChartVersion",
                             "sourceRef": {"kind": "HelmRepository", "name": repo}},
                    "status": status})


def release_snapshot(clock: Clock, name: str, ns: str, version: int, chart: str, chart_version: str,
                     app_version: str, status: str, minutes_ago: float, action: str = "") -> Obj:
    snap: Obj = {
        "name": name, "namespace": ns, "version": version, "status": status,
        "chartName": chart, "chartVersion": chart_version, "appVersion": app_version,
        "configDigest": digest(f"config/{ns}/{name}/{version}"), "digest": digest(f"release/{ns}/{name}/{version}"),
        "firstDeployed": clock.ago(60 * 24 * 20), "lastDeployed": clock.ago(minutes_ago),
    }
    if action:
        snap["action"] = action
    return snap


def helm_release(
    clock: Clock, name: str, ns: str, repo: str, repo_ns: str, chart: str, version_range: str, version: str,
    history: list[Obj], failure: Failure | None = None, inventory: list[Obj] | None = None,
    values_from: list[Obj] | None = None, values: Obj | None = None, labels: dict[str, str] | None = None,
    install_failure: bool = False,
) -> Obj:
    spec: Obj = {
        "interval": "10m", "releaseName": name, "timeout": "5m",
        "chart": {"spec": {"chart": chart, "version": version_range, "interval": "10m",
                           "sourceRef": {"kind": "HelmRepository", "name": repo,
                                         **({"namespace": repo_ns} if repo_ns != ns else {})}}},
        "install": {"remediation": {"retries": 3}},
        "upgrade": {"remediation": {"retries": 3, "strategy": "rollback"}},
    }
    if values:
        spec["values"] = values
    if values_from:
        spec["valuesFrom"] = values_from
    status: Obj = {
        "observedGeneration": 1, "helmChart": f"{repo_ns}/{ns}-{name}", "storageNamespace": ns,
        "lastAttemptedGeneration": 1, "lastAttemptedRevision": version,
        "lastAttemptedConfigDigest": digest(f"config/{ns}/{name}"),
        "lastAttemptedReleaseAction": "install" if install_failure or len(history) <= 1 else "upgrade",
    }
    if history:
        status["history"] = history
    if failure:
        stalled = (failure.stalled_reason, failure.stalled_message) if failure.stalled_reason else None
        status["conditions"] = failed_conditions(failure.reason, failure.message, clock.ago(40), 1, stalled)
        status["conditions"].append(condition("Released", "False", failure.reason, failure.message, clock.ago(40)))
        counter = "installFailures" if install_failure else "upgradeFailures"
        status[counter] = 4
        status["failures"] = 4
    else:
        top = history[0]
        release = f"{ns}/{name}.v{top['version']}"
        action = "Install" if top["version"] == 1 else "Upgrade"
        msg = f"Helm {action.lower()} succeeded for release {release} with chart {chart}@{version}"
        status["conditions"] = [condition("Ready", "True", f"{action}Succeeded", msg, clock.ago(60 * 24 * 3)),
                                condition("Released", "True", f"{action}Succeeded", msg, clock.ago(60 * 24 * 3))]
    if inventory is not None:
        status["inventory"] = {"entries": inventory}
    return set_uid({"apiVersion": HELM_V2, "kind": "HelmRelease",
                    "metadata": flux_meta(clock, name, ns, labels),
                    "spec": spec, "status": status})


def _controller_pods(fleet: Fleet, clock: Clock, operator: bool) -> None:
    names = list(CONTROLLERS) + ([OPERATOR] if operator else [])
    suffixes = ("x2k9p", "7tq4z", "bn5rd", "w8c2m", "p3l6k", "h9d1v", "f4s7g")
    for idx, name in enumerate(names):
        image = ("ghcr.io/controlplaneio-fluxcd/flux-operator:v0.33.0" if name == OPERATOR
                 else f"ghcr.io/fluxcd/{name}:v1.7.0")
        labels = ({"app.kubernetes.io/name": OPERATOR, "app.kubernetes.io/part-of": "flux"}
                  if name == OPERATOR else {**flux_labels(name), "control-plane": "controller"})
        objs, pods = deployment_set(clock, name, "flux-system", image, labels, pod_suffixes=(suffixes[idx],))
        fleet.add(*objs)
        fleet.controller_pods[name] = pods[0]
        fleet.add({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": meta(name, "flux-system", labels=labels, created=clock.ago(60 * 24 * 20))})
        key: LogKey = ("flux-system", pods[0], "manager", False)
        fleet.log(key, clock.at(60 * 24 * 20 - 1), json.dumps({
            "level": "info", "ts": rfc3339(clock.at(60 * 24 * 20 - 1)), "msg": "Starting workers",
            "controller": name.removesuffix("-controller"), "worker count": 4}))
    fleet.add(service("source-controller", "flux-system", flux_labels("source-controller"),
                      clock.ago(60 * 24 * 20)))
    fleet.add(service("notification-controller", "flux-system", flux_labels("notification-controller"),
                      clock.ago(60 * 24 * 20)))
    fleet.add(service("webhook-receiver", "flux-system", flux_labels("notification-controller"),
                      clock.ago(60 * 24 * 20), target=9292))
    fleet.add({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": meta("fluxcd-mcp", "flux-system", created=clock.ago(60))})


def _history_line(fleet: Fleet, clock: Clock, minutes_ago: float, level: str, msg: str, kind: str,
                  group: str, name: str, ns: str, **extra: Any) -> None:
    component = COMPONENT_OF_KIND[kind]
    pod = fleet.controller_pods.get(component)
    if pod is None:
        return
    at = clock.at(minutes_ago)
    fleet.log(("flux-system", pod, "manager", False), at,
              controller_line(at, level, msg, group, kind, name, ns,
                              reconcile_id=_uuid(f"{kind}/{ns}/{name}/{minutes_ago}"), **extra))


def _uuid(seed: str) -> str:
    h = _hex(seed)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# --- the scenarios -----------------------------------------------------------------------------------

def build_fleet(scale: int = 0, operator: bool = True, now: datetime | None = None) -> Fleet:
    clock = Clock(now or datetime.now(UTC))
    fleet = Fleet()
    old = clock.ago(60 * 24 * 30)
    for ns in ("default", "kube-system", "kube-public", "flux-system", "podinfo", "team-billing", "team-data",
               "team-search", "team-web", "team-api", "team-legacy"):
        labels = {"app.kubernetes.io/part-of": "flux"} if ns == "flux-system" else None
        fleet.add(namespace(ns, old, labels))
    fleet.add({"apiVersion": "v1", "kind": "Node",
               "metadata": meta("sandbox-control-plane", labels={"kubernetes.io/hostname": "sandbox-control-plane",
                                                                 "node-role.kubernetes.io/control-plane": ""},
                                created=old),
               "spec": {"podCIDR": "10.244.0.0/24"},
               "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                                        {"type": "Hostname", "address": "sandbox-control-plane"}],
                          "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                          "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                          "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                          "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                          "message": "kubelet is posting ready status",
                                          "lastHeartbeatTime": clock.ago(1), "lastTransitionTime": old}],
                          "nodeInfo": {"kubeletVersion": "v1.34.1", "osImage": "Debian GNU/Linux 12",
                                       "containerRuntimeVersion": "containerd://2.1.4",
                                       "architecture": "amd64", "operatingSystem": "linux"}}})
    _controller_pods(fleet, clock, operator)
    _flux_system(fleet, clock)
    _podinfo(fleet, clock)
    _billing(fleet, clock)
    _data(fleet, clock)
    _search(fleet, clock)
    _web(fleet, clock)
    _api(fleet, clock)
    _legacy(fleet, clock)
    _images_and_notifications(fleet, clock)
    from flux_mcp.sandbox.scenarios_state import add_state_scenarios
    add_state_scenarios(fleet, clock)
    if operator:
        _operator(fleet, clock)
    plant_canaries(fleet, clock)
    for i in range(scale):
        _tenant(fleet, clock, i)
    return fleet


FLUX_SYSTEM_REVISION_SEED = "flux-system/fleet-infra"


def flux_system_revision() -> str:
    return git_revision(FLUX_SYSTEM_REVISION_SEED)


def _flux_system(fleet: Fleet, clock: Clock) -> None:
    rev = flux_system_revision()
    ns = "flux-system"
    labels = kustomize_labels("flux-system")
    fleet.add(secret("flux-system", ns, {
        "identity": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_KEY_CANARY}\n-----END OPENSSH PRIVATE KEY-----\n",
        "identity.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluxSandboxPublicKey flux",
        "known_hosts": "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI",
    }, clock.ago(60 * 24 * 20)))
    repo = git_repository(clock, "flux-system", ns, "ssh://git@github.com/acme/fleet-infra", "flux-system",
                          rev, labels=labels)
    fleet.add(repo)
    src = ("GitRepository", "flux-system", None)
    ks_entries = [inventory_entry(ns, n, "kustomize.toolkit.fluxcd.io", "Kustomization", "v1")
                  for n in ("apps", "flux-system", "infra-configs", "infra-controllers", "oci-apps")]
    ks_entries += [inventory_entry(ns, "flux-system", "source.toolkit.fluxcd.io", "GitRepository", "v1"),
                   inventory_entry(ns, "manifests", "source.toolkit.fluxcd.io", "OCIRepository", "v1")]
    root = kustomization(clock, "flux-system", ns, src, "./clusters/production", rev, inventory=ks_entries,
                         labels=labels)
    fleet.add(root)
    fleet.add(kustomization(clock, "infra-controllers", ns, src, "./infrastructure/controllers", rev,
                            inventory=[inventory_entry("", "cert-manager", "", "Namespace", "v1")], labels=labels))
    fleet.add(kustomization(clock, "infra-configs", ns, src, "./infrastructure/configs", rev,
                            depends_on=["infra-controllers"], inventory=[], labels=labels))
    fleet.add(kustomization(clock, "apps", ns, src, "./apps/production", rev, depends_on=["infra-configs"],
                            inventory=[inventory_entry("", "podinfo", "", "Namespace", "v1"),
                                       inventory_entry("podinfo", "podinfo", "helm.toolkit.fluxcd.io",
                                                       "HelmRelease", "v2"),
                                       inventory_entry("podinfo", "podinfo", "source.toolkit.fluxcd.io",
                                                       "HelmRepository", "v1")],
                            labels=labels))
    oci_rev = oci_revision("flux-system/manifests")
    oci = set_uid({
        "apiVersion": SRC_V1, "kind": "OCIRepository",
        "metadata": flux_meta(clock, "manifests", ns, labels),
        "spec": {"interval": "5m", "url": "oci://ghcr.io/acme/manifests", "ref": {"tag": "latest"},
                 "timeout": "60s"},
        "status": {"observedGeneration": 1, "url": "http://source-controller.flux-system.svc.cluster.local./"
                   "ocirepository/flux-system/manifests/latest.tar.gz",
                   "artifact": artifact("OCIRepository", ns, "manifests", oci_rev, clock.ago(5)),
                   "conditions": stored_conditions("Succeeded", f"stored artifact for digest '{oci_rev}'",
                                                   clock.ago(60 * 24))},
    })
    fleet.add(oci)
    fleet.add(kustomization(clock, "oci-apps", ns, ("OCIRepository", "manifests", None), "./", oci_rev,
                            inventory=[inventory_entry("default", "welcome", "", "ConfigMap", "v1")],
                            labels=labels))
    fleet.add({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": meta("welcome", "default", labels=kustomize_labels("oci-apps"),
                                created=clock.ago(60 * 24)),
               "data": {"message": "deployed from oci://ghcr.io/acme/manifests"}})
    for k in ("flux-system", "infra-controllers", "infra-configs", "apps"):
        _history_line(fleet, clock, 10, "info", "server-side apply completed", "Kustomization",
                      "kustomize.toolkit.fluxcd.io", k, ns, revision=rev)
    _history_line(fleet, clock, 2, "info", "no changes since last reconcilation: observed revision "
                  f"'{rev}'", "GitRepository", "source.toolkit.fluxcd.io", "flux-system", ns)
    fleet.add(event(clock, root, "Normal", "ReconciliationSucceeded",
                    "Reconciliation finished in 1.2s, next run in 10m0s", "kustomize-controller", 10, count=144,
                    first_minutes_ago=60 * 24))


def _podinfo(fleet: Fleet, clock: Clock) -> None:
    ns = "podinfo"
    labels = kustomize_labels("apps")
    fleet.add(helm_repository(clock, "podinfo", ns, "https://stefanprodan.github.io/podinfo", labels=labels))
    fleet.add(helm_chart(clock, "podinfo", ns, "podinfo", ns, "podinfo", "6.x", "6.9.2"))
    hist = [release_snapshot(clock, "podinfo", ns, 1, "podinfo", "6.9.2", "6.9.2", "deployed", 60 * 24 * 3,
                             "install")]
    inv = [inventory_entry(ns, "podinfo", "apps", "Deployment", "v1"),
           inventory_entry(ns, "podinfo", "", "Service", "v1")]
    hr = helm_release(clock, "podinfo", ns, "podinfo", ns, "podinfo", "6.x", "6.9.2", hist, inventory=inv,
                      values={"replicaCount": 2}, labels=labels)
    fleet.add(hr)
    helm_labels = {"app.kubernetes.io/name": "podinfo", "app.kubernetes.io/managed-by": "Helm",
                   "helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": ns}
    objs, _ = deployment_set(clock, "podinfo", ns, "ghcr.io/stefanprodan/podinfo:6.9.2", helm_labels,
                             replicas=2, container="podinfo", pod_suffixes=("5tgdr", "9kxqz"),
                             created_minutes=60 * 24 * 3, sa="default")
    fleet.add(*objs)
    fleet.add(service("podinfo", ns, helm_labels, clock.ago(60 * 24 * 3), 9898))
    fleet.add(secret("sh.helm.release.v1.podinfo.v1", ns, {"release": "H4sIAAAAAAAA/sandbox-release"},
                     clock.ago(60 * 24 * 3), "helm.sh/release.v1",
                     {"name": "podinfo", "owner": "helm", "status": "deployed", "version": "1"}))
    fleet.add(event(clock, hr, "Normal", "InstallSucceeded",
                    "Helm install succeeded for release podinfo/podinfo.v1 with chart podinfo@6.9.2",
                    "helm-controller", 60 * 24 * 3))


def _billing(fleet: Fleet, clock: Clock) -> None:
    ns = "team-billing"
    url = "https://github.com/acme/billing-config"
    fleet.add(secret("billing-git-auth", ns, {"username": "deploy-bot", "password": GIT_PASSWORD_CANARY},
                     clock.ago(60 * 24 * 20)))
    failure = Failure(
        "GitOperationFailed",
        f"failed to checkout and determine revision: unable to clone "
        f"'https://deploy-bot:{GIT_PASSWORD_CANARY}@github.com/acme/billing-config': authentication required: "
        "Invalid username or token. Password authentication is not supported for Git operations.",
    )
    fleet.failures[("GitRepository", ns, "billing")] = failure
    repo = git_repository(clock, "billing", ns, url, "billing-git-auth", failure=failure)
    fleet.add(repo)
    src = ("GitRepository", "billing", None)
    infra = kustomization(clock, "billing-infra", ns, src, "./infra", None, failure=Failure(
        "ArtifactFailed", "Source artifact not found, retrying in 30s"))
    fleet.add(infra)
    fleet.add(kustomization(clock, "billing-config", ns, src, "./config", None, depends_on=["billing-infra"],
                            failure=Failure("DependencyNotReady",
                                            "dependency 'team-billing/billing-infra' is not ready")))
    fleet.add(kustomization(clock, "billing-apps", ns, src, "./apps", None, depends_on=["billing-config"],
                            failure=Failure("DependencyNotReady",
                                            "dependency 'team-billing/billing-config' is not ready")))
    fleet.add(event(clock, repo, "Warning", "GitOperationFailed", failure.message, "source-controller", 1,
                    count=180, first_minutes_ago=180))
    fleet.add(event(clock, infra, "Warning", "ArtifactFailed", "Source artifact not found, retrying in 30s",
                    "kustomize-controller", 1, count=90, first_minutes_ago=180))
    for minutes in (3, 2, 1):
        _history_line(fleet, clock, minutes, "error", "Reconciler error", "GitRepository",
                      "source.toolkit.fluxcd.io", "billing", ns, error=failure.message)


def _data(fleet: Fleet, clock: Clock) -> None:
    ns = "team-data"
    rev = git_revision("team-data/data-repo")
    old_rev = git_revision("team-data/data-repo/previous")
    fleet.add(git_repository(clock, "data-repo", ns, "https://github.com/acme/data-platform", revision=rev))
    src = ("GitRepository", "data-repo", None)
    failure = Failure(
        "ReconciliationFailed",
        'Deployment/team-data/postgres dry-run failed (Invalid): Deployment.apps "postgres" is invalid: '
        "spec.template.spec.containers[0].image: Required value",
    )
    fleet.failures[("Kustomization", ns, "data-infra")] = failure
    infra = kustomization(clock, "data-infra", ns, src, "./infra", old_rev, failure=failure, attempted=rev,
                          inventory=[inventory_entry(ns, "postgres", "apps", "Deployment", "v1")])
    fleet.add(infra)
    fleet.add(kustomization(clock, "data-apps", ns, src, "./apps", old_rev, depends_on=["data-infra"],
                            failure=Failure("DependencyNotReady", "dependency 'team-data/data-infra' is not ready")))
    fleet.add(event(clock, infra, "Warning", "ReconciliationFailed", failure.message, "kustomize-controller", 2,
                    count=22, first_minutes_ago=45))
    _history_line(fleet, clock, 2, "error", "Reconciliation failed after 812ms, next try in 2m0s",
                  "Kustomization", "kustomize.toolkit.fluxcd.io", "data-infra", ns, revision=rev,
                  error=failure.message)


def _search(fleet: Fleet, clock: Clock) -> None:
    ns = "team-search"
    ks = kustomization(clock, "search", ns, ("GitRepository", "search-repo", None), "./deploy", None,
                       failure=Failure("ArtifactFailed",
                                       "Source 'GitRepository/team-search/search-repo' not found"))
    fleet.add(ks)
    fleet.add(event(clock, ks, "Warning", "ArtifactFailed",
                    "Source 'GitRepository/team-search/search-repo' not found", "kustomize-controller", 3,
                    count=40, first_minutes_ago=120))


def _web(fleet: Fleet, clock: Clock) -> None:
    ns = "team-web"
    fleet.add(helm_repository(clock, "bitnami", ns, "https://charts.bitnami.com/bitnami"))
    fleet.add(helm_chart(clock, "frontend", ns, "bitnami", ns, "nginx", "15.x", "15.14.0"))
    fleet.add(secret("frontend-values", ns, {"values.yaml": f"apiKey: {HELM_VALUES_CANARY}\nreplicaCount: 3\n"},
                     clock.ago(60 * 24 * 10)))
    fleet.add(secret("frontend-api-key", ns, {"apiKey": HELM_VALUES_CANARY}, clock.ago(60 * 24 * 10)))
    message = ("Helm upgrade failed for release team-web/frontend with chart nginx@15.14.0: "
               "context deadline exceeded")
    failure = Failure("UpgradeFailed", message, "RetriesExceeded", "Failed to upgrade after 4 attempt(s)")
    fleet.failures[("HelmRelease", ns, "frontend")] = failure
    hist = [
        release_snapshot(clock, "frontend", ns, 6, "nginx", "15.14.0", "1.27.3", "failed", 40, "upgrade"),
        release_snapshot(clock, "frontend", ns, 5, "nginx", "15.10.2", "1.25.4", "deployed", 60 * 24 * 7,
                         "upgrade"),
    ]
    hr = helm_release(clock, "frontend", ns, "bitnami", ns, "nginx", "15.x", "15.14.0", hist, failure=failure,
                      values_from=[{"kind": "Secret", "name": "frontend-values", "valuesKey": "values.yaml"}],
                      inventory=[inventory_entry(ns, "frontend", "apps", "Deployment", "v1"),
                                 inventory_entry(ns, "frontend", "", "Service", "v1")])
    fleet.add(hr)
    helm_labels = {"app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "frontend",
                   "app.kubernetes.io/managed-by": "Helm"}
    objs, _ = deployment_set(clock, "frontend", ns, "docker.io/bitnami/nginx:1.25.4", helm_labels, replicas=1,
                             container="nginx", pod_suffixes=("m2vbn",), created_minutes=60 * 24 * 7, sa="default")
    fleet.add(*objs)
    fleet.add(service("frontend", ns, helm_labels, clock.ago(60 * 24 * 20)))
    fleet.add(event(clock, hr, "Warning", "UpgradeFailed", message, "helm-controller", 40, count=4,
                    first_minutes_ago=70))
    fleet.add(event(clock, hr, "Warning", "RetriesExceeded", "Failed to upgrade after 4 attempt(s)",
                    "helm-controller", 39))
    _history_line(fleet, clock, 40, "error", "Reconciler error", "HelmRelease", "helm.toolkit.fluxcd.io",
                  "frontend", ns, error=message)


def _api(fleet: Fleet, clock: Clock) -> None:
    ns = "team-api"
    rev = flux_system_revision()
    labels = kustomize_labels("api", ns)
    objs, pods = deployment_set(clock, "api-server", ns, "ghcr.io/acme/api-server:2.4.1", labels, replicas=1,
                                container="api", pod_suffixes=("q8x2m",), crash=True,
                                created_minutes=60, sa="default")
    fleet.add(*objs)
    fleet.add(service("api-server", ns, labels, clock.ago(60 * 24 * 20)))
    fleet.add({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": meta("api-config", ns, labels=labels, created=clock.ago(60)),
               "data": {"DATABASE_HOST": "postgres.team-data.svc", "LOG_LEVEL": "info"}})
    failure = Failure("HealthCheckFailed",
                      "health check failed after 5m0s: timeout waiting for: "
                      "[Deployment/team-api/api-server status: 'InProgress']")
    fleet.failures[("Kustomization", ns, "api")] = failure
    ks = kustomization(
        clock, "api", ns, ("GitRepository", "flux-system", "flux-system"), "./apps/api", rev, failure=failure,
        health_checks=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api-server", "namespace": ns}],
        inventory=[inventory_entry(ns, "api-config", "", "ConfigMap", "v1"),
                   inventory_entry(ns, "api-server", "", "Service", "v1"),
                   inventory_entry(ns, "api-server", "apps", "Deployment", "v1")],
    )
    fleet.add(ks)
    fleet.add(event(clock, ks, "Warning", "HealthCheckFailed", failure.message, "kustomize-controller", 5,
                    count=9, first_minutes_ago=55))
    pod = next(o for o in objs if o["kind"] == "Pod")
    fleet.add(event(clock, pod, "Warning", "BackOff", "Back-off restarting failed container api in pod "
                    f"{pods[0]}_{ns}({pod['metadata']['uid']})", "kubelet", 1, count=160, first_minutes_ago=58))
    for previous, base in ((True, 6.5), (False, 1.0)):
        key: LogKey = (ns, pods[0], "api", previous)
        lines = [
            "2026/01/01 starting api-server version=2.4.1 commit=9f1c2e7",
            f"level=info msg=\"loaded config\" database_host=postgres.team-data.svc "
            f"upstream_auth=\"Authorization: Bearer {BEARER_TOKEN_CANARY}\"",
            "level=info msg=\"connecting to database\" host=postgres.team-data.svc port=5432",
            "level=error msg=\"failed to connect to database\" error=\"dial tcp 10.96.14.20:5432: "
            "connect: connection refused\"",
            "panic: failed to connect to database: dial tcp 10.96.14.20:5432: connect: connection refused",
            "goroutine 1 [running]:",
            "main.main()\n\t/src/cmd/api-server/main.go:42 +0x1d4",
        ]
        for n, text in enumerate(lines):
            fleet.log(key, clock.at(base - n / 600), text.replace("2026/01/01", rfc3339(clock.at(base))[:10]))
    _history_line(fleet, clock, 5, "error", "Reconciliation failed after 5m0.1s, next try in 2m0s", "Kustomization",
                  "kustomize.toolkit.fluxcd.io", "api", ns, revision=rev, error=failure.message)


def _legacy(fleet: Fleet, clock: Clock) -> None:
    ns = "team-legacy"
    fleet.add(kustomization(clock, "legacy", ns, ("GitRepository", "flux-system", "flux-system"), "./legacy",
                            git_revision("flux-system/fleet-infra/old"), suspend=True, inventory=[]))


def _images_and_notifications(fleet: Fleet, clock: Clock) -> None:
    ns = "flux-system"
    labels = kustomize_labels("flux-system")
    image_repo = set_uid({
        "apiVersion": IMG_V1, "kind": "ImageRepository",
        "metadata": flux_meta(clock, "podinfo", ns, labels),
        "spec": {"image": "ghcr.io/stefanprodan/podinfo", "interval": "5m", "provider": "generic"},
        "status": {"observedGeneration": 1, "canonicalImageName": "ghcr.io/stefanprodan/podinfo",
                   "lastScanResult": {"tagCount": 87, "scanTime": clock.ago(3),
                                      "latestTags": ["latest", "6.9.2", "6.9.1", "6.9.0", "6.8.0"]},
                   "conditions": ready_conditions("Succeeded", "successful scan: found 87 tags", clock.ago(60 * 24))},
    })
    failure = Failure("ReconciliationFailed",
                      "cannot determine latest tag for policy: version list argument cannot be empty")
    fleet.failures[("ImagePolicy", ns, "podinfo")] = failure
    policy = set_uid({
        "apiVersion": IMG_V1, "kind": "ImagePolicy",
        "metadata": meta("podinfo", ns, labels=labels, created=clock.ago(60 * 24 * 20)),
        "spec": {"imageRepositoryRef": {"name": "podinfo"}, "policy": {"semver": {"range": ">=7.0.0"}}},
        "status": {"observedGeneration": 1,
                   "conditions": failed_conditions(failure.reason, failure.message, clock.ago(30))},
    })
    automation = set_uid({
        "apiVersion": IMG_V1, "kind": "ImageUpdateAutomation",
        "metadata": meta("flux-system", ns, labels=labels, created=clock.ago(60 * 24 * 20)),
        "spec": {"interval": "30m", "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                 "git": {"checkout": {"ref": {"branch": "main"}},
                         "commit": {"author": {"name": "fluxcdbot", "email": "fluxcdbot@users.noreply.github.com"},
                                    "messageTemplate": "chore: update images"},
                         "push": {"branch": "main"}},
                 "update": {"path": "./apps", "strategy": "Setters"}},
        "status": {"observedGeneration": 1, "lastAutomationRunTime": clock.ago(20),
                   "observedSourceRevision": flux_system_revision(),
                   "conditions": ready_conditions("Succeeded", "repository up-to-date", clock.ago(60 * 24))},
    })
    fleet.add(image_repo, policy, automation)
    fleet.add(event(clock, policy, "Warning", "ReconciliationFailed", failure.message,
                    "image-reflector-controller", 8, count=12, first_minutes_ago=30))
    _history_line(fleet, clock, 8, "error", "Reconciler error", "ImagePolicy", "image.toolkit.fluxcd.io",
                  "podinfo", ns, error=failure.message)
    fleet.add(secret("slack-webhook", ns,
                     {"address": f"https://hooks.slack.com/services/T0SANDBOX/B0SANDBOX/{SLACK_WEBHOOK_CANARY}"},
                     clock.ago(60 * 24 * 20)))
    fleet.add(secret("webhook-token", ns, {"token": RECEIVER_TOKEN_CANARY}, clock.ago(60 * 24 * 20)))
    fleet.add(set_uid({
        "apiVersion": NOTIF_V1B3, "kind": "Provider",
        "metadata": meta("slack", ns, labels=labels, created=clock.ago(60 * 24 * 20)),
        "spec": {"type": "slack", "channel": "#flux-alerts", "username": "flux",
                 "secretRef": {"name": "slack-webhook"}},
    }))
    fleet.add(set_uid({
        "apiVersion": NOTIF_V1B3, "kind": "Alert",
        "metadata": meta("on-call", ns, labels=labels, created=clock.ago(60 * 24 * 20)),
        "spec": {"providerRef": {"name": "slack"}, "eventSeverity": "error",
                 "eventSources": [{"kind": "Kustomization", "name": "*", "namespace": "*"},
                                  {"kind": "HelmRelease", "name": "*", "namespace": "*"},
                                  {"kind": "GitRepository", "name": "*", "namespace": "*"}],
                 "summary": "production cluster"},
    }))
    hook = f"/hook/{_hex('receiver/github-receiver', 'sha256')}"
    fleet.add(set_uid({
        "apiVersion": NOTIF_V1, "kind": "Receiver",
        "metadata": flux_meta(clock, "github-receiver", ns, labels),
        "spec": {"type": "github", "interval": "10m", "events": ["ping", "push"],
                 "secretRef": {"name": "webhook-token"},
                 "resources": [{"apiVersion": SRC_V1, "kind": "GitRepository", "name": "flux-system"}]},
        "status": {"observedGeneration": 1, "webhookPath": hook,
                   "conditions": ready_conditions("Succeeded", f"Receiver initialized for path: {hook}",
                                                  clock.ago(60 * 24 * 20))},
    }))


def _operator(fleet: Fleet, clock: Clock) -> None:
    ns = "flux-system"
    rev = f"v2.9.0@{digest('flux-distribution/v2.9.0')}"
    fleet.add(set_uid({
        "apiVersion": OP_V1, "kind": "FluxInstance",
        "metadata": meta("flux", ns, created=clock.ago(60 * 24 * 20), finalizers=["fluxcd.controlplane.io/finalizer"]),
        "spec": {"distribution": {"version": "2.x", "registry": "ghcr.io/fluxcd",
                                  "artifact": "oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests"},
                 "components": list(CONTROLLERS),
                 "cluster": {"type": "kubernetes", "multitenant": False, "networkPolicy": True,
                             "domain": "cluster.local"},
                 "sync": {"kind": "GitRepository", "url": "ssh://git@github.com/acme/fleet-infra",
                          "ref": "refs/heads/main",
                          "path": "clusters/production", "pullSecret": "flux-system"}},
        "status": {"lastAppliedRevision": rev, "lastAttemptedRevision": rev,
                   "lastArtifactRevision": f"latest@{digest('flux-operator-manifests')}",
                   "components": [{"name": c, "repository": f"ghcr.io/fluxcd/{c}", "tag": "v1.7.0",
                                   "digest": digest(f"image/{c}")} for c in CONTROLLERS],
                   "conditions": ready_conditions("ReconciliationSucceeded",
                                                  "Reconciliation finished in 3s", clock.ago(60 * 24 * 2)),
                   "inventory": {"entries": [inventory_entry("", "flux-system", "", "Namespace", "v1")] + [
                       inventory_entry(ns, c, "apps", "Deployment", "v1") for c in CONTROLLERS]}},
    }))
    stats = [
        (SRC_V1, "GitRepository", 5, 1), (SRC_V1, "HelmRepository", 2, 0), (SRC_V1, "HelmChart", 2, 0),
        (SRC_V1, "OCIRepository", 1, 0), (KS_V1, "Kustomization", 15, 7),
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease", 2, 1),
    ]
    fleet.add(set_uid({
        "apiVersion": OP_V1, "kind": "FluxReport",
        "metadata": meta("flux", ns, created=clock.ago(60 * 24 * 20),
                         labels={"app.kubernetes.io/managed-by": "flux-operator"}),
        "spec": {
            "distribution": {"entitlement": "Issued by controlplane", "status": "Installed", "version": "v2.9.0",
                             "managedBy": "FluxInstance/flux-system/flux"},
            "cluster": {"serverVersion": "v1.34.1", "platform": "linux/amd64", "nodes": 1},
            "operator": {"apiVersion": "fluxcd.controlplane.io/v1", "version": "v0.33.0", "platform": "linux/amd64"},
            "components": [{"name": c, "image": f"ghcr.io/fluxcd/{c}:v1.7.0@{digest(f'image/{c}')}",
                            "ready": True, "status": "Current Deployment is available. Replicas: 1"}
                           for c in CONTROLLERS],
            "reconcilers": [{"apiVersion": av, "kind": k,
                             "stats": {"running": total - failing, "failing": failing, "suspended": 0,
                                       "totalSize": "1.2 MiB" if k.endswith("Repository") else ""}}
                            for av, k, total, failing in stats],
            "sync": {"id": "kustomization/flux-system", "path": "clusters/production", "ready": True,
                     "source": "ssh://git@github.com/acme/fleet-infra", "status": f"Applied revision: "
                     f"{flux_system_revision()}"},
        },
        "status": {"conditions": ready_conditions("ReconciliationSucceeded", "Reporting finished in 120ms",
                                                  clock.ago(5))},
    }))
    set_labels = {"resourceset.fluxcd.controlplane.io/name": "tenants",
                  "resourceset.fluxcd.controlplane.io/namespace": ns}
    entries: list[Obj] = []
    for tenant in ("team-alpha", "team-beta"):
        fleet.add(namespace(tenant, clock.ago(60 * 24 * 10), set_labels))
        fleet.add(git_repository(clock, tenant, tenant, f"https://github.com/acme/{tenant}", labels=set_labels))
        fleet.add(kustomization(clock, tenant, tenant, ("GitRepository", tenant, None), "./deploy",
                                git_revision(f"{tenant}/{tenant}"), labels=set_labels, inventory=[]))
        entries += [inventory_entry("", tenant, "", "Namespace", "v1"),
                    inventory_entry(tenant, tenant, "source.toolkit.fluxcd.io", "GitRepository", "v1"),
                    inventory_entry(tenant, tenant, "kustomize.toolkit.fluxcd.io", "Kustomization", "v1")]
    fleet.add(set_uid({
        "apiVersion": OP_V1, "kind": "ResourceSet",
        "metadata": meta("tenants", ns, created=clock.ago(60 * 24 * 10),
                         finalizers=["fluxcd.controlplane.io/finalizer"]),
        "spec": {
            "inputs": [{"tenant": "team-alpha"}, {"tenant": "team-beta"}],
            "resources": [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "<< inputs.tenant >>"}},
                {"apiVersion": SRC_V1, "kind": "GitRepository",
                 "metadata": {"name": "<< inputs.tenant >>", "namespace": "<< inputs.tenant >>"},
                 "spec": {"interval": "1m", "url": "https://github.com/acme/<< inputs.tenant >>",
                          "ref": {"branch": "main"}}},
                {"apiVersion": KS_V1, "kind": "Kustomization",
                 "metadata": {"name": "<< inputs.tenant >>", "namespace": "<< inputs.tenant >>"},
                 "spec": {"interval": "10m", "path": "./deploy", "prune": True,
                          "sourceRef": {"kind": "GitRepository", "name": "<< inputs.tenant >>"}}},
            ],
        },
        "status": {"lastAppliedRevision": digest("resourceset/tenants/inputs"),
                   "inventory": {"entries": entries},
                   "conditions": ready_conditions("ReconciliationSucceeded", "Reconciliation finished in 312ms",
                                                  clock.ago(60 * 24))},
    }))


def _tenant(fleet: Fleet, clock: Clock, i: int) -> None:
    ns = f"tenant-{i:04d}"
    fleet.add(namespace(ns, clock.ago(60 * 24 * 15), {"toolkit.fluxcd.io/tenant": ns}))
    git_failure = None
    if i % 10 == 7:
        git_failure = Failure("GitOperationFailed", f"failed to checkout and determine revision: unable to clone "
                              f"'https://github.com/acme/{ns}': authentication required: Repository not found.")
        fleet.failures[("GitRepository", ns, ns)] = git_failure
    rev = git_revision(f"{ns}/{ns}")
    fleet.add(git_repository(clock, ns, ns, f"https://github.com/acme/{ns}", revision=rev, failure=git_failure))
    ks_failure = Failure("ArtifactFailed", "Source artifact not found, retrying in 30s") if git_failure else None
    fleet.add(kustomization(clock, ns, ns, ("GitRepository", ns, None), "./deploy",
                            None if git_failure else rev, failure=ks_failure,
                            inventory=[] if not git_failure else None))
    fleet.add(helm_repository(clock, "charts", ns, "https://charts.acme.example/tenants"))
    fleet.add(helm_chart(clock, "app", ns, "charts", ns, "tenant-app", "1.x", "1.4.2"))
    hr_failure = None
    if i % 10 == 3:
        hr_failure = Failure("InstallFailed", f"Helm install failed for release {ns}/app with chart "
                             "tenant-app@1.4.2: context deadline exceeded",
                             "RetriesExceeded", "Failed to install after 4 attempt(s)")
        fleet.failures[("HelmRelease", ns, "app")] = hr_failure
        hist = [release_snapshot(clock, "app", ns, 1, "tenant-app", "1.4.2", "1.4.2", "failed", 60, "install")]
    else:
        hist = [release_snapshot(clock, "app", ns, 1, "tenant-app", "1.4.2", "1.4.2", "deployed", 60 * 24, "install")]
    fleet.add(helm_release(clock, "app", ns, "charts", ns, "tenant-app", "1.x", "1.4.2", hist, failure=hr_failure,
                           install_failure=hr_failure is not None,
                           inventory=[inventory_entry(ns, "app", "apps", "Deployment", "v1")]))
