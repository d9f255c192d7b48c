"""The Flux object graph: node states, cycles, blocking paths and root causes.

Built once from plain objects and the edges of `flux.refs`, then queried. Every walk is
iterative and visits each node and edge a bounded number of times, so 5,000 objects with their
inventories analyse in milliseconds and no recursion limit is ever reached.

Failure travels against requirement edges (`refs.REQUIREMENT_EDGES`): a Kustomization whose
GitRepository cannot fetch is blocked, and so is everything that dependsOn that Kustomization.
The *root cause* of a non-ready object is the deepest non-ready object at the end of that chain.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Final, Literal

from flux_mcp.flux.kinds import flux_kind_of
from flux_mcp.flux.refs import (
    REFERENCE_EDGES,
    REQUIREMENT_EDGES,
    Edge,
    ObjectKey,
    build_edges,
    key_sort_key,
)
from flux_mcp.flux.state import (
    APPLIERS_WITH_SOURCE,
    NOT_FOUND_REASON,
    NOT_GENERATED_REASON,
    NOTIFICATION_KINDS,
    SEVERITY,
    Drift,
    Generated,
    drift_of,
    generated_objects,
    is_waiting,
    with_events,
)
from flux_mcp.flux.status import ObjectStatus, evaluate_status

NodeState = Literal["ready", "failed", "progressing", "suspended", "unknown", "missing", "resource"]
"""`missing`: named by a reference but absent; `resource`: a non-Flux object (inventory entry)."""

@dataclass(frozen=True, slots=True)
class Node:
    """One vertex: a collected object, a missing reference target, or a non-Flux resource."""

    key: ObjectKey
    state: NodeState
    status: ObjectStatus
    obj: Mapping[str, Any] | None = None

    @property
    def missing(self) -> bool:
        return self.state == "missing"

    @property
    def is_flux(self) -> bool:
        return self.state != "resource"

    @property
    def ready(self) -> bool:
        return self.state in ("ready", "resource")

    @property
    def short_status(self) -> str:
        """`ready`, `failed: Reason`, `missing` … — what a diagram label shows."""
        if self.state in ("ready", "resource", "missing", "suspended"):
            return self.state
        return f"{self.state}: {self.status.reason}" if self.status.reason else self.state


@dataclass(frozen=True, slots=True)
class RootCause:
    """Why one non-ready object is not ready: the deepest non-ready object it requires.

    `depth` counts the hops from the subject to the root (0 when the object is its own root
    cause); `next_hop` is the first of them. `FluxGraph.causal_chain(subject)` spells the whole
    chain out. `cycle` lists the members when the root is a dependency cycle with no way out
    (its smallest member is then named as `root`).
    """

    subject: ObjectKey
    root: ObjectKey
    depth: int
    next_hop: ObjectKey | None
    cycle: tuple[ObjectKey, ...] = ()

    @property
    def is_self(self) -> bool:
        return self.subject == self.root


@dataclass(frozen=True, slots=True)
class BlockingPath:
    """A failed (or missing) root and everything transitively waiting on it."""

    root: ObjectKey
    blocked: tuple[ObjectKey, ...]
    edges: tuple[Edge, ...]
    """The requirement edges from a blocked object to the root or to another blocked object."""


def node_state(obj: Mapping[str, Any], status: ObjectStatus) -> NodeState:
    kind = flux_kind_of(dict(obj))
    if kind is None:
        return "resource"
    # Alert and Provider (notification v1beta3) have no status at all: absence is health.
    if not kind.reconcilable and status.state == "unknown" and not status.reason.startswith("NoReady"):
        return "ready"
    return status.state


def missing_status(key: ObjectKey) -> ObjectStatus:
    return ObjectStatus("failed", NOT_FOUND_REASON, f"{key.display} does not exist (referenced but not found)")


_NOT_COLLECTED: Final = ObjectStatus("unknown", "NotCollected", "not part of the collected objects")
NOT_READABLE_REASON: Final = "NotReadable"
_NOT_READABLE: Final = ObjectStatus(
    "unknown", NOT_READABLE_REASON, "could not be read with this identity's rights (its state is not known)",
)


def not_generated_status(generated: Generated) -> ObjectStatus:
    return ObjectStatus("unknown", NOT_GENERATED_REASON, generated.note)


class FluxGraph:
    """Nodes and typed edges of a set of Flux objects, with the analyses the tools need.

    `objects` are plain dicts as the API returns them; `edges` default to `build_edges(objects)`.
    Edge targets that were not collected become nodes too: `missing` when a Flux spec refers to
    them (sourceRef, dependsOn, …), `resource` for non-Flux inventory entries, `unknown` for
    Flux objects named only by an inventory or owner label.
    """

    def __init__(
        self, objects: Iterable[Mapping[str, Any]], edges: Iterable[Edge] | None = None,
        events: Iterable[Mapping[str, Any]] = (), unread_kinds: Iterable[str] = (),
        read_namespace: str | None = None,
    ) -> None:
        # What the identity could not read (forbidden kinds; other namespaces when only one could be
        # listed) is unknown, never "missing": the reference may well be fine.
        self._unread_kinds = frozenset(unread_kinds)
        self._read_namespace = read_namespace
        collected = list(objects)
        events_by_name: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for event in events:
            involved = event.get("involvedObject") or {}
            if involved.get("kind") in NOTIFICATION_KINDS:
                events_by_name.setdefault((str(involved.get("namespace") or ""), str(involved.get("name"))), []).append(
                    event
                )
        self.nodes: dict[ObjectKey, Node] = {}
        for obj in collected:
            key = ObjectKey.of(obj)
            status = evaluate_status(dict(obj))
            state = node_state(obj, status)
            if state == "ready" and key.kind in NOTIFICATION_KINDS and (key.namespace, key.name) in events_by_name:
                status = with_events(key, replace(status, state="ready"), events_by_name[(key.namespace, key.name)])
                state = status.state
            self.nodes[key] = Node(key, state, status, obj)
        self.edges: list[Edge] = list(build_edges(collected) if edges is None else edges)
        self.generated: dict[ObjectKey, Generated] = generated_objects(collected)
        """Objects controllers generate from collected specs (absent ones are "not generated yet")."""
        self._out: dict[ObjectKey, list[Edge]] = {}
        self._in: dict[ObjectKey, list[Edge]] = {}
        for edge in self.edges:
            self._out.setdefault(edge.source, []).append(edge)
            self._in.setdefault(edge.target, []).append(edge)
            for key, referenced in ((edge.source, False), (edge.target, edge.type in REFERENCE_EDGES)):
                if key not in self.nodes:
                    self.nodes[key] = self._absent_node(key, referenced)
                elif referenced and self.nodes[key].state == "unknown" and self.nodes[key].obj is None:
                    self.nodes[key] = self._absent_node(key, True)

    def _absent_node(self, key: ObjectKey, referenced: bool) -> Node:
        if not key.is_flux:
            return Node(key, "resource", ObjectStatus("unknown", "", ""))
        if key in self.generated:
            return Node(key, "unknown", not_generated_status(self.generated[key]))
        outside = self._read_namespace is not None and bool(key.namespace) and key.namespace != self._read_namespace
        if key.kind in self._unread_kinds or outside:
            return Node(key, "unknown", _NOT_READABLE)
        if referenced:
            return Node(key, "missing", missing_status(key))
        return Node(key, "unknown", _NOT_COLLECTED)

    # -- adjacency --------------------------------------------------------------------------------

    def outgoing(self, key: ObjectKey, types: Iterable[str] | None = None) -> list[Edge]:
        edges = self._out.get(key, [])
        if types is None:
            return list(edges)
        wanted = frozenset(types)
        return [e for e in edges if e.type in wanted]

    def incoming(self, key: ObjectKey, types: Iterable[str] | None = None) -> list[Edge]:
        edges = self._in.get(key, [])
        if types is None:
            return list(edges)
        wanted = frozenset(types)
        return [e for e in edges if e.type in wanted]

    def requirements(self, key: ObjectKey) -> list[ObjectKey]:
        """What `key` needs ready (sources, charts, dependencies, image repositories)."""
        return [e.target for e in self._out.get(key, ()) if e.type in REQUIREMENT_EDGES]

    def dependents(self, key: ObjectKey) -> list[ObjectKey]:
        """What needs `key` ready."""
        return [e.source for e in self._in.get(key, ()) if e.type in REQUIREMENT_EDGES]

    def sorted_keys(self) -> list[ObjectKey]:
        return sorted(self.nodes, key=key_sort_key)

    # -- cycles -----------------------------------------------------------------------------------

    @cached_property
    def cycles(self) -> list[tuple[ObjectKey, ...]]:
        """Requirement cycles (dependsOn loops, a source depending on itself), each sorted."""
        successors = {
            key: [e.target for e in edges if e.type in REQUIREMENT_EDGES] for key, edges in self._out.items()
        }
        found = []
        for component in strongly_connected(self.sorted_keys(), successors):
            if len(component) > 1 or component[0] in successors.get(component[0], ()):
                found.append(tuple(sorted(component, key=key_sort_key)))
        return sorted(found, key=lambda c: key_sort_key(c[0]))

    @cached_property
    def cycle_edges(self) -> frozenset[Edge]:
        member_of = {key: index for index, cycle in enumerate(self.cycles) for key in cycle}
        return frozenset(
            e for e in self.edges
            if e.type in REQUIREMENT_EDGES and e.source in member_of
            and member_of.get(e.target) == member_of[e.source]
        )

    # -- root causes ------------------------------------------------------------------------------

    def is_not_generated(self, key: ObjectKey) -> bool:
        """An object a controller generates that does not exist yet: never a root cause of its own."""
        node = self.nodes.get(key)
        return node is not None and node.obj is None and node.status.reason == NOT_GENERATED_REASON

    def _follows(self, subject: Node, target: Node) -> bool:
        if target.ready:
            return False
        if target.state in ("failed", "missing"):
            return True
        return is_waiting(subject.status.reason)

    def _waits_on(self, key: ObjectKey) -> list[ObjectKey]:
        """Requirements of `key`, looking through absent generated objects to what they would need."""
        found: list[ObjectKey] = []
        for edge in self._out.get(key, ()):
            if edge.type not in REQUIREMENT_EDGES:
                continue
            if self.is_not_generated(edge.target):
                found.extend(e.target for e in self._out.get(edge.target, ()) if e.type in REQUIREMENT_EDGES)
            else:
                found.append(edge.target)
        return found

    @cached_property
    def root_causes(self) -> dict[ObjectKey, RootCause]:
        """For every non-ready Flux node (missing ones included), its deepest non-ready requirement.

        Computed on the condensation of the "waits on" subgraph, sinks first (Tarjan emits a
        component after everything reachable from it), so each node is settled once.
        """
        waiting = {
            k for k, n in self.nodes.items() if n.is_flux and not n.ready and not self.is_not_generated(k)
        }
        successors: dict[ObjectKey, list[ObjectKey]] = {}
        for key in waiting:
            node = self.nodes[key]
            successors[key] = sorted(
                {t for t in self._waits_on(key) if t in waiting and self._follows(node, self.nodes[t])},
                key=key_sort_key,
            )
        order = sorted(waiting, key=key_sort_key)
        # best[key] = (depth, root, next hop); depth counts hops to the root.
        best: dict[ObjectKey, tuple[int, ObjectKey, ObjectKey | None]] = {}
        cycle_of_root: dict[ObjectKey, tuple[ObjectKey, ...]] = {}
        for component in strongly_connected(order, successors):
            members = set(component)
            exits: list[tuple[ObjectKey, ObjectKey]] = [
                (u, v) for u in component for v in successors[u] if v not in members
            ]
            anchor_entry: tuple[int, ObjectKey, ObjectKey | None]
            if exits:
                exit_from, exit_to = min(exits, key=lambda pair: self._preference(pair[1], best, 1))
                depth, root, _ = best[exit_to]
                anchor, anchor_entry = exit_from, (depth + 1, root, exit_to)
                # Members with their own way out take their best; the rest route to the anchor.
                for u in component:
                    own = [v for v in successors[u] if v not in members]
                    if own:
                        target = min(own, key=lambda v: self._preference(v, best, 1))
                        best[u] = (best[target][0] + 1, best[target][1], target)
            else:
                anchor = min(component, key=key_sort_key)
                anchor_entry = (0, anchor, None)
                is_cycle = len(component) > 1 or anchor in successors[anchor]
                if is_cycle:
                    cycle_of_root[anchor] = tuple(sorted(component, key=key_sort_key))
            best[anchor] = anchor_entry
            if len(component) > 1:
                self._route_inside(component, members, anchor, successors, best)
        return {
            key: RootCause(key, best[key][1], best[key][0], best[key][2], cycle_of_root.get(best[key][1], ()))
            for key in order
        }

    def causal_chain(self, subject: ObjectKey) -> tuple[ObjectKey, ...]:
        """From a non-ready object to its root cause, both included (empty when `subject` is ready).

        Built on demand (chains share their tails; spelling all of them out would be quadratic).
        """
        causes = self.root_causes
        if subject not in causes:
            return ()
        chain = [subject]
        seen = {subject}
        hop = causes[subject].next_hop
        while hop is not None and hop not in seen:
            chain.append(hop)
            seen.add(hop)
            hop = causes[hop].next_hop
        root = causes[subject].root
        if chain[-1] != root:  # a cycle member routed around its component
            chain.append(root)
        return tuple(chain)

    def _preference(
        self, key: ObjectKey, best: Mapping[ObjectKey, tuple[int, ObjectKey, ObjectKey | None]], extra: int
    ) -> tuple[int, int, tuple[str, str, str, str]]:
        depth, root, _ = best[key]
        return (-(depth + extra), SEVERITY[self.nodes[root].state], key_sort_key(root))

    @staticmethod
    def _route_inside(
        component: list[ObjectKey], members: set[ObjectKey], anchor: ObjectKey,
        successors: Mapping[ObjectKey, list[ObjectKey]],
        best: dict[ObjectKey, tuple[int, ObjectKey, ObjectKey | None]],
    ) -> None:
        """Members of a cycle without their own exit reach the root through the anchor."""
        predecessors: dict[ObjectKey, list[ObjectKey]] = {}
        for u in component:
            for v in successors[u]:
                if v in members:
                    predecessors.setdefault(v, []).append(u)
        queue = deque([anchor])
        reached = {anchor}
        while queue:
            v = queue.popleft()
            for u in predecessors.get(v, ()):
                if u in reached:
                    continue
                reached.add(u)
                queue.append(u)
                if u not in best or best[u][2] is None or best[u][2] in members:
                    best[u] = (best[v][0] + 1, best[v][1], v)

    @cached_property
    def blocking_paths(self) -> dict[ObjectKey, BlockingPath]:
        """For each failed or missing root cause, everything that transitively requires it."""
        roots = sorted(
            {c.root for c in self.root_causes.values() if self.nodes[c.root].state in ("failed", "missing")},
            key=key_sort_key,
        )
        paths: dict[ObjectKey, BlockingPath] = {}
        for root in roots:
            blocked: set[ObjectKey] = set()
            path_edges: list[Edge] = []
            queue = deque([root])
            while queue:
                current = queue.popleft()
                for edge in self._in.get(current, ()):
                    if edge.type not in REQUIREMENT_EDGES or edge.source == root:
                        continue
                    path_edges.append(edge)
                    if edge.source not in blocked:
                        blocked.add(edge.source)
                        queue.append(edge.source)
            paths[root] = BlockingPath(
                root, tuple(sorted(blocked, key=key_sort_key)), tuple(dict.fromkeys(path_edges)),
            )
        return paths

    @cached_property
    def blocking_edges(self) -> frozenset[Edge]:
        return frozenset(e for path in self.blocking_paths.values() for e in path.edges)

    # -- drift ----------------------------------------------------------------------------------

    @cached_property
    def drift(self) -> list[Drift]:
        """Ready Kustomizations/HelmReleases whose applied revision differs from their source's artifact."""
        found: list[Drift] = []
        for key in self.sorted_keys():
            node = self.nodes[key]
            if node.state != "ready" or node.obj is None or key.kind not in APPLIERS_WITH_SOURCE:
                continue
            for edge in self._out.get(key, ()):
                if edge.type in ("source", "chart"):
                    drift = drift_of(node.obj, edge.target, self.nodes[edge.target].obj)
                    if drift is not None:
                        found.append(drift)
        return found

    @property
    def stale(self) -> list[Drift]:
        """The drift list under its older name."""
        return self.drift

    # -- neighbourhoods ---------------------------------------------------------------------------

    def component(self, root: ObjectKey) -> set[ObjectKey]:
        """What a diagram rooted at `root` shows: what it needs, what needs it, what it applies
        (recursively, with their own needs) and its direct owner."""
        if root not in self.nodes:
            return set()
        seen = {root}
        queue = deque([root])
        for edge in self._in.get(root, ()):
            if edge.type in ("applies", "owns") and edge.source not in seen:
                seen.add(edge.source)
        while queue:
            current = queue.popleft()
            neighbours = [e.target for e in self._out.get(current, ())]
            neighbours += [e.source for e in self._in.get(current, ()) if e.type in REFERENCE_EDGES]
            for key in neighbours:
                if key not in seen:
                    seen.add(key)
                    queue.append(key)
        return seen


def strongly_connected(
    keys: Iterable[ObjectKey], successors: Mapping[ObjectKey, Iterable[ObjectKey]]
) -> list[list[ObjectKey]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit).

    Components come out in reverse topological order: a component is emitted after every
    component reachable from it. Keys reachable from `keys` but not in it are visited too.
    """
    index: dict[ObjectKey, int] = {}
    low: dict[ObjectKey, int] = {}
    on_stack: set[ObjectKey] = set()
    stack: list[ObjectKey] = []
    components: list[list[ObjectKey]] = []
    counter = 0
    for start in keys:
        if start in index:
            continue
        work: list[tuple[ObjectKey, Any]] = [(start, iter(successors.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[ObjectKey] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


# -- inventory tree -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InventoryNode:
    """One entry of a recursive inventory. `mark` is "" or one of `self`, `cycle`, `repeated`."""

    key: ObjectKey
    depth: int
    node: Node
    children: tuple[InventoryNode, ...] = ()
    mark: str = ""
    no_inventory: bool = False
    """A Flux applier that records no `status.inventory` (yet)."""


APPLIER_KINDS: Final[frozenset[str]] = frozenset({"Kustomization", "HelmRelease", "ResourceSet", "FluxInstance"})


def inventory_tree(graph: FluxGraph, root: ObjectKey) -> InventoryNode:
    """What `root` applies, recursively through nested Flux appliers' inventories.

    Children come from `applies` edges (`status.inventory`); an applier without an inventory
    falls back to the Flux objects whose owner labels name it (`owns`). Cycle-safe: an ancestor
    met again is marked `cycle` (`self` when an object lists itself, like flux-system) and an
    applier already expanded elsewhere is marked `repeated`, so every subtree is expanded once.
    Built iteratively; children are ordered plain objects first, then Flux objects, each sorted.
    """

    def children_of(key: ObjectKey) -> tuple[list[ObjectKey], bool]:
        applied = [e.target for e in graph.outgoing(key, ("applies",))]
        has_inventory = bool(applied) or _has_inventory(graph.nodes[key])
        if not has_inventory:
            applied = [e.target for e in graph.outgoing(key, ("owns",))]
        ordered = sorted(set(applied), key=lambda k: (graph.nodes[k].is_flux, key_sort_key(k)))
        return ordered, has_inventory

    expanded: set[ObjectKey] = set()
    built: dict[int, list[InventoryNode]] = {}  # frame id → finished children
    result: list[InventoryNode] = []
    pending: dict[int, tuple[ObjectKey, int, bool]] = {}
    counter = 0
    # frame: (id, parent id, parent key, key, depth, ancestors, children already pushed)
    stack: list[tuple[int, int, ObjectKey | None, ObjectKey, int, frozenset[ObjectKey], bool]] = [
        (0, -1, None, root, 0, frozenset(), False)
    ]

    def attach(parent: int, item: InventoryNode) -> None:
        (built.setdefault(parent, []) if parent >= 0 else result).append(item)

    while stack:
        frame, parent, parent_key, key, depth, ancestors, visited = stack.pop()
        if visited:
            own_key, own_depth, no_inventory = pending.pop(frame)
            attach(parent, InventoryNode(
                own_key, own_depth, graph.nodes[own_key], tuple(built.pop(frame, [])), no_inventory=no_inventory,
            ))
            continue
        mark = ""
        if key in ancestors:
            mark = "self" if key == parent_key else "cycle"
        elif key in expanded:
            mark = "repeated"
        if mark or key.kind not in APPLIER_KINDS:
            attach(parent, InventoryNode(key, depth, graph.nodes[key], mark=mark))
            continue
        expanded.add(key)
        children, has_inventory = children_of(key)
        pending[frame] = (key, depth, not has_inventory and graph.nodes[key].obj is not None)
        stack.append((frame, parent, parent_key, key, depth, ancestors, True))
        inner = ancestors | {key}
        for child in reversed(children):
            counter += 1
            stack.append((counter, frame, key, child, depth + 1, inner, False))
    return result[0]


def _has_inventory(node: Node) -> bool:
    status = node.obj.get("status") if node.obj is not None else None
    inventory = status.get("inventory") if isinstance(status, Mapping) else None
    return isinstance(inventory, Mapping) and isinstance(inventory.get("entries"), list)


def flatten_tree(tree: InventoryNode) -> list[InventoryNode]:
    """Pre-order list of a tree (iterative)."""
    out: list[InventoryNode] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.children))
    return out
