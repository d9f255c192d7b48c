"""Which Flux object manages a Kubernetes object, and the refusal to edit it behind Flux's back.

Flux labels everything it applies with the name and namespace of the object that applied it.
An edit made directly in the cluster to such an object is drift: the next reconcile of the
managing object puts Git's version back, so the assistant would be fighting Flux.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flux_mcp.flux.refs import display

# (label prefix, managing kind), in the order a manager is reported when several labels exist:
# the innermost applier first (a ResourceSet's objects may also carry its Kustomization's labels).
MANAGER_LABELS: tuple[tuple[str, str], ...] = (
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    ("resourceset.fluxcd.controlplane.io", "ResourceSet"),
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("fluxcd.controlplane.io", "FluxInstance"),
)

# kustomize-controller leaves objects alone that carry these annotations, so editing them is not drift.
_KUSTOMIZE_HANDS_OFF: dict[str, frozenset[str]] = {
    "kustomize.toolkit.fluxcd.io/reconcile": frozenset({"disabled"}),
    "kustomize.toolkit.fluxcd.io/ssa": frozenset({"ignore", "ifnotpresent"}),
}

Operation = Literal["apply", "patch", "delete"]

FLUX_FIELD_MANAGERS: frozenset[str] = frozenset({
    "kustomize-controller", "helm-controller", "source-controller", "notification-controller",
    "image-reflector-controller", "image-automation-controller", "flux-operator", "flux-client-side-apply",
})
"""Field managers Flux writes with (server-side apply by its controllers, and the flux CLI)."""


def is_flux_field_manager(manager: str) -> bool:
    return manager in FLUX_FIELD_MANAGERS


@dataclass(frozen=True)
class Manager:
    """The Flux object that applied an object, or, when only managedFields tell, the Flux controller
    that owns some of its fields (`kind` empty, `name` the field manager)."""

    kind: str
    name: str
    namespace: str

    def __str__(self) -> str:
        if not self.kind:
            return f"{self.name} (it owns fields of the object, per metadata.managedFields)"
        return display(self.kind, self.namespace, self.name)


def manager_from_managed_fields(obj: Mapping[str, Any] | None) -> Manager | None:
    """The Flux controller among the object's field managers: Flux applied it even without our labels."""
    metadata = obj.get("metadata") if obj else None
    entries = metadata.get("managedFields") if isinstance(metadata, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        manager = entry.get("manager") if isinstance(entry, Mapping) else None
        if isinstance(manager, str) and is_flux_field_manager(manager):
            return Manager("", manager, "")
    return None


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not obj:
        return {}
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def _annotations(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not obj:
        return {}
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def manager_from_labels(labels: Mapping[str, Any]) -> Manager | None:
    """The Flux object named by the owner labels, or None when the object is not Flux-managed."""
    for prefix, kind in MANAGER_LABELS:
        name = labels.get(f"{prefix}/name")
        if isinstance(name, str) and name:
            namespace = labels.get(f"{prefix}/namespace")
            return Manager(kind, name, namespace if isinstance(namespace, str) else "")
    return None


def flux_ignores_drift(obj: Mapping[str, Any] | None) -> bool:
    """True when kustomize-controller is told not to touch this object again."""
    for key, values in _KUSTOMIZE_HANDS_OFF.items():
        value = _annotations(obj).get(key)
        if isinstance(value, str) and value.lower() in values:
            return True
    return False


def managing_object(
    live: Mapping[str, Any] | None, written: Mapping[str, Any] | None, operation: Operation
) -> Manager | None:
    """The Flux object that would undo `operation`, judged from the live object and what is written.

    A manifest (or patch) that carries Flux's owner labels is as managed as a live object that
    does. Deleting is always guarded: a hands-off annotation on the live object does not stop
    Flux from recreating an object it finds missing.
    """
    if operation != "delete" and live and flux_ignores_drift(live):
        return None
    for obj in (live, written):
        manager = manager_from_labels(_labels(obj))
        if manager is not None:
            return manager
    return manager_from_managed_fields(live)


def conflict_advice(manager: str) -> str:
    """What to do about a field another manager owns, for a server-side apply conflict."""
    if is_flux_field_manager(manager):
        return ("Flux owns this field: change it in Git, or overwrite=true to take it "
                "(Flux reverts it on its next reconcile)")
    return f"pass overwrite=true to take it from {manager} (which may set it back)"


def refusal_message(target: str, manager: Manager, operation: Operation) -> str:
    verb = {"apply": "apply to", "patch": "patch", "delete": "delete"}[operation]
    consequence = (
        "Flux will recreate it on its next reconcile"
        if operation == "delete"
        else "Flux will revert this change on its next reconcile"
    )
    return (
        f"Refusing to {verb} {target}: it is managed by {manager}; {consequence}. "
        "Change it in Git, or pass overwrite=true to do it anyway."
    )
