"""Small named builders of Flux and Kubernetes objects for unit tests.

Every builder returns a plain dict shaped like what the API server returns. Status is described
by intent (`ready=True/False/None`, `reason`, `message`, `stalled`, `reconciling`, `suspend`) and
the builder writes the matching conditions. References are written as `"Kind/name"` or
`"Kind/namespace/name"` strings; dependsOn entries as `"name"` or `"namespace/name"`.

    repo = git_repository("billing", "team-billing", ready=False, reason="GitOperationFailed")
    ks = kustomization("billing-infra", "team-billing", source="GitRepository/billing",
                       ready=False, reason="ArtifactFailed")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

API_VERSIONS: dict[str, str] = {
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1",
    "Bucket": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "HelmChart": "source.toolkit.fluxcd.io/v1",
    "ExternalArtifact": "source.toolkit.fluxcd.io/v1",
    "ArtifactGenerator": "source.extensions.fluxcd.io/v1beta1",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "Alert": "notification.toolkit.fluxcd.io/v1beta3",
    "Provider": "notification.toolkit.fluxcd.io/v1beta3",
    "Receiver": "notification.toolkit.fluxcd.io/v1",
    "ImageRepository": "image.toolkit.fluxcd.io/v1",
    "ImagePolicy": "image.toolkit.fluxcd.io/v1",
    "ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
    "FluxInstance": "fluxcd.controlplane.io/v1",
    "FluxReport": "fluxcd.controlplane.io/v1",
    "ResourceSet": "fluxcd.controlplane.io/v1",
    "ResourceSetInputProvider": "fluxcd.controlplane.io/v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Pod": "v1",
    "Service": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "CustomResourceDefinition": "apiextensions.k8s.io/v1",
}

GIT_REVISION = "main@sha1:4f2d8c3a9b1e7d6c5f4a3b2c1d0e9f8a7b6c5d4e"
TIME = "2026-01-01T00:00:00Z"

OWNER_LABELS = {
    "Kustomization": "kustomize.toolkit.fluxcd.io",
    "HelmRelease": "helm.toolkit.fluxcd.io",
    "ResourceSet": "resourceset.fluxcd.controlplane.io",
    "FluxInstance": "fluxcd.controlplane.io",
}


# -- pieces ---------------------------------------------------------------------------------------


def condition(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {
        "type": type_, "status": status, "reason": reason, "message": message,
        "lastTransitionTime": TIME, "observedGeneration": 1,
    }


def conditions(
    ready: bool | None, reason: str = "", message: str = "", *, stalled: bool = False,
    stalled_reason: str = "", reconciling: bool = False,
) -> list[dict[str, Any]]:
    """Ready (+ Stalled, Reconciling) conditions for a status described by intent."""
    if ready is None and not reconciling:
        return []
    result: list[dict[str, Any]] = []
    if ready is not None:
        default = "ReconciliationSucceeded" if ready else "ReconciliationFailed"
        result.append(condition("Ready", "True" if ready else "False", reason or default, message))
    if stalled:
        result.append(condition("Stalled", "True", stalled_reason or reason or "Stalled", message))
    if reconciling:
        result.append(condition("Reconciling", "True", "Progressing", message or "reconciliation in progress"))
    return result


def split_ref(ref: str, namespace: str) -> tuple[str, str, str]:
    """`"Kind/name"` or `"Kind/ns/name"` → (kind, namespace, name)."""
    parts = ref.split("/")
    if len(parts) == 2:
        return parts[0], namespace, parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise ValueError(f"reference {ref!r}: want Kind/name or Kind/namespace/name")


def source_ref(ref: str, namespace: str, *, cross_namespace: bool | None = None) -> dict[str, Any]:
    """A `sourceRef` dict; the namespace is written only when given in `ref`."""
    kind, ref_namespace, name = split_ref(ref, namespace)
    result: dict[str, Any] = {"kind": kind, "name": name}
    if ref.count("/") == 2 or cross_namespace:
        result["namespace"] = ref_namespace
    return result


def depends_on_entries(depends_on: Iterable[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for dependency in depends_on:
        if "/" in dependency:
            namespace, name = dependency.split("/", 1)
            entries.append({"name": name, "namespace": namespace})
        else:
            entries.append({"name": dependency})
    return entries


def inventory_id(kind: str, namespace: str, name: str, group: str = "") -> str:
    """A Flux inventory id `<namespace>_<name>_<group>_<kind>`."""
    return f"{namespace}_{name}_{group}_{kind}"


def inventory(*entries: tuple[str, str, str] | str) -> list[dict[str, str]]:
    """Inventory entries from ("Kind", "ns", "name") tuples (group looked up) or raw ids."""
    result: list[dict[str, str]] = []
    for entry in entries:
        if isinstance(entry, str):
            result.append({"id": entry, "v": "v1"})
            continue
        kind, namespace, name = entry
        api_version = API_VERSIONS.get(kind, "v1")
        group, _, version = api_version.rpartition("/")
        result.append({"id": inventory_id(kind, namespace, name, group), "v": version})
    return result


def owner_labels(owner: str, namespace: str) -> dict[str, str]:
    """Labels an applier stamps on what it applies, for `owner` = "Kind/name" or "Kind/ns/name"."""
    kind, owner_namespace, name = split_ref(owner, namespace)
    prefix = OWNER_LABELS[kind]
    return {f"{prefix}/name": name, f"{prefix}/namespace": owner_namespace}


def flux_object(
    kind: str, name: str, namespace: str = "flux-system", *, spec: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None, ready: bool | None = True, reason: str = "", message: str = "",
    stalled: bool = False, stalled_reason: str = "", reconciling: bool = False, suspend: bool = False,
    labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
    managed_by: str | None = None, generation: int = 1, observed_generation: int | None = None,
    inventory_entries: Sequence[tuple[str, str, str] | str] | None = None,
) -> dict[str, Any]:
    """Any Flux object; the kind-named builders below fill in spec and status fields."""
    all_labels = dict(labels or {})
    if managed_by:
        all_labels.update(owner_labels(managed_by, namespace))
    metadata: dict[str, Any] = {
        "name": name, "namespace": namespace, "generation": generation, "uid": f"uid-{kind}-{namespace}-{name}",
        "resourceVersion": "1", "creationTimestamp": TIME,
    }
    if all_labels:
        metadata["labels"] = all_labels
    if annotations:
        metadata["annotations"] = dict(annotations)
    full_spec = dict(spec or {})
    if suspend:
        full_spec["suspend"] = True
    full_status = dict(status or {})
    conds = conditions(
        ready, reason, message, stalled=stalled, stalled_reason=stalled_reason, reconciling=reconciling,
    )
    if conds:
        full_status["conditions"] = conds
        full_status.setdefault("observedGeneration", generation if observed_generation is None else observed_generation)
    if inventory_entries is not None:
        full_status["inventory"] = {"entries": inventory(*inventory_entries)}
    obj: dict[str, Any] = {"apiVersion": API_VERSIONS[kind], "kind": kind, "metadata": metadata, "spec": full_spec}
    if full_status:
        obj["status"] = full_status
    return obj


def _artifact(revision: str) -> dict[str, Any]:
    return {"revision": revision, "digest": "sha256:0000", "lastUpdateTime": TIME, "path": "x", "url": "http://x"}


# -- sources --------------------------------------------------------------------------------------


def git_repository(
    name: str, namespace: str = "flux-system", *, url: str = "", revision: str = GIT_REVISION,
    secret_ref: str | None = None, ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"url": url or f"https://github.com/example/{name}", "interval": "1m",
                            "ref": {"branch": "main"}}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    status = {"artifact": _artifact(revision)} if ready and revision else {}
    return flux_object("GitRepository", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


def oci_repository(
    name: str, namespace: str = "flux-system", *, url: str = "", revision: str = "latest@sha256:abc",
    ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec = {"url": url or f"oci://ghcr.io/example/{name}", "interval": "5m", "ref": {"tag": "latest"}}
    status = {"artifact": _artifact(revision)} if ready and revision else {}
    return flux_object("OCIRepository", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


def bucket(
    name: str, namespace: str = "flux-system", *, revision: str = "sha256:bucket", ready: bool | None = True,
    **kwargs: Any,
) -> dict[str, Any]:
    spec = {"bucketName": name, "endpoint": "minio.example.com", "interval": "5m"}
    status = {"artifact": _artifact(revision)} if ready and revision else {}
    return flux_object("Bucket", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


def helm_repository(
    name: str, namespace: str = "flux-system", *, url: str = "", oci: bool = False,
    ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"url": url or f"https://charts.example.com/{name}", "interval": "1h"}
    if oci:
        spec["type"] = "oci"
    status = {"artifact": _artifact("sha256:index")} if ready and not oci else {}
    return flux_object("HelmRepository", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


def helm_chart(
    name: str, namespace: str = "flux-system", *, source: str = "HelmRepository/charts", chart: str = "app",
    version: str = "1.0.0", ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec = {"chart": chart, "version": "*", "sourceRef": source_ref(source, namespace), "interval": "1h"}
    status = {"artifact": _artifact(version)} if ready and version else {}
    return flux_object("HelmChart", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


# -- appliers -------------------------------------------------------------------------------------


def kustomization(
    name: str, namespace: str = "flux-system", *, source: str | None = "GitRepository/flux-system/flux-system",
    depends_on: Sequence[str] = (), path: str = "./", applied_revision: str | None = GIT_REVISION,
    inventory: Sequence[tuple[str, str, str] | str] | None = None, ready: bool | None = True,
    **kwargs: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": "10m", "path": path, "prune": True}
    if source:
        spec["sourceRef"] = source_ref(source, namespace)
    if depends_on:
        spec["dependsOn"] = depends_on_entries(depends_on)
    status: dict[str, Any] = {}
    if applied_revision and ready is not None:
        status["lastAttemptedRevision"] = applied_revision
        if ready:
            status["lastAppliedRevision"] = applied_revision
    return flux_object(
        "Kustomization", name, namespace, spec=spec, status=status, ready=ready, inventory_entries=inventory,
        **kwargs,
    )


def helm_release(
    name: str, namespace: str = "flux-system", *, chart: str | None = "HelmRepository/charts",
    chart_name: str = "", chart_ref: str | None = None, depends_on: Sequence[str] = (),
    helm_chart_status: str | None = "", chart_version: str = "1.0.0",
    inventory: Sequence[tuple[str, str, str] | str] | None = None, ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    """A HelmRelease using `chart_ref` (spec.chartRef) or else `chart` (spec.chart.spec.sourceRef).

    `helm_chart_status` is written to status.helmChart: "" derives `<sourceNs>/<ns>-<name>` the way
    helm-controller does, None leaves it out.
    """
    spec: dict[str, Any] = {"interval": "10m", "releaseName": name}
    status: dict[str, Any] = {}
    if chart_ref:
        spec["chartRef"] = source_ref(chart_ref, namespace)
    elif chart:
        ref = source_ref(chart, namespace)
        spec["chart"] = {"spec": {"chart": chart_name or name, "version": "*", "sourceRef": ref}}
        if helm_chart_status is not None:
            status["helmChart"] = helm_chart_status or f"{ref.get('namespace', namespace)}/{namespace}-{name}"
    if depends_on:
        spec["dependsOn"] = depends_on_entries(depends_on)
    if ready is not None:
        status["lastAttemptedRevision"] = chart_version
        status["history"] = [{
            "chartName": chart_name or name, "chartVersion": chart_version, "version": 1,
            "status": "deployed" if ready else "failed", "name": name, "namespace": namespace,
        }]
    return flux_object(
        "HelmRelease", name, namespace, spec=spec, status=status, ready=ready, inventory_entries=inventory,
        **kwargs,
    )


def resource_set(
    name: str, namespace: str = "flux-system", *, depends_on: Sequence[str] = (),
    inventory: Sequence[tuple[str, str, str] | str] | None = None, ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"inputs": [], "resources": []}
    if depends_on:
        spec["dependsOn"] = [
            {"apiVersion": API_VERSIONS["ResourceSet"], "kind": "ResourceSet", **entry}
            for entry in depends_on_entries(depends_on)
        ]
    return flux_object(
        "ResourceSet", name, namespace, spec=spec, ready=ready, inventory_entries=inventory, **kwargs,
    )


def flux_instance(
    name: str = "flux", namespace: str = "flux-system", *,
    inventory: Sequence[tuple[str, str, str] | str] | None = None, ready: bool | None = True, **kwargs: Any,
) -> dict[str, Any]:
    spec = {"distribution": {"version": "2.x", "registry": "ghcr.io/fluxcd"}}
    return flux_object(
        "FluxInstance", name, namespace, spec=spec, ready=ready, inventory_entries=inventory, **kwargs,
    )


# -- notifications and image automation ----------------------------------------------------------


def provider(name: str, namespace: str = "flux-system", *, secret_ref: str | None = None,
             **kwargs: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "slack", "channel": "alerts"}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    kwargs.setdefault("ready", None)  # notification.toolkit.fluxcd.io/v1beta3 Providers have no status
    return flux_object("Provider", name, namespace, spec=spec, **kwargs)


def alert(name: str, namespace: str = "flux-system", *, provider_name: str = "slack",
          **kwargs: Any) -> dict[str, Any]:
    spec = {
        "providerRef": {"name": provider_name}, "eventSeverity": "error",
        "eventSources": [{"kind": "Kustomization", "name": "*"}],
    }
    kwargs.setdefault("ready", None)
    return flux_object("Alert", name, namespace, spec=spec, **kwargs)


def image_repository(name: str, namespace: str = "flux-system", *, image: str = "",
                     ready: bool | None = True, **kwargs: Any) -> dict[str, Any]:
    spec = {"image": image or f"ghcr.io/example/{name}", "interval": "5m"}
    status = {"lastScanResult": {"tagCount": 3, "scanTime": TIME}} if ready else {}
    return flux_object("ImageRepository", name, namespace, spec=spec, status=status, ready=ready, **kwargs)


def image_policy(name: str, namespace: str = "flux-system", *, repository: str = "",
                 repository_namespace: str | None = None, ready: bool | None = True,
                 **kwargs: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": repository or name}
    if repository_namespace:
        ref["namespace"] = repository_namespace
    spec = {"imageRepositoryRef": ref, "policy": {"semver": {"range": ">=1.0.0"}}}
    return flux_object("ImagePolicy", name, namespace, spec=spec, ready=ready, **kwargs)


def image_update_automation(name: str, namespace: str = "flux-system", *,
                            source: str = "GitRepository/flux-system", ready: bool | None = True,
                            **kwargs: Any) -> dict[str, Any]:
    spec = {"sourceRef": source_ref(source, namespace), "interval": "30m",
            "git": {"commit": {"author": {"name": "fluxbot", "email": "flux@example.com"}}}}
    return flux_object("ImageUpdateAutomation", name, namespace, spec=spec, ready=ready, **kwargs)


# -- plain Kubernetes objects ---------------------------------------------------------------------


def k8s_object(kind: str, name: str, namespace: str = "default", *, managed_by: str | None = None,
               labels: dict[str, str] | None = None, spec: dict[str, Any] | None = None,
               status: dict[str, Any] | None = None,
               owner_references: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    all_labels = dict(labels or {})
    if managed_by:
        all_labels.update(owner_labels(managed_by, namespace))
    metadata: dict[str, Any] = {"name": name, "uid": f"uid-{kind}-{namespace}-{name}"}
    if namespace:
        metadata["namespace"] = namespace
    if all_labels:
        metadata["labels"] = all_labels
    if owner_references:
        metadata["ownerReferences"] = list(owner_references)
    obj: dict[str, Any] = {"apiVersion": API_VERSIONS.get(kind, "v1"), "kind": kind, "metadata": metadata}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


def owner_reference(obj: dict[str, Any], controller: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"], "controller": controller,
    }


def deployment(name: str, namespace: str = "default", *, replicas: int = 1, ready_replicas: int | None = None,
               **kwargs: Any) -> dict[str, Any]:
    ready = replicas if ready_replicas is None else ready_replicas
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}}}
    status = {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready}
    kwargs.setdefault("labels", {"app": name})
    return k8s_object("Deployment", name, namespace, spec=spec, status=status, **kwargs)


def pod(name: str, namespace: str = "default", *, waiting_reason: str | None = None, restarts: int = 0,
        container: str = "app", owner: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    state: dict[str, Any] = (
        {"waiting": {"reason": waiting_reason, "message": f"back-off restarting failed container {container}"}}
        if waiting_reason else {"running": {"startedAt": TIME}}
    )
    status = {
        "phase": "Running",
        "containerStatuses": [{
            "name": container, "ready": waiting_reason is None, "restartCount": restarts, "state": state,
            "image": "example/app:1.0",
        }],
    }
    references = [owner_reference(owner)] if owner is not None else []
    return k8s_object(
        "Pod", name, namespace, spec={"containers": [{"name": container, "image": "example/app:1.0"}]},
        status=status, owner_references=references, **kwargs,
    )


# -- scenarios ------------------------------------------------------------------------------------


def sample_fleet() -> list[dict[str, Any]]:
    """A small fleet with one of each classic failure (mirrors the sandbox fleet's names)."""
    return [
        git_repository("flux-system", secret_ref="flux-system"),
        kustomization("flux-system", inventory=[
            ("Kustomization", "flux-system", "flux-system"), ("GitRepository", "flux-system", "flux-system"),
            ("Kustomization", "flux-system", "infra-controllers"), ("Kustomization", "flux-system", "infra-configs"),
            ("Kustomization", "flux-system", "apps"), ("Namespace", "", "team-billing"),
        ]),
        kustomization("infra-controllers", inventory=[("Namespace", "", "cert-manager"),
                                                      ("Deployment", "cert-manager", "cert-manager")]),
        kustomization("infra-configs", depends_on=["infra-controllers"]),
        kustomization("apps", depends_on=["infra-configs"], inventory=[("HelmRelease", "podinfo", "podinfo")]),
        helm_repository("podinfo", "podinfo"),
        helm_chart("podinfo-podinfo", "podinfo", source="HelmRepository/podinfo", version="6.9.2"),
        helm_release("podinfo", "podinfo", chart="HelmRepository/podinfo", chart_version="6.9.2",
                     inventory=[("Deployment", "podinfo", "podinfo"), ("Service", "podinfo", "podinfo")]),
        git_repository("billing", "team-billing", ready=False, reason="GitOperationFailed",
                       message="failed to checkout and determine revision: unable to clone "
                       "'https://deploy-bot:s3cr3t-t0ken@github.com/acme/billing': authentication required"),
        kustomization("billing-infra", "team-billing", source="GitRepository/billing", ready=False,
                      reason="ArtifactFailed", message="Source artifact not found, retrying in 30s"),
        kustomization("billing-config", "team-billing", source="GitRepository/billing", depends_on=["billing-infra"],
                      ready=False, reason="DependencyNotReady",
                      message="dependency 'team-billing/billing-infra' is not ready"),
        kustomization("billing-apps", "team-billing", source="GitRepository/billing", depends_on=["billing-config"],
                      ready=False, reason="DependencyNotReady",
                      message="dependency 'team-billing/billing-config' is not ready"),
        git_repository("data-repo", "team-data"),
        kustomization("data-infra", "team-data", source="GitRepository/data-repo", ready=False,
                      reason="ReconciliationFailed", message="Deployment/team-data/postgres dry-run failed",
                      inventory=[("Deployment", "team-data", "postgres")]),
        kustomization("data-apps", "team-data", source="GitRepository/data-repo", depends_on=["data-infra"],
                      ready=False, reason="DependencyNotReady"),
        kustomization("search", "team-search", source="GitRepository/search-repo", ready=False,
                      reason="ArtifactFailed", message="Source 'GitRepository/team-search/search-repo' not found"),
        helm_repository("bitnami", "team-web"),
        helm_chart("team-web-frontend", "team-web", source="HelmRepository/bitnami"),
        helm_release("frontend", "team-web", chart="HelmRepository/bitnami", ready=False, reason="UpgradeFailed",
                     stalled=True, stalled_reason="RetriesExceeded", message="Failed to upgrade after 4 attempt(s)"),
        kustomization("api", "team-api", source="GitRepository/flux-system/flux-system", ready=False,
                      reason="HealthCheckFailed", message="health check failed after 5m0s: timeout waiting for: "
                      "[Deployment/team-api/api-server status: 'InProgress']",
                      inventory=[("Deployment", "team-api", "api-server"), ("Service", "team-api", "api-server")]),
        kustomization("legacy", "team-legacy", suspend=True),
        image_repository("podinfo"),
        image_policy("podinfo", ready=False, reason="ReconciliationFailed",
                     message="cannot determine latest tag for policy"),
        image_update_automation("flux-system"),
        provider("slack", secret_ref="slack-webhook"),
        alert("on-call", provider_name="slack"),
    ]
