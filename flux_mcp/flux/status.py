"""One status evaluation for every Flux object (and kstatus-like workloads).

Flux reports health through conditions: Ready (the verdict), Reconciling (work in flight) and
Stalled (gave up until something changes). As the real controllers write them:

- `Ready=False` with a failure reason is a failure whatever `Reconciling` says: a failed attempt
  that will be retried carries `Reconciling=True ProgressingWithRetry` next to it (failing,
  retried at the next interval), not "in progress";
- `Ready=Unknown` (or no Ready) with `Reconciling=True` is work in flight; `Ready=True` with
  `Reconciling=True` is a new revision being applied;
- a verdict counts when it was written for the current generation. Conditions carry their own
  `observedGeneration`; `status.observedGeneration` stays `-1` until the first success, so `-1`
  means "never succeeded", not "not looked at yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from flux_mcp.flux.kinds import FluxKind, flux_kind_of

State = Literal["ready", "failed", "progressing", "suspended", "unknown"]

RETRY_REASONS: Final[frozenset[str]] = frozenset({"ProgressingWithRetry"})
"""Reconciling reasons of a failed attempt that the controller retries at its next interval."""
IN_PROGRESS_REASONS: Final[frozenset[str]] = frozenset({"Progressing", "ProgressingWithRetry"})
"""Ready reasons that mean work in flight rather than a failure (kstatus `Progressing`)."""


@dataclass(frozen=True)
class ObjectStatus:
    state: State
    reason: str = ""
    message: str = ""
    revision: str = ""
    """The revision the object last produced (sources) or applied (appliers)."""
    attempted_revision: str = ""
    generation: int | None = None
    observed_generation: int | None = None
    last_handled_reconcile_at: str = ""
    stalled: bool = False
    verdict_generation: int | None = None
    """The generation the Ready (or Stalled) condition was written for (its own observedGeneration)."""
    retrying: bool = False
    """A failed attempt the controller retries at its next interval (Reconciling=True ProgressingWithRetry)."""

    @property
    def never_succeeded(self) -> bool:
        """Flux keeps `status.observedGeneration` at -1 until the first successful reconcile."""
        return self.observed_generation == -1

    @property
    def is_current(self) -> bool:
        """True when the verdict was written for the latest spec."""
        if self.generation is None:
            return True
        observed = self.verdict_generation
        if observed is None:
            observed = self.observed_generation
        if observed is None or observed < 0:
            # -1 is "never succeeded"; without a generation on the verdict there is nothing to compare.
            return True
        return observed >= self.generation

    @property
    def short(self) -> str:
        if self.reason and self.state != "ready":
            return f"{self.state}: {self.reason}"
        return self.state


def conditions_of(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    status = obj.get("status")
    if not isinstance(status, dict):
        return {}
    return {
        str(c.get("type")): c
        for c in status.get("conditions") or []
        if isinstance(c, dict) and c.get("type")
    }


def is_suspended(obj: dict[str, Any], kind: FluxKind | None = None) -> bool:
    kind = kind or flux_kind_of(obj)
    if kind is not None and kind.suspend_style == "annotation":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        return str(annotations.get(kind.suspend_annotation, "")).lower() == "disabled"
    spec = obj.get("spec")
    return isinstance(spec, dict) and spec.get("suspend") is True


def artifact_field(obj: Mapping[str, Any] | None, name: str) -> str:
    """One field of a source's `status.artifact` as text, or "" when there is none."""
    status = obj.get("status") if obj is not None else None
    artifact = status.get("artifact") if isinstance(status, Mapping) else None
    return str(artifact.get(name) or "") if isinstance(artifact, Mapping) else ""


def artifact_revision(obj: Mapping[str, Any] | None) -> str:
    """The revision of a source's artifact, or "" when it has none."""
    return artifact_field(obj, "revision")


def revision_of(obj: dict[str, Any]) -> str:
    status = obj.get("status")
    if not isinstance(status, dict):
        return ""
    if revision := artifact_revision(obj):
        return revision
    for key in ("lastAppliedRevision", "lastAttemptedRevision"):
        if status.get(key):
            return str(status[key])
    history = status.get("history")
    if isinstance(history, list) and history and isinstance(history[0], dict):
        snapshot = history[0]
        chart = f"{snapshot.get('chartName', '')}@{snapshot.get('chartVersion', '')}"
        return chart if chart != "@" else ""
    latest = status.get("latestRef") or status.get("latestImage")
    if isinstance(latest, dict):
        image = latest.get("name", "")
        tag = latest.get("tag", "")
        return f"{image}:{tag}" if image else str(tag)
    if isinstance(latest, str):
        return latest
    return ""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def evaluate_status(obj: dict[str, Any]) -> ObjectStatus:
    """Reduce an object's status to one state with the reason and message that explain it."""
    metadata = obj.get("metadata") or {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(status, dict)
    generation = _int_or_none(metadata.get("generation"))
    observed = _int_or_none(status.get("observedGeneration"))
    base = ObjectStatus(
        "unknown",
        revision=revision_of(obj),
        attempted_revision=str(status.get("lastAttemptedRevision") or ""),
        generation=generation,
        observed_generation=observed,
        last_handled_reconcile_at=str(status.get("lastHandledReconcileAt") or ""),
    )
    conditions = conditions_of(obj)
    ready = conditions.get("Ready")
    stalled = conditions.get("Stalled")
    reconciling = conditions.get("Reconciling")
    is_stalled = bool(stalled and stalled.get("status") == "True")

    retrying = bool(
        reconciling and reconciling.get("status") == "True" and reconciling.get("reason") in RETRY_REASONS
    )
    decisive = stalled if is_stalled else ready
    base = replace(
        base, verdict_generation=_int_or_none((decisive or {}).get("observedGeneration")), retrying=retrying,
    )

    def verdict(state: State, reason: str, message: str) -> ObjectStatus:
        return replace(base, state=state, reason=reason, message=message, stalled=is_stalled)

    if is_suspended(obj):
        return verdict("suspended", "Suspended", _suspended_message(str(ready.get("reason", "")) if ready else ""))
    if is_stalled and stalled is not None:
        return verdict("failed", str(stalled.get("reason", "Stalled")), str(stalled.get("message", "")))
    in_flight = reconciling is not None and reconciling.get("status") == "True"
    if ready is None:
        if in_flight and reconciling is not None:
            return verdict(
                "progressing", str(reconciling.get("reason", "Progressing")), str(reconciling.get("message", ""))
            )
        kind = flux_kind_of(obj)
        if kind is not None and not kind.reconcilable:
            # Alert, Provider (v1beta3) and ExternalArtifact have no reconcile loop writing Ready:
            # they are in effect as soon as they are applied.
            return verdict("ready", "Static", kind.static_reason)
        if conditions or status:
            return verdict("unknown", "NoReadyCondition", "the object reports no Ready condition")
        return verdict("unknown", "NoStatus", "the controller has not reported a status yet")

    reason = str(ready.get("reason", ""))
    message = str(ready.get("message", ""))
    if ready.get("status") == "False" and reason not in IN_PROGRESS_REASONS and base.is_current:
        # Failed, whatever Reconciling says: ProgressingWithRetry only means "tried again later".
        return verdict("failed", reason or "NotReady", message)
    if in_flight and reconciling is not None:
        return verdict(
            "progressing", str(reconciling.get("reason", reason or "Progressing")),
            str(reconciling.get("message", message)),
        )
    if not base.is_current:
        written = base.verdict_generation if base.verdict_generation is not None else observed
        return verdict(
            "progressing", reason or "Progressing",
            f"generation {generation} not yet observed (last verdict for generation {written})",
        )
    if ready.get("status") == "Unknown":
        return verdict("progressing", reason or "Progressing", message)
    if ready.get("status") == "True":
        return verdict("ready", reason, message)
    return verdict("failed", reason or "NotReady", message)


def object_status(obj: dict[str, Any], is_flux: bool) -> ObjectStatus:
    """Flux conditions for a Flux object, kstatus-style workload health for anything else."""
    return evaluate_status(obj) if is_flux else workload_state(obj)


def _suspended_message(last_reason: str) -> str:
    suffix = f" (last Ready reason: {last_reason})" if last_reason else ""
    return "reconciliation is suspended; resume it to apply changes" + suffix


def workload_state(obj: dict[str, Any]) -> ObjectStatus:
    """kstatus-style health for plain Kubernetes workloads (Deployment, StatefulSet, DaemonSet, Pod)."""
    kind = obj.get("kind")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(spec, dict) and isinstance(status, dict)
    if kind == "Pod":
        return _pod_state(status)
    if kind in ("Deployment", "StatefulSet"):
        desired = int(spec.get("replicas", 1) or 0)
        ready = int(status.get("readyReplicas", 0) or 0)
        if ready >= desired:
            return ObjectStatus("ready", "Current", f"{ready}/{desired} replicas ready")
        for cond in status.get("conditions") or []:
            if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
                return ObjectStatus("failed", "ProgressDeadlineExceeded", str(cond.get("message", "")))
        return ObjectStatus("progressing", "InProgress", f"{ready}/{desired} replicas ready")
    if kind == "DaemonSet":
        desired = int(status.get("desiredNumberScheduled", 0) or 0)
        ready = int(status.get("numberReady", 0) or 0)
        state: State = "ready" if ready >= desired else "progressing"
        return ObjectStatus(state, "Current" if state == "ready" else "InProgress", f"{ready}/{desired} pods ready")
    if isinstance(obj.get("apiVersion"), str) and "fluxcd" in str(obj.get("apiVersion")):
        return evaluate_status(obj)
    return ObjectStatus("ready", "Current", "")


def _pod_state(status: dict[str, Any]) -> ObjectStatus:
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if isinstance(waiting, dict) and waiting.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
            restarts = container.get("restartCount", 0)
            return ObjectStatus(
                "failed", str(waiting.get("reason")),
                f"container {container.get('name')} waiting ({restarts} restarts): "
                f"{waiting.get('message', '')}".strip(),
            )
    phase = status.get("phase", "Unknown")
    if phase in ("Running", "Succeeded"):
        return ObjectStatus("ready", phase, "")
    if phase == "Failed":
        return ObjectStatus("failed", phase, str(status.get("message", "")))
    return ObjectStatus("progressing", str(phase), "")
