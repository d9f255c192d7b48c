"""get_kubernetes_metrics: CPU and memory of pods from the metrics.k8s.io API (metrics-server)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.flux.budget import fit_items
from flux_mcp.kube.errors import NotFound, Unavailable
from flux_mcp.ops.locate import locate
from flux_mcp.ops.namespace_scope import across_namespaces, narrowed_note
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import K8S_NAME_PATTERN, ContextArg, OptionalNamespaceArg
from flux_mcp.tools._response import respond

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

METRICS_GROUP = "metrics.k8s.io"
# metrics-server reports CPU in nanocores ("12345678n"); lightkube 1.0.1's parse_quantity knows
# every suffix but n and u, so those two are scaled here and the rest is left to it.
_SUB_MILLI = {"n": Decimal("1e-9"), "u": Decimal("1e-6")}


class ContainerUsage(BaseModel):
    container: str
    cpu_millicores: float
    memory_mib: float


class PodUsage(BaseModel):
    namespace: str
    pod: str
    cpu_millicores: float
    memory_mib: float
    containers: list[ContainerUsage]


class MetricsResult(BaseModel):
    pods: list[PodUsage]
    total_pods: int
    truncated: bool = False


def _quantity(value: Any) -> Decimal:
    """A Kubernetes quantity as a number; a ValueError naming the value when it is not one."""
    from lightkube.utils.quantity import parse_quantity  # lightkube loads on the first call, not at start-up

    text = str(value).strip()
    scale = _SUB_MILLI.get(text[-1:], Decimal(1))
    digits = text[:-1] if text[-1:] in _SUB_MILLI else text
    try:
        parsed = parse_quantity(digits)
    except ValueError:
        parsed = None
    if parsed is None or (scale != 1 and not digits[-1:].isdigit()):
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    return Decimal(parsed) * scale


def cpu_millicores(quantity: Any) -> float:
    return float(_quantity(quantity) * 1000)


def memory_mib(quantity: Any) -> float:
    return float(_quantity(quantity) / 1024**2)


def _usage(item: dict[str, Any], container: dict[str, Any], resource: str) -> float:
    value = (container.get("usage") or {}).get(resource, "0")
    try:
        return cpu_millicores(value) if resource == "cpu" else memory_mib(value)
    except ValueError as exc:
        metadata = item.get("metadata") or {}
        raise ToolError(
            f"the metrics API reported an unreadable {resource} usage for pod {metadata.get('namespace')}/"
            f"{metadata.get('name')} container {container.get('name')}: {exc}; check metrics-server"
        ) from exc


async def _metrics_version(gw: KubeGateway) -> str:
    """The served metrics.k8s.io version, or a ToolError explaining that metrics-server is missing."""
    group = next((g for g in await gw.api_groups() if g.name == METRICS_GROUP), None)
    if group is None:
        raise ToolError(
            "metrics are not available: the metrics.k8s.io API is not served by this cluster, so "
            "metrics-server (or another metrics provider) is not installed. Install metrics-server to get "
            "pod CPU/memory usage."
        )
    unavailable = await gw.unavailable_apis()
    broken = unavailable.get(f"{METRICS_GROUP}/{group.preferred_version}")
    if broken:
        raise ToolError(
            f"metrics are not available: metrics.k8s.io is registered (APIService {group.preferred_version}."
            f"{METRICS_GROUP}) but its server does not answer the API server ({broken}): metrics-server is "
            f"down or unreachable; check its pods and `kubectl get apiservice {group.preferred_version}."
            f"{METRICS_GROUP}`"
        )
    return group.preferred_version


async def _no_pod_metrics(gw: KubeGateway, pod: str, namespace: str) -> str:
    """Why metrics-server has no usage for a pod: the pod is absent, not running on a node yet, or its
    node's kubelet has not been scraped (metrics-server reads each kubelet about every 15 s)."""
    found = await gw.get_or_none("Pod", pod, namespace)
    if found is None:
        return (f'no Pod named "{pod}" in namespace {namespace}; list them with get_kubernetes_resources '
                "(kind=Pod) to see the existing names")
    node = str((found.get("spec") or {}).get("nodeName") or "")
    if not node:
        return f"pod {namespace}/{pod} has no metrics: it is not scheduled to a node yet"
    ready = await gw.node_ready(node)
    return (f"metrics-server has no usage for pod {namespace}/{pod} (yet): it reads it from the kubelet of "
            f"node {node} about every 15 s, so a pod that just started, or one on a node whose kubelet is "
            f"unreachable, has none. Node {node}: {ready}")


def _pod_usage(item: dict[str, Any]) -> PodUsage:
    metadata = item.get("metadata") or {}
    containers = [
        ContainerUsage(
            container=str(c.get("name", "")),
            cpu_millicores=round(_usage(item, c, "cpu"), 1),
            memory_mib=round(_usage(item, c, "memory"), 1),
        )
        for c in item.get("containers") or []
    ]
    return PodUsage(
        namespace=str(metadata.get("namespace", "")), pod=str(metadata.get("name", "")),
        cpu_millicores=round(sum(c.cpu_millicores for c in containers), 1),
        memory_mib=round(sum(c.memory_mib for c in containers), 1), containers=containers,
    )


@flux_tool(title="Get pod CPU and memory usage", read_only=True)
async def get_kubernetes_metrics(
    ctx: Context[Any, Any],
    namespace: OptionalNamespaceArg = None,
    pod_name: Annotated[
        str | None,
        Field(description="Only this pod (found in any namespace unless `namespace` is given).", max_length=253,
              pattern=K8S_NAME_PATTERN),
    ] = None,
    pod_selector: Annotated[
        str | None,
        Field(description="Label selector of the pods, e.g. app=podinfo.", max_length=1000),
    ] = None,
    limit: Annotated[
        int, Field(description="Maximum pods to return, highest CPU first.", ge=1, le=2000)
    ] = 100,
    context: ContextArg = None,
) -> Annotated[CallToolResult, MetricsResult]:
    """Current CPU (millicores) and memory (MiB) usage per pod and container, from metrics-server.

    Pods are sorted by CPU, highest first. Says so when metrics-server is not installed.
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    narrowed: str | None = None
    version = await _metrics_version(gw)
    base = f"/apis/{METRICS_GROUP}/{version}"

    async def metrics_api(path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return await gw.raw_get(path, params)
        except Unavailable as exc:
            if exc.status is None:
                raise
            # The API server answered: what failed is the aggregated metrics API behind it.
            raise ToolError(
                f"metrics are not available: the metrics.k8s.io API (metrics-server, behind the API server's "
                f"aggregation layer) did not answer (HTTP {exc.status}: {exc.server_message or 'no message'}); "
                f"check the metrics-server pods and `kubectl get apiservice {version}.{METRICS_GROUP}`"
            ) from exc

    if pod_name:
        namespace = await locate(gw, await gw.resolve("Pod"), pod_name, namespace)
        try:
            items = [await metrics_api(f"{base}/namespaces/{namespace}/pods/{pod_name}")]
        except NotFound as exc:
            raise ToolError(await _no_pod_metrics(gw, pod_name, namespace or "")) from exc
    else:
        async def pod_metrics(ns: str | None) -> Any:
            path = f"{base}/namespaces/{ns}/pods" if ns else f"{base}/pods"
            return await metrics_api(path, {"labelSelector": pod_selector} if pod_selector else None)

        # PodMetrics are namespaced as Pods are: a tenant refused all namespaces gets its context's
        listed = await across_namespaces(gw, "Pod", pod_metrics, namespace)
        narrowed = listed.narrowed_to
        namespace = namespace or narrowed
        items = list(listed.value.get("items") or [])
    pods = sorted((_pod_usage(i) for i in items), key=lambda p: (-p.cpu_millicores, p.namespace, p.pod))
    selected = pods[:limit]
    lines = []
    for pod in selected:
        breakdown = ", ".join(f"{c.container} {c.cpu_millicores:g}m/{c.memory_mib:g}Mi" for c in pod.containers)
        lines.append(f"{pod.namespace}/{pod.pod}: cpu {pod.cpu_millicores:g}m, memory {pod.memory_mib:g}Mi"
                     + (f" ({breakdown})" if len(pod.containers) > 1 else ""))
    scope = f"namespace {namespace}" if namespace else "all namespaces"
    header = f"# pod usage in {scope}: {len(selected)} of {len(pods)} pods, highest CPU first"
    if not pods:
        header = f"# no pod metrics in {scope}" + (f" for selector {pod_selector!r}" if pod_selector else "")
    if narrowed:
        header = f"# {narrowed_note('pod metrics', narrowed)}\n{header}"
    hint = "lower `limit`, or narrow with `namespace` or `pod_selector`"
    fitted = fit_items(lines, rt.settings.output_limit - 600, hint=hint, header=header)
    result = MetricsResult(
        pods=selected[: fitted.shown], total_pods=len(pods), truncated=fitted.truncated or len(pods) > limit,
    )
    return respond(rt, fitted.text, result)
