"""get_kubernetes_api_versions: the API groups, versions and kinds this cluster serves."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.kinds import is_flux_group
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg
from flux_mcp.tools._response import respond


class GroupSummary(BaseModel):
    group: str = Field(description='API group; "" is the core group.')
    preferred_version: str
    versions: list[str]
    kinds: list[str]
    origin: str = Field(description="built-in, flux, or extension (CRDs and aggregated APIs).")


class ApiVersionsResult(BaseModel):
    groups: list[GroupSummary]
    unavailable: list[str] = Field(default_factory=list, description="group/versions whose discovery failed.")


def origin_of(group: str) -> str:
    if is_flux_group(group):
        return "flux"
    if not group or "." not in group or group.endswith(".k8s.io"):
        return "built-in"
    return "extension"


@flux_tool(title="Get Kubernetes API versions", read_only=True)
async def get_kubernetes_api_versions(
    ctx: Context[Any, Any],
    context: ContextArg = None,
) -> Annotated[CallToolResult, ApiVersionsResult]:
    """List every API group this cluster serves with its versions (preferred first) and kinds.

    Groups are marked built-in, flux or extension. Use it to find the kind or apiVersion for other tools.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    groups = await gw.api_groups()
    kinds = await gw.discovery()
    unavailable = await gw.unavailable_apis()
    summaries = []
    for group in groups:
        members = sorted(rk.kind for rk in kinds if rk.group == group.name)
        versions = [group.preferred_version, *(v for v in group.versions if v != group.preferred_version)]
        summaries.append(GroupSummary(
            group=group.name, preferred_version=group.preferred_version, versions=versions, kinds=members,
            origin=origin_of(group.name),
        ))
    lines = []
    for s in sorted(summaries, key=lambda s: ({"flux": 0, "built-in": 1}.get(s.origin, 2), s.group)):
        others = f" (also {', '.join(s.versions[1:])})" if len(s.versions) > 1 else ""
        name = s.group or "core"
        api_version = f"{s.group}/{s.preferred_version}" if s.group else s.preferred_version
        lines.append(f"{api_version}{others} [{s.origin}] {name}: {', '.join(s.kinds) or '(no kinds)'}")
    header = (
        f"# {len(summaries)} API groups (flux first, then built-in, then extensions); "
        "apiVersion [origin] group: kinds"
    )
    fitted = fit_items(lines, rt.settings.output_limit - 600, hint="use get_kubernetes_resources with a kind",
                       header=header)
    text = fitted.text
    if unavailable:
        text += "\n# discovery failed for: " + "; ".join(f"{k}: {v}" for k, v in unavailable.items())
    return respond(rt, text, ApiVersionsResult(groups=summaries, unavailable=sorted(unavailable)))
