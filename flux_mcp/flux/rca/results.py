"""Root-cause analysis result types: the chain of hops, the evidence and the conclusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from flux_mcp.flux.refs import ObjectKey

TEXT_LIMIT: Final = 2048
"""What one analysis may take as text (issue acceptance: at most 2 KB per failing object)."""


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


