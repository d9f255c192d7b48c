"""Health, analyze and the graph agree on every Flux object of every sandbox fleet (issue 12).

One state model decides; this test holds the three answers to it object by object: the graph's
node state and root cause, the health report's group, and analyze's state and deepest Flux object
on its causal chain. The fleets are the sandbox's own (operator and plain installs, and the scale
fleet with tenants), analysed in memory with the evidence an analysis asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from flux_mcp.flux.diagram import build_view
from flux_mcp.flux.evidence import Evidence
from flux_mcp.flux.graph import FluxGraph
from flux_mcp.flux.health import HealthGroup, health_report
from flux_mcp.flux.kinds import flux_kind_of
from flux_mcp.flux.rca import TEXT_LIMIT, Analysis, analyze, render_analysis
from flux_mcp.flux.refs import ObjectKey
from flux_mcp.sandbox.fleet import Fleet, build_fleet

T = TypeVar("T")


class FleetCluster:
    """Answers an analysis' requests from a fleet's objects, events and pod logs."""

    def __init__(self, fleet: Fleet) -> None:
        self.by_key = {ObjectKey.of(o): o for o in fleet.objects if o.get("kind") != "Event"}
        self.events: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for obj in fleet.objects:
            if obj.get("kind") == "Event":
                io = obj["involvedObject"]
                self.events.setdefault((io["kind"], io.get("namespace", ""), io["name"]), []).append(obj)
        self.pods: dict[str, list[dict[str, Any]]] = {}
        for obj in fleet.objects:
            if obj.get("kind") == "Pod":
                self.pods.setdefault(obj["metadata"]["namespace"], []).append(obj)
        self.logs = fleet.logs

    def answer(self, evidence: Evidence) -> None:
        requests = evidence.requests
        for key in requests.objects:
            evidence.add_object(key, self.by_key.get(key))
        for key in requests.events:
            evidence.events[key] = self.events.get((key.kind, key.namespace, key.name), [])
        for query in requests.pods:
            pairs = [p.split("=", 1) for p in query.selector.split(",") if p]
            evidence.pods[query] = [
                p for p in self.pods.get(query.namespace, [])
                if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in pairs)
            ]
        for log in requests.pod_logs:
            lines = self.logs.get((log.namespace, log.pod, log.container, log.previous), [])
            evidence.pod_logs[log] = [line.text for line in lines]
        for component in requests.controller_logs:
            evidence.controller_logs[component] = []

    def settle(self, step: Callable[[Evidence], T], rounds: int = 12) -> T:
        evidence = Evidence()
        for _ in range(rounds):
            result = step(evidence)
            if not evidence.requests:
                return result
            self.answer(evidence)
        evidence.final = True
        return step(evidence)


def flux_root(analysis: Analysis) -> ObjectKey | None:
    """The deepest Flux object of the chain up to analyze's root cause (workloads below it are evidence)."""
    if analysis.root_cause is None:
        return None
    if analysis.root_cause.key.is_flux:
        return analysis.root_cause.key
    flux_hops = [hop.key for hop in analysis.chain if hop.key.is_flux]
    return flux_hops[-1] if flux_hops else None


FLEETS: dict[str, Callable[[], Fleet]] = {
    "operator": lambda: build_fleet(operator=True),
    "plain": lambda: build_fleet(operator=False),
    "scale": lambda: build_fleet(scale=40, operator=True),
}


@pytest.mark.parametrize("name", sorted(FLEETS))
def test_health_analyze_and_the_graph_agree_on_state_and_root_cause(name: str) -> None:
    fleet = FLEETS[name]()
    flux_objects = [o for o in fleet.objects if flux_kind_of(o) is not None]
    events = [o for o in fleet.objects if o.get("kind") == "Event"]
    graph = FluxGraph(flux_objects, events=events)
    report = health_report(graph)
    view = build_view(graph)
    colour = {node.key: node.state for node in view.nodes}
    group_of: dict[ObjectKey, HealthGroup] = {}
    drifting: set[ObjectKey] = set()
    for group in report.groups:
        if group.category == "drift":
            drifting.update(e.key for e in group.blocked)
            continue
        for entry in (group.root, *group.blocked):
            assert entry.key not in group_of, f"{entry.key} is in two health groups"
            group_of[entry.key] = group
    cluster = FleetCluster(fleet)
    disagreements: list[str] = []
    for obj in flux_objects:
        key = ObjectKey.of(obj)
        node = graph.nodes[key]
        analysis = cluster.settle(lambda ev, k=key: analyze(k, ev))
        cause = graph.root_causes.get(key)
        root = cause.root if cause is not None else None
        group = group_of.get(key)
        said = {
            "graph": (node.state, root),
            "colour": (colour.get(key), root),
            "health": (group.root.state if group and group.root.key == key else
                       (node.state if group else "ready"), group.root.key if group else None),
            "analyze": (analysis.state, flux_root(analysis)),
        }
        if node.state == "ready":
            ok = group is None and (analysis.root_cause is None or
                                    (analysis.rule == "Drift") == (key in drifting) == (analysis.root_cause.key == key))
            ok = ok and (key in drifting) == (analysis.rule == "Drift")
        else:
            ok = len({s for s, _ in said.values()}) == 1 and len({r for _, r in said.values()}) == 1
        if not ok:
            disagreements.append(f"{key}: {said} (rule {analysis.rule})")
        if analysis.root_cause is not None:
            size = len(render_analysis(analysis))
            assert size <= TEXT_LIMIT, f"{key}: analysis of {size} characters"
    assert not disagreements, "\n".join(disagreements)
    failing_roots = {g.root.key for g in report.groups if g.category in ("failing", "missing", "cycle", "notification")}
    assert failing_roots == set(graph.blocking_paths), "the diagram draws blocking paths from the same roots"


def test_analyze_never_advises_creating_an_object_a_controller_generates() -> None:
    fleet = build_fleet()
    cluster = FleetCluster(fleet)
    for obj in fleet.objects:
        if obj.get("kind") == "HelmRelease":
            analysis = cluster.settle(lambda ev, o=obj: analyze(ObjectKey.of(o), ev))
            assert not any(action.startswith("create HelmChart") for action in analysis.actions), analysis
