"""Cluster health: every Flux object that needs attention, grouped by its root cause.

One group per root cause (the deepest non-ready object others wait on), listing what it blocks,
with one next action chosen from the root's kind and reason. The actions are a table, looked up
from the most specific key to the least: (kind, reason), (any kind, reason), (kind, state),
(any kind, state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from flux_mcp.flux.budget import clip_line, fit_items
from flux_mcp.flux.graph import NOT_READABLE_REASON, FluxGraph, Node
from flux_mcp.flux.redaction import redact_text
from flux_mcp.flux.refs import ObjectKey, key_sort_key, managed_by
from flux_mcp.flux.state import NOTIFICATION_KINDS, SEVERITY, Drift, needs_reset
from flux_mcp.flux.status import workload_state

LINE_LIMIT: Final = 160
BLOCKED_LINES_PER_GROUP: Final = 20

GroupCategory = Literal[
    "failing", "missing", "cycle", "notification", "workload", "progressing", "unknown", "suspended", "drift",
]
_CATEGORY_ORDER: Final[dict[str, int]] = {
    "failing": 0, "missing": 1, "cycle": 2, "notification": 3, "workload": 4, "progressing": 5, "unknown": 6,
    "suspended": 7, "drift": 8,
}
STATE_FILTERS: Final[dict[str, frozenset[str]]] = {
    "failed": frozenset({"failing", "missing", "cycle", "notification", "workload"}),
    "missing": frozenset({"missing"}),
    "progressing": frozenset({"progressing"}),
    "unknown": frozenset({"unknown"}),
    "suspended": frozenset({"suspended"}),
    "drift": frozenset({"drift"}),
}
"""The `state` filter of get_flux_health: which group categories each value keeps."""
CLUSTER_MIN: Final = 3
"""Root causes of one kind failing for one reason, from this many on, are shown as one cluster."""
CLUSTER_EXAMPLES: Final = 3

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
    (ANY, "RetriesExceeded"): "analyze_flux_resource {ref} for the release's pods, events and history; fix the "
    "cause (values, chart or workload), then reconcile_flux_resource {ref} reset=true",
    (ANY, "UpgradeFailed"): "analyze_flux_resource {ref} for the release's pods, events and history; fix the "
    "cause, then reconcile_flux_resource {ref}",
    (ANY, "InstallFailed"): "analyze_flux_resource {ref} for the release's pods, events and history; fix the "
    "cause, then reconcile_flux_resource {ref}",
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
    (ANY, "Drift"): "reconcile_flux_resource {ref} to apply the source revision {revision}",
    (ANY, "suspended"): "resume_flux_reconciliation {ref} when the suspension is no longer intended",
    (ANY, "progressing"): "wait, or follow it with reconcile_flux_resource {ref} wait=true",
    ("Provider", "failed"): "check the Provider's address and its credentials Secret (spec.secretRef); "
    "get_kubernetes_events kind=Provider name={name} namespace={namespace} shows the delivery errors",
    ("Alert", "failed"): "get_kubernetes_events kind=Alert name={name} namespace={namespace} shows why "
    "notification-controller rejects it",
    ("Receiver", "failed"): "check the webhook token Secret (spec.secretRef) against the sender's; "
    "get_kubernetes_events kind=Receiver name={name} namespace={namespace} shows the rejected requests",
    (ANY, "workload"): "analyze_flux_resource {manager} for the workload's pods, events and logs",
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

    @property
    def cluster_key(self) -> tuple[str, str, str]:
        return (self.category, self.root.key.kind, self.root.reason)


@dataclass(frozen=True, slots=True)
class WorkloadIssue:
    """A workload in the namespace asked about that is not healthy, and the Flux objects applying it."""

    key: ObjectKey
    state: str
    reason: str
    message: str
    managers: tuple[ObjectKey, ...] = ()


@dataclass(frozen=True, slots=True)
class HealthReport:
    checked: int
    """Flux objects examined (in the namespace, when one is given)."""
    groups: tuple[HealthGroup, ...]
    namespace: str | None = None
    by_state: Mapping[str, int] = field(default_factory=dict)
    by_kind: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Kind → state → count, over the objects examined."""
    namespace_exists: bool = True
    workloads_checked: int = 0
    filters: str = ""
    """The kind/state filters applied, as the summary names them ("" for none)."""
    filtered_out: int = 0
    """Root-cause groups the filters left out."""
    unread: tuple[str, ...] = ()
    """Flux kinds that could not be read (forbidden, failing): the report cannot vouch for them."""

    @property
    def attention(self) -> int:
        """Objects in scope that need attention (a root outside the namespace is named, not counted)."""
        return sum(
            len(g.blocked) + _in_namespace(g.root.key, self.namespace) for g in self.groups if g.category != "workload"
        )

    @property
    def unhealthy_workloads(self) -> int:
        return sum(1 for g in self.groups if g.category == "workload")

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
        return "notification" if node.key.kind in NOTIFICATION_KINDS and node.status.reason != "NotFound" else "failing"
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
    action = _action_for(root, reason, state, referrers=_referrers(graph, root), cycle=cycle, revision=revision)
    if needs_reset(root.kind, reason, node.status.stalled) and "reset=true" not in action:
        action += " reset=true (it is out of retries)"
    return action


def _action_for(
    root: ObjectKey, reason: str, state: str, *, referrers: str = "the reference to it",
    cycle: tuple[ObjectKey, ...] = (), revision: str = "", manager: ObjectKey | None = None,
) -> str:
    template = ""
    for key in ((root.kind, reason), (ANY, reason), (root.kind, state), (ANY, state), (ANY, "failed")):
        if key in NEXT_ACTIONS:
            template = NEXT_ACTIONS[key]
            break
    flux_kind = root.flux_kind
    return template.format(
        ref=tool_ref(root), display=root.display, kind=root.kind, name=root.name, namespace=root.namespace,
        referrers=referrers, cycle=" → ".join(k.display for k in (*cycle, *cycle[:1])),
        revision=revision, component=flux_kind.component if flux_kind else "its controller",
        manager=tool_ref(manager) if manager is not None else tool_ref(root),
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


def health_report(
    graph: FluxGraph, namespace: str | None = None, *, kind: str | None = None, state: str | None = None,
    workloads: Iterable[WorkloadIssue] = (), namespace_exists: bool = True, workloads_checked: int = 0,
    now: datetime | None = None, unread: Iterable[str] = (),
) -> HealthReport:
    """Group every not-ready, stalled, suspended, missing or drifting Flux object under its root cause.

    With `namespace`, only objects in it are listed, but a root cause in another namespace is
    still named as the group's root (that is where the fix is); `workloads` are the namespace's
    unhealthy workloads that Flux objects (anywhere) apply. `kind` keeps the groups whose root or
    blocked objects are of that Flux kind (blocked lists narrowed to it); `state` keeps the
    categories of `STATE_FILTERS[state]`. Filtered-out groups are counted, never silently dropped.
    """
    causes = graph.root_causes
    by_root: dict[ObjectKey, list[ObjectKey]] = {}
    for subject, cause in causes.items():
        node = graph.nodes[subject]
        if node.status.reason in ("NotCollected", NOT_READABLE_REASON):
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
    groups.extend(_drift_groups(graph, namespace, now))
    groups.extend(_workload_group(issue) for issue in workloads)
    groups.sort(key=lambda g: (
        _CATEGORY_ORDER[g.category], SEVERITY.get(g.root.state, 9), -len(g.blocked), key_sort_key(g.root.key),
    ))
    kept, filters = _filtered(groups, kind, state)
    by_kind: dict[str, dict[str, int]] = {}
    by_state: dict[str, int] = {}
    for node in graph.nodes.values():
        if node.obj is not None and node.is_flux and _in_namespace(node.key, namespace):
            by_state[node.state] = by_state.get(node.state, 0) + 1
            per_kind = by_kind.setdefault(node.key.kind, {})
            per_kind[node.state] = per_kind.get(node.state, 0) + 1
    return HealthReport(
        sum(by_state.values()), tuple(kept), namespace,
        by_state=dict(sorted(by_state.items(), key=lambda kv: SEVERITY.get(kv[0], 9))),
        by_kind=dict(sorted(by_kind.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))),
        namespace_exists=namespace_exists, workloads_checked=workloads_checked, filters=filters,
        filtered_out=len(groups) - len(kept), unread=tuple(unread),
    )


def _filtered(
    groups: list[HealthGroup], kind: str | None, state: str | None,
) -> tuple[list[HealthGroup], str]:
    names = []
    kept = groups
    if state:
        categories = STATE_FILTERS[state]
        kept = [g for g in kept if g.category in categories]
        names.append(f"state={state}")
    if kind:
        narrowed = []
        for group in kept:
            blocked = tuple(e for e in group.blocked if e.key.kind == kind)
            if group.root.key.kind == kind or blocked:
                narrowed.append(HealthGroup(group.root, group.category, blocked, group.action, group.cycle))
        kept = narrowed
        names.append(f"kind={kind}")
    return kept, " ".join(names)


def _drift_groups(graph: FluxGraph, namespace: str | None, now: datetime | None) -> list[HealthGroup]:
    """One group per source that appliers lag behind: the revision pair and how long it has been so."""
    by_source: dict[ObjectKey, list[Drift]] = {}
    for drift in graph.drift:
        if _in_namespace(drift.key, namespace):
            by_source.setdefault(drift.source, []).append(drift)
    groups = []
    for source, drifts in by_source.items():
        first = drifts[0]
        age = first.age(now)
        since = f" for {age}" if age else ""
        applied = sorted({d.applied_revision for d in drifts})
        shown_applied = ", ".join(applied[:2]) + (f" (+{len(applied) - 2} more)" if len(applied) > 2 else "")
        root = HealthEntry(
            source, "drift", "Drift",
            f"artifact {first.source_revision}{since}; {len(drifts)} applier(s) still at {shown_applied}",
        )
        blocked = tuple(
            HealthEntry(d.key, "drift", "Drift", f"applied {d.applied_revision}, source at {d.source_revision}")
            for d in drifts
        )
        action = _action_for(first.key, "Drift", "drift", revision=first.source_revision)
        if len(drifts) > 1:
            action += f" (and likewise the other {len(drifts) - 1})"
        groups.append(HealthGroup(root, "drift", blocked, action))
    return groups


def _workload_group(issue: WorkloadIssue) -> HealthGroup:
    managers = ", ".join(k.display for k in issue.managers[:2]) or "no Flux object"
    message = f"applied by {managers}; {issue.message}" if issue.message else f"applied by {managers}"
    entry = HealthEntry(issue.key, issue.state, issue.reason, message)
    manager = issue.managers[0] if issue.managers else None
    return HealthGroup(entry, "workload", (), _action_for(issue.key, issue.reason, "workload", manager=manager))


# -- rendering --------------------------------------------------------------------------------------


def _plural(kind: str, count: int) -> str:
    if count == 1:
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


def _unread(report: HealthReport) -> str:
    if not report.unread:
        return ""
    kinds = ", ".join(report.unread) if len(report.unread) <= 3 else f"{len(report.unread)} Flux kinds"
    return f"; not read (see the notes): {kinds}"


def summary_line(report: HealthReport) -> str:
    scope = f" in namespace {report.namespace}" if report.namespace else ""
    filtered = f" ({report.filters})" if report.filters else ""
    if not report.namespace_exists:
        return f"Flux health{scope}: namespace {report.namespace} does not exist."
    if report.healthy and not report.filtered_out:
        if report.checked == 0:
            what = "no Flux objects" + (" in this namespace" if report.namespace else " found")
            workloads = (
                f"; its {report.workloads_checked} workloads are healthy" if report.workloads_checked else ""
            )
            return f"Flux health{scope}: {what}{workloads}{_unread(report)}."
        workloads = f" and its {report.workloads_checked} workloads" if report.workloads_checked else ""
        if report.unread:
            return (f"Flux health{scope}: the {report.checked} Flux objects{workloads} that could be read are "
                    f"ready{_unread(report)}.")
        return f"Flux health{scope}: all {report.checked} Flux objects{workloads} are ready."
    counts: dict[str, int] = {}
    for group in report.groups:
        counts[group.category] = counts.get(group.category, 0) + 1
    detail = ", ".join(f"{n} {category}" for category, n in sorted(counts.items(), key=lambda c: _CATEGORY_ORDER[c[0]]))
    left_out = f"; {report.filtered_out} more left out by the filters" if report.filtered_out else ""
    workloads = (
        f", {report.unhealthy_workloads} of {report.workloads_checked} Flux-managed workloads unhealthy"
        if report.workloads_checked else ""
    )
    return (
        f"Flux health{scope}{filtered}: {report.attention} of {report.checked} Flux objects need attention"
        f"{workloads} — {len(report.groups)} root causes ({detail or 'none match'}{left_out}){_unread(report)}."
    )


def counts_line(report: HealthReport) -> str:
    """`by state: … ; by kind: …` — the second line of a report that is not all green."""
    states = ", ".join(f"{n} {state}" for state, n in report.by_state.items())
    kinds = []
    for kind, per_state in report.by_kind.items():
        total = sum(per_state.values())
        bad = total - per_state.get("ready", 0)
        kinds.append(f"{kind} {total}" + (f" ({bad} not ready)" if bad else ""))
    return f"by state: {states or 'none'}; by kind: {', '.join(kinds) or 'none'}"


def render_group(
    group: HealthGroup, index: int, max_blocked: int = BLOCKED_LINES_PER_GROUP, mask: bool = True,
) -> str:
    lines = [f"{index}. [{group.category}] {group.root.render(mask)}"]
    if group.cycle:
        lines.append("   cycle: " + " → ".join(k.display for k in (*group.cycle, group.cycle[0])))
    if group.blocked:
        verb = "behind" if group.category == "drift" else "blocks"
        lines.append(f"   {verb} {len(group.blocked)}:")
        lines.extend(f"   - {entry.render(mask)}" for entry in group.blocked[:max_blocked])
        if len(group.blocked) > max_blocked:
            lines.append(f"   - … and {len(group.blocked) - max_blocked} more (pass namespace to list them)")
    lines.append(f"   next: {group.action}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Section:
    """What one numbered item of the text shows: one root cause, or a cluster of alike ones."""

    groups: tuple[HealthGroup, ...]

    @property
    def is_cluster(self) -> bool:
        return len(self.groups) > 1


def sections(report: HealthReport) -> list[Section]:
    """Root causes of one kind failing for one reason (CLUSTER_MIN or more) become one cluster,
    placed where its first member would be; everything else stays one section per group."""
    by_key: dict[tuple[str, str, str], list[HealthGroup]] = {}
    for group in report.groups:
        if group.category not in ("cycle", "drift", "workload"):
            by_key.setdefault(group.cluster_key, []).append(group)
    out: list[Section] = []
    placed: set[tuple[str, str, str]] = set()
    for group in report.groups:
        members = by_key.get(group.cluster_key) if group.category not in ("cycle", "drift", "workload") else None
        if members is not None and len(members) >= CLUSTER_MIN:
            if group.cluster_key not in placed:
                placed.add(group.cluster_key)
                out.append(Section(tuple(members)))
            continue
        out.append(Section((group,)))
    return out


def render_cluster(section: Section, index: int, mask: bool = True) -> str:
    groups = section.groups
    first = groups[0]
    kind = first.root.key.kind
    namespaces = {g.root.key.namespace for g in groups}
    blocked = sum(len(g.blocked) for g in groups)
    reason = first.root.reason or first.root.state
    lines = [
        f"{index}. [{first.category}] {len(groups)} {_plural(kind, len(groups))} in {len(namespaces)} "
        f"namespace{'s' if len(namespaces) != 1 else ''}: {reason} — e.g. {first.root.render(mask)}",
    ]
    more = f" (+{len(groups) - CLUSTER_EXAMPLES} more)" if len(groups) > CLUSTER_EXAMPLES else ""
    lines.append("   " + clip_line(", ".join(g.root.key.display for g in groups[:CLUSTER_EXAMPLES]) + more, LINE_LIMIT))
    if blocked:
        examples = [e.key.display for g in groups for e in g.blocked][:CLUSTER_EXAMPLES]
        more = f" (+{blocked - len(examples)} more)" if blocked > len(examples) else ""
        lines.append(f"   blocks {blocked}: {', '.join(examples)}{more}")
    lines.append(f"   next (each): {first.action}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RenderedHealth:
    text: str
    groups_shown: int
    """Root-cause groups shown (a cluster counts all its members)."""
    truncated: bool
    sections_shown: int = 0
    next_start: int | None = None
    """The section to continue from when the budget cut the text."""
    shown: tuple[HealthGroup, ...] = ()
    shown_sections: tuple[Section, ...] = ()


def render_health(
    report: HealthReport, limit: int, hint: str = "", mask: bool = True, *, start: int = 0,
    continue_hint: Callable[[int], str] | None = None,
) -> RenderedHealth:
    """The report as text within `limit` characters, cut between sections with the budget's marker.

    The summary line comes first, then (when something needs attention) the counts by state and
    kind, then one numbered section per root cause or cluster, from section `start` on.
    `continue_hint(next)` names how to get the rest when the budget cuts.
    """
    all_sections = sections(report)
    start = max(0, min(start, len(all_sections)))
    todo = all_sections[start:]
    header = summary_line(report)
    if not report.healthy or report.filtered_out:
        header += "\n" + counts_line(report)
    if start:
        header += f"\n(continued from root cause {start + 1} of {len(all_sections)})"
    items = [
        render_cluster(sec, i, mask) if sec.is_cluster else render_group(sec.groups[0], i, mask=mask)
        for i, sec in enumerate(todo, start + 1)
    ]
    probe = fit_items(items, limit, "x", header=header + "\n" if items else header, separator="\n")
    next_start = start + probe.shown if probe.truncated else None
    if next_start is not None and continue_hint is not None:
        hint = continue_hint(next_start)
    hint = hint or "call get_flux_health with namespace=<ns>, kind=<kind> or state=<state> to narrow the report"
    fitted = fit_items(items, limit, hint, header=header + "\n" if items else header, separator="\n")
    shown_sections = tuple(todo[: fitted.shown])
    shown = tuple(g for sec in shown_sections for g in sec.groups)
    return RenderedHealth(
        fitted.text, len(shown), fitted.truncated, fitted.shown, next_start, shown, shown_sections,
    )


def count_by_state(graph: FluxGraph, namespace: str | None = None) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for node in graph.nodes.values():
        if node.obj is not None and node.is_flux and _in_namespace(node.key, namespace):
            counts[node.state] = counts.get(node.state, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: SEVERITY.get(kv[0], 9)))


WORKLOAD_KINDS: Final[tuple[str, ...]] = ("Deployment", "StatefulSet", "DaemonSet")


def workload_issues(
    graph: FluxGraph, workloads: Iterable[Mapping[str, Any]], pods: Iterable[Mapping[str, Any]] = (),
) -> tuple[list[WorkloadIssue], int]:
    """The unhealthy workloads among `workloads` that a Flux object applies, and how many Flux applies.

    The appliers come from the graph's inventories (`applies` edges), wherever they live, and
    from the owner labels kustomize-/helm-controller stamp. A workload whose pods fail takes the
    worst pod's reason (CrashLoopBackOff, ImagePullBackOff, …) instead of "0/2 replicas ready".
    """
    pod_list = [dict(p) for p in pods]
    issues: list[WorkloadIssue] = []
    managed = 0
    for obj in workloads:
        key = ObjectKey.of(obj)
        managers = {e.source for e in graph.incoming(key, ("applies",))}
        owner = managed_by(obj)
        if owner is not None:
            managers.add(owner)
        if not managers:
            continue
        managed += 1
        status = workload_state(dict(obj))
        if status.state == "ready":
            continue
        reason, message, state = status.reason, status.message, status.state
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        for pod in pod_list:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                pod_status = workload_state(pod)
                if pod_status.state == "failed":
                    name = (pod.get("metadata") or {}).get("name", "")
                    reason, state = pod_status.reason, "failed"
                    message = f"{status.message}; pod {name}: {pod_status.message}".strip("; ")
                    break
        issues.append(WorkloadIssue(key, state, reason, message, tuple(sorted(managers, key=key_sort_key))))
    issues.sort(key=lambda i: key_sort_key(i.key))
    return issues, managed
