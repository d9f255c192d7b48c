"""What applying a manifest would change: a server-side-apply dry run per object, diffed with the live object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flux_mcp.flux.diff import ObjectDiff, object_diff

if TYPE_CHECKING:
    from flux_mcp.kube.discovery import ResourceKind
    from flux_mcp.kube.gateway import KubeGateway


async def diff_object(
    gw: KubeGateway, rk: ResourceKind, manifest: dict[str, Any], *, mask_secrets: bool = True,
) -> ObjectDiff:
    """Dry-run `manifest` (metadata.namespace already settled) as field manager fluxcd-mcp and diff it.

    The dry run forces ownership: without it the API server answers a field another manager owns
    with a 409 conflict and shows nothing; with it the answer is what `overwrite=true` would
    store, and the diff names the previous owner of each such field instead.
    """
    from flux_mcp.kube.gateway import FIELD_MANAGER  # lightkube loads on the first call, not at start-up

    metadata = manifest["metadata"]
    name = str(metadata["name"])
    namespace = str(metadata.get("namespace") or "") or None
    live = await gw.get_or_none(rk, name, namespace, managed_fields=True)
    proposed = await gw.patch(rk, name, namespace, manifest, patch_type="apply", dry_run=True, force=True)
    return object_diff(live, proposed, manifest, applier=FIELD_MANAGER, mask_secrets=mask_secrets)
