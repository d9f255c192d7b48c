"""Root-cause analysis of one Flux object: walk from the symptom to the object that is really broken.

The walk follows the way failures propagate in Flux:

- suspended objects stop everything below them;
- `DependencyNotReady` → the not-ready `spec.dependsOn` targets (recursively);
- a source that is missing or not ready (ArtifactFailed, SourceNotReady, ...) → the source chain
  (HelmRelease → HelmChart → HelmRepository/GitRepository/Bucket; Kustomization →
  GitRepository/OCIRepository/Bucket/ExternalArtifact; ImagePolicy → ImageRepository);
- health-check and apply failures naming workloads (`Deployment/ns/name` in the message, or the
  workloads of the inventory) → those workloads, their pods (waiting reasons, restarts) and logs;
- HelmRelease release failures (RetriesExceeded, UpgradeFailed, InstallFailed, ...) → the release
  history and the reset/force advice.

It is pure and incremental (see `flux.evidence`): `analyze` answers with what it knows and leaves
requests in `evidence.requests`; the caller fetches them in one batch and calls again. Explanations
and actions are data (`RULES`), looked up by reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from flux_mcp.flux.budget import clip_line
from flux_mcp.flux.evidence import UNKNOWN, ControllerLogLine, Evidence, PodLogQuery, PodQuery
from flux_mcp.flux.kinds import REQUESTED_AT
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import ObjectKey, inventory_of, references_of
from flux_mcp.flux.status import ObjectStatus, conditions_of, object_status
from flux_mcp.flux.trace import SOURCE_EDGES

MAX_DEPTH: Final = 10
TEXT_LIMIT: Final = 2048
MAX_WORKLOADS: Final = 8
EVENTS_SHOWN: Final = 2
LOG_LINES_SHOWN: Final = 2
POD_LINES_SHOWN: Final = 2
HISTORY_SHOWN: Final = 3
_MESSAGE_WIDTH: Final = 220

WORKLOAD_GROUPS: Final[dict[str, str]] = {
    "Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps", "Job": "batch",
}
SOURCE_REASONS: Final = frozenset({
    "ArtifactFailed", "SourceNotReady", "ArtifactNotFound", "ArtifactOutdated", "ArtifactUnavailable",
    "HelmChartNotReady", "ChartNotReady", "DependencyNotReady",
})
"""Reasons that point at the consumed source (ImagePolicy uses DependencyNotReady for its repository)."""
WORKLOAD_REASONS: Final = frozenset({
    "HealthCheckFailed", "ReconciliationFailed", "ProgressingWithRetry", "UpgradeFailed", "InstallFailed",
    "TestFailed", "RetriesExceeded",
})
_AUTH_HINTS: Final = re.compile(
    r"(?i)authenticat|unauthori[sz]ed|\b401\b|\b403\b|forbidden|credential|permission denied|"
    r"invalid username|access denied|could not read username"
)
_OBJECT_IN_MESSAGE: Final = re.compile(r"\b([A-Z][A-Za-z]+)/([a-z0-9][-a-z0-9.]*)/([a-z0-9][-a-z0-9.]*)")
_ERROR_LINE: Final = re.compile(r"(?i)\b(error|fatal|panic|exception|failed|refused|denied|timeout)\b")


# -- explanations and actions: data, looked up by reason ----------------------------------------


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
        ("read the crash in the logs: get_kubernetes_logs kind={kind} name={name} namespace={namespace} "
         "previous=true",
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


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One object on the causal chain, with the relation that led to it."""

    key: ObjectKey
    relation: str
    """object (the analysed one), dependsOn, source, chart, imagepolicy, automation, workload, pod."""
    state: str
    reason: str = ""
    message: str = ""
    revision: str = ""

    def line(self) -> str:
        state = "missing" if self.state == "missing" else self.state
        reason = f" {self.reason}" if self.reason and self.state != "ready" else ""
        return f"{self.key.display}  {state}{reason}"


@dataclass(frozen=True)
class EvidenceItem:
    subject: str
    """`Kind ns/name` the evidence is about."""
    type: str
    """condition, event, log, pod, pod-log, history, spec."""
    text: str


@dataclass(frozen=True)
class Analysis:
    target: ObjectKey
    state: str
    reason: str
    message: str
    root_cause: Hop | None
    """None when the object is healthy."""
    rule: str
    explanation: str
    chain: tuple[Hop, ...]
    evidence: tuple[EvidenceItem, ...]
    actions: tuple[str, ...]
    notes: tuple[str, ...] = ()
    complete: bool = True

    @property
    def healthy(self) -> bool:
        return self.root_cause is None


# -- the walk -----------------------------------------------------------------------------------


def _clip(text: str, width: int = _MESSAGE_WIDTH) -> str:
    return clip_line(" ".join(redact_text(str(text)).split()), width)


def _state_of(key: ObjectKey, obj: Mapping[str, Any]) -> ObjectStatus:
    return object_status(dict(obj), key.is_flux)


def _reasons(obj: Mapping[str, Any], status: ObjectStatus) -> set[str]:
    """Every reason the object reports (Ready, Stalled, Reconciling): routing looks at all of them.

    kustomize-controller sets Reconciling=True/ProgressingWithRetry while Ready=False keeps the real
    reason (ArtifactFailed, DependencyNotReady...), so the evaluated state alone would hide it.
    """
    reasons = {status.reason}
    for condition in conditions_of(dict(obj)).values():
        if condition.get("status") in ("False", "True") and condition.get("reason"):
            reasons.add(str(condition["reason"]))
    return reasons


def _messages(obj: Mapping[str, Any], status: ObjectStatus) -> str:
    parts = [status.message]
    parts += [str(c.get("message") or "") for c in conditions_of(dict(obj)).values()]
    return "\n".join(p for p in parts if p)


def _blocking_rank(state: str) -> int:
    return {"missing": 0, "failed": 1, "suspended": 2, "unknown": 3, "progressing": 4}.get(state, 9)


@dataclass
class _Conclusion:
    key: ObjectKey
    rule: str
    reason: str
    message: str
    referrer: ObjectKey | None = None
    restarts: int = 0


@dataclass
class _Walk:
    evidence: Evidence
    max_depth: int = MAX_DEPTH
    chain: list[Hop] = field(default_factory=list)
    visited: set[ObjectKey] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    items: list[EvidenceItem] = field(default_factory=list)
    conclusion: _Conclusion | None = None
    incomplete: bool = False
    budget_exhausted: bool = False
    """Final mode met an object that was never fetched: the answer is the best with what is known."""
    pod_for_logs: PodLogQuery | None = None

    # -- lookups ---------------------------------------------------------------------------------

    def lookup_all(self, keys: Sequence[ObjectKey]) -> dict[ObjectKey, dict[str, Any] | None] | None:
        """Look every key up at once (one fetch round for all); None while any is unknown."""
        found: dict[ObjectKey, dict[str, Any] | None] = {}
        pending = False
        for key in keys:
            obj = self.evidence.object(key)
            if obj is UNKNOWN:
                pending = True
            else:
                found[key] = obj
        if pending and not self.evidence.final:
            self.incomplete = True
            return None
        self.budget_exhausted = self.budget_exhausted or pending
        return found

    def state(self, key: ObjectKey, obj: dict[str, Any] | None) -> str:
        if obj is None:
            return "missing"
        return _state_of(key, obj).state

    # -- steps -----------------------------------------------------------------------------------

    def conclude(self, key: ObjectKey, rule: str, reason: str, message: str, **extra: Any) -> None:
        if self.conclusion is None:
            self.conclusion = _Conclusion(key, rule, reason, message, **extra)

    def visit(self, key: ObjectKey, relation: str, depth: int, referrer: ObjectKey | None) -> None:
        obj = self.evidence.object(key)
        if obj is UNKNOWN:
            if self.evidence.final:
                self.budget_exhausted = True
                self.chain.append(Hop(key, relation, "unknown", "NotFetched"))
                self.conclude(key, "Unknown", "NotFetched", "not fetched within the analysis budget",
                              referrer=referrer)
            else:
                self.incomplete = True
            return
        if obj is None:
            self.chain.append(Hop(key, relation, "missing", "NotFound", f"{key.display} does not exist"))
            self.conclude(key, "NotFound", "NotFound", f"{key.display} does not exist", referrer=referrer)
            return
        if key in self.visited:
            self.notes.append(f"cycle: {key.display} is reached again through {relation}")
            self.conclude(key, "DependencyCycle", "DependencyCycle", "dependency cycle", referrer=referrer)
            return
        self.visited.add(key)
        status = _state_of(key, obj)
        self.chain.append(Hop(key, relation, status.state, status.reason, _clip(status.message),
                              status.revision))
        self._pending_reconcile(key, obj, status)
        if not key.is_flux:
            self.visit_workload(key, obj, status, referrer)
            return
        if status.state == "suspended":
            self.conclude(key, "Suspended", "Suspended", status.message, referrer=referrer)
            return
        if status.state == "ready":
            self.conclude(key, "Ready", status.reason, status.message, referrer=referrer)
            return
        if depth >= self.max_depth:
            self.notes.append(f"stopped at depth {self.max_depth}")
            self.conclude(key, _rule_for(key, status, obj), status.reason, status.message, referrer=referrer)
            return
        reasons = _reasons(obj, status)
        message = _messages(obj, status)
        edges = [e for e in references_of(obj) if e.source == key]
        # 1. Dependencies that are not ready block the object before anything else is tried.
        dependencies = [e.target for e in edges if e.type == "dependsOn"]
        if dependencies and ("DependencyNotReady" in reasons or "dependency" in message.lower()):
            if self.follow(dependencies, "dependsOn", depth, key):
                return
            if self.incomplete:
                return
        # 2. The source chain: a missing or failing source is deeper than any symptom here.
        source_edges = [e for e in references_of(obj) if e.type in SOURCE_EDGES]
        sources = [e.target for e in edges if e.type in SOURCE_EDGES]
        if sources:
            if self.follow(sources, None, depth, key, all_edges=source_edges, strict=not (reasons & SOURCE_REASONS)):
                return
            if self.incomplete:
                return
        # 3. Workloads named by a health check or apply failure, or listed in the inventory.
        if reasons & WORKLOAD_REASONS:
            workloads = _named_objects(message, key)
            if not workloads and "HealthCheckFailed" in reasons:
                workloads = [k for k in inventory_of(obj) or () if k.kind in WORKLOAD_GROUPS][:MAX_WORKLOADS]
            if workloads and self.follow(workloads, "workload", depth, key, present_only=True):
                return
            if self.incomplete:
                return
        self.conclude(key, _rule_for(key, status, obj), status.reason, status.message, referrer=referrer)

    def follow(
        self, targets: Sequence[ObjectKey], relation: str | None, depth: int, referrer: ObjectKey,
        *, all_edges: Sequence[Any] = (), strict: bool = False, present_only: bool = False,
    ) -> bool:
        """Recurse into the most broken of `targets`; False when all of them are ready.

        With `strict`, only missing or failed targets count (a progressing source does not explain
        a health-check failure); with `present_only`, missing targets are skipped (a workload an
        apply failed to create is a symptom, not a cause). Edges from a missing target (a HelmChart
        not created yet still leads to its HelmRepository) are followed in its place.
        """
        found = self.lookup_all(targets)
        if found is None:
            return False
        candidates: list[tuple[int, ObjectKey, str]] = []
        for target in targets:
            if target not in found:
                continue
            state = self.state(target, found[target])
            if state == "ready" or (strict and state not in ("missing", "failed")):
                continue
            if present_only and state == "missing":
                continue
            edge_type = relation or next((e.type for e in all_edges if e.target == target), "source")
            candidates.append((_blocking_rank(state), target, edge_type))
        if not candidates:
            return False
        candidates.sort(key=lambda c: (c[0], c[1].kind, c[1].namespace, c[1].name))
        _, chosen, edge_type = candidates[0]
        others = [c[1].display for c in candidates[1:]]
        if others:
            self.notes.append(f"also not ready ({edge_type}): {', '.join(others[:3])}")
        if found[chosen] is None:
            beyond = [e.target for e in all_edges if e.source == chosen and e.type in SOURCE_EDGES]
            if beyond:
                # The missing object is generated (HelmChart from a HelmRelease template): a broken
                # source behind it explains both.
                deeper = self.lookup_all(beyond)
                if deeper is None:
                    return True
                broken = [k for k in beyond if k in deeper and self.state(k, deeper[k]) in ("missing", "failed")]
                if broken:
                    self.chain.append(Hop(chosen, edge_type, "missing", "NotFound", "not created yet"))
                    self.visit(broken[0], "source", depth + 2, chosen)
                    return True
        self.visit(chosen, edge_type, depth + 1, referrer)
        return True

    def visit_workload(
        self, key: ObjectKey, obj: dict[str, Any], status: ObjectStatus, referrer: ObjectKey | None
    ) -> None:
        """A Deployment/StatefulSet/DaemonSet/Job: its worst pod decides the reason."""
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
        if key.kind == "Pod":
            pods: list[dict[str, Any]] | None = [obj]
        elif isinstance(selector, Mapping) and selector:
            query = PodQuery(key.namespace, ",".join(f"{k}={v}" for k, v in sorted(selector.items())))
            listed = self.evidence.pods_of(query)
            if listed is UNKNOWN:
                if not self.evidence.final:
                    self.incomplete = True
                    return
                pods = None
            else:
                pods = listed
        else:
            pods = None
        worst = _worst_pod(pods or [])
        for pod in sorted(pods or [], key=_pod_rank)[:POD_LINES_SHOWN]:
            self.items.append(EvidenceItem(key.display, "pod", _pod_line(pod)))
        if worst is None:
            if status.state == "ready":
                return self.conclude(key, "Ready", status.reason, status.message, referrer=referrer)
            rule = status.reason if status.reason in RULES else "Unknown"
            return self.conclude(key, rule, status.reason, status.message, referrer=referrer)
        pod, container, reason, restarts = worst
        pod_name = str((pod.get("metadata") or {}).get("name", ""))
        if key.kind != "Pod":
            self.chain.append(Hop(ObjectKey("Pod", key.namespace, pod_name), "pod", "failed", reason))
        self.pod_for_logs = PodLogQuery(key.namespace, pod_name, container, previous=restarts > 0)
        rule = reason if reason in RULES else ("ImagePullBackOff" if "Image" in reason else "Unknown")
        message = f"pod {pod_name} container {container}: {reason}, {restarts} restarts"
        self.conclude(key, rule, reason, message, referrer=referrer, restarts=restarts)

    def _pending_reconcile(self, key: ObjectKey, obj: Mapping[str, Any], status: ObjectStatus) -> None:
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        requested = str(annotations.get(REQUESTED_AT) or "")
        if requested and requested != status.last_handled_reconcile_at:
            handled = status.last_handled_reconcile_at or "never"
            self.notes.append(f"{key.display}: reconcile requested ({requested}) not handled yet "
                              f"(last handled: {handled})")
        if not status.is_current:
            self.notes.append(f"{key.display}: generation {status.generation} not observed yet "
                              f"(observedGeneration {status.observed_generation})")


def _rule_for(key: ObjectKey, status: ObjectStatus, obj: Mapping[str, Any]) -> str:
    reasons = _reasons(obj, status)
    if status.state == "progressing":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if annotations.get(REQUESTED_AT) and annotations.get(REQUESTED_AT) != status.last_handled_reconcile_at:
            return "ReconcilePending"
        return "Progressing"
    if status.reason == "NoStatus":
        return "NoStatus"
    if key.kind in _SOURCE_FAILURE_KINDS and status.state == "failed":
        if _AUTH_HINTS.search(_messages(obj, status)):
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


def _named_objects(message: str, referrer: ObjectKey) -> list[ObjectKey]:
    """Objects a health-check or apply message names as `Kind/namespace/name`."""
    keys: list[ObjectKey] = []
    for kind, namespace, name in _OBJECT_IN_MESSAGE.findall(message):
        group = WORKLOAD_GROUPS.get(kind)
        key = ObjectKey(kind, namespace, name, group) if group is not None else ObjectKey(kind, namespace, name)
        if (group is not None or key.is_flux) and key != referrer and key not in keys:
            keys.append(key)
    return keys[:MAX_WORKLOADS]


def _container_problems(pod: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    status = pod.get("status") or {}
    problems: list[tuple[str, str, int]] = []
    for cs in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        if not isinstance(cs, Mapping):
            continue
        restarts = int(cs.get("restartCount") or 0)
        waiting = (cs.get("state") or {}).get("waiting")
        terminated = (cs.get("lastState") or {}).get("terminated") or {}
        if isinstance(waiting, Mapping) and waiting.get("reason") not in (None, "ContainerCreating",
                                                                          "PodInitializing"):
            reason = str(waiting["reason"])
            if reason == "CrashLoopBackOff" and terminated.get("reason") == "OOMKilled":
                reason = "OOMKilled"
            problems.append((str(cs.get("name", "")), reason, restarts))
        elif not cs.get("ready") and restarts:
            problems.append((str(cs.get("name", "")), str(terminated.get("reason") or "Restarting"), restarts))
    return problems


def _worst_pod(pods: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], str, str, int] | None:
    worst: tuple[dict[str, Any], str, str, int] | None = None
    for pod in pods:
        problems = _container_problems(pod)
        if not problems and (pod.get("status") or {}).get("phase") in ("Pending", "Failed"):
            phase = str((pod.get("status") or {}).get("phase"))
            problems = [(str(((pod.get("spec") or {}).get("containers") or [{}])[0].get("name", "")), phase, 0)]
        for container, reason, restarts in problems:
            if worst is None or restarts > worst[3]:
                worst = (pod, container, reason, restarts)
    return worst


def _pod_rank(pod: Mapping[str, Any]) -> tuple[int, str]:
    problems = _container_problems(pod)
    return (0 if problems else 1, str((pod.get("metadata") or {}).get("name", "")))


def _pod_line(pod: Mapping[str, Any]) -> str:
    name = (pod.get("metadata") or {}).get("name", "?")
    problems = _container_problems(pod)
    phase = (pod.get("status") or {}).get("phase", "Unknown")
    if not problems:
        return f"pod {name}: {phase}"
    container, reason, restarts = problems[0]
    return f"pod {name}: {phase}, container {container} {reason}, {restarts} restarts"


# -- evidence gathering for the conclusion ---------------------------------------------------------


def _condition_items(key: ObjectKey, obj: Mapping[str, Any]) -> list[EvidenceItem]:
    items = []
    for type_ in ("Ready", "Stalled", "Reconciling"):
        condition = conditions_of(dict(obj)).get(type_)
        if condition and not (type_ != "Ready" and condition.get("status") != "True"):
            text = f"{type_}={condition.get('status')} {condition.get('reason', '')}: " \
                   f"{_clip(str(condition.get('message', '')))}"
            items.append(EvidenceItem(key.display, "condition", text))
    return items


def _event_items(key: ObjectKey, events: Sequence[Mapping[str, Any]]) -> list[EvidenceItem]:
    warnings = [
        e for e in events
        if e.get("type") == "Warning" and (e.get("involvedObject") or {}).get("name") == key.name
        and (e.get("involvedObject") or {}).get("kind") in (key.kind, None)
    ]
    warnings.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    seen: set[str] = set()
    items: list[EvidenceItem] = []
    for event in reversed(warnings):
        message = _clip(str(event.get("message", "")), 180)
        if message in seen:
            continue
        seen.add(message)
        count = int(event.get("count") or 1)
        repeat = f" x{count}" if count > 1 else ""
        items.append(EvidenceItem(key.display, "event", f"Warning {event.get('reason', '')}{repeat}: {message}"))
        if len(items) >= EVENTS_SHOWN:
            break
    return items


def _log_items(key: ObjectKey, lines: Sequence[ControllerLogLine]) -> list[EvidenceItem]:
    errors = [line for line in lines if line.level == "error"] or list(lines)
    chosen: list[ControllerLogLine] = []
    for line in reversed(errors):
        if any(c.message == line.message for c in chosen):
            continue
        chosen.append(line)
        if len(chosen) >= LOG_LINES_SHOWN:
            break
    return [
        EvidenceItem(key.display, "log", f"{line.level} {line.ts[:19]} {_clip(line.message, 200)}".strip())
        for line in chosen
    ]


def _pod_log_items(key: ObjectKey, query: PodLogQuery, lines: Sequence[str]) -> list[EvidenceItem]:
    flat = [line for raw in lines for line in raw.splitlines() if line.strip()]
    interesting = [line for line in flat if _ERROR_LINE.search(line)] or flat
    picked = interesting[-POD_LINES_SHOWN:]
    which = "previous container" if query.previous else "container"
    return [EvidenceItem(key.display, "pod-log", f"{query.pod} ({which} {query.container}): {_clip(line, 200)}")
            for line in picked]


def _history_items(key: ObjectKey, obj: Mapping[str, Any]) -> list[EvidenceItem]:
    history = (obj.get("status") or {}).get("history")
    if not isinstance(history, list):
        return []
    items = []
    for snapshot in history[:HISTORY_SHOWN]:
        if not isinstance(snapshot, Mapping):
            continue
        when = str(snapshot.get("lastDeployed") or snapshot.get("firstDeployed") or "")[:19]
        action = f" {snapshot['action']}" if snapshot.get("action") else ""
        items.append(EvidenceItem(
            key.display, "history",
            f"v{snapshot.get('version', '?')} {snapshot.get('status', '?')}{action} "
            f"{snapshot.get('chartName', '?')}@{snapshot.get('chartVersion', '?')}"
            + (f" app {snapshot['appVersion']}" if snapshot.get("appVersion") else "")
            + (f" at {when}" if when else ""),
        ))
    return items


def _component_of(key: ObjectKey) -> str:
    flux_kind = key.flux_kind
    return flux_kind.component if flux_kind is not None else "kubelet"


def _fill(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _rule_values(conclusion: _Conclusion, obj: Mapping[str, Any] | None) -> dict[str, str]:
    key = conclusion.key
    spec = (obj or {}).get("spec") or {}
    status = (obj or {}).get("status") or {}
    secret = (spec.get("secretRef") or {}).get("name") if isinstance(spec.get("secretRef"), Mapping) else None
    action = str(status.get("lastAttemptedReleaseAction") or "upgrade") if isinstance(status, Mapping) else "upgrade"
    return {
        "obj": key.display, "kind": key.kind, "name": key.name, "namespace": key.namespace,
        "message": _clip(conclusion.message, 160) or conclusion.reason, "reason": conclusion.reason,
        "component": _component_of(key),
        "referrer": conclusion.referrer.display if conclusion.referrer else "its referrer",
        "secret": str(secret or "(none set)"), "restarts": str(conclusion.restarts), "action": action,
    }


def analyze(target: ObjectKey, evidence: Evidence, max_depth: int = MAX_DEPTH) -> Analysis:
    """Analyse `target`; when `evidence.requests` is non-empty afterwards, fetch them and call again."""
    evidence.begin_pass()
    walk = _Walk(evidence, max_depth=max_depth)
    walk.visit(target, "object", 0, None)
    target_obj = evidence.objects.get(target)
    target_status = _state_of(target, target_obj) if target_obj else None
    complete = not walk.incomplete
    conclusion = walk.conclusion
    if conclusion is None or not complete:
        return Analysis(
            target=target, state=target_status.state if target_status else "unknown",
            reason=target_status.reason if target_status else "", message="", root_cause=None, rule="",
            explanation="", chain=tuple(walk.chain), evidence=(), actions=(), notes=tuple(walk.notes),
            complete=False,
        )
    root_obj = evidence.objects.get(conclusion.key)
    items: list[EvidenceItem] = []
    healthy = conclusion.rule == "Ready" and conclusion.key == target
    if not healthy:
        subjects = [conclusion.key] if conclusion.key == target else [conclusion.key, target]
        for subject in subjects:
            obj = evidence.objects.get(subject)
            if obj and subject.is_flux:
                items += _condition_items(subject, obj) if subject == conclusion.key else []
            events = evidence.events_of(subject)
            if events is not UNKNOWN:
                items += _event_items(subject, events)
            if subject.is_flux and obj:
                lines = evidence.controller_log(_component_of(subject), subject)
                if lines is not UNKNOWN:
                    items += _log_items(subject, lines)
        if root_obj and conclusion.key.kind == "HelmRelease":
            items += _history_items(conclusion.key, root_obj)
        items += walk.items
        if walk.pod_for_logs is not None:
            pod_lines = evidence.pod_log(walk.pod_for_logs)
            if pod_lines is not UNKNOWN:
                items += _pod_log_items(conclusion.key, walk.pod_for_logs, pod_lines)
    rule = RULES.get(conclusion.rule, RULES["Unknown"])
    values = _rule_values(conclusion, root_obj)
    root_hop = next((h for h in reversed(walk.chain) if h.key == conclusion.key), None)
    if root_hop is not None and conclusion.reason and root_hop.reason != conclusion.reason:
        root_hop = Hop(root_hop.key, root_hop.relation, root_hop.state, conclusion.reason, root_hop.message,
                       root_hop.revision)
    notes = list(walk.notes) + [f"could not fetch {gap}" for gap in evidence.gaps]
    return Analysis(
        target=target,
        state=target_status.state if target_status else "missing",
        reason=target_status.reason if target_status else "NotFound",
        message=_clip(target_status.message) if target_status else "",
        root_cause=None if healthy else root_hop,
        rule=conclusion.rule,
        explanation=_fill(rule.explanation, values),
        chain=tuple(walk.chain),
        evidence=tuple(items),
        actions=tuple(_fill(a, values) for a in rule.actions),
        notes=tuple(notes),
        complete=not evidence.requests and not walk.budget_exhausted,
    )


# -- rendering ----------------------------------------------------------------------------------


def render_analysis(analysis: Analysis, limit: int = TEXT_LIMIT) -> str:
    """Compact text within `limit` characters: evidence lines are dropped last-first to fit."""
    a = analysis
    head = [f"{a.target.display}: {a.state}" + (f" ({a.reason})" if a.reason and a.state != "ready" else "")]
    if a.root_cause is None:
        head.append(a.explanation or f"{a.target.display} is {a.state}")
    else:
        head.append(f"Root cause: {a.root_cause.key.display} — {a.root_cause.reason or a.rule}")
        head.append(f"Why: {a.explanation}")
    chain = []
    if len(a.chain) > 1:
        chain.append("Chain:")
        for index, hop in enumerate(a.chain):
            arrow = "  " if index == 0 else f"  → {hop.relation} "
            chain.append(arrow + hop.line())
    evidence = [f"  - [{item.type}] {item.subject}: {item.text}" if item.subject != (
        a.root_cause.key.display if a.root_cause else "") else f"  - [{item.type}] {item.text}"
        for item in a.evidence]
    actions = [f"  {i}. {action}" for i, action in enumerate(a.actions, 1)]
    notes = [f"  - {note}" for note in a.notes]

    def compose(ev: list[str], nt: list[str], act: list[str]) -> str:
        parts = list(head) + chain
        if ev:
            parts += ["Evidence:", *ev]
        if act:
            parts += ["Next:", *act]
        if nt:
            parts += ["Notes:", *nt]
        if not a.complete:
            parts.append("(analysis stopped at its fetch budget; analyze the last object of the chain)")
        return "\n".join(parts) + "\n"

    text = compose(evidence, notes, actions)
    while len(text) > limit and notes:
        notes.pop()
        text = compose(evidence, notes, actions)
    while len(text) > limit and len(evidence) > 1:
        evidence.pop()
        text = compose(evidence, notes, actions)
    while len(text) > limit and len(actions) > 1:
        actions.pop()
        text = compose(evidence, notes, actions)
    if len(text) > limit:
        text = text[: limit - 2].rstrip() + "…\n"
    return text
