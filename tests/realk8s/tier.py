"""Whether the `realk8s` tier runs in this pytest session, and if not, the one line saying why.

``FLUX_MCP_REALK8S`` decides: ``1`` requires the tier (binaries are built when missing, and anything
else missing fails the session: `.ci/run` sets it); ``0`` skips it; unset runs it when the binaries
are already there (KUBEBUILDER_ASSETS or the cache), so nobody waits for a build they did not ask for.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from tests.realk8s import binaries
from tests.realk8s.cluster import REFERENCE_CRDS
from tests.realk8s.gitserver import http_backend

TIER_ENV = "FLUX_MCP_REALK8S"


@dataclass(frozen=True)
class TierDecision:
    run: bool
    required: bool
    reason: str
    """Empty when the tier runs; else one line naming what is missing and how to get it."""
    flux_reason: str = ""
    """Empty when the real Flux controllers can run too; else what is missing for the tests that need them."""


def decide() -> TierDecision:
    setting = os.environ.get(TIER_ENV, "").strip().lower()
    if setting in {"0", "no", "false", "off"}:
        return TierDecision(False, False, f"{TIER_ENV}={setting}")
    required = setting in {"1", "yes", "true", "on", "require"}
    problems = []
    if not REFERENCE_CRDS.is_dir():
        problems.append(f"the Flux CRDs ({REFERENCE_CRDS})")
    for tool in ("openssl", "git"):
        if shutil.which(tool) is None:
            problems.append(f"`{tool}` on PATH")
    if shutil.which("git") is not None and http_backend() is None:
        problems.append("git-http-backend")
    problems += _binaries_problem(binaries.CLUSTER_COMPONENTS, required)
    if problems:
        return TierDecision(False, required, "missing " + "; ".join(problems))
    flux = _binaries_problem(binaries.FLUX_COMPONENTS, required)
    return TierDecision(True, required, "", "missing " + flux[0] if flux else "")


def _binaries_problem(components: tuple[binaries.Component, ...], required: bool) -> list[str]:
    absent = binaries.missing(components)
    if absent and binaries.go_binary() is None:
        return [f"`go` on PATH to build {', '.join(absent)}"]
    if absent and not required:
        return [f"built binaries ({', '.join(absent)} in {binaries.cache_dir()}); build them with "
                f"`python -m tests.realk8s build` (~30 min cold) or set {TIER_ENV}=1"]
    return []
