"""What a running server holds: its settings, cluster access and audit log."""

from __future__ import annotations

from collections.abc import Hashable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flux_mcp.audit import AuditLog
from flux_mcp.ops.paging import PageCache
from flux_mcp.settings import Settings

if TYPE_CHECKING:
    from flux_mcp.kube.access import KubeAccess
    from flux_mcp.kube.gateway import KubeGateway


class Runtime:
    """Shared by every tool call of one server. Nothing here touches the cluster at start-up."""

    def __init__(self, settings: Settings, kubeconfig: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self._kubeconfig = kubeconfig
        self.audit = AuditLog(settings.audit_log) if settings.audit_log else None
        self.pages: PageCache[Any] = PageCache()
        """API pages an answer cut, for the call that resumes them (get_kubernetes_resources)."""
        self.object_sizes: dict[Hashable, float] = {}
        """Characters an answer spent per object, by cluster, kind and output: how many objects the
        first API page of the next listing of that kind needs (get_kubernetes_resources)."""

    @cached_property
    def kube(self) -> KubeAccess:
        # Imported on first use: lightkube and httpx2 cost start-up time the tools/list answer does not need.
        from flux_mcp.kube.access import KubeAccess

        return KubeAccess(self.settings, kubeconfig=self._kubeconfig)

    async def gateway(self, context: str | None = None) -> KubeGateway:
        return await self.kube.gateway(context)

    async def aclose(self) -> None:
        """Close the cluster connections opened so far (they reopen lazily on the next call)."""
        if "kube" in self.__dict__:
            await self.kube.close()
