"""The reconcile waiter: request a reconcile of a Flux object (its sources first), then watch the verdict.

Shared by reconcile_flux_resource and resume_flux_reconciliation. The decisions (token, patches,
what counts as done) live in `flux.reconcile`; this module only talks to the gateway, paces the
polling and reports what it sees through a `Progress` callback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from flux_mcp.flux.kinds import REQUESTED_AT, FluxKind, find_flux_kind
from flux_mcp.flux.reconcile import (
    ObjectKey,
    describe,
    pending_summary,
    progress_line,
    reconcile_outcome,
    reconcile_refusal,
    request_token,
    source_of,
)
from flux_mcp.flux.state import needs_reset, reconcile_phase, same_revision
from flux_mcp.flux.status import is_suspended
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.locate import locate

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway

log = logging.getLogger("flux_mcp.ops.reconcile")

StepOutcome = Literal["ready", "failed", "still-reconciling", "requested", "skipped"]

FIRST_POLL_DELAY = 0.1
POLL_INTERVAL = 0.25
POLL_INTERVAL_MAX = 2.0
POLL_GROWTH = 1.5
MAX_SOURCE_DEPTH = 3
"""HelmRelease → HelmChart → HelmRepository is the longest chain Flux has."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[str], Awaitable[None]]


class ReconcileStep(BaseModel):
    """One object of the chain: a source reconciled first, or the object asked for."""

    kind: str
    name: str
    namespace: str
    outcome: StepOutcome
    revision: str = ""
    reason: str = ""
    message: str = ""
    polls: int = 0
    duration_seconds: float = 0.0


class ReconcileResult(BaseModel):
    kind: str
    name: str
    namespace: str
    token: str = Field(description="Value written to reconcile.fluxcd.io/requestedAt.")
    outcome: StepOutcome
    revision: str = ""
    reason: str = ""
    message: str = ""
    duration_seconds: float = 0.0
    polls: int = Field(0, description="Status reads made while waiting, over the whole chain.")
    steps: list[ReconcileStep] = Field(default_factory=list, description="Sources first, then the object.")


@dataclass
class Target:
    """A Flux object resolved against the cluster, as read before we touched it."""

    rk: ResourceKind
    kind: FluxKind
    obj: dict[str, Any]

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str((self.obj.get("metadata") or {}).get("namespace", ""))

    @property
    def label(self) -> str:
        return describe(self.kind, self.obj)

    def new_token(self) -> str:
        """A request token different from the one already on the object (else it reads as handled)."""
        annotations = (self.obj.get("metadata") or {}).get("annotations") or {}
        return request_token(differ_from=str(annotations.get(REQUESTED_AT, "")))

    def step(self, outcome: StepOutcome, **fields: Any) -> ReconcileStep:
        return ReconcileStep(kind=self.kind.kind, name=self.name, namespace=self.namespace, outcome=outcome, **fields)


async def resolve_target(
    gw: KubeGateway, kind: str, name: str, namespace: str | None, api_version: str | None
) -> Target:
    rk = await gw.resolve(kind, api_version)
    flux_kind = find_flux_kind(rk.kind, rk.group)
    if flux_kind is None:
        raise OperationError(
            f"{rk.kind} ({rk.api_version}) is not a Flux kind; this tool works on Flux objects such as "
            "Kustomization, HelmRelease, GitRepository, OCIRepository, HelmRepository, ResourceSet."
        )
    obj = await gw.get(rk, name, await locate(gw, rk, name, namespace))
    return Target(rk, flux_kind, obj)


async def source_chain(gw: KubeGateway, target: Target) -> tuple[list[Target], list[ReconcileStep]]:
    """The sources to reconcile before `target`, deepest first, and the ones deliberately skipped."""
    chain: list[Target] = []
    skipped: list[ReconcileStep] = []
    current = target
    for _ in range(MAX_SOURCE_DEPTH):
        key = source_of(current.kind, current.obj)
        if key is None:
            break
        source = await _read_source(gw, key, current)
        if source is None:
            # helm-controller creates the HelmChart on the release's first reconcile.
            skipped.append(_skipped(key, "NotCreatedYet", "helm-controller creates it when the release reconciles"))
            break
        static = source.kind.is_static(source.obj)
        if static:
            skipped.append(source.step("skipped", reason="Static", message=static))
            break
        refusal = reconcile_refusal(source.kind, source.obj)
        if refusal:
            raise OperationError(f"Cannot reconcile {target.label} with its source: {refusal}")
        chain.insert(0, source)
        current = source
    return chain, skipped


def _skipped(key: ObjectKey, reason: str, message: str) -> ReconcileStep:
    return ReconcileStep(
        kind=key.kind, name=key.name, namespace=key.namespace, outcome="skipped", reason=reason, message=message
    )


async def _read_source(gw: KubeGateway, key: ObjectKey, consumer: Target) -> Target | None:
    flux_kind = find_flux_kind(key.kind)
    if flux_kind is None:
        raise OperationError(f"{consumer.label} refers to a source of unknown kind {key.kind!r}.")
    rk = await gw.resolve(f"{flux_kind.kind}.{flux_kind.group}")
    obj = await gw.get_or_none(rk, key.name, key.namespace)
    if obj is None:
        if key.kind == "HelmChart":
            return None
        raise OperationError(
            f"The source of {consumer.label}, {key}, does not exist. Create it (or fix the reference), "
            "or reconcile without with_source."
        )
    return Target(rk, flux_kind, obj)


@dataclass
class Waiter:
    """Polls one object until the controller decides on a request, within a shared deadline."""

    gw: KubeGateway
    progress: Progress
    deadline: float
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    polls: int = field(default=0)
    started: float = field(default=0.0)

    @classmethod
    def start(cls, gw: KubeGateway, progress: Progress, timeout: float) -> Waiter:
        """A waiter whose shared deadline is `timeout` seconds from now."""
        started = time.monotonic()
        return cls(gw, progress, deadline=started + timeout, started=started)

    def elapsed(self) -> float:
        return self.clock() - self.started

    async def request(self, target: Target, patch: dict[str, Any]) -> None:
        await self.gw.patch(target.rk, target.name, target.namespace or None, patch, patch_type="merge")

    async def wait(self, target: Target, token: str) -> ReconcileStep:
        started = self.clock()
        polls = 0
        interval = POLL_INTERVAL
        delay = FIRST_POLL_DELAY
        last_line = ""
        obj: dict[str, Any] | None = None
        while True:
            remaining = self.deadline - self.clock()
            if remaining <= 0:
                break
            await self.sleep(min(delay, remaining))
            obj = await self.gw.get(target.rk, target.name, target.namespace or None)
            polls += 1
            self.polls += 1
            line = progress_line(target.kind, obj, token)
            if line != last_line:
                await self.progress(line)
                last_line = line
            outcome = reconcile_outcome(obj, token)
            elapsed = round(self.clock() - started, 3)
            if outcome is not None:
                return target.step(
                    outcome.state, revision=outcome.revision, reason=outcome.reason, message=outcome.message,
                    polls=polls, duration_seconds=elapsed,
                )
            if is_suspended(obj, target.kind):
                return target.step(
                    "failed", reason="Suspended", polls=polls, duration_seconds=elapsed,
                    message="the object was suspended while waiting; its controller ignores the request",
                )
            delay, interval = interval, min(interval * POLL_GROWTH, POLL_INTERVAL_MAX)
        waited = round(self.clock() - started, 3)
        picked_up = obj is not None and reconcile_phase(obj, token) != "not-picked-up"
        return target.step(
            "still-reconciling", polls=polls, duration_seconds=waited,
            reason="Reconciling" if picked_up else "NotPickedUp",
            message=pending_summary(target.kind, obj, token, round(waited)),
        )


def summarize(target: Target, token: str, steps: list[ReconcileStep], polls: int, duration: float,
              timeout: float, *, reset: bool = False) -> ReconcileResult:
    """The overall verdict: the object's own step, or the source step that stopped the chain.

    Ready while the source reconciled just before is at another revision says so ("Ready at
    revision X; the source is at Y"); a HelmRelease failure helm-controller will not retry by
    itself (out of retries, a failed install or upgrade) names the reset=true call.
    """
    requested = [s for s in steps if s.outcome != "skipped"]
    last = requested[-1]
    outcome, reason, message = last.outcome, last.reason, last.message
    own = last.kind == target.kind.kind and last.name == target.name and last.namespace == target.namespace
    if not own and last.outcome == "failed":
        message = f"source {last.kind} {last.namespace}/{last.name}: {message or reason}"
    if outcome == "still-reconciling":
        who = target.label if own else f"{last.kind} {last.namespace}/{last.name}"
        message = last.message or f"{who} still reconciling after {timeout:g} s"
        if reason != "NotPickedUp":
            message += "; check again later or raise timeout"
    if outcome == "ready" and own and len(requested) >= 2:
        source = requested[-2]
        if source.outcome == "ready" and source.revision and last.revision and not same_revision(
            target.kind.kind, last.revision, source.revision
        ):
            drift = (f"Ready at revision {last.revision}; the source {source.kind} {source.namespace}/{source.name} "
                     f"is at {source.revision}")
            message = f"{drift} ({message})" if message else drift
    if outcome == "failed" and own and not reset and needs_reset(target.kind.kind, reason, False):
        message = (f"{message}; helm-controller will not retry by itself: reconcile_flux_resource "
                   f"kind={target.kind.kind} name={target.name} namespace={target.namespace} reset=true "
                   "after fixing the cause")
    return ReconcileResult(
        kind=target.kind.kind, name=target.name, namespace=target.namespace, token=token, outcome=outcome,
        revision=last.revision if own else "", reason=reason, message=message,
        duration_seconds=round(duration, 3), polls=polls, steps=steps,
    )
