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

from flux_mcp.flux.rca.render import render_analysis
from flux_mcp.flux.rca.results import TEXT_LIMIT, Analysis, EvidenceItem, Hop
from flux_mcp.flux.rca.rules import RULES, Rule
from flux_mcp.flux.rca.walk import MAX_DEPTH, analyze

__all__ = ["MAX_DEPTH", "RULES", "TEXT_LIMIT", "Analysis", "EvidenceItem", "Hop", "Rule", "analyze", "render_analysis"]
