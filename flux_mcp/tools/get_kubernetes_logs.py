"""get_kubernetes_logs: container logs of a pod or a whole workload, merged in time order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from flux_mcp.bounded import bounded
from flux_mcp.flux.budget import fit_items
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.timestamps import parse_time
from flux_mcp.kube.errors import KubeError
from flux_mcp.ops.kubelets import KubeletGate
from flux_mcp.ops.locate import locate
from flux_mcp.tools._argument_values import compile_grep
from flux_mcp.tools._boundary import kube_message
from flux_mcp.tools._declaration import flux_tool, runtime
from flux_mcp.tools._params import ContextArg, NameArg, NamespaceArg, SinceArg
from flux_mcp.tools._response import respond

if TYPE_CHECKING:
    from flux_mcp.kube.gateway import KubeGateway

WorkloadKind = Literal["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]
MAX_PODS = 10
MAX_BYTES_PER_CONTAINER = 2_000_000
RECENT_JOBS = 3


class LogsResult(BaseModel):
    kind: str
    name: str
    namespace: str
    pods: list[str]
    containers: list[str] = Field(description="pod/container streams read.")
    lines_returned: int
    lines_matched: int = Field(description="Lines that matched the filters before the line limit.")
    truncated: bool = Field(description="True when lines, pods or bytes were left out.")
    errors: list[str] = Field(default_factory=list, description="Streams that could not be read, and why.")


@dataclass(frozen=True)
class LogLine:
    timestamp: str
    stream: str
    text: str


def selector_of(workload: dict[str, Any]) -> str:
    """A label selector string from a workload's spec.selector (matchLabels and matchExpressions)."""
    selector = (workload.get("spec") or {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = ",".join(expression.get("values") or [])
        if operator == "In":
            parts.append(f"{key} in ({values})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif operator == "Exists":
            parts.append(str(key))
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


async def workload_pods(gw: KubeGateway, kind: str, name: str, namespace: str) -> list[dict[str, Any]]:
    """The pods of a workload, newest first (one list call, two for a CronJob)."""
    if kind == "Pod":
        return [await gw.get("Pod", name, namespace)]
    if kind == "CronJob":
        await gw.get("CronJob", name, namespace)  # a clear not-found message when the CronJob is absent
        jobs = [
            job for job in await gw.list_all("Job", namespace)
            if any(ref.get("kind") == "CronJob" and ref.get("name") == name
                   for ref in (job.get("metadata") or {}).get("ownerReferences") or [])
        ]
        jobs.sort(key=lambda j: str((j.get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)
        names = [str(j["metadata"]["name"]) for j in jobs[:RECENT_JOBS]]
        if not names:
            return []
        pods = await gw.list_all("Pod", namespace, label_selector=f"job-name in ({','.join(names)})")
    else:
        workload = await gw.get(kind, name, namespace)
        selector = selector_of(workload)
        if not selector:
            raise ToolError(f"{kind} {namespace}/{name} has no spec.selector; cannot find its pods")
        pods = await gw.list_all("Pod", namespace, label_selector=selector)
    pods.sort(key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)
    return pods


def _split(raw: str, stream: str) -> list[LogLine]:
    lines: list[LogLine] = []
    for line in raw.splitlines():
        stamp, _, rest = line.partition(" ")
        if parse_time(stamp) is None:
            # A line the kubelet did not stamp continues the previous one (e.g. a stack trace).
            stamp, rest = (lines[-1].timestamp if lines else ""), line
        lines.append(LogLine(stamp, stream, rest))
    return lines


@flux_tool(title="Get Kubernetes logs", read_only=True)
async def get_kubernetes_logs(
    ctx: Context[Any, Any],
    name: NameArg,
    namespace: NamespaceArg = None,
    kind: Annotated[
        WorkloadKind,
        Field(description="What `name` is: a Pod or a workload whose pods are read."),
    ] = "Pod",
    container: Annotated[
        str | None,
        Field(description="Only this container (default: every container).", max_length=253),
    ] = None,
    since: SinceArg = None,
    grep: Annotated[
        str | None,
        Field(description="Only lines matching this regular expression (case-insensitive), e.g. 'error|fail'.",
              max_length=500),
    ] = None,
    limit: Annotated[
        int, Field(description="Maximum lines in total (the newest are kept).", ge=1, le=5000)
    ] = 200,
    previous: Annotated[
        bool, Field(description="Read the previous (crashed) container instance, for CrashLoopBackOff.")
    ] = False,
    context: ContextArg = None,
) -> Annotated[CallToolResult, LogsResult]:
    """Read container logs of a pod or of every pod of a workload (at most 10), merged in time order.

    Each line is prefixed with `pod/container`; `limit` keeps the newest lines. previous=true reads the
    last crashed instance (CrashLoopBackOff).
    """
    rt = runtime(ctx)
    gw = await rt.gateway(context)
    pattern = compile_grep(grep)
    since_seconds = max(1, int(since)) if since is not None else None
    located = await locate(gw, await gw.resolve(kind), name, namespace)
    namespace = located or ""
    pods = await workload_pods(gw, kind, name, namespace)
    if not pods:
        raise ToolError(f"{kind} {namespace}/{name} has no pods right now; check its events with "
                        f"get_kubernetes_events (kind={kind}, name={name}, namespace={namespace}).")
    truncated = len(pods) > MAX_PODS
    pods = pods[:MAX_PODS]

    streams: list[tuple[str, str]] = []
    for pod in pods:
        pod_name = str(pod["metadata"]["name"])
        spec = pod.get("spec") or {}
        names = [str(c.get("name")) for c in spec.get("containers") or []]
        if container:
            init_names = [str(c.get("name")) for c in spec.get("initContainers") or []]
            if container not in names + init_names:
                if kind == "Pod":
                    raise ToolError(f"pod {namespace}/{pod_name} has no container {container!r}; "
                                    f"containers: {', '.join(names + init_names)}")
                continue
            names = [container]
        streams += [(pod_name, c) for c in names]
    if not streams:
        raise ToolError(f"no pod of {kind} {namespace}/{name} has a container {container!r}")

    # Each stream contributes at most `limit` lines: the merged newest `limit` lines are among them.
    tail = None if pattern is not None else limit

    nodes = {str(p["metadata"]["name"]): str((p.get("spec") or {}).get("nodeName") or "") for p in pods}
    kubelets = KubeletGate()

    async def read(pod_name: str, container_name: str) -> str:
        return await kubelets.fetch(nodes[pod_name], lambda: gw.pod_logs(
            pod_name, namespace, container=container_name, since_seconds=since_seconds, tail_lines=tail,
            previous=previous, timestamps=True, limit_bytes=MAX_BYTES_PER_CONTAINER,
        ))

    # A pod not scheduled to a node has no kubelet and no container yet: nothing to ask for.
    errors: list[str] = [f"{p}/{c}: not scheduled to a node yet, so no container has run and there are no logs"
                         for p, c in streams if not nodes[p]]
    streams = [(p, c) for p, c in streams if nodes[p]]
    results = await asyncio.gather(*(read(p, c) for p, c in streams), return_exceptions=True)
    raw: list[tuple[str, str]] = []
    single_pod = len(pods) == 1
    for (pod_name, container_name), result in zip(streams, results, strict=True):
        label = container_name if single_pod else f"{pod_name}/{container_name}"
        if isinstance(result, KubeError):
            errors.append(f"{pod_name}/{container_name}: {kube_message(result)}")
            continue
        if isinstance(result, BaseException):
            raise result
        if len(result) >= MAX_BYTES_PER_CONTAINER:
            truncated = True
        raw.append((label, result))
    mask = rt.settings.mask_secrets

    def select() -> list[LogLine]:
        # Each stream is masked whole, before it is split into lines (a PEM block spans lines), and
        # grep only ever sees masked text: no match can confirm a guessed secret.
        lines: list[LogLine] = []
        for label, text in raw:
            lines += _split(redact_text(text) if mask else text, label)
        lines.sort(key=lambda line: line.timestamp)  # stable: lines without a timestamp keep their order
        return [line for line in lines if pattern.search(line.text)] if pattern is not None else lines

    merged = await bounded(select, "reading and filtering the log lines")
    matched = len(merged)
    if matched > limit:
        truncated = True
        merged = merged[-limit:]
    rendered = [f"{line.timestamp} [{line.stream}] {line.text}".lstrip() for line in merged]

    hint = "lower `limit`, add `grep` or `since`, or pick one `container`"
    fitted = fit_items(list(reversed(rendered)), rt.settings.output_limit - 800, hint=hint)
    kept = rendered[len(rendered) - fitted.shown:] if fitted.shown else []
    truncated = truncated or fitted.truncated
    header = (
        f"# logs of {kind} {namespace}/{name}: {len(kept)} lines"
        + (f" (of {matched} matching)" if matched != len(kept) else "")
        + f" from {len(streams)} container stream(s) in {len(pods)} pod(s)"
        + (" [previous instances]" if previous else "")
    )
    parts = [header]
    if errors:
        parts += [f"# could not read {e}" for e in errors]
    if fitted.truncated or len(kept) < matched:
        parts.append(f"# … {matched - len(kept)} earlier lines omitted; {hint}")
    parts += kept if kept else ["# (no log lines" + (" match the filters)" if grep or since else ")")]
    summary = LogsResult(
        kind=kind, name=name, namespace=namespace, pods=[str(p["metadata"]["name"]) for p in pods],
        containers=[f"{p}/{c}" for p, c in streams], lines_returned=len(kept), lines_matched=matched,
        truncated=truncated, errors=errors,
    )
    return respond(rt, "\n".join(parts), summary)
