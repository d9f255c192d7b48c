"""Argument types shared by the tools, described for a model: what the value is, allowed values, default."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

K8S_NAME_PATTERN = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"

ContextArg = Annotated[
    str | None,
    Field(description="Kubeconfig context to use for this call only. Default: the server's current context.",
          max_length=253),
]
KindArg = Annotated[
    str,
    Field(
        description="Kubernetes kind, e.g. Kustomization, HelmRelease, GitRepository, Deployment, Pod. "
        "Case-insensitive; plurals and short names (ks, hr, gitrepo) are accepted.",
        min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9.]*$",
    ),
]
FluxKindArg = Annotated[
    str,
    Field(
        description="Flux kind, e.g. Kustomization, HelmRelease, GitRepository, OCIRepository, HelmRepository, "
        "Bucket, ImageRepository, ImagePolicy, ImageUpdateAutomation, Receiver, ResourceSet, FluxInstance. "
        "Case-insensitive; short names (ks, hr) accepted.",
        min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9.]*$",
    ),
]
ApiVersionArg = Annotated[
    str | None,
    Field(
        description="apiVersion such as kustomize.toolkit.fluxcd.io/v1. Optional: when omitted the "
        "cluster's preferred version for the kind is used.",
        max_length=200, pattern=r"^([a-z0-9.\-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$",
    ),
]
NameArg = Annotated[
    str, Field(description="Object name (metadata.name).", min_length=1, max_length=253, pattern=K8S_NAME_PATTERN)
]
OptionalNameArg = Annotated[
    str | None,
    Field(description="Object name. Omit to list every object of the kind.", max_length=253,
          pattern=K8S_NAME_PATTERN),
]
NamespaceArg = Annotated[
    str, Field(description="Namespace of the object.", min_length=1, max_length=63, pattern=K8S_NAME_PATTERN)
]
OptionalNamespaceArg = Annotated[
    str | None,
    Field(description="Namespace. Omit or leave empty for all namespaces.", max_length=63,
          pattern=r"^$|" + K8S_NAME_PATTERN),
]
