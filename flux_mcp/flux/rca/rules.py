"""Root-cause analysis rule data: one explanation and the actions for each conclusion, looked up by reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from flux_mcp.flux.kinds import REQUESTED_AT
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.flux.status import ObjectStatus, conditions_of

_AUTH_HINTS: Final = re.compile(
    r"(?i)authenticat|unauthori[sz]ed|\b401\b|\b403\b|forbidden|credential|permission denied|"
    r"invalid username|access denied|could not read username"
)


@dataclass(frozen=True)
class Rule:
    explanation: str
    """One sentence; `{obj}`, `{kind}`, `{name}`, `{namespace}`, `{message}`, `{component}`,
    `{referrer}`, `{secret}`, `{restarts}` are filled in."""
    actions: tuple[str, ...]


RULES: Final[dict[str, Rule]] = {
    "Ready": Rule(
        "{obj} is ready: {message}",
        (),
    ),
    "Suspended": Rule(
        "{obj} is suspended (spec.suspend or the reconcile annotation), so Flux does not reconcile it "
        "and changes in Git are not applied.",
        ("resume it with resume_flux_reconciliation kind={kind} name={name} namespace={namespace} "
         "(flux resume) when it should be reconciled again",
         "if it was suspended on purpose, nothing to do; its last applied state stays in place"),
    ),
    "NotFound": Rule(
        "{obj} does not exist, so {referrer} that references it cannot proceed.",
        ("create {obj}, or fix the reference in {referrer} (name, kind and namespace must match)",
         "list what exists with get_kubernetes_resources kind={kind} namespace={namespace}"),
    ),
    "NotGenerated": Rule(
        "{obj} waits on the HelmChart that helm-controller generates from its spec.chart, which does not "
        "exist yet ({message}).",
        ("do not create the HelmChart by hand: check spec.chart (chart, version, sourceRef) of {obj} and "
         "its events with get_kubernetes_events kind={kind} name={name} namespace={namespace}",
         "then reconcile_flux_resource kind={kind} name={name} namespace={namespace}"),
    ),
    "Drift": Rule(
        "{obj} is Ready but has not applied its source's latest revision: {message}.",
        ("reconcile_flux_resource kind={kind} name={name} namespace={namespace} to apply it now",
         "if it stays behind, check spec.interval and the controller's logs (get_flux_instance)"),
    ),
    "NotificationFailed": Rule(
        "{obj} fails to deliver or accept notifications ({reason}): {message}",
        ("check the address and the credentials Secret (spec.secretRef) of {obj}; its events: "
         "get_kubernetes_events kind={kind} name={name} namespace={namespace}",),
    ),
    "DependencyCycle": Rule(
        "{obj} is part of a dependsOn cycle, so none of the objects in the cycle can become ready.",
        ("remove one spec.dependsOn entry of the cycle (see the chain)",),
    ),
    "AuthenticationFailed": Rule(
        "{obj} cannot authenticate to its remote, so it produces no artifact and everything built from it "
        "is blocked.",
        ("check the credentials in Secret {secret} (spec.secretRef) and that the token is valid and has "
         "read access; also check spec.url",
         "after fixing: reconcile_flux_resource kind={kind} name={name} namespace={namespace}"),
    ),
    "SourceFailed": Rule(
        "{obj} cannot fetch its remote ({reason}), so it produces no new artifact and its consumers are "
        "blocked.",
        ("check spec.url, the ref and network access from {component}; the message and events say what failed",
         "after fixing: reconcile_flux_resource kind={kind} name={name} namespace={namespace}"),
    ),
    "ArtifactFailed": Rule(
        "{obj} could not get the artifact of its source although the source reports no failure.",
        ("reconcile the source, then {obj}: reconcile_flux_resource kind={kind} name={name} "
         "namespace={namespace} with_source=true",
         "check that source-controller is running and reachable from {component}"),
    ),
    "BuildFailed": Rule(
        "{obj} failed to build its manifests (kustomize build / variable substitution) from the source "
        "artifact.",
        ("fix the kustomization.yaml or manifests at spec.path in the source repository; the message "
         "names the file",),
    ),
    "ImagePolicyFailed": Rule(
        "{obj} cannot select an image from the scanned tags: {message}",
        ("check spec.policy (semver range, filterTags) against the tags its ImageRepository found: "
         "get_kubernetes_resources kind=ImageRepository namespace={namespace}",
         "after fixing: reconcile_flux_resource kind=ImagePolicy name={name} namespace={namespace}"),
    ),
    "ReconciliationFailed": Rule(
        "{obj} failed to reconcile: {message}",
        ("fix the object named in the message in the source repository and let Flux retry, or "
         "reconcile_flux_resource kind={kind} name={name} namespace={namespace} with_source=true",),
    ),
    "HealthCheckFailed": Rule(
        "{obj} applied its manifests but the workloads did not become ready within the timeout.",
        ("inspect the workloads with get_kubernetes_resources and get_kubernetes_logs",
         "fix the workload, then reconcile_flux_resource kind={kind} name={name} namespace={namespace}"),
    ),
    "RetriesExceeded": Rule(
        "{obj} exhausted its {action} retries, so helm-controller stops trying until the spec changes "
        "or the failure counters are reset.",
        ("find why the last release failed (history, events, the chart's pods) and fix values or chart",
         "then reconcile_flux_resource kind=HelmRelease name={name} namespace={namespace} reset=true "
         "(flux reconcile helmrelease --reset) to clear the counters; force=true re-runs a one-off upgrade",
         "if the release is stuck pending, check `helm history` and roll back before resetting"),
    ),
    "UpgradeFailed": Rule(
        "The Helm upgrade of {obj} failed: {message}",
        ("check the history and the chart's pods for the failure, fix values or chart version",
         "reconcile_flux_resource kind=HelmRelease name={name} namespace={namespace} force=true to retry "
         "the upgrade now"),
    ),
    "InstallFailed": Rule(
        "The Helm install of {obj} failed: {message}",
        ("check the events and the chart's pods, fix values or chart version",
         "reconcile_flux_resource kind=HelmRelease name={name} namespace={namespace} reset=true after the fix"),
    ),
    "TestFailed": Rule(
        "The Helm tests of {obj} failed after the release.",
        ("read the test pods' logs; disable spec.test.enable or fix the tests",),
    ),
    "RollbackFailed": Rule(
        "{obj} failed to roll back a failed release.",
        ("inspect `helm history`; fix the chart or values, then reconcile with reset=true",),
    ),
    "CrashLoopBackOff": Rule(
        "{obj} never becomes ready: its pod keeps crashing (CrashLoopBackOff, {restarts} restarts).",
        ("read the crash in the logs: get_kubernetes_logs kind={kind} name={name} namespace={namespace}"
         "{previous}",
         "fix the application config or its dependencies in Git; Flux re-checks health on the next reconcile"),
    ),
    "ImagePullBackOff": Rule(
        "{obj} cannot start: the image cannot be pulled ({reason}).",
        ("check the image name and tag, and imagePullSecrets for private registries",),
    ),
    "CreateContainerConfigError": Rule(
        "{obj} cannot start a container: a referenced ConfigMap, Secret or key is missing.",
        ("create the missing ConfigMap/Secret or fix the reference; the pod message names it",),
    ),
    "OOMKilled": Rule(
        "{obj} is killed for exceeding its memory limit.",
        ("raise resources.limits.memory or fix the memory use",),
    ),
    "ProgressDeadlineExceeded": Rule(
        "{obj} did not finish its rollout before its progress deadline.",
        ("look at its pods (scheduling, image pulls, readiness probes) with get_kubernetes_resources kind=Pod",),
    ),
    "Progressing": Rule(
        "{obj} is reconciling right now ({reason}); there is no failure yet.",
        ("wait, or call reconcile_flux_resource with wait=true to follow it",),
    ),
    "ReconcilePending": Rule(
        "A reconcile of {obj} was requested but {component} has not handled it yet.",
        ("check that {component} is running: get_kubernetes_resources kind=Pod namespace=flux-system",),
    ),
    "NoStatus": Rule(
        "{obj} has no status: {component} has not reconciled it yet, or is not running.",
        ("check that {component} is installed and running (get_flux_instance)",),
    ),
    "Unknown": Rule(
        "{obj} is not ready ({reason}): {message}",
        ("read its events and controller logs: get_kubernetes_events kind={kind} name={name} "
         "namespace={namespace}",),
    ),
}
_SOURCE_FAILURE_KINDS: Final = frozenset({
    "GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "ImageRepository",
})


def reasons_of(obj: Mapping[str, Any], status: ObjectStatus) -> set[str]:
    """Every reason the object reports (Ready, Stalled, Reconciling): routing looks at all of them.

    kustomize-controller sets Reconciling=True/ProgressingWithRetry while Ready=False keeps the real
    reason (ArtifactFailed, DependencyNotReady...), so the evaluated state alone would hide it.
    """
    reasons = {status.reason}
    for condition in conditions_of(dict(obj)).values():
        if condition.get("status") in ("False", "True") and condition.get("reason"):
            reasons.add(str(condition["reason"]))
    return reasons


def messages_of(obj: Mapping[str, Any], status: ObjectStatus) -> str:
    parts = [status.message]
    parts += [str(c.get("message") or "") for c in conditions_of(dict(obj)).values()]
    return "\n".join(p for p in parts if p)


def rule_for(key: ObjectKey, status: ObjectStatus, obj: Mapping[str, Any]) -> str:
    reasons = reasons_of(obj, status)
    if status.state == "progressing":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if annotations.get(REQUESTED_AT) and annotations.get(REQUESTED_AT) != status.last_handled_reconcile_at:
            return "ReconcilePending"
        return "Progressing"
    if status.reason == "NoStatus":
        return "NoStatus"
    if key.kind in _SOURCE_FAILURE_KINDS and status.state == "failed":
        if _AUTH_HINTS.search(messages_of(obj, status)):
            return "AuthenticationFailed"
        return "SourceFailed" if status.reason not in RULES else status.reason
    if key.kind == "ImagePolicy" and status.state == "failed":
        return "ImagePolicyFailed"
    if key.kind == "HelmRelease":
        for reason in ("RetriesExceeded", "InstallFailed", "UpgradeFailed", "TestFailed", "RollbackFailed"):
            if reason in reasons:
                return reason
    for reason in ("BuildFailed", "HealthCheckFailed", "ArtifactFailed", "ReconciliationFailed"):
        if reason in reasons:
            return reason
    return status.reason if status.reason in RULES else "Unknown"


def fill_template(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


