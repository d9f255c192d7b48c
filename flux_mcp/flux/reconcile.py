"""Requesting a reconcile, suspending and resuming, and reading the outcome: pure decisions.

Flux controllers reconcile on demand when `reconcile.fluxcd.io/requestedAt` changes; once they
are done with a request they copy its value into `status.lastHandledReconcileAt`. The token is
therefore what lets us tell "the controller handled *our* request" from "the object happened to
be Ready before we asked". The same token goes into `forceAt`/`resetAt` for HelmRelease:
helm-controller only honours those when they equal `requestedAt`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from flux_mcp.flux.kinds import (
    FORCE_AT,
    REQUESTED_AT,
    RESET_AT,
    FluxKind,
)
from flux_mcp.flux.refs import dig, display, helm_chart_key
from flux_mcp.flux.state import reconcile_phase
from flux_mcp.flux.status import evaluate_status, is_suspended

# Kinds a reference points to when the reference itself does not say (Flux API defaults).
_DEFAULT_REF_KIND: dict[str, str] = {
    "imageRepositoryRef": "ImageRepository",
    "sourceRef": "GitRepository",
}


class ReconcileRefused(ValueError):
    """The request cannot be carried out; the message says why and what to do instead."""


@dataclass(frozen=True)
class ObjectKey:
    kind: str
    name: str
    namespace: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class Outcome:
    """What the controller decided about one reconcile request."""

    state: Literal["ready", "failed"]
    revision: str = ""
    reason: str = ""
    message: str = ""
    stalled: bool = False


def request_token(now_ns: int | None = None, differ_from: str = "") -> str:
    """A reconcile request token: an RFC3339Nano timestamp in UTC, as the flux CLI writes it.

    Go's RFC3339Nano trims trailing zeros of the fraction (and drops the dot when it is zero).
    `differ_from` guards the rare case of a token equal to the previous request, which the
    controller would treat as already handled.
    """
    ns = time.time_ns() if now_ns is None else now_ns
    while True:
        seconds, fraction = divmod(ns, 1_000_000_000)
        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        digits = f"{fraction:09d}".rstrip("0")
        token = f"{stamp}.{digits}Z" if digits else f"{stamp}Z"
        if token != differ_from:
            return token
        ns += 1


def _name_of(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("name", "")), str(metadata.get("namespace", ""))


def describe(kind: FluxKind, obj: dict[str, Any]) -> str:
    name, namespace = _name_of(obj)
    return display(kind.kind, namespace, name)


def reconcile_refusal(kind: FluxKind, obj: dict[str, Any]) -> str:
    """Why this object cannot be reconciled now, or an empty string when it can."""
    static = kind.is_static(obj)
    if static:
        return f"{describe(kind, obj)} cannot be reconciled: {static}."
    if is_suspended(obj, kind):
        return (
            f"{describe(kind, obj)} is suspended, so its controller ignores reconcile requests. "
            "Resume it with resume_flux_reconciliation (which also requests a reconcile)."
        )
    return ""


def reconcile_patch(kind: FluxKind, token: str, *, force: bool = False, reset: bool = False) -> dict[str, Any]:
    """The merge patch that asks the controller to reconcile now."""
    if (force or reset) and kind.kind != "HelmRelease":
        used = " and ".join(flag for flag, on in (("force", force), ("reset", reset)) if on)
        raise ReconcileRefused(
            f"{used} applies only to HelmRelease (helm-controller's forceAt/resetAt annotations); "
            f"call again without it to reconcile the {kind.kind}."
        )
    annotations = {REQUESTED_AT: token}
    if force:
        annotations[FORCE_AT] = token
    if reset:
        annotations[RESET_AT] = token
    return {"metadata": {"annotations": annotations}}


def suspend_patch(kind: FluxKind) -> dict[str, Any]:
    """The merge patch that stops reconciliation of an object of this kind."""
    if kind.suspend_style is None:
        raise ReconcileRefused(f"{kind.kind} has no reconcile loop to suspend: {kind.static_reason}.")
    if kind.suspend_style == "annotation":
        return {"metadata": {"annotations": {kind.suspend_annotation: "disabled"}}}
    return {"spec": {"suspend": True}}


def resume_patch(kind: FluxKind, token: str) -> dict[str, Any]:
    """The merge patch that resumes reconciliation and requests one in the same write.

    `spec.suspend` is removed (null in a merge patch) rather than set to false, so the object
    reads as it does in Git, where the field is normally absent.
    """
    if kind.suspend_style is None:
        raise ReconcileRefused(f"{kind.kind} has no reconcile loop to resume: {kind.static_reason}.")
    patch: dict[str, Any] = {"metadata": {"annotations": {REQUESTED_AT: token}}}
    if kind.suspend_style == "annotation":
        patch["metadata"]["annotations"][kind.suspend_annotation] = "enabled"
    else:
        patch["spec"] = {"suspend": None}
    return patch


def source_of(kind: FluxKind, obj: dict[str, Any]) -> ObjectKey | None:
    """The object to reconcile before this one, so that it consumes a fresh artifact.

    A HelmRelease built from `spec.chart` consumes the HelmChart that helm-controller generates
    for it (named `<release-namespace>-<release-name>` in the namespace of the chart's source;
    `status.helmChart` says so exactly once it is set), not the HelmRepository directly.
    """
    _, namespace = _name_of(obj)
    for path in kind.source_ref_paths:
        ref = dig(obj, path)
        if not isinstance(ref, dict) or not ref.get("name"):
            continue
        ref_namespace = str(ref.get("namespace") or namespace)
        if path == ("spec", "chart", "spec", "sourceRef"):
            chart = helm_chart_key(obj)
            if chart is not None:  # always: `spec.chart.spec` holds the reference just read
                return ObjectKey(chart.kind, chart.name, chart.namespace)
        ref_kind = str(ref.get("kind") or _DEFAULT_REF_KIND.get(path[-1], ""))
        if not ref_kind:
            continue
        return ObjectKey(ref_kind, str(ref["name"]), ref_namespace)
    return None


def reconcile_outcome(obj: dict[str, Any], token: str) -> Outcome | None:
    """The controller's verdict on request `token`, or None while it is still undecided.

    Decided as soon as the request was handled (`status.lastHandledReconcileAt == token`) and the
    current generation's verdict is in (`flux.state.reconcile_phase`): Ready, or failed — a
    Ready=False failure the controller will retry (Reconciling=True ProgressingWithRetry) is an
    outcome, there is no point waiting for the timeout.
    """
    phase = reconcile_phase(obj, token)
    if phase not in ("ready", "failed"):
        return None
    evaluated = evaluate_status(obj)
    state: Literal["ready", "failed"] = "ready" if phase == "ready" else "failed"
    reason = evaluated.reason or ("NotReady" if state == "failed" else "")
    return Outcome(state, evaluated.revision, reason, evaluated.message, stalled=evaluated.stalled)


def pending_summary(kind: FluxKind, obj: dict[str, Any] | None, token: str, waited: float) -> str:
    """Why a wait ended without an outcome: never picked up, or picked up and still reconciling."""
    who = describe(kind, obj) if obj is not None else kind.kind
    if obj is None or reconcile_phase(obj, token) == "not-picked-up":
        status = (obj or {}).get("status") if isinstance((obj or {}).get("status"), dict) else {}
        handled = str((status or {}).get("lastHandledReconcileAt") or "") or "never"
        return (
            f"{who}: the request was not picked up by {kind.component} within {waited:g} s "
            f"(last handled request: {handled}); check that {kind.component} is running and not "
            "overloaded (get_flux_instance, get_kubernetes_logs of its pod)"
        )
    evaluated = evaluate_status(obj)
    detail = evaluated.message or evaluated.reason
    return f"{who}: picked up by {kind.component}, still reconciling after {waited:g} s" + (
        f" ({detail})" if detail else ""
    )


def progress_line(kind: FluxKind, obj: dict[str, Any], token: str) -> str:
    """One line for a progress notification: what the controller is doing with the request."""
    who = describe(kind, obj)
    outcome = reconcile_outcome(obj, token)
    if outcome is not None:
        if outcome.state == "ready" and kind.is_source and outcome.revision:
            return f"{who} fetched revision {outcome.revision}"
        verdict = "Ready" if outcome.state == "ready" else "failed"
        detail = outcome.message or outcome.reason
        return f"{who} {verdict}: {detail}" if detail else f"{who} {verdict}"
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(status, dict)
    if str(status.get("lastHandledReconcileAt") or "") != token:
        return f"{who} reconcile requested, waiting for {kind.component}"
    evaluated = evaluate_status(obj)
    action = "fetching" if kind.is_source else "applying"
    target = evaluated.attempted_revision or evaluated.revision
    detail = evaluated.message or evaluated.reason
    line = f"{who} {action}" + (f" revision {target}" if target else "")
    return f"{line}: {detail}" if detail else line
