"""Cluster health: every Flux object that needs attention, grouped by its root cause.

One group per root cause (the deepest non-ready object others wait on), listing what it blocks,
with one next action chosen from the root's kind and reason. The actions are a table, looked up
from the most specific key to the least: (kind, reason), (any kind, reason), (kind, state),
(any kind, state).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from flux_mcp.flux.budget import clip_line, fit_items
from flux_mcp.flux.graph import FluxGraph, Node
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import ObjectKey, key_sort_key
from flux_mcp.flux.state import SEVERITY, Drift

LINE_LIMIT: Final = 160
BLOCKED_LINES_PER_GROUP: Final = 20

GroupCategory = Literal["failing", "missing", "cycle", "progressing", "unknown", "suspended", "stale"]
_CATEGORY_ORDER: Final[dict[str, int]] = {
    "failing": 0, "missing": 1, "cycle": 2, "progressing": 3, "unknown": 4, "suspended": 5, "stale": 6,
}

ANY: Final = "*"

# Placeholders: {ref} = `kind=K name=N namespace=NS` (tool arguments), {display} = `Kind ns/name`,
# {referrers} = who refers to a missing object and through which field, {cycle}, {revision}.
NEXT_ACTIONS: Final[dict[tuple[str, str], str]] = {
    ("GitRepository", "GitOperationFailed"): "check spec.url and the credentials Secret referenced by "
    "spec.secretRef, then reconcile_flux_resource {ref} with_source=true",
    (ANY, "AuthenticationFailed"): "check the credentials Secret referenced by spec.secretRef, then "
    "reconcile_flux_resource {ref}",
    ("OCIRepository", "OCIArtifactPullFailed"): "check spec.url, spec.ref and the registry credentials "
    "(spec.secretRef / spec.provider), then reconcile_flux_resource {ref}",
    ("HelmRepository", "IndexationFailed"): "check spec.url and spec.secretRef of the repository, then "
    "reconcile_flux_resource {ref}",
    ("HelmChart", "ChartPullFailed"): "check the chart name/version and its repository, then "
    "reconcile_flux_resource {ref}",
    ("Bucket", "BucketOperationFailed"): "check spec.endpoint, spec.bucketName and spec.secretRef, then "
    "reconcile_flux_resource {ref}",
    (ANY, "NotFound"): "create {display} or fix {referrers}",
    (ANY, "RetriesExceeded"): "fix the chart values (spec.values / spec.valuesFrom) or the chart, then "
    "reconcile_flux_resource {ref} reset=true",
    (ANY, "UpgradeFailed"): "fix the chart values or the chart, then reconcile_flux_resource {ref} reset=true",
    (ANY, "InstallFailed"): "fix the chart values or the chart, then reconcile_flux_resource {ref} reset=true",
    (ANY, "HealthCheckFailed"): "analyze_flux_resource {ref} to see the failing workload (pods, events, logs)",
    ("Kustomization", "ReconciliationFailed"): "analyze_flux_resource {ref} to see the apply error, then fix "
    "the manifests in the source",
    ("ImagePolicy", "ReconciliationFailed"): "check spec.policy and spec.filterTags against the tags its "
    "ImageRepository scanned (analyze_flux_resource {ref})",
    (ANY, "BuildFailed"): "fix the kustomize build error at spec.path in the source, then "
    "reconcile_flux_resource {ref} with_source=true",
    (ANY, "ArtifactFailed"): "analyze_flux_resource {ref} to inspect its source",
    (ANY, "DependencyNotReady"): "analyze_flux_resource {ref} to see which dependency is not ready",
    (ANY, "DependencyCycle"): "break the dependsOn cycle {cycle} by removing one of its entries",
    (ANY, "Stale"): "reconcile_flux_resource {ref} to apply the source revision {revision}",
    (ANY, "suspended"): "resume_flux_reconciliation {ref} when the suspension is no longer intended",
    (ANY, "progressing"): "wait, or follow it with reconcile_flux_resource {ref} wait=true",
    (ANY, "unknown"): "check that {component} runs (get_flux_instance) and has reconciled {display}",
    (ANY, "failed"): "analyze_flux_resource {ref} for the causal chain and evidence",
}

_FIELD_OF_EDGE: Final[dict[str, str]] = {
    "source": "spec.sourceRef", "chart": "spec.chartRef / spec.chart", "dependsOn": "spec.dependsOn",
    "alert": "spec.providerRef", "imagepolicy": "spec.imageRepositoryRef", "automation": "spec.sourceRef",
}
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class HealthEntry:
    """One object that needs attention, as one report line."""

    key: ObjectKey
    state: str
    reason: str
    message: str
    stalled: bool = False

    @property
    def line(self) -> str:
        return self.render()

    def render(self, mask: bool = True) -> str:
        """`Kind ns/name — reason: message`, at most LINE_LIMIT characters.

        Credentials are masked before the line is cut: a URL cut in its userinfo would no
        longer be recognised by a later redaction pass.
        """
        reason = self.reason or self.state
        if self.stalled and reason != "Stalled":
            reason = f"{reason} (stalled)"
        head = f"{self.key.display} — {reason}"
        message = self.short_message(mask)
        if not message:
            return clip_line(head, LINE_LIMIT)
        return clip_line(f"{head}: {message}", LINE_LIMIT)


    def short_message(self, mask: bool = True) -> str:
        """The message on one line, masked, at most LINE_LIMIT characters."""
        return clip_line(_WHITESPACE.sub(" ", redact_text(self.message) if mask else self.message).strip(), LINE_LIMIT)


@dataclass(frozen=True, slots=True)
class HealthGroup:
    """A root cause and the objects it blocks (`blocked` excludes the root itself)."""

    root: HealthEntry
    category: GroupCategory
    blocked: tuple[HealthEntry, ...]
    action: str
    cycle: tuple[ObjectKey, ...] = ()

    @property
    def members(self) -> int:
        return 1 + len(self.blocked)


@dataclass(frozen=True, slots=True)
class HealthReport:
    checked: int
    """Flux objects examined."""
    groups: tuple[HealthGroup, ...]
    namespace: str | None = None

    @property
    def attention(self) -> int:
        """Objects in scope that need attention (a root outside the namespace is named, not counted)."""
        return sum(len(g.blocked) + _in_namespace(g.root.key, self.namespace) for g in self.groups)

    @property
    def healthy(self) -> bool:
        return not self.groups


def tool_ref(key: ObjectKey) -> str:
    """How a next action names an object: the arguments of the write/analysis tools."""
    namespace = f" namespace={key.namespace}" if key.namespace else ""
    return f"kind={key.kind} name={key.name}{namespace}"


def _entry(node: Node) -> HealthEntry:
    return HealthEntry(node.key, node.state, node.status.reason, node.status.message, node.status.stalled)


def _category(node: Node, cycle: tuple[ObjectKey, ...]) -> GroupCategory:
    if cycle:
        return "cycle"
    if node.state == "missing":
        return "missing"
    if node.state == "failed":
        return "failing"
    if node.state in ("progressing", "unknown", "suspended"):
        return node.state  # type: ignore[return-value]
    return "failing"


def next_action(
    graph: FluxGraph, root: ObjectKey, *, reason: str = "", cycle: tuple[ObjectKey, ...] = (), revision: str = "",
) -> str:
    """The next action for a root cause, from the NEXT_ACTIONS table (most specific key first)."""
    node = graph.nodes[root]
    reason = reason or node.status.reason
    if cycle:
        reason = "DependencyCycle"
    state = "failed" if node.state == "missing" else node.state
    template = ""
    for key in ((root.kind, reason), (ANY, reason), (root.kind, state), (ANY, state), (ANY, "failed")):
        if key in NEXT_ACTIONS:
            template = NEXT_ACTIONS[key]
            break
    flux_kind = root.flux_kind
    return template.format(
        ref=tool_ref(root), display=root.display, kind=root.kind,
        referrers=_referrers(graph, root), cycle=" → ".join(k.display for k in (*cycle, *cycle[:1])),
        revision=revision, component=flux_kind.component if flux_kind else "its controller",
    )


def _referrers(graph: FluxGraph, key: ObjectKey, limit: int = 3) -> str:
    edges = sorted(
        (e for e in graph.incoming(key) if e.type in _FIELD_OF_EDGE), key=lambda e: key_sort_key(e.source),
    )
    if not edges:
        return "the reference to it"
    named = [f"{_FIELD_OF_EDGE[e.type]} of {e.source.display}" for e in edges[:limit]]
    more = f" (+{len(edges) - limit} more)" if len(edges) > limit else ""
    return ", ".join(named) + more


def _in_namespace(key: ObjectKey, namespace: str | None) -> bool:
    return not namespace or key.namespace == namespace


def health_report(graph: FluxGraph, namespace: str | None = None) -> HealthReport:
    """Group every not-ready, stalled, suspended, missing or stale Flux object under its root cause.

    With `namespace`, only objects in it are listed, but a root cause in another namespace is
    still named as the group's root (that is where the fix is).
    """
    causes = graph.root_causes
    by_root: dict[ObjectKey, list[ObjectKey]] = {}
    for subject, cause in causes.items():
        node = graph.nodes[subject]
        if node.status.reason == "NotCollected":
            continue
        if subject != cause.root and _in_namespace(subject, namespace):
            by_root.setdefault(cause.root, []).append(subject)
        elif subject == cause.root:
            by_root.setdefault(cause.root, [])
    groups: list[HealthGroup] = []
    for root, subjects in by_root.items():
        if not subjects and not _in_namespace(root, namespace):
            continue
        node = graph.nodes[root]
        cycle = causes[root].cycle
        ordered = sorted(subjects, key=lambda k: (causes[k].depth, key_sort_key(k)))
        groups.append(HealthGroup(
            root=_entry(node), category=_category(node, cycle),
            blocked=tuple(_entry(graph.nodes[k]) for k in ordered),
            action=next_action(graph, root, cycle=cycle), cycle=cycle,
        ))
    groups.extend(_stale_group(graph, s) for s in graph.stale if _in_namespace(s.key, namespace))
    groups.sort(key=lambda g: (
        _CATEGORY_ORDER[g.category], SEVERITY.get(g.root.state, 9), -len(g.blocked), key_sort_key(g.root.key),
    ))
    checked = sum(1 for n in graph.nodes.values() if n.obj is not None and n.is_flux
                  and _in_namespace(n.key, namespace))
    return HealthReport(checked, tuple(groups), namespace)


def _stale_group(graph: FluxGraph, stale: Drift) -> HealthGroup:
    message = (
        f"applied {stale.applied_revision} but {stale.source.display} is at {stale.source_revision}"
    )
    entry = HealthEntry(stale.key, "stale", "Stale", message)
    return HealthGroup(
        entry, "stale", (), next_action(graph, stale.key, reason="Stale", revision=stale.source_revision),
    )


# -- rendering --------------------------------------------------------------------------------------


def summary_line(report: HealthReport) -> str:
    scope = f" in namespace {report.namespace}" if report.namespace else ""
    if report.healthy:
        return f"Flux health{scope}: all {report.checked} Flux objects are ready."
    counts: dict[str, int] = {}
    for group in report.groups:
        counts[group.category] = counts.get(group.category, 0) + 1
    detail = ", ".join(f"{n} {category}" for category, n in sorted(counts.items(), key=lambda c: _CATEGORY_ORDER[c[0]]))
    return (
        f"Flux health{scope}: {report.attention} of {report.checked} Flux objects need attention — "
        f"{len(report.groups)} root causes ({detail})."
    )


def render_group(
    group: HealthGroup, index: int, max_blocked: int = BLOCKED_LINES_PER_GROUP, mask: bool = True,
) -> str:
    lines = [f"{index}. [{group.category}] {group.root.render(mask)}"]
    if group.cycle:
        lines.append("   cycle: " + " → ".join(k.display for k in (*group.cycle, group.cycle[0])))
    if group.blocked:
        lines.append(f"   blocks {len(group.blocked)}:")
        lines.extend(f"   - {entry.render(mask)}" for entry in group.blocked[:max_blocked])
        if len(group.blocked) > max_blocked:
            lines.append(f"   - … and {len(group.blocked) - max_blocked} more (pass namespace to list them)")
    lines.append(f"   next: {group.action}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RenderedHealth:
    text: str
    groups_shown: int
    truncated: bool


def render_health(report: HealthReport, limit: int, hint: str = "", mask: bool = True) -> RenderedHealth:
    """The report as text within `limit` characters, cut between groups with the budget's marker."""
    hint = hint or "call get_flux_health with namespace=<ns> to narrow the report"
    header = summary_line(report)
    items = [render_group(g, i, mask=mask) for i, g in enumerate(report.groups, 1)]
    fitted = fit_items(items, limit, hint, header=header + "\n" if items else header, separator="\n")
    return RenderedHealth(fitted.text, fitted.shown, fitted.truncated)


def count_by_state(graph: FluxGraph, namespace: str | None = None) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for node in graph.nodes.values():
        if node.obj is not None and node.is_flux and _in_namespace(node.key, namespace):
            counts[node.state] = counts.get(node.state, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: SEVERITY.get(kv[0], 9)))
