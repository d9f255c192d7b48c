"""Requests the API server proxies to a node's kubelet (pod logs), asked of each node once at first.

A node whose kubelet does not answer one request rarely answers the next: the first request to each
node goes alone, the others to that node wait for its outcome and are not sent when it failed. Requests
to nodes that answer run concurrently as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from flux_mcp.kube.errors import KubeletUnreachable

T = TypeVar("T")


class KubeletGate:
    """One per tool call (or analysis): remembers which nodes' kubelets did not answer."""

    def __init__(self) -> None:
        self._probes: dict[str, asyncio.Event] = {}
        self._dead: dict[str, KubeletUnreachable] = {}

    def dead(self, node: str) -> KubeletUnreachable | None:
        """Why `node`'s kubelet did not answer, None when it did (or was not asked yet)."""
        return self._dead.get(node)

    async def fetch(self, node: str, request: Callable[[], Awaitable[T]]) -> T:
        """`request`, unless an earlier request to `node` found its kubelet unreachable: then that
        failure is raised again without asking (`node` "" when unknown: always asked)."""
        if not node:
            return await request()
        probe = self._probes.get(node)
        if probe is None:
            self._probes[node] = probe = asyncio.Event()
            try:
                return await request()
            except KubeletUnreachable as exc:
                self._dead[node] = exc
                raise
            finally:
                probe.set()
        await probe.wait()
        failed = self._dead.get(node)
        if failed is not None:
            raise KubeletUnreachable(
                f"the kubelet on node {node} is unreachable (an earlier request found it so; not asked again)",
                node=node, node_ready=failed.node_ready, request=failed.request, status=failed.status,
                reason=failed.reason, server_message=failed.server_message,
            )
        return await request()
