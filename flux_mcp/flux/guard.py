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

# Annotations that tell one controller to leave an object alone, so editing it is not drift — for
# that controller only: helm-controller and flux-operator do not read kustomize-controller's.
HANDS_OFF: dict[str, dict[str, frozenset[str]]] = {
    "Kustomization": {
        "kustomize.toolkit.fluxcd.io/reconcile": frozenset({"disabled"}),
        "kustomize.toolkit.fluxcd.io/ssa": frozenset({"ignore", "ifnotpresent"}),
    },
    # helm-controller's drift detection skips objects annotated so (it still upgrades them).
    "HelmRelease": {"helm.toolkit.fluxcd.io/driftDetection": frozenset({"disabled"})},
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


def flux_ignores_drift(obj: Mapping[str, Any] | None, manager_kind: str = "Kustomization") -> bool:
    """True when the controller of `manager_kind` is told not to touch this object again."""
    for key, values in HANDS_OFF.get(manager_kind, {}).items():
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
    Flux from recreating an object it finds missing. A hands-off annotation counts only for the
    controller that honours it (kustomize-controller's mean nothing to helm-controller).
    """
    for obj in (live, written):
        manager = manager_from_labels(_labels(obj))
        if manager is not None:
            if operation != "delete" and live and flux_ignores_drift(live, manager.kind):
                return None
            return manager
    return manager_from_managed_fields(live)


def conflict_advice(manager: str) -> str:
    """What to do about a field another manager owns, for a server-side apply conflict."""
    if is_flux_field_manager(manager):
        return ("Flux owns this field: change it in Git, or overwrite=true to take it "
                "(Flux reverts it on its next reconcile)")
    return f"pass overwrite=true to take it from {manager} (which may set it back)"


@dataclass(frozen=True)
class Containment:
    """Why deleting a container object (a Namespace, a CRD) would undo what Flux manages."""

    target: str
    reasons: tuple[str, ...]

    def refusal(self) -> str:
        return (
            f"Refusing to delete {self.target}: " + "; ".join(self.reasons)
            + ". Flux would recreate or lose track of them; remove them from Git first, or pass overwrite=true "
            "to delete anyway."
        )


def namespace_contents(name: str, flux_objects: list[str], managed: list[tuple[str, Manager]]) -> Containment | None:
    """Deleting a Namespace deletes everything in it: Flux objects (whose finalizers prune and
    uninstall what they applied) and objects Flux applied (which it recreates, or fails on)."""
    reasons: list[str] = []
    if flux_objects:
        reasons.append(f"it holds Flux objects ({_sample(flux_objects)})")
    if managed:
        shown = _sample([f"{obj} managed by {manager}" for obj, manager in managed])
        reasons.append(f"it holds Flux-managed objects ({shown})")
    return Containment(display("Namespace", "", name), tuple(reasons)) if reasons else None


def crd_contents(name: str, is_flux_kind: bool, managed: list[tuple[str, Manager]]) -> Containment | None:
    """Deleting a CRD deletes every object of its kind; for a Flux kind their finalizers garbage-collect
    or uninstall what they applied (a HelmRelease's release, a Kustomization's inventory)."""
    reasons: list[str] = []
    if is_flux_kind:
        reasons.append("it defines a Flux kind: every object of that kind is deleted and their finalizers "
                       "prune or uninstall what they applied")
    if managed:
        shown = _sample([f"{obj} managed by {manager}" for obj, manager in managed])
        reasons.append(f"Flux manages objects of this kind ({shown})")
    return Containment(display("CustomResourceDefinition", "", name), tuple(reasons)) if reasons else None


def _sample(items: list[str], shown: int = 3) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


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
