"""The sandbox fleet and its copy in a real API server, as the session fixture `twins` hands them out."""

from __future__ import annotations

from dataclasses import dataclass

from flux_mcp.sandbox import Sandbox
from tests.realk8s.cluster import RealCluster
from tests.realk8s.copier import CopyReport


@dataclass
class Twins:
    """The sandbox's fleet and its copy in a real API server (neither has a controller running)."""

    sandbox: Sandbox
    cluster: RealCluster
    served: int
    report: CopyReport
    removed_from_sandbox: list[str]
    """Objects the real server refused, deleted from the sandbox so both hold the same world."""
