"""The Flux controller simulator.

It reacts like the real controllers to what the tools do: a new `reconcile.fluxcd.io/requestedAt`
(and `forceAt`/`resetAt` on HelmReleases), a spec change (new generation), a resume, or the
flux-operator reconcile annotation being re-enabled. Each reconcile goes Reconciling → verdict
after `delay` seconds, records lastHandledReconcileAt and observedGeneration (a Kustomization that
fails keeps Reconciling=True ProgressingWithRetry and its old observedGeneration, as
kustomize-controller does), emits an Event,
and appends a JSON log line to the serving controller's pod log. Failures registered by the
fleet keep failing (a bad credential does not fix itself); other outcomes are derived from the
cluster: missing source, source without artifact, dependencies not ready.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flux_mcp.sandbox.discovery import Catalog, ResourceType
from flux_mcp.sandbox.errors import StatusError
from flux_mcp.sandbox.fleet import COMPONENT_OF_KIND, Clock, Failure, FailureKey, artifact, release_snapshot
from flux_mcp.sandbox.logs import PodLogs, controller_line
from flux_mcp.sandbox.store import Change, ObjectStore, now_iso

log = logging.getLogger(__name__)

Obj = dict[str, Any]
ObjKey = tuple[str, str, str]
"""(resource type key, namespace, name)"""

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
FORCE_AT = "reconcile.fluxcd.io/forceAt"
RESET_AT = "reconcile.fluxcd.io/resetAt"
OPERATOR_RECONCILE = "fluxcd.controlplane.io/reconcile"

_FLUX_GROUP_SUFFIXES = (".fluxcd.io", "fluxcd.controlplane.io")
_STATIC_KINDS = frozenset({"Alert", "Provider", "ExternalArtifact"})
_OPERATOR_GROUP = "fluxcd.controlplane.io"
_RETRY_SHAPE_GROUPS = frozenset({"kustomize.toolkit.fluxcd.io"})
"""Controllers whose retried-failure status shape was recorded from the real controller (v1.9.6)."""


@dataclass
class Outcome:
    ready: bool
    reason: str
    message: str
    event_reason: str = ""
    event_message: str = ""
    log_message: str = ""
    stalled: tuple[str, str] | None = None
    revision: str = ""
    extra_conditions: tuple[tuple[str, str, str, str], ...] = ()
    """(type, status, reason, message) besides Ready/Stalled."""
    changed_output: bool = False
    """True when the object produced something new (artifact, applied revision): dependents react."""


def _annotations(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _trigger_state(obj: Obj) -> tuple[Any, ...]:
    ann = _annotations(obj)
    return (
        ann.get(REQUESTED_AT), ann.get(FORCE_AT), ann.get(RESET_AT), ann.get(OPERATOR_RECONCILE),
        (obj.get("metadata") or {}).get("generation"),
    )


def is_suspended(rt: ResourceType, obj: Obj) -> bool:
    if rt.group == _OPERATOR_GROUP:
        return str(_annotations(obj).get(OPERATOR_RECONCILE, "")).lower() == "disabled"
    return bool((obj.get("spec") or {}).get("suspend") is True)


def _condition(type_: str, status: str, reason: str, message: str, generation: int, previous: list[Obj],
               now: str) -> Obj:
    old = next((c for c in previous if c.get("type") == type_), None)
    when = old["lastTransitionTime"] if old and old.get("status") == status and old.get("lastTransitionTime") else now
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": when,
            "observedGeneration": generation}


class ControllerSimulator:
    def __init__(
        self, store: ObjectStore, logs: PodLogs, catalog: Catalog, failures: dict[FailureKey, Failure],
        controller_pods: dict[str, str], delay: float = 0.05,
    ) -> None:
        self.store = store
        self.logs = logs
        self.catalog = catalog
        self.failures = failures
        self.controller_pods = controller_pods
        self.delay = delay
        self.reconcile_count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[ObjKey] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._event_rt = catalog.by_kind("", "Event")
        self.hung: set[tuple[str, str, str]] = set()
        """(kind, namespace, name) whose controller starts reconciling and never finishes."""

    # --- wiring ---------------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.store.subscribe(self._on_change)

    def detach(self) -> None:
        self.store.unsubscribe(self._on_change)
        for task in list(self._tasks):
            task.cancel()
        self._loop = None

    @property
    def idle(self) -> bool:
        return not self._pending and not self._tasks

    def _on_change(self, change: Change) -> None:
        if change.origin != "api" or change.type == "DELETED" or not _is_flux(change.rt):
            return
        if change.rt.kind in _STATIC_KINDS:
            return
        if (change.type == "MODIFIED" and change.old is not None
                and _trigger_state(change.obj) == _trigger_state(change.old)):
            return
        self.request(change.rt, change.obj["metadata"].get("namespace", ""), change.obj["metadata"]["name"])

    def request(self, rt: ResourceType, namespace: str, name: str) -> None:
        """Queue a reconcile (thread-safe)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._schedule(rt, namespace, name)
        else:
            loop.call_soon_threadsafe(self._schedule, rt, namespace, name)

    def _schedule(self, rt: ResourceType, namespace: str, name: str) -> None:
        key = (rt.key, namespace, name)
        if key in self._pending:
            return
        self._pending.add(key)
        task = asyncio.get_running_loop().create_task(self._reconcile(rt, namespace, name, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- reconcile loop -------------------------------------------------------------------------

    async def _reconcile(self, rt: ResourceType, namespace: str, name: str, key: ObjKey) -> None:
        try:
            obj = self.store.find(rt, namespace, name)
            if obj is None or obj["metadata"].get("deletionTimestamp") or is_suspended(rt, obj):
                return
            self._write_status(rt, namespace, name, self._progressing)
            if (rt.kind, namespace, name) in self.hung:
                return  # like a controller stuck on a slow clone: Reconciling, request never handled
            await asyncio.sleep(self.delay)
            self._pending.discard(key)
            obj = self.store.find(rt, namespace, name)
            if obj is None or is_suspended(rt, obj):
                return
            self.reconcile_count += 1
            outcome, status_update = self._evaluate(rt, obj)
            now = now_iso()
            reconcile_id = str(uuid.uuid4())

            def finish(current: Obj) -> Obj:
                return self._verdict(rt, current, obj, outcome, status_update, now)

            self._write_status(rt, namespace, name, finish)
            self._emit_event(rt, obj, outcome, now)
            self._log(rt, obj, outcome, reconcile_id)
            if outcome.ready:
                self._wake_dependents(rt, obj, outcome)
        except StatusError as exc:
            log.debug("sandbox controller: %s/%s/%s vanished: %s", rt.kind, namespace, name, exc.message)
        except Exception:
            log.exception("sandbox controller failed to reconcile %s %s/%s", rt.kind, namespace, name)
        finally:
            self._pending.discard(key)

    def _write_status(self, rt: ResourceType, namespace: str, name: str, mutate: Callable[[Obj], Obj]) -> None:
        self.store.update(rt, namespace, name, mutate, subresource="status", origin="controller", check_rv=False)

    def _progressing(self, obj: Obj) -> Obj:
        status = obj.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") not in ("Reconciling",)]
        generation = int(obj["metadata"].get("generation") or 1)
        now = now_iso()
        reconciling = _condition("Reconciling", "True", "Progressing",
                                 f"Reconciliation in progress for generation {generation}", generation,
                                 conditions, now)
        ready = next((c for c in conditions if c.get("type") == "Ready"), None)
        if ready is not None and ready.get("status") != "True":
            ready.update({"status": "Unknown", "reason": "Progressing", "message": "Reconciliation in progress",
                          "lastTransitionTime": now})
        status["conditions"] = [reconciling, *conditions]
        return obj

    def _verdict(self, rt: ResourceType, current: Obj, seen: Obj, outcome: Outcome, status_update: Obj,
                 now: str) -> Obj:
        generation = int(seen["metadata"].get("generation") or 1)
        status = current.setdefault("status", {})
        previous = [c for c in status.get("conditions") or [] if c.get("type") != "Reconciling"]
        conditions = [_condition("Ready", "True" if outcome.ready else "False", outcome.reason, outcome.message,
                                 generation, previous, now)]
        for type_, cstatus, reason, message in outcome.extra_conditions:
            conditions.append(_condition(type_, cstatus, reason, message, generation, previous, now))
        if outcome.stalled:
            conditions.append(_condition("Stalled", "True", outcome.stalled[0], outcome.stalled[1], generation,
                                         previous, now))
        retried = rt.group in _RETRY_SHAPE_GROUPS and not outcome.ready and not outcome.stalled
        if retried:
            # kustomize-controller keeps Reconciling on a failure it will retry, with the reason
            # ProgressingWithRetry, and moves observedGeneration only on success (-1 until the first one).
            reconciling = next((c for c in status.get("conditions") or [] if c.get("type") == "Reconciling"), None)
            if reconciling is not None:
                conditions.append({**reconciling, "reason": "ProgressingWithRetry"})
            status.setdefault("observedGeneration", -1)
        status["conditions"] = conditions
        # flux-operator and source-watcher kinds only record the generation on their conditions
        if rt.group != _OPERATOR_GROUP and rt.kind != "ArtifactGenerator" and not retried:
            status["observedGeneration"] = generation
        ann = _annotations(seen)
        if ann.get(REQUESTED_AT):
            status["lastHandledReconcileAt"] = ann[REQUESTED_AT]
        if rt.kind == "HelmRelease":
            if ann.get(FORCE_AT):
                status["lastHandledForceAt"] = ann[FORCE_AT]
            if ann.get(RESET_AT):
                status["lastHandledResetAt"] = ann[RESET_AT]
        for field, value in status_update.items():
            if value is None:
                status.pop(field, None)
            else:
                status[field] = value
        return current

    # --- outcomes per kind ------------------------------------------------------------------------

    def _evaluate(self, rt: ResourceType, obj: Obj) -> tuple[Outcome, Obj]:
        failure = self.failures.get((rt.kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
        handler = {
            "GitRepository": self._source, "OCIRepository": self._source, "Bucket": self._source,
            "HelmRepository": self._helm_repository, "HelmChart": self._helm_chart,
            "Kustomization": self._kustomization, "HelmRelease": self._helm_release,
        }.get(rt.kind)
        if handler is not None:
            return handler(rt, obj, failure)
        if failure is not None:
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciler error"), {}
        return self._generic(rt, obj)

    def _generic(self, rt: ResourceType, obj: Obj) -> tuple[Outcome, Obj]:
        now = now_iso()
        status: Obj = obj.get("status") or {}
        if rt.kind == "ImageRepository":
            tags = int((status.get("lastScanResult") or {}).get("tagCount") or 12)
            msg = f"successful scan: found {tags} tags"
            status_update = {"lastScanResult": {**(status.get("lastScanResult") or {}), "tagCount": tags,
                                                "scanTime": now}}
            return Outcome(True, "Succeeded", msg, "Succeeded", msg, msg), status_update
        if rt.kind == "ImageUpdateAutomation":
            return Outcome(True, "Succeeded", "repository up-to-date", "", "", "no updates made"), {
                "lastAutomationRunTime": now}
        if rt.kind == "FluxReport":
            return Outcome(True, "ReconciliationSucceeded", "Reporting finished in 102ms", "", "",
                           "Reporting finished"), {}
        if rt.group == _OPERATOR_GROUP:
            msg = "Reconciliation finished in 2s"
            return Outcome(True, "ReconciliationSucceeded", msg, "ReconciliationSucceeded", msg, msg), {}
        if rt.kind == "Receiver":
            path = status.get("webhookPath", "")
            return Outcome(True, "Succeeded", f"Receiver initialized for path: {path}", "", "",
                           "Receiver reconciled"), {}
        msg = "Reconciliation finished"
        return Outcome(True, "Succeeded", msg, "", "", msg), {}

    def _source(self, rt: ResourceType, obj: Obj, failure: Failure | None) -> tuple[Outcome, Obj]:
        meta, spec = obj["metadata"], obj.get("spec") or {}
        ns, name = meta.get("namespace", ""), meta["name"]
        if failure is not None:
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciler error", extra_conditions=(("FetchFailed", "True", failure.reason,
                                                                  failure.message),)), {}
        seed = f"{ns}/{name}/{self.reconcile_count}/{time.time_ns()}/{secrets.token_hex(4)}"
        ref = spec.get("ref") or {}
        if rt.kind == "GitRepository":
            branch = ref.get("branch") or ref.get("tag") or "main"
            revision = f"{branch}@sha1:{hashlib.sha1(seed.encode()).hexdigest()}"
            message = f"stored artifact for revision '{revision}'"
            event = f"stored artifact for commit 'Sandbox commit {self.reconcile_count}'"
        elif rt.kind == "OCIRepository":
            revision = f"{ref.get('tag') or 'latest'}@sha256:{hashlib.sha256(seed.encode()).hexdigest()}"
            message = f"stored artifact for digest '{revision}'"
            event = message
        else:
            revision = f"sha256:{hashlib.sha256(seed.encode()).hexdigest()}"
            message = f"stored artifact for revision '{revision}'"
            event = message
        art = artifact(rt.kind, ns, name, revision, now_iso())
        outcome = Outcome(True, "Succeeded", message, "NewArtifact", event, event, revision=revision,
                          extra_conditions=(("ArtifactInStorage", "True", "Succeeded", message),),
                          changed_output=True)
        return outcome, {"artifact": art}

    def _helm_repository(self, rt: ResourceType, obj: Obj, failure: Failure | None) -> tuple[Outcome, Obj]:
        if (obj.get("spec") or {}).get("type") == "oci":
            return Outcome(True, "Succeeded", "Helm repository is Ready"), {}
        if failure is not None:
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciler error"), {}
        art = (obj.get("status") or {}).get("artifact")
        revision = art["revision"] if art else "sha256:" + hashlib.sha256(obj["metadata"]["name"].encode()).hexdigest()
        message = f"stored artifact: revision '{revision}'"
        update: Obj = {}
        if not art:
            update["artifact"] = artifact(rt.kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"],
                                          revision, now_iso(), "yaml")
        return Outcome(True, "Succeeded", message, "", "", message, revision=revision,
                       extra_conditions=(("ArtifactInStorage", "True", "Succeeded", message),),
                       changed_output=not art), update

    def _helm_chart(self, rt: ResourceType, obj: Obj, failure: Failure | None) -> tuple[Outcome, Obj]:
        if failure is not None:
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciler error"), {}
        spec = obj.get("spec") or {}
        ref = spec.get("sourceRef") or {}
        ns = obj["metadata"].get("namespace", "")
        source = self.store.find_kind("source.toolkit.fluxcd.io", str(ref.get("kind", "")), ns, str(ref.get("name")))
        if source is None:
            msg = f"failed to get source: {ref.get('kind')}.source.toolkit.fluxcd.io \"{ref.get('name')}\" not found"
            return Outcome(False, "SourceUnavailable", msg, "SourceUnavailable", msg, "Reconciler error"), {}
        art = (obj.get("status") or {}).get("artifact") or {}
        version = art.get("revision") or str(spec.get("version") or "0.1.0").replace("x", "0").replace("*", "0")
        msg = f"pulled '{spec.get('chart')}' chart with version '{version}'"
        update: Obj = {}
        if not art:
            update["artifact"] = artifact(rt.kind, ns, obj["metadata"]["name"], version, now_iso(), "tgz")
        return Outcome(True, "ChartPullSucceeded", msg, "", "", msg, revision=version,
                       extra_conditions=(("ArtifactInStorage", "True", "ChartPullSucceeded", msg),),
                       changed_output=not art), update

    def _dependencies(self, rt: ResourceType, obj: Obj) -> str:
        """The first dependsOn entry that is not Ready, as `namespace/name`, or ''."""
        ns = obj["metadata"].get("namespace", "")
        for dep in (obj.get("spec") or {}).get("dependsOn") or []:
            dep_ns = dep.get("namespace") or ns
            other = self.store.find(rt, dep_ns, str(dep.get("name")))
            ready = other is not None and any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (other.get("status") or {}).get("conditions") or []
            )
            if not ready:
                return f"{dep_ns}/{dep.get('name')}"
        return ""

    def _kustomization(self, rt: ResourceType, obj: Obj, failure: Failure | None) -> tuple[Outcome, Obj]:
        ns = obj["metadata"].get("namespace", "")
        spec = obj.get("spec") or {}
        ref = spec.get("sourceRef") or {}
        src_ns = ref.get("namespace") or ns
        src_kind = str(ref.get("kind", "GitRepository"))
        source = self.store.find_kind("source.toolkit.fluxcd.io", src_kind, src_ns, str(ref.get("name")))
        if source is None:
            msg = f"Source '{src_kind}/{src_ns}/{ref.get('name')}' not found"
            return Outcome(False, "ArtifactFailed", msg, "ArtifactFailed", msg, "Reconciliation failed"), {}
        art = (source.get("status") or {}).get("artifact")
        if not art:
            msg = "Source artifact not found, retrying in 30s"
            return Outcome(False, "ArtifactFailed", msg, "ArtifactFailed", msg, msg), {}
        revision = str(art.get("revision"))
        blocked = self._dependencies(rt, obj)
        if blocked:
            msg = f"dependency '{blocked}' is not ready"
            return Outcome(False, "DependencyNotReady", msg, "DependencyNotReady", msg, msg), {}
        if failure is not None:
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciliation failed after 812ms, next try in 2m0s", revision=revision), {
                "lastAttemptedRevision": revision}
        status = obj.get("status") or {}
        interval = spec.get("interval", "10m")
        msg = f"Applied revision: {revision}"
        event = f"Reconciliation finished in 1.2s, next run in {_pretty_duration(str(interval))}"
        history = copy.deepcopy(status.get("history") or [])
        now = now_iso()
        if history and (history[0].get("metadata") or {}).get("revision") == revision:
            history[0]["lastReconciled"] = now
            history[0]["totalReconciliations"] = int(history[0].get("totalReconciliations") or 0) + 1
        else:
            history.insert(0, {"digest": f"sha256:{hashlib.sha256(revision.encode()).hexdigest()}",
                               "firstReconciled": now, "lastReconciled": now, "lastReconciledDuration": "1.2s",
                               "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 1,
                               "metadata": {"revision": revision}})
        changed = status.get("lastAppliedRevision") != revision or not _is_ready(obj)
        return Outcome(True, "ReconciliationSucceeded", msg, "ReconciliationSucceeded", event, event,
                       revision=revision, changed_output=changed), {
            "lastAppliedRevision": revision, "lastAttemptedRevision": revision, "history": history[:5],
            "inventory": status.get("inventory") or {"entries": []},
        }

    def _helm_release(self, rt: ResourceType, obj: Obj, failure: Failure | None) -> tuple[Outcome, Obj]:
        meta, spec = obj["metadata"], obj.get("spec") or {}
        ns, name = meta.get("namespace", ""), meta["name"]
        status: Obj = obj.get("status") or {}
        ann = _annotations(obj)
        generation = int(meta.get("generation") or 1)
        forced = bool(ann.get(FORCE_AT)) and ann.get(FORCE_AT) != status.get("lastHandledForceAt")
        reset = bool(ann.get(RESET_AT)) and ann.get(RESET_AT) != status.get("lastHandledResetAt")
        chart_spec = (spec.get("chart") or {}).get("spec") or {}
        if chart_spec:
            src_ref = chart_spec.get("sourceRef") or {}
            chart_ns = src_ref.get("namespace") or ns
            chart = self.store.find_kind("source.toolkit.fluxcd.io", "HelmChart", chart_ns, f"{ns}-{name}")
            chart_desc = f"HelmChart '{chart_ns}/{ns}-{name}'"
        else:
            ref = spec.get("chartRef") or {}
            chart_ns = ref.get("namespace") or ns
            chart = self.store.find_kind("source.toolkit.fluxcd.io", str(ref.get("kind", "OCIRepository")),
                                         chart_ns, str(ref.get("name")))
            chart_desc = f"{ref.get('kind')} '{chart_ns}/{ref.get('name')}'"
        chart_art = ((chart or {}).get("status") or {}).get("artifact")
        if chart is None or not chart_art:
            msg = f"{chart_desc} is not ready: {'not found' if chart is None else 'artifact not found'}"
            return Outcome(False, "ArtifactFailed", msg, "ArtifactFailed", msg, "Reconciler error"), {}
        blocked = self._dependencies(rt, obj)
        if blocked:
            msg = f"dependency '{blocked}' is not ready"
            return Outcome(False, "DependencyNotReady", msg, "DependencyNotReady", msg, msg), {}
        chart_name = str(chart_spec.get("chart") or name)
        version = str(chart_art.get("revision", "")).split("@")[0]
        history: list[Obj] = copy.deepcopy(status.get("history") or [])
        top_version = int(history[0]["version"]) if history else 0
        release = f"{ns}/{name}.v{top_version + 1}"
        update: Obj = {"lastAttemptedGeneration": generation, "lastAttemptedRevision": version,
                       "helmChart": f"{chart_ns}/{ns}-{name}"}
        if failure is not None:
            install = not any(h.get("status") == "deployed" for h in history)
            action = "install" if install else "upgrade"
            counter = "installFailures" if install else "upgradeFailures"
            failures = 1 if reset else int(status.get(counter) or 0) + (0 if _stalled(obj) else 1)
            retries = int(((spec.get(action) or {}).get("remediation") or {}).get("retries") or 0)
            stalled = (failure.stalled_reason, failure.stalled_message.replace(
                f"{_attempts(failure.stalled_message)} attempt", f"{failures} attempt")
            ) if failure.stalled_reason and failures > retries else None
            update.update({counter: failures, "failures": failures, "lastAttemptedReleaseAction": action})
            return Outcome(False, failure.reason, failure.message, failure.reason, failure.message,
                           "Reconciler error", stalled=stalled,
                           extra_conditions=(("Released", "False", failure.reason, failure.message),)), update
        app_version = str(history[0].get("appVersion", version)) if history else version
        upgrade = not history or forced or generation != int(status.get("lastAttemptedGeneration") or generation) \
            or history[0].get("chartVersion") != version or history[0].get("status") != "deployed"
        if upgrade:
            action = "Install" if not any(h.get("status") == "deployed" for h in history) else "Upgrade"
            for snapshot in history:
                if snapshot.get("status") == "deployed":
                    snapshot["status"] = "superseded"
            history.insert(0, release_snapshot(Clock(datetime.now(UTC)), name, ns, top_version + 1, chart_name, version,
                                               app_version, "deployed", 0, action.lower()))
            msg = f"Helm {action.lower()} succeeded for release {release} with chart {chart_name}@{version}"
            update.update({"history": history[:5], "installFailures": None, "upgradeFailures": None,
                           "failures": None, "lastAttemptedReleaseAction": action.lower(),
                           "lastReleaseRevision": top_version + 1})
            return Outcome(True, f"{action}Succeeded", msg, f"{action}Succeeded", msg, msg, revision=version,
                           extra_conditions=(("Released", "True", f"{action}Succeeded", msg),),
                           changed_output=True), update
        current = f"{ns}/{name}.v{top_version}"
        action = "Install" if top_version == 1 else "Upgrade"
        msg = f"Helm {action.lower()} succeeded for release {current} with chart {chart_name}@{version}"
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        if ready and ready.get("status") == "True":
            msg, reason = str(ready.get("message")), str(ready.get("reason"))
        else:
            reason = f"{action}Succeeded"
        return Outcome(True, reason, msg, "", "", "release in-sync with desired state", revision=version,
                       extra_conditions=(("Released", "True", reason, msg),)), update

    # --- side effects ---------------------------------------------------------------------------

    def _emit_event(self, rt: ResourceType, obj: Obj, outcome: Outcome, now: str) -> None:
        if not outcome.event_reason or self._event_rt is None:
            return
        event_rt = self._event_rt
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        component = COMPONENT_OF_KIND.get(rt.kind, "flux")
        event_type = "Normal" if outcome.ready else "Warning"
        for existing in self.store.iter_objects(event_rt, ns):
            involved = existing.get("involvedObject") or {}
            if (involved.get("uid") == meta.get("uid") and existing.get("reason") == outcome.event_reason
                    and existing.get("message") == outcome.event_message):
                name = existing["metadata"]["name"]

                def bump(ev: Obj) -> Obj:
                    ev["count"] = int(ev.get("count") or 1) + 1
                    ev["lastTimestamp"] = now
                    return ev

                self.store.update(event_rt, ns, name, bump, origin="controller", check_rv=False)
                return
        event: Obj = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": ns,
                         "annotations": {f"{rt.group.split('.')[0]}.toolkit.fluxcd.io/revision": outcome.revision}
                         if outcome.revision else {}},
            "involvedObject": {"apiVersion": rt.api_version, "kind": rt.kind, "name": meta["name"],
                               "namespace": ns, "uid": meta.get("uid", ""),
                               "resourceVersion": meta.get("resourceVersion", "")},
            "reason": outcome.event_reason, "message": outcome.event_message, "type": event_type, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now, "source": {"component": component},
            "reportingComponent": component, "reportingInstance": f"{component}-0",
        }
        if not event["metadata"]["annotations"]:
            del event["metadata"]["annotations"]
        self.store.create(event_rt, event, ns, origin="controller")

    def _log(self, rt: ResourceType, obj: Obj, outcome: Outcome, reconcile_id: str) -> None:
        component = COMPONENT_OF_KIND.get(rt.kind)
        pod = self.controller_pods.get(component or "")
        if pod is None or not outcome.log_message:
            return
        meta = obj["metadata"]
        at = datetime.now(UTC)
        extra: dict[str, Any] = {"revision": outcome.revision or None}
        if not outcome.ready:
            extra["error"] = outcome.message
        line = controller_line(at, "info" if outcome.ready else "error", outcome.log_message, rt.group, rt.kind,
                               meta["name"], meta.get("namespace", ""), reconcile_id, **extra)
        self.logs.append("flux-system", pod, "manager", line, at)

    def _wake_dependents(self, rt: ResourceType, obj: Obj, outcome: Outcome) -> None:
        if not outcome.changed_output:
            return
        ns, name = obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
        ks_rt = self.catalog.by_kind("kustomize.toolkit.fluxcd.io", "Kustomization")
        hr_rt = self.catalog.by_kind("helm.toolkit.fluxcd.io", "HelmRelease")
        if ks_rt is None or hr_rt is None:
            return
        if rt.group == "source.toolkit.fluxcd.io" and rt.kind != "HelmChart":
            for ks in self.store.iter_objects(ks_rt):
                ref = (ks.get("spec") or {}).get("sourceRef") or {}
                ks_ns = ks["metadata"].get("namespace", "")
                if ref.get("kind") == rt.kind and ref.get("name") == name and (ref.get("namespace") or ks_ns) == ns:
                    self.request(ks_rt, ks_ns, ks["metadata"]["name"])
        if rt.kind == "HelmChart":
            for hr in self.store.iter_objects(hr_rt):
                if (hr.get("status") or {}).get("helmChart") == f"{ns}/{name}":
                    self.request(hr_rt, hr["metadata"].get("namespace", ""), hr["metadata"]["name"])
        if rt.kind in ("Kustomization", "HelmRelease"):
            for dependent in self.store.iter_objects(rt):
                d_ns = dependent["metadata"].get("namespace", "")
                for dep in (dependent.get("spec") or {}).get("dependsOn") or []:
                    if dep.get("name") == name and (dep.get("namespace") or d_ns) == ns:
                        self.request(rt, d_ns, dependent["metadata"]["name"])


def _is_flux(rt: ResourceType) -> bool:
    return rt.group.endswith(_FLUX_GROUP_SUFFIXES)


def _is_ready(obj: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def _stalled(obj: Obj) -> bool:
    return any(c.get("type") == "Stalled" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def _attempts(message: str) -> str:
    for word in message.split():
        if word.isdigit():
            return word
    return ""


def _pretty_duration(interval: str) -> str:
    """Go's time.Duration String() for the common `10m`/`1h`/`30s` intervals."""
    units = {"h": 3600, "m": 60, "s": 1}
    total = 0
    number = ""
    for ch in interval:
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
    if total == 0:
        return interval
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"
