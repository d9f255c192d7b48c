"""The openAPIV3Schema of every Flux kind the sandbox serves, built from `flux_schemas`' text.

The sandbox serves these in its CRDs (so `explain_flux_api` documents them) and validates every
write of a Flux object against them (`validation.admit`), as kube-apiserver does with the CRDs
installed in a real cluster.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from flux_mcp.sandbox import flux_schemas
from flux_mcp.sandbox.openapi import defaults_only
from flux_mcp.sandbox.schema_text import parse

_KIND_DESCRIPTIONS: dict[str, str] = {
    "GitRepository": "GitRepository fetches a Git repository ref and stores it as an artifact.",
    "OCIRepository": "OCIRepository pulls an OCI artifact (a manifest bundle) and stores it as an artifact.",
    "Bucket": "Bucket fetches objects from an S3-compatible bucket and stores them as an artifact.",
    "HelmRepository": "HelmRepository indexes a Helm chart repository (HTTP index or OCI registry).",
    "HelmChart": "HelmChart fetches and packages a chart from a HelmRepository, GitRepository or Bucket.",
    "ExternalArtifact": "ExternalArtifact is an artifact produced outside source-controller.",
    "ArtifactGenerator": "ArtifactGenerator composes or decomposes artifacts from other sources.",
    "Kustomization": "Kustomization builds a kustomize overlay from a source artifact and applies it "
                     "with server-side apply, then prunes and health-checks the applied objects.",
    "HelmRelease": "HelmRelease installs, upgrades, tests and remediates a Helm release.",
    "Alert": "Alert forwards events of selected Flux objects to a Provider.",
    "Provider": "Provider describes a notification endpoint (Slack, Teams, Git commit status, ...).",
    "Receiver": "Receiver turns incoming webhooks into reconcile requests of the selected objects.",
    "ImageRepository": "ImageRepository scans a container image repository for tags.",
    "ImagePolicy": "ImagePolicy selects the latest image tag from an ImageRepository.",
    "ImageUpdateAutomation": "ImageUpdateAutomation commits image policy results back to Git.",
    "FluxInstance": "FluxInstance installs and upgrades the Flux distribution (flux-operator).",
    "FluxReport": "FluxReport reflects the observed state of the Flux installation (flux-operator).",
    "ResourceSet": "ResourceSet generates a group of Kubernetes objects from templates and inputs.",
    "ResourceSetInputProvider": "ResourceSetInputProvider fetches inputs for ResourceSets from "
                                "external services (pull requests, tags, ...).",
}


_API_VERSION = ("APIVersion defines the versioned schema of this representation of an object. Servers should "
                "convert recognized schemas to the latest internal value, and may reject unrecognized values.")
_KIND = ("Kind is a string value representing the REST resource this object represents. In CamelCase; "
         "servers may infer it from the endpoint the client submits requests to.")

_COMMON_STATUS = """\
conditions arr @conditions | The observations of the object's current state: Ready (the verdict), \
Reconciling (work in progress), Stalled (gave up until the spec changes).
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value the controller last handled.
observedGeneration int fmt:int64 | The last generation the controller reconciled; -1 before the first.
"""


@lru_cache(maxsize=64)
def _build(kind: str) -> dict[str, Any]:
    blocks = flux_schemas.BLOCKS
    description = _KIND_DESCRIPTIONS.get(kind, f"{kind} is a Flux custom resource.")
    root = parse(flux_schemas.RULES.get(kind, ""), blocks, description)
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string", "description": _API_VERSION},
        "kind": {"type": "string", "description": _KIND},
        "metadata": {"type": "object"},
    }
    spec_text = flux_schemas.SPECS.get(kind)
    if spec_text is not None:
        properties["spec"] = parse(spec_text, blocks, f"{kind}Spec defines the desired state of a {kind}.")
    status_text = flux_schemas.STATUS.get(kind)
    common = kind in flux_schemas.STATUS_COMMON
    if status_text is not None or common:
        status = parse((_COMMON_STATUS if common else "") + (status_text or ""), blocks,
                       f"{kind}Status defines the observed state of a {kind}.")
        if common:
            status["default"] = {"observedGeneration": -1}
        properties["status"] = status
    root["properties"] = properties
    return root


def crd_schema(kind: str) -> dict[str, Any]:
    """The openAPIV3Schema of a Flux kind (a copy the caller may change)."""
    result: dict[str, Any] = json.loads(_json(kind))
    return result


@lru_cache(maxsize=64)
def _json(kind: str) -> str:
    return json.dumps(_build(kind))


@lru_cache(maxsize=64)
def served_defaults(kind: str) -> dict[str, Any] | None:
    """The defaulted part of `kind`'s schema (`openapi.defaults_only`), shared like `served_schema`."""
    return defaults_only(_build(kind))


def served_schema(kind: str) -> dict[str, Any]:
    """The schema the sandbox validates `kind` against (shared: callers must not change it)."""
    return _build(kind)
