"""Schema skeletons for the sandbox CRDs: the main spec and status fields with descriptions.

Written for the sandbox (not copied from the upstream CRDs): enough for an `explain`-style tool
to describe the fields people actually set, with the rest left open
(`x-kubernetes-preserve-unknown-fields`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FieldDoc = tuple[str, str]
"""(OpenAPI type, description). Type "array" + a child path "x[]" describes the items."""

_DURATION = "A Go duration string, for example 1m30s or 10m."

_REF = {
    "kind": ("string", "Kind of the referent."),
    "name": ("string", "Name of the referent."),
    "namespace": ("string", "Namespace of the referent; defaults to the namespace of this object."),
}


def _ref(prefix: str, what: str, kinds: str = "") -> dict[str, FieldDoc]:
    out: dict[str, FieldDoc] = {prefix: ("object", what)}
    for k, (t, d) in _REF.items():
        out[f"{prefix}.{k}"] = (t, d + (f" One of {kinds}." if k == "kind" and kinds else ""))
    return out


def _local_ref(prefix: str, what: str) -> dict[str, FieldDoc]:
    return {prefix: ("object", what), f"{prefix}.name": ("string", "Name of the referent.")}


_COMMON_SPEC: dict[str, FieldDoc] = {
    "interval": ("string", f"How often the controller reconciles the object. {_DURATION}"),
    "suspend": ("boolean", "Tells the controller to suspend subsequent reconciliations; "
                "it does not apply to already started ones. Defaults to false."),
    "timeout": ("string", f"Timeout for the controller operations of one reconciliation. {_DURATION}"),
}

_SOURCE_SPEC: dict[str, FieldDoc] = {
    **_COMMON_SPEC,
    "url": ("string", "The address of the repository."),
    **_local_ref("secretRef", "A Secret in the same namespace holding the credentials to access the source."),
    **_local_ref("certSecretRef", "A Secret holding TLS certificates (ca.crt, tls.crt, tls.key)."),
    **_local_ref("proxySecretRef", "A Secret holding the proxy address and credentials."),
    "provider": ("string", "The cloud provider used for contextual (workload identity) authentication: "
                 "generic, aws, azure or gcp."),
    "serviceAccountName": ("string", "The Kubernetes ServiceAccount used to authenticate to the source."),
}

_CONDITIONS: dict[str, FieldDoc] = {
    "conditions": ("array", "The observations of the object's current state: Ready (the verdict), "
                   "Reconciling (work in progress) and Stalled (gave up until the spec changes)."),
    "conditions[]": ("object", "A condition with type, status (True, False, Unknown), reason, message, "
                     "lastTransitionTime and observedGeneration."),
    "conditions[].type": ("string", "Type of the condition, for example Ready."),
    "conditions[].status": ("string", "Status of the condition: True, False or Unknown."),
    "conditions[].reason": ("string", "A CamelCase reason for the last transition."),
    "conditions[].message": ("string", "A human readable message about the transition."),
    "conditions[].lastTransitionTime": ("string", "When the condition last changed status."),
    "conditions[].observedGeneration": ("integer", "The generation the condition was set for."),
    "observedGeneration": ("integer", "The last generation the controller reconciled."),
    "lastHandledReconcileAt": ("string", "The value of the reconcile.fluxcd.io/requestedAt annotation "
                               "the controller last handled."),
}

_ARTIFACT: dict[str, FieldDoc] = {
    "artifact": ("object", "The artifact produced by the last successful reconciliation."),
    "artifact.revision": ("string", "A human readable identifier of the artifact content, "
                          "for example main@sha1:<commit>."),
    "artifact.digest": ("string", "The digest of the artifact file, algo:checksum."),
    "artifact.url": ("string", "The HTTP address the artifact can be downloaded from in the cluster."),
    "artifact.path": ("string", "The path of the artifact in the source-controller storage."),
    "artifact.lastUpdateTime": ("string", "When the artifact was last updated."),
    "artifact.size": ("integer", "The size of the artifact file in bytes."),
}

_INVENTORY: dict[str, FieldDoc] = {
    "inventory": ("object", "The Kubernetes objects applied by the last successful reconciliation."),
    "inventory.entries": ("array", "Inventory entries."),
    "inventory.entries[]": ("object", "One applied object."),
    "inventory.entries[].id": ("string", "The object id: <namespace>_<name>_<group>_<kind>."),
    "inventory.entries[].v": ("string", "The API version of the object."),
}

_DEPENDS_ON: dict[str, FieldDoc] = {
    "dependsOn": ("array", "Objects that must be Ready before this one is reconciled."),
    "dependsOn[]": ("object", "A dependency reference."),
    "dependsOn[].name": ("string", "Name of the dependency."),
    "dependsOn[].namespace": ("string", "Namespace of the dependency; defaults to the same namespace."),
    "dependsOn[].readyExpr": ("string", "A CEL expression that decides readiness instead of Ready=True."),
}

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

_SPECS: dict[str, dict[str, FieldDoc]] = {
    "GitRepository": {
        **_SOURCE_SPEC,
        "url": ("string", "The repository URL: http(s):// or ssh://."),
        "ref": ("object", "The Git reference to check out; defaults to the master branch."),
        "ref.branch": ("string", "The branch to check out."),
        "ref.tag": ("string", "The tag to check out."),
        "ref.semver": ("string", "A SemVer range of tags to pick the latest from."),
        "ref.name": ("string", "A full reference name, for example refs/heads/main."),
        "ref.commit": ("string", "A commit SHA to check out."),
        "ignore": ("string", "Extra .sourceignore patterns."),
        "recurseSubmodules": ("boolean", "Whether to clone submodules too."),
        "verify": ("object", "Commit or tag signature verification."),
        "verify.mode": ("string", "What to verify: HEAD, Tag or TagAndHEAD."),
    },
    "OCIRepository": {
        **_SOURCE_SPEC,
        "url": ("string", "The OCI repository address, oci://<host>/<path>."),
        "ref": ("object", "The OCI reference to pull."),
        "ref.tag": ("string", "The image tag to pull."),
        "ref.semver": ("string", "A SemVer range of tags to pick the latest from."),
        "ref.digest": ("string", "The image digest to pull; takes precedence over tag and semver."),
        "layerSelector": ("object", "Which layer of the artifact to extract."),
        "insecure": ("boolean", "Allow plain HTTP connections to the registry."),
    },
    "Bucket": {
        **_SOURCE_SPEC,
        "bucketName": ("string", "The bucket name."),
        "endpoint": ("string", "The object storage endpoint."),
        "region": ("string", "The bucket region."),
        "prefix": ("string", "Only objects with this prefix are fetched."),
    },
    "HelmRepository": {
        **_SOURCE_SPEC,
        "url": ("string", "The Helm repository address: https:// index or oci:// registry."),
        "type": ("string", "The repository type: default (HTTP index) or oci."),
        "passCredentials": ("boolean", "Pass credentials to all domains in the index."),
    },
    "HelmChart": {
        **_COMMON_SPEC,
        "chart": ("string", "The chart name or path."),
        "version": ("string", "The chart version SemVer range; defaults to the latest ('*')."),
        **_ref("sourceRef", "The source the chart comes from.", "HelmRepository, GitRepository or Bucket"),
        "valuesFiles": ("array", "Alternative values files to merge into the chart's values.yaml."),
        "reconcileStrategy": ("string", "When to build a new artifact: ChartVersion or Revision."),
    },
    "ExternalArtifact": {
        **_ref("sourceRef", "The object that produces this artifact."),
    },
    "ArtifactGenerator": {
        "sources": ("array", "The sources the generator reads from."),
        "artifacts": ("array", "The artifacts the generator produces."),
    },
    "Kustomization": {
        **_COMMON_SPEC,
        "path": ("string", "Path inside the source artifact to the directory with kustomization.yaml; "
                 "defaults to the root."),
        **_ref("sourceRef", "The source to build from.", "GitRepository, OCIRepository, Bucket or "
               "ExternalArtifact"),
        "prune": ("boolean", "Delete objects that were applied before and are gone from the source."),
        "wait": ("boolean", "Wait for all applied objects to become ready."),
        "force": ("boolean", "Recreate objects whose immutable fields changed."),
        "retryInterval": ("string", f"How soon to retry after a failure; defaults to interval. {_DURATION}"),
        "targetNamespace": ("string", "Namespace set on all applied namespaced objects."),
        "serviceAccountName": ("string", "The ServiceAccount impersonated when applying."),
        **_DEPENDS_ON,
        "healthChecks": ("array", "Objects whose health gates the Ready condition."),
        "healthChecks[]": ("object", "A reference to an object to health-check."),
        "healthChecks[].apiVersion": ("string", "API version of the object."),
        "healthChecks[].kind": ("string", "Kind of the object."),
        "healthChecks[].name": ("string", "Name of the object."),
        "healthChecks[].namespace": ("string", "Namespace of the object."),
        "postBuild": ("object", "Variable substitution applied after kustomize build."),
        "postBuild.substitute": ("object", "Variables to substitute, name to value."),
        "postBuild.substituteFrom": ("array", "ConfigMaps and Secrets holding variables."),
        "patches": ("array", "Strategic merge or JSON6902 patches applied to the build output."),
        "decryption": ("object", "SOPS decryption settings."),
        "decryption.provider": ("string", "The decryption provider: sops."),
        **_local_ref("decryption.secretRef", "A Secret with the decryption keys."),
        "kubeConfig": ("object", "A kubeconfig Secret for applying to a remote cluster."),
    },
    "HelmRelease": {
        **_COMMON_SPEC,
        "releaseName": ("string", "The Helm release name; defaults to [targetNamespace-]name."),
        "targetNamespace": ("string", "Namespace the release is installed into."),
        "storageNamespace": ("string", "Namespace where Helm stores the release."),
        "chart": ("object", "A template of the HelmChart the controller creates for this release."),
        "chart.spec": ("object", "The HelmChart spec."),
        "chart.spec.chart": ("string", "The chart name."),
        "chart.spec.version": ("string", "The chart version SemVer range."),
        **_ref("chart.spec.sourceRef", "The source of the chart.", "HelmRepository, GitRepository or Bucket"),
        **_ref("chartRef", "A reference to an existing OCIRepository or HelmChart holding the chart.",
               "OCIRepository or HelmChart"),
        "values": ("object", "Helm values, merged over the chart defaults."),
        "valuesFrom": ("array", "ConfigMaps and Secrets to take values from, merged in order."),
        "valuesFrom[]": ("object", "A values reference."),
        "valuesFrom[].kind": ("string", "Secret or ConfigMap."),
        "valuesFrom[].name": ("string", "Name of the Secret or ConfigMap."),
        "valuesFrom[].valuesKey": ("string", "The data key holding the values; defaults to values.yaml."),
        "valuesFrom[].targetPath": ("string", "A path in the values where the value is placed."),
        "valuesFrom[].optional": ("boolean", "Do not fail when the reference is missing."),
        **_DEPENDS_ON,
        "install": ("object", "Install settings."),
        "install.remediation": ("object", "What to do when the install fails."),
        "install.remediation.retries": ("integer", "How many times to retry a failed install."),
        "install.createNamespace": ("boolean", "Create the target namespace if missing."),
        "upgrade": ("object", "Upgrade settings."),
        "upgrade.remediation": ("object", "What to do when the upgrade fails."),
        "upgrade.remediation.retries": ("integer", "How many times to retry a failed upgrade; -1 for ever."),
        "upgrade.remediation.strategy": ("string", "rollback or uninstall."),
        "rollback": ("object", "Rollback settings."),
        "uninstall": ("object", "Uninstall settings."),
        "test": ("object", "Helm test settings."),
        "driftDetection": ("object", "Drift detection and correction settings."),
        "driftDetection.mode": ("string", "enabled, warn or disabled."),
        "serviceAccountName": ("string", "The ServiceAccount impersonated for Helm actions."),
        "maxHistory": ("integer", "Number of release revisions kept; defaults to 5."),
    },
    "Alert": {
        **_local_ref("providerRef", "The Provider events are sent to."),
        "eventSeverity": ("string", "Minimum severity: info or error."),
        "eventSources": ("array", "The Flux objects whose events are forwarded."),
        "eventSources[]": ("object", "A cross-namespace reference; name may be * for all."),
        "eventSources[].kind": ("string", "Kind of the referent."),
        "eventSources[].name": ("string", "Name of the referent, or *."),
        "eventSources[].namespace": ("string", "Namespace of the referent."),
        "inclusionList": ("array", "Regular expressions an event message must match."),
        "exclusionList": ("array", "Regular expressions that drop matching events."),
        "summary": ("string", "A short description added to every notification."),
        "suspend": ("boolean", "Stop forwarding events."),
    },
    "Provider": {
        "type": ("string", "The provider implementation: slack, msteams, github, generic, ..."),
        "channel": ("string", "The channel to post to, where the provider has channels."),
        "address": ("string", "The endpoint address (webhook URL, API address)."),
        **_local_ref("secretRef", "A Secret holding the address and/or token."),
        "username": ("string", "The user name shown in the notification."),
        "suspend": ("boolean", "Stop sending notifications."),
        "timeout": ("string", f"Timeout for sending a notification. {_DURATION}"),
    },
    "Receiver": {
        "interval": _COMMON_SPEC["interval"],
        "suspend": _COMMON_SPEC["suspend"],
        "type": ("string", "The webhook sender: github, gitlab, generic, ..."),
        "events": ("array", "The event types that trigger a reconcile."),
        "resources": ("array", "The Flux objects reconciled when a webhook arrives."),
        **_local_ref("secretRef", "A Secret holding the webhook token."),
    },
    "ImageRepository": {
        **_SOURCE_SPEC,
        "image": ("string", "The image repository address, without tag."),
        "exclusionList": ("array", "Regular expressions of tags to ignore."),
    },
    "ImagePolicy": {
        **_local_ref("imageRepositoryRef", "The ImageRepository whose tags are evaluated."),
        "policy": ("object", "The rule selecting the latest tag: semver, alphabetical or numerical."),
        "policy.semver": ("object", "Select the highest version in a SemVer range."),
        "policy.semver.range": ("string", "The SemVer range, for example >=1.0.0."),
        "filterTags": ("object", "A regular expression filter applied to tags before the policy."),
        "filterTags.pattern": ("string", "The regular expression."),
        "filterTags.extract": ("string", "The capture group used as the tag for ordering."),
        "interval": _COMMON_SPEC["interval"],
        "suspend": _COMMON_SPEC["suspend"],
    },
    "ImageUpdateAutomation": {
        **_COMMON_SPEC,
        **_ref("sourceRef", "The GitRepository to commit to.", "GitRepository"),
        "git": ("object", "Git checkout, commit and push settings."),
        "git.checkout": ("object", "The ref to check out; defaults to the GitRepository ref."),
        "git.commit": ("object", "Commit author and message template."),
        "git.commit.author": ("object", "The commit author (name, email)."),
        "git.commit.messageTemplate": ("string", "A Go template for the commit message."),
        "git.push": ("object", "Where to push; defaults to the checkout branch."),
        "git.push.branch": ("string", "The branch to push to."),
        "update": ("object", "How to update files."),
        "update.path": ("string", "The path in the repository to update."),
        "update.strategy": ("string", "The update strategy: Setters."),
        "policySelector": ("object", "Label selector of the ImagePolicies to apply."),
    },
    "FluxInstance": {
        "distribution": ("object", "The Flux distribution to install."),
        "distribution.version": ("string", "A SemVer range of the Flux version, for example 2.x."),
        "distribution.registry": ("string", "The container registry of the Flux images."),
        "distribution.artifact": ("string", "The OCI artifact with the Flux manifests."),
        "components": ("array", "The Flux controllers to install."),
        "cluster": ("object", "Cluster settings: type, size, multitenant, networkPolicy, domain."),
        "cluster.type": ("string", "kubernetes, openshift, aws, azure or gcp."),
        "cluster.multitenant": ("boolean", "Enable multi-tenancy lockdown."),
        "cluster.networkPolicy": ("boolean", "Restrict network access to the Flux namespace."),
        "sync": ("object", "The cluster sync source created by the operator."),
        "sync.kind": ("string", "GitRepository, OCIRepository or Bucket."),
        "sync.url": ("string", "The source URL."),
        "sync.ref": ("string", "The source reference (branch, tag, semver)."),
        "sync.path": ("string", "The path inside the source."),
        "sync.pullSecret": ("string", "The Secret with the source credentials."),
        "kustomize": ("object", "Kustomize patches applied to the Flux manifests."),
        "wait": ("boolean", "Wait for the Flux controllers to be ready."),
    },
    "FluxReport": {
        "distribution": ("object", "The installed Flux distribution: version, status, entitlement."),
        "components": ("array", "The Flux controllers found and their readiness."),
        "reconcilers": ("array", "Per kind statistics of the Flux objects (running, failing, suspended)."),
        "sync": ("object", "The state of the cluster sync."),
        "cluster": ("object", "Kubernetes server version, platform and node count."),
        "operator": ("object", "The flux-operator version and platform."),
    },
    "ResourceSet": {
        "inputs": ("array", "Static inputs, each a map of values for the templates."),
        "inputsFrom": ("array", "ResourceSetInputProviders to take inputs from."),
        "resources": ("array", "Kubernetes object templates rendered for each input."),
        "resourcesTemplate": ("string", "A multi-document YAML template rendered for each input."),
        **_DEPENDS_ON,
        "serviceAccountName": ("string", "The ServiceAccount impersonated when applying."),
        "wait": ("boolean", "Wait for the applied objects to become ready."),
    },
    "ResourceSetInputProvider": {
        "type": ("string", "The input source: Static, GitHubPullRequest, GitLabBranch, OCIArtifactTag, ..."),
        "url": ("string", "The address of the repository the inputs come from."),
        **_local_ref("secretRef", "A Secret with the credentials for the input source."),
        "filter": ("object", "Filters on the exported inputs (labels, include/exclude, semver)."),
        "schedule": ("array", "Cron schedules restricting when inputs are refreshed."),
    },
}

_STATUS: dict[str, dict[str, FieldDoc]] = {
    "GitRepository": {**_CONDITIONS, **_ARTIFACT},
    "OCIRepository": {**_CONDITIONS, **_ARTIFACT, "url": ("string", "The artifact download address.")},
    "Bucket": {**_CONDITIONS, **_ARTIFACT},
    "HelmRepository": {**_CONDITIONS, **_ARTIFACT, "url": ("string", "The index download address.")},
    "HelmChart": {**_CONDITIONS, **_ARTIFACT,
                  "observedChartName": ("string", "The chart name last resolved."),
                  "observedSourceArtifactRevision": ("string", "The source revision the chart was built from.")},
    "ExternalArtifact": {**_CONDITIONS, **_ARTIFACT},
    "ArtifactGenerator": {**_CONDITIONS, **_INVENTORY},
    "Kustomization": {
        **_CONDITIONS, **_INVENTORY,
        "lastAppliedRevision": ("string", "The source revision last applied successfully."),
        "lastAttemptedRevision": ("string", "The source revision last attempted."),
    },
    "HelmRelease": {
        **_CONDITIONS, **_INVENTORY,
        "history": ("array", "Snapshots of the latest Helm release revisions, newest first."),
        "history[]": ("object", "A release snapshot: name, namespace, version, status, chart, digests."),
        "history[].version": ("integer", "The Helm release revision."),
        "history[].status": ("string", "The Helm release status: deployed, failed, superseded, ..."),
        "history[].chartName": ("string", "The chart name."),
        "history[].chartVersion": ("string", "The chart version."),
        "lastAttemptedRevision": ("string", "The chart version last attempted."),
        "lastAttemptedReleaseAction": ("string", "install or upgrade."),
        "installFailures": ("integer", "Failed installs since the last success."),
        "upgradeFailures": ("integer", "Failed upgrades since the last success."),
        "failures": ("integer", "Reconcile failures since the last success."),
        "lastHandledForceAt": ("string", "The reconcile.fluxcd.io/forceAt value last handled."),
        "lastHandledResetAt": ("string", "The reconcile.fluxcd.io/resetAt value last handled."),
        "helmChart": ("string", "The namespace/name of the HelmChart created for this release."),
    },
    "Alert": {},
    "Provider": {},
    "Receiver": {**_CONDITIONS, "webhookPath": ("string", "The path the webhook is served at.")},
    "ImageRepository": {
        **_CONDITIONS,
        "canonicalImageName": ("string", "The image name with the registry host."),
        "lastScanResult": ("object", "The last scan: tagCount, scanTime, latestTags."),
        "lastScanResult.tagCount": ("integer", "The number of tags found."),
    },
    "ImagePolicy": {**_CONDITIONS, "latestRef": ("object", "The selected image: name, tag, digest.")},
    "ImageUpdateAutomation": {
        **_CONDITIONS,
        "lastAutomationRunTime": ("string", "When the automation last ran."),
        "lastPushCommit": ("string", "The commit last pushed."),
        "lastPushTime": ("string", "When a commit was last pushed."),
    },
    "FluxInstance": {
        **_CONDITIONS, **_INVENTORY,
        "lastAppliedRevision": ("string", "The distribution revision last applied."),
        "lastAttemptedRevision": ("string", "The distribution revision last attempted."),
        "components": ("array", "The installed component images."),
    },
    "FluxReport": {k: v for k, v in _CONDITIONS.items() if k != "observedGeneration"},
    "ResourceSet": {**_CONDITIONS, **_INVENTORY,
                    "lastAppliedRevision": ("string", "The checksum of the inputs last applied.")},
    "ResourceSetInputProvider": {**_CONDITIONS,
                                 "exportedInputs": ("array", "The inputs exported to ResourceSets.")},
}


def _tree(fields: dict[str, FieldDoc], description: str) -> dict[str, Any]:
    root: dict[str, Any] = {"type": "object", "description": description}
    for path, (typ, desc) in fields.items():
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            node = _child(node, part)
        leaf = _child(node, parts[-1])
        leaf["type"] = typ
        leaf["description"] = desc
        if typ == "object" and "properties" not in leaf:
            leaf["x-kubernetes-preserve-unknown-fields"] = True
    return root


def _child(node: dict[str, Any], part: str) -> dict[str, Any]:
    if part.endswith("[]"):
        arr = node.setdefault("properties", {}).setdefault(part[:-2], {"type": "array"})
        item: dict[str, Any] = arr.setdefault("items", {"type": "object"})
        return item
    child: dict[str, Any] = node.setdefault("properties", {}).setdefault(part, {"type": "object"})
    child.pop("x-kubernetes-preserve-unknown-fields", None)
    return child


def crd_schema(kind: str) -> dict[str, Any]:
    """The openAPIV3Schema skeleton of a Flux kind."""
    description = _KIND_DESCRIPTIONS.get(kind, f"{kind} is a Flux custom resource.")
    spec = _tree(_SPECS.get(kind, {}), f"{kind}Spec defines the desired state of a {kind}.")
    spec["x-kubernetes-preserve-unknown-fields"] = True
    status = _tree(_STATUS.get(kind, {}), f"{kind}Status defines the observed state of a {kind}.")
    status["x-kubernetes-preserve-unknown-fields"] = True
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of "
                       "this representation of an object."},
        "kind": {"type": "string", "description": "Kind is a string value representing the REST "
                 "resource this object represents."},
        "metadata": {"type": "object"},
        "spec": spec,
    }
    if _STATUS.get(kind):
        properties["status"] = status
    return {"type": "object", "description": description, "properties": properties}


@lru_cache(maxsize=64)
def served_schema(kind: str) -> dict[str, Any]:
    """The schema the sandbox validates `kind` against (shared: callers must not change it)."""
    return crd_schema(kind)
