"""The API surface the sandbox serves: resource types, discovery documents and CRDs.

The Flux entries mirror the Flux 2.9 and flux-operator CRDs (served/storage version, plural,
short names, categories, printer columns). They are written here, not read from any CRD file,
so the sandbox runs on a fresh clone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flux_mcp.sandbox.schemas import crd_schema

READ_VERBS = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")

_READY = '.status.conditions[?(@.type=="Ready")].status'
_STATUS = '.status.conditions[?(@.type=="Ready")].message'
_AGE = ("Age", "date", ".metadata.creationTimestamp")
_READY_STATUS = (("Ready", "string", _READY), ("Status", "string", _STATUS))

PrinterColumn = tuple[str, str, str]
"""(name, type, jsonPath) of a CRD additionalPrinterColumn."""


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    printer_columns: tuple[PrinterColumn, ...] = ()
    crd: bool = False
    has_generation: bool = True
    virtual: bool = False
    """Served by a handler, not stored (metrics, access reviews)."""
    list_kind: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.group}/{self.plural}"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """The `resource.group` form used in Kubernetes error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status_subresource(self) -> bool:
        return "status" in self.subresources


def _core(kind: str, plural: str, **kw: Any) -> ResourceType:
    return ResourceType("", "v1", kind, plural, **kw)


def _flux(
    group: str,
    version: str,
    kind: str,
    plural: str,
    short: tuple[str, ...] = (),
    categories: tuple[str, ...] = ("all", "fluxcd"),
    columns: tuple[PrinterColumn, ...] = (_AGE, *_READY_STATUS),
    status: bool = True,
) -> ResourceType:
    return ResourceType(
        group, version, kind, plural, short_names=short, categories=categories,
        subresources=("status",) if status else (), printer_columns=columns, crd=True,
    )


SRC = "source.toolkit.fluxcd.io"
KS = "kustomize.toolkit.fluxcd.io"
HELM = "helm.toolkit.fluxcd.io"
NOTIF = "notification.toolkit.fluxcd.io"
IMG = "image.toolkit.fluxcd.io"
SRCX = "source.extensions.fluxcd.io"
OP = "fluxcd.controlplane.io"

_SOURCES = ("all", "fluxcd", "fluxcd-sources")
_APPLIERS = ("all", "fluxcd", "fluxcd-appliers")
_IMAGES = ("all", "fluxcd", "fluxcd-images")
_NOTIFS = ("all", "fluxcd", "fluxcd-notifications")

FLUX_TYPES: tuple[ResourceType, ...] = (
    _flux(SRC, "v1", "GitRepository", "gitrepositories", ("gitrepo",), _SOURCES,
          (("URL", "string", ".spec.url"), _AGE, *_READY_STATUS)),
    _flux(SRC, "v1", "OCIRepository", "ocirepositories", ("ocirepo",), _SOURCES,
          (("URL", "string", ".spec.url"), *_READY_STATUS, _AGE)),
    _flux(SRC, "v1", "Bucket", "buckets", (), _SOURCES,
          (("Endpoint", "string", ".spec.endpoint"), _AGE, *_READY_STATUS)),
    _flux(SRC, "v1", "HelmRepository", "helmrepositories", ("helmrepo",), _SOURCES,
          (("URL", "string", ".spec.url"), _AGE, *_READY_STATUS)),
    _flux(SRC, "v1", "HelmChart", "helmcharts", ("hc",), _SOURCES,
          (("Chart", "string", ".spec.chart"), ("Version", "string", ".spec.version"),
           ("Source Kind", "string", ".spec.sourceRef.kind"),
           ("Source Name", "string", ".spec.sourceRef.name"), _AGE, *_READY_STATUS)),
    _flux(SRC, "v1", "ExternalArtifact", "externalartifacts", ("ea",), _SOURCES,
          (_AGE, *_READY_STATUS, ("Source", "string", ".spec.sourceRef.name"))),
    _flux(SRCX, "v1beta1", "ArtifactGenerator", "artifactgenerators", ("ag",), _SOURCES),
    _flux(KS, "v1", "Kustomization", "kustomizations", ("ks",), _APPLIERS),
    _flux(HELM, "v2", "HelmRelease", "helmreleases", ("hr",), _APPLIERS),
    _flux(NOTIF, "v1beta3", "Alert", "alerts", (), _NOTIFS, (_AGE,), status=False),
    _flux(NOTIF, "v1beta3", "Provider", "providers", (), _NOTIFS, (_AGE,), status=False),
    _flux(NOTIF, "v1", "Receiver", "receivers", (), _NOTIFS),
    _flux(IMG, "v1", "ImageRepository", "imagerepositories", ("imgrepo", "imagerepo"), _IMAGES,
          (("Image", "string", ".spec.image"), ("Tags", "integer", ".status.lastScanResult.tagCount"),
           *_READY_STATUS, ("Last scan", "string", ".status.lastScanResult.scanTime"), _AGE)),
    _flux(IMG, "v1", "ImagePolicy", "imagepolicies", ("imgpol", "imagepol"), _IMAGES,
          (("Image", "string", ".status.latestRef.name"), ("Tag", "string", ".status.latestRef.tag"),
           *_READY_STATUS, _AGE)),
    _flux(IMG, "v1", "ImageUpdateAutomation", "imageupdateautomations", ("iua", "imgupd", "imgauto"),
          _IMAGES, (*_READY_STATUS, ("Last run", "string", ".status.lastAutomationRunTime"), _AGE)),
)

OPERATOR_TYPES: tuple[ResourceType, ...] = (
    _flux(OP, "v1", "FluxInstance", "fluxinstances", (), ("fluxcd", "fluxcd-appliers"),
          (_AGE, *_READY_STATUS, ("Revision", "string", ".status.lastAttemptedRevision"))),
    _flux(OP, "v1", "FluxReport", "fluxreports", (), ("fluxcd",),
          (("Entitlement", "string", ".spec.distribution.entitlement"), _AGE, *_READY_STATUS,
           ("LastUpdated", "date", '.status.conditions[?(@.type=="Ready")].lastTransitionTime'))),
    _flux(OP, "v1", "ResourceSet", "resourcesets", ("rset",), _APPLIERS),
    _flux(OP, "v1", "ResourceSetInputProvider", "resourcesetinputproviders", ("rsip",), _SOURCES),
)

_WORKLOAD = ("status", "scale")

CORE_TYPES: tuple[ResourceType, ...] = (
    # A real API server has no deletecollection for namespaces (each one is finalized on its own).
    _core("Namespace", "namespaces", namespaced=False, short_names=("ns",), subresources=("status",),
          has_generation=False, verbs=tuple(v for v in ALL_VERBS if v != "deletecollection")),
    _core("Node", "nodes", namespaced=False, short_names=("no",), subresources=("status",),
          has_generation=False),
    _core("Pod", "pods", short_names=("po",), subresources=("status", "log"), categories=("all",),
          has_generation=False),
    _core("Service", "services", short_names=("svc",), subresources=("status",), categories=("all",),
          has_generation=False),
    _core("ConfigMap", "configmaps", short_names=("cm",), has_generation=False),
    _core("Secret", "secrets", has_generation=False),
    _core("ServiceAccount", "serviceaccounts", short_names=("sa",), has_generation=False),
    _core("Event", "events", short_names=("ev",), has_generation=False),
    ResourceType("apps", "v1", "Deployment", "deployments", short_names=("deploy",),
                 subresources=_WORKLOAD, categories=("all",)),
    ResourceType("apps", "v1", "ReplicaSet", "replicasets", short_names=("rs",),
                 subresources=_WORKLOAD, categories=("all",)),
    ResourceType("apps", "v1", "StatefulSet", "statefulsets", short_names=("sts",),
                 subresources=_WORKLOAD, categories=("all",)),
    ResourceType("apps", "v1", "DaemonSet", "daemonsets", short_names=("ds",),
                 subresources=("status",), categories=("all",)),
    ResourceType("batch", "v1", "Job", "jobs", subresources=("status",), categories=("all",)),
    ResourceType("batch", "v1", "CronJob", "cronjobs", short_names=("cj",), subresources=("status",),
                 categories=("all",)),
    ResourceType("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
                 namespaced=False, short_names=("crd", "crds"), subresources=("status",),
                 categories=("api-extensions",)),
    ResourceType("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                 namespaced=False, verbs=("create",), virtual=True, has_generation=False),
    ResourceType("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews",
                 namespaced=False, verbs=("create",), virtual=True, has_generation=False),
)

METRICS_TYPES: tuple[ResourceType, ...] = (
    ResourceType("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", verbs=READ_VERBS, virtual=True,
                 has_generation=False),
    ResourceType("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", namespaced=False, verbs=READ_VERBS,
                 virtual=True, has_generation=False),
)


class Catalog:
    """The resource types one sandbox serves, and the discovery documents derived from them."""

    def __init__(self, operator: bool = True, metrics: bool = True) -> None:
        types = [*CORE_TYPES, *FLUX_TYPES]
        if operator:
            types += OPERATOR_TYPES
        if metrics:
            types += METRICS_TYPES
        self.types: tuple[ResourceType, ...] = tuple(types)
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {
            (t.group, t.version, t.plural): t for t in self.types
        }
        self._by_gk: dict[tuple[str, str], ResourceType] = {(t.group, t.kind): t for t in self.types}

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvr.get((group, version, plural))

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        return self._by_gk.get((group, kind))

    def by_api_version(self, api_version: str, kind: str) -> ResourceType | None:
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        rt = self._by_gk.get((group, kind))
        if rt is None or rt.api_version != api_version:
            return None
        return rt

    @property
    def crd_types(self) -> tuple[ResourceType, ...]:
        return tuple(t for t in self.types if t.crd)

    def group_versions(self) -> dict[str, list[str]]:
        """Group → versions, preferred (GA first, then newest beta) first."""
        out: dict[str, list[str]] = {}
        for t in self.types:
            versions = out.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        for versions in out.values():
            versions.sort(key=_version_priority)
        return out

    # --- discovery documents -------------------------------------------------------------------

    def api_versions(self, server_address: str) -> dict[str, Any]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
        }

    def api_group(self, group: str) -> dict[str, Any] | None:
        versions = self.group_versions().get(group)
        if not versions or not group:
            return None
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def api_group_list(self) -> dict[str, Any]:
        groups = [self.api_group(g) for g in self.group_versions() if g]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [g for g in groups if g]}

    def api_resource_list(self, group: str, version: str) -> dict[str, Any] | None:
        members = [t for t in self.types if t.group == group and t.version == version]
        if not members:
            return None
        resources: list[dict[str, Any]] = []
        for t in members:
            entry: dict[str, Any] = {
                "name": t.plural,
                "singularName": t.singular if not t.virtual or t.group != "metrics.k8s.io" else "",
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": list(t.verbs),
            }
            if t.short_names:
                entry["shortNames"] = list(t.short_names)
            if t.categories:
                entry["categories"] = list(t.categories)
            resources.append(entry)
            for sub in t.subresources:
                sub_kind, sub_verbs = _SUBRESOURCE_SHAPES[sub]
                resources.append({
                    "name": f"{t.plural}/{sub}",
                    "singularName": "",
                    "namespaced": t.namespaced,
                    "kind": sub_kind or t.kind,
                    "verbs": list(sub_verbs),
                })
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources,
        }

    def aggregated_discovery(self, core: bool) -> dict[str, Any]:
        """/api (core=True) or /apis as an APIGroupDiscoveryList (apidiscovery.k8s.io/v2), in the shape
        kube-apiserver 1.37 writes it: versions preferred first, subresources nested in their resource,
        responseKind's group and version empty for built-in groups and filled for custom resources."""
        items = []
        for group, versions in self.group_versions().items():
            if bool(group) == core:
                continue
            entries = []
            for version in versions:
                resources = [self._aggregated_resource(t) for t in self.types
                             if t.group == group and t.version == version]
                entry: dict[str, Any] = {"version": version, "resources": resources}
                if any(t.crd for t in self.types if t.group == group):
                    entry["freshness"] = "Current"
                entries.append(entry)
            items.append({"metadata": {"name": group} if group else {}, "versions": entries})
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
                "items": items}

    @staticmethod
    def _aggregated_resource(t: ResourceType) -> dict[str, Any]:
        def kind_of(kind: str) -> dict[str, str]:
            return {"group": t.group if t.crd else "", "version": t.version if t.crd else "", "kind": kind}

        entry: dict[str, Any] = {
            "resource": t.plural, "responseKind": kind_of(t.kind),
            "scope": "Namespaced" if t.namespaced else "Cluster",
            "singularResource": t.singular if not t.virtual or t.group != "metrics.k8s.io" else "",
            "verbs": list(t.verbs),
        }
        if t.short_names:
            entry["shortNames"] = list(t.short_names)
        if t.categories:
            entry["categories"] = list(t.categories)
        subresources = []
        for sub in t.subresources:
            sub_kind, sub_verbs = _SUBRESOURCE_SHAPES[sub]
            response = ({"group": "autoscaling", "version": "v1", "kind": "Scale"} if sub == "scale"
                        else kind_of(sub_kind or t.kind))
            subresources.append({"subresource": sub, "responseKind": response, "verbs": list(sub_verbs)})
        if subresources:
            entry["subresources"] = subresources
        return entry

    def crd_object(self, t: ResourceType, created: str, uid: str) -> dict[str, Any]:
        """A CustomResourceDefinition as the API server returns it."""
        name = f"{t.plural}.{t.group}"
        version: dict[str, Any] = {
            "name": t.version,
            "served": True,
            "storage": True,
            "schema": {"openAPIV3Schema": crd_schema(t.kind)},
            "additionalPrinterColumns": [
                {"name": n, "type": typ, "jsonPath": path} for n, typ, path in t.printer_columns
            ],
        }
        if t.has_status_subresource:
            version["subresources"] = {"status": {}}
        names: dict[str, Any] = {
            "kind": t.kind, "listKind": f"{t.kind}List", "plural": t.plural, "singular": t.singular,
        }
        if t.short_names:
            names["shortNames"] = list(t.short_names)
        if t.categories:
            names["categories"] = list(t.categories)
        return {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {
                "name": name,
                "uid": uid,
                "creationTimestamp": created,
                "generation": 1,
                "labels": _crd_labels(t.group),
            },
            "spec": {
                "group": t.group,
                "names": names,
                "scope": "Namespaced" if t.namespaced else "Cluster",
                "versions": [version],
                "conversion": {"strategy": "None"},
            },
            "status": {
                "acceptedNames": names,
                "storedVersions": [t.version],
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                     "message": "no conflicts found", "lastTransitionTime": created},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": created},
                ],
            },
        }


_SUBRESOURCE_SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "status": ("", ("get", "patch", "update")),
    "scale": ("Scale", ("get", "patch", "update")),
    "log": ("Pod", ("get",)),
}


def _crd_labels(group: str) -> dict[str, str]:
    if group == OP:
        return {"app.kubernetes.io/name": "flux-operator"}
    return {
        "app.kubernetes.io/component": _COMPONENT_BY_GROUP.get(group, "source-controller"),
        "app.kubernetes.io/instance": "flux-system",
        "app.kubernetes.io/part-of": "flux",
        "app.kubernetes.io/version": "v2.9.0",
    }


_COMPONENT_BY_GROUP = {
    SRC: "source-controller",
    KS: "kustomize-controller",
    HELM: "helm-controller",
    NOTIF: "notification-controller",
    IMG: "image-reflector-controller",
    SRCX: "source-watcher",
}


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA > beta > alpha, higher numbers first."""
    import re

    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0)
    major = int(m.group(1))
    stage = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    minor = int(m.group(3) or 0)
    return (stage, -major, -minor)
