"""Why a cluster workflow stopped short, in words a user can act on (no MCP: the tool boundary
turns these into tool errors)."""

from __future__ import annotations


class OperationError(Exception):
    """A workflow refused or could not go on: bad input, a guard, a missing prerequisite.

    The message is complete (what, why, what to do); API failures are `kube.errors.KubeError`.
    """
