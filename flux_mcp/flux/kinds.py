"""The catalogue of Flux kinds: data, not code paths.

Behaviour that differs per kind (which controller serves it, whether it can be reconciled or
suspended, where its source reference lives) is looked up here instead of being switched on.
API versions are deliberately absent: they come from the cluster's discovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
FORCE_AT = "reconcile.fluxcd.io/forceAt"
RESET_AT = "reconcile.fluxcd.io/resetAt"
OPERATOR_RECONCILE = "fluxcd.controlplane.io/reconcile"
SOURCE_WATCHER_RECONCILE = "source.extensions.fluxcd.io/reconcile"

SuspendStyle = Literal["spec", "annotation"]

SOURCE_GROUP = "source.toolkit.fluxcd.io"
KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"
NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io"
IMAGE_GROUP = "image.toolkit.fluxcd.io"
SOURCE_EXTENSIONS_GROUP = "source.extensions.fluxcd.io"
OPERATOR_GROUP = "fluxcd.controlplane.io"


@dataclass(frozen=True)
class FluxKind:
    group: str
    kind: str
    plural: str
    component: str
    """The controller that serves the kind (also the Flux component to install when it is missing)."""
    short_names: tuple[str, ...] = ()
    reconcilable: bool = True
    static_reason: str = ""
    """Why the kind is never reconciled, when `reconcilable` is False."""
    suspend_style: SuspendStyle | None = "spec"
    suspend_annotation: str = ""
    source_ref_paths: tuple[tuple[str, ...], ...] = ()
    """Paths (inside the object) of references to the object this one consumes artifacts from."""
    is_source: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.kind.lower(), self.plural, *self.short_names)

    def is_static(self, obj: dict[str, object] | None = None) -> str:
        """The reason this object cannot be reconciled, or an empty string when it can."""
        if not self.reconcilable:
            return self.static_reason
        if obj is not None and self.kind == "HelmRepository":
            spec = obj.get("spec")
            if isinstance(spec, dict) and spec.get("type") == "oci":
                return (
                    "HelmRepository of type 'oci' is static: helm-controller pulls charts from the "
                    "registry directly, so there is nothing for source-controller to reconcile"
                )
        return ""


_SPEC_SOURCE_REF = (("spec", "sourceRef"),)

FLUX_KINDS: tuple[FluxKind, ...] = (
    FluxKind(SOURCE_GROUP, "GitRepository", "gitrepositories", "source-controller", ("gitrepo",), is_source=True),
    FluxKind(SOURCE_GROUP, "OCIRepository", "ocirepositories", "source-controller", ("ocirepo",), is_source=True),
    FluxKind(SOURCE_GROUP, "Bucket", "buckets", "source-controller", is_source=True),
    FluxKind(SOURCE_GROUP, "HelmRepository", "helmrepositories", "source-controller", ("helmrepo",), is_source=True),
    FluxKind(
        SOURCE_GROUP, "HelmChart", "helmcharts", "source-controller", ("hc",),
        source_ref_paths=_SPEC_SOURCE_REF, is_source=True,
    ),
    FluxKind(
        SOURCE_GROUP, "ExternalArtifact", "externalartifacts", "source-controller", ("ea",),
        reconcilable=False, suspend_style=None, is_source=True,
        static_reason="ExternalArtifact is written by its producer (for example an ArtifactGenerator); "
        "Flux has no controller that reconciles it on request",
    ),
    FluxKind(
        SOURCE_EXTENSIONS_GROUP, "ArtifactGenerator", "artifactgenerators", "source-watcher", ("ag",),
        suspend_style="annotation", suspend_annotation=SOURCE_WATCHER_RECONCILE,
    ),
    FluxKind(
        KUSTOMIZE_GROUP, "Kustomization", "kustomizations", "kustomize-controller", ("ks",),
        source_ref_paths=_SPEC_SOURCE_REF,
    ),
    FluxKind(
        HELM_GROUP, "HelmRelease", "helmreleases", "helm-controller", ("hr",),
        source_ref_paths=(("spec", "chartRef"), ("spec", "chart", "spec", "sourceRef")),
    ),
    FluxKind(
        NOTIFICATION_GROUP, "Alert", "alerts", "notification-controller",
        reconcilable=False,
        static_reason="Alert is static since notification.toolkit.fluxcd.io/v1beta3: it takes effect "
        "as soon as it is applied and has no reconcile loop",
    ),
    FluxKind(
        NOTIFICATION_GROUP, "Provider", "providers", "notification-controller",
        reconcilable=False,
        static_reason="Provider is static since notification.toolkit.fluxcd.io/v1beta3: it takes "
        "effect as soon as it is applied and has no reconcile loop",
    ),
    FluxKind(NOTIFICATION_GROUP, "Receiver", "receivers", "notification-controller"),
    FluxKind(
        IMAGE_GROUP, "ImageRepository", "imagerepositories", "image-reflector-controller",
        ("imgrepo", "imagerepo"), is_source=True,
    ),
    FluxKind(
        IMAGE_GROUP, "ImagePolicy", "imagepolicies", "image-reflector-controller", ("imgpol", "imagepol"),
        source_ref_paths=(("spec", "imageRepositoryRef"),),
    ),
    FluxKind(
        IMAGE_GROUP, "ImageUpdateAutomation", "imageupdateautomations", "image-automation-controller",
        ("iua", "imgupd", "imgauto"), source_ref_paths=_SPEC_SOURCE_REF,
    ),
    FluxKind(
        OPERATOR_GROUP, "FluxInstance", "fluxinstances", "flux-operator",
        suspend_style="annotation", suspend_annotation=OPERATOR_RECONCILE,
    ),
    FluxKind(
        OPERATOR_GROUP, "FluxReport", "fluxreports", "flux-operator",
        suspend_style="annotation", suspend_annotation=OPERATOR_RECONCILE,
    ),
    FluxKind(
        OPERATOR_GROUP, "ResourceSet", "resourcesets", "flux-operator", ("rset",),
        suspend_style="annotation", suspend_annotation=OPERATOR_RECONCILE,
    ),
    FluxKind(
        OPERATOR_GROUP, "ResourceSetInputProvider", "resourcesetinputproviders", "flux-operator", ("rsip",),
        suspend_style="annotation", suspend_annotation=OPERATOR_RECONCILE,
    ),
)

FLUX_GROUPS: frozenset[str] = frozenset(k.group for k in FLUX_KINDS)

_BY_NAME: dict[str, FluxKind] = {name: k for k in FLUX_KINDS for name in k.names}
_BY_GROUP_KIND: dict[tuple[str, str], FluxKind] = {(k.group, k.kind): k for k in FLUX_KINDS}


def find_flux_kind(name: str, group: str | None = None) -> FluxKind | None:
    """Look a Flux kind up by kind, plural or short name (any case), optionally within a group."""
    kind = _BY_NAME.get(name.strip().lower())
    if kind is None or (group is not None and kind.group != group):
        return None
    return kind


def flux_kind_by_group(group: str, kind: str) -> FluxKind | None:
    """The catalogue entry for an exact API group and kind (no name aliases), or None."""
    return _BY_GROUP_KIND.get((group, kind))


def flux_kind_of(obj: dict[str, object]) -> FluxKind | None:
    """The catalogue entry of a Flux object, from its apiVersion and kind."""
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    return flux_kind_by_group(api_version.split("/", 1)[0], kind)


def is_flux_group(group: str) -> bool:
    return group in FLUX_GROUPS
