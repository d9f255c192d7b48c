"""The reference model: which Flux object uses, applies or owns which other object.

Every relation Flux encodes in an object becomes a typed `Edge` from the object that holds the
reference (or owns the target) to the object it names:

- `source`: Kustomization, HelmChart, ArtifactGenerator → their source (`spec.sourceRef`,
  `spec.sources[]`).
- `chart`: HelmRelease → OCIRepository/HelmChart (`spec.chartRef`), or for `spec.chart.spec` →
  the HelmChart named in `status.helmChart` (and that HelmChart → its source, known from the
  template even before the HelmChart exists).
- `dependsOn`: Kustomization, HelmRelease, ResourceSet → each `spec.dependsOn[]` entry
  (cross-namespace allowed).
- `applies`: any object with `status.inventory.entries[].id` (Kustomization, HelmRelease,
  ResourceSet, FluxInstance) → each applied object.
- `alert`: Alert → Provider (`spec.providerRef`).
- `imagepolicy`: ImagePolicy → ImageRepository (`spec.imageRepositoryRef`).
- `automation`: ImageUpdateAutomation → GitRepository (`spec.sourceRef`).
- `owns`: the applier named by a Flux object's labels (`kustomize.toolkit.fluxcd.io/*`,
  `helm.toolkit.fluxcd.io/*`, `resourceset.fluxcd.controlplane.io/*`, `fluxcd.controlplane.io/*`)
  → that object.

Direction is always "referrer → referenced": an edge's `source` needs, applies or owns its
`target`. The *requirement* edges (`REQUIREMENT_EDGES`) are the ones along which a failure
propagates: when the target is not ready, the source cannot make progress.

Everything here is pure: plain dicts in, frozen dataclasses out. Helm release storage (the
`sh.helm.release.v1.*` Secrets) is not read: it would need extra API calls per release, and
helm-controller records `status.inventory` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from flux_mcp.flux.kinds import FLUX_KINDS, FluxKind, flux_kind_by_group, flux_kind_of

EdgeType = Literal["source", "chart", "dependsOn", "applies", "alert", "imagepolicy", "automation", "owns"]

EDGE_TYPES: Final[tuple[EdgeType, ...]] = (
    "source", "chart", "dependsOn", "applies", "alert", "imagepolicy", "automation", "owns",
)
REQUIREMENT_EDGES: Final[frozenset[str]] = frozenset({"source", "chart", "dependsOn", "imagepolicy", "automation"})
"""Edge types whose target must be ready for the edge's source to reconcile."""
REFERENCE_EDGES: Final[frozenset[str]] = REQUIREMENT_EDGES | {"alert"}
"""Edge types written in the referrer's spec: a target that does not exist is a broken reference."""

_GROUP_OF_FLUX_KIND: Final[dict[str, str]] = {k.kind: k.group for k in FLUX_KINDS}


@dataclass(frozen=True, order=True, slots=True)
class ObjectKey:
    """Identity of one Kubernetes object. Hashable, ordered (kind, namespace, name, group).

    `group` is the API group without version ("" for the core group). When it is left empty
    for a Flux kind (a `sourceRef` often names only the kind) it is filled in from the kinds
    catalogue, so `ObjectKey("GitRepository", "ns", "x")` equals the key of the real object.
    `namespace` is "" for cluster-scoped objects. `str(key)` is `Kind/ns/name` (`Kind/name`
    when cluster-scoped).
    """

    kind: str
    namespace: str
    name: str
    group: str = ""

    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.group and self.kind in _GROUP_OF_FLUX_KIND:
            object.__setattr__(self, "group", _GROUP_OF_FLUX_KIND[self.kind])
        # Keys are hashed constantly by the graph walks; the generated __hash__ rebuilds a tuple each time.
        object.__setattr__(self, "_hash", hash((self.kind, self.namespace, self.name, self.group)))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    @property
    def display(self) -> str:
        """`Kind ns/name` — the form used in one-line reports."""
        return display(self.kind, self.namespace, self.name)

    @property
    def flux_kind(self) -> FluxKind | None:
        """The catalogue entry when this is a Flux kind (matched on group and kind)."""
        return flux_kind_by_group(self.group, self.kind)

    @property
    def is_flux(self) -> bool:
        return flux_kind_by_group(self.group, self.kind) is not None

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectKey:
        """The key of an object from its apiVersion, kind and metadata."""
        metadata = obj.get("metadata") or {}
        return cls(
            str(obj.get("kind") or ""), str(metadata.get("namespace") or ""), str(metadata.get("name") or ""),
            group_of(obj.get("apiVersion")),
        )


def display(kind: str, namespace: str, name: str) -> str:
    """`Kind ns/name` (`Kind name` when cluster-scoped): how one-line reports name an object."""
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def group_of(api_version: Any) -> str:
    """The API group of an apiVersion (`apps/v1` → `apps`; "" for the core group's `v1`)."""
    text = str(api_version or "")
    return text.split("/", 1)[0] if "/" in text else ""


@dataclass(frozen=True, order=True, slots=True)
class Edge:
    """A typed relation `source → target` (see the module table for each type's direction)."""

    source: ObjectKey
    target: ObjectKey
    type: EdgeType

    @property
    def cross_namespace(self) -> bool:
        return bool(self.source.namespace and self.target.namespace) and (
            self.source.namespace != self.target.namespace
        )

    @property
    def is_requirement(self) -> bool:
        return self.type in REQUIREMENT_EDGES

    def __str__(self) -> str:
        return f"{self.source} -[{self.type}]-> {self.target}"


# -- references written in spec: data, looked up per kind ------------------------------------------


@dataclass(frozen=True)
class ReferenceField:
    """One place in a kind's spec that names another object."""

    kind: str
    path: tuple[str, ...]
    edge: EdgeType
    default_kind: str = ""
    """Target kind when the reference does not carry one (e.g. Alert.spec.providerRef)."""
    many: bool = False
    """The path holds a list of references."""


REFERENCE_FIELDS: Final[tuple[ReferenceField, ...]] = (
    ReferenceField("Kustomization", ("spec", "sourceRef"), "source"),
    ReferenceField("HelmChart", ("spec", "sourceRef"), "source"),
    ReferenceField("ArtifactGenerator", ("spec", "sources"), "source", many=True),
    ReferenceField("HelmRelease", ("spec", "chartRef"), "chart"),
    ReferenceField("Kustomization", ("spec", "dependsOn"), "dependsOn", "Kustomization", many=True),
    ReferenceField("HelmRelease", ("spec", "dependsOn"), "dependsOn", "HelmRelease", many=True),
    ReferenceField("ResourceSet", ("spec", "dependsOn"), "dependsOn", "ResourceSet", many=True),
    ReferenceField("Alert", ("spec", "providerRef"), "alert", "Provider"),
    ReferenceField("ImagePolicy", ("spec", "imageRepositoryRef"), "imagepolicy", "ImageRepository"),
    ReferenceField("ImageUpdateAutomation", ("spec", "sourceRef"), "automation", "GitRepository"),
)
_FIELDS_BY_KIND: Final[dict[str, tuple[ReferenceField, ...]]] = {
    kind: tuple(f for f in REFERENCE_FIELDS if f.kind == kind) for kind in {f.kind for f in REFERENCE_FIELDS}
}

# Labels an applier stamps on what it applies, most specific first: kustomize-controller and
# helm-controller label every object they apply; flux-operator labels what a ResourceSet or a
# FluxInstance applies.
OWNER_LABELS: Final[tuple[tuple[str, str, str], ...]] = (
    ("Kustomization", "kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace"),
    ("HelmRelease", "helm.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/namespace"),
    ("ResourceSet", "resourceset.fluxcd.controlplane.io/name", "resourceset.fluxcd.controlplane.io/namespace"),
    ("FluxInstance", "fluxcd.controlplane.io/name", "fluxcd.controlplane.io/namespace"),
)


def dig(obj: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` inside nested mappings, or None when any step is missing or not a mapping."""
    value: Any = obj
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _ref_key(ref: Mapping[str, Any], default_kind: str, default_namespace: str) -> ObjectKey | None:
    name = ref.get("name")
    kind = ref.get("kind") or default_kind
    if not isinstance(name, str) or not name or not isinstance(kind, str) or not kind:
        return None
    namespace = ref.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        # A reference without a namespace means "next to me" for every Flux kind; for other kinds
        # (a ResourceSet may depend on a CRD) it means cluster-scoped.
        namespace = default_namespace if kind in _GROUP_OF_FLUX_KIND else ""
    return ObjectKey(kind, namespace, name, group_of(ref.get("apiVersion")))


def _spec_references(obj: Mapping[str, Any], key: ObjectKey) -> Iterator[Edge]:
    for ref_field in _FIELDS_BY_KIND.get(key.kind, ()):
        value = dig(obj, ref_field.path)
        refs = value if ref_field.many and isinstance(value, list) else [value]
        for ref in refs:
            if isinstance(ref, Mapping):
                target = _ref_key(ref, ref_field.default_kind, key.namespace)
                if target is not None:
                    yield Edge(key, target, ref_field.edge)


def helm_chart_key(helm_release: Mapping[str, Any]) -> ObjectKey | None:
    """The HelmChart helm-controller creates for a HelmRelease with `spec.chart`.

    helm-controller records it as `status.helmChart: <namespace>/<name>`; before its first
    reconcile the name is derived the same way the controller does: `<hr-namespace>-<hr-name>`
    in the namespace of the chart's sourceRef.
    """
    chart_spec = dig(helm_release, ("spec", "chart", "spec"))
    if not isinstance(chart_spec, Mapping):
        return None
    recorded = dig(helm_release, ("status", "helmChart"))
    if isinstance(recorded, str) and "/" in recorded:
        namespace, name = recorded.split("/", 1)
        return ObjectKey("HelmChart", namespace, name)
    metadata = helm_release.get("metadata") or {}
    hr_namespace = str(metadata.get("namespace") or "")
    source_ref = chart_spec.get("sourceRef")
    source_namespace = source_ref.get("namespace") if isinstance(source_ref, Mapping) else None
    return ObjectKey("HelmChart", str(source_namespace or hr_namespace), f"{hr_namespace}-{metadata.get('name', '')}")


def _chart_template_references(obj: Mapping[str, Any], key: ObjectKey) -> Iterator[Edge]:
    chart = helm_chart_key(obj)
    if chart is None:
        return
    yield Edge(key, chart, "chart")
    # The HelmChart is generated from this template: its sourceRef is known even before the
    # HelmChart exists, so a missing chart still leads to its HelmRepository/GitRepository/Bucket.
    source_ref = dig(obj, ("spec", "chart", "spec", "sourceRef"))
    if isinstance(source_ref, Mapping):
        source = _ref_key(source_ref, "HelmRepository", key.namespace)
        if source is not None:
            yield Edge(chart, source, "source")


def parse_inventory_id(entry_id: str) -> ObjectKey:
    """Parse a Flux inventory id `<namespace>_<name>_<group>_<kind>`.

    The namespace is empty for cluster-scoped objects (`_my-crd_apiextensions.k8s.io_CRD`), the
    group is empty for the core group (`apps_web__Service`). Namespaces, groups and kinds never
    contain `_`, so the name is everything between the first and the last two separators.
    Raises ValueError for an id that does not have the four parts.
    """
    parts = entry_id.split("_")
    if len(parts) < 4 or not parts[-1] or not "_".join(parts[1:-2]):
        raise ValueError(f"not a Flux inventory id: {entry_id!r} (want <namespace>_<name>_<group>_<kind>)")
    return ObjectKey(parts[-1], parts[0], "_".join(parts[1:-2]), parts[-2])


def inventory_of(obj: Mapping[str, Any]) -> list[ObjectKey] | None:
    """The objects recorded in `status.inventory.entries`, or None when there is no inventory.

    Malformed ids are skipped rather than failing the whole object.
    """
    entries = dig(obj, ("status", "inventory", "entries"))
    if not isinstance(entries, list):
        return None
    keys: list[ObjectKey] = []
    for entry in entries:
        entry_id = entry.get("id") if isinstance(entry, Mapping) else None
        if isinstance(entry_id, str):
            try:
                keys.append(parse_inventory_id(entry_id))
            except ValueError:
                continue
    return keys


def managed_by(obj: Mapping[str, Any]) -> ObjectKey | None:
    """The Flux object that applied `obj`, read from its labels (None when not Flux-managed).

    kustomize-controller and helm-controller labels win over the flux-operator ones: they name
    the direct applier. The owner's namespace label may be absent on old objects; then the
    object's own namespace is assumed.
    """
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if not isinstance(labels, Mapping):
        return None
    for kind, name_label, namespace_label in OWNER_LABELS:
        name = labels.get(name_label)
        if isinstance(name, str) and name:
            namespace = labels.get(namespace_label) or (obj.get("metadata") or {}).get("namespace") or ""
            return ObjectKey(kind, str(namespace), name)
    return None


def references_of(obj: Mapping[str, Any]) -> list[Edge]:
    """Every edge that `obj` itself records, in a stable order.

    That is its spec references (source, chart, dependsOn, alert, imagepolicy, automation), its
    inventory (`applies`, source = obj) and, for a Flux object, its owner (`owns`, target = obj).
    Self-references are kept: a Kustomization that applies itself (flux-system) is real.
    """
    key = ObjectKey.of(obj)
    edges = list(_spec_references(obj, key))
    if key.kind == "HelmRelease" and dig(obj, ("spec", "chartRef")) is None:
        edges.extend(_chart_template_references(obj, key))
    for target in inventory_of(obj) or ():
        edges.append(Edge(key, target, "applies"))
    if flux_kind_of(dict(obj)) is not None:
        owner = managed_by(obj)
        if owner is not None:
            edges.append(Edge(owner, key, "owns"))
    return edges


def build_edges(objects: Iterable[Mapping[str, Any]]) -> list[Edge]:
    """All edges between `objects`, deduplicated, sorted by (source, target, type).

    Targets that are not among `objects` are kept (a graph flags them as missing). An `owns`
    edge is dropped when another edge already links the same pair (the owner's inventory lists
    the object, or a HelmRelease's generated HelmChart is already its `chart` edge).
    Linear in the number of objects plus inventory entries.
    """
    seen: set[Edge] = set()
    for obj in objects:
        seen.update(references_of(obj))
    related = {(e.source, e.target) for e in seen if e.type != "owns"}
    kept = [e for e in seen if e.type != "owns" or (e.source, e.target) not in related]
    return sorted(kept, key=edge_sort_key)


def key_sort_key(key: ObjectKey) -> tuple[str, str, str, str]:
    """A plain-tuple sort key (much cheaper than dataclass comparisons on large graphs)."""
    return (key.kind, key.namespace, key.name, key.group)


def edge_sort_key(edge: Edge) -> tuple[str, ...]:
    return (*key_sort_key(edge.source), *key_sort_key(edge.target), edge.type)
