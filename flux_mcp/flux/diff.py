"""What applying a manifest would change: a field diff of two objects, and who owns each field.

The two sides are the live object and the object a server-side-apply dry run returns (the API
server's own merge, defaults and admission included), so the diff shows what the server would
store, not what the manifest text says. Both sides are redacted by the caller before they get
here: a diff only ever sees masked values, so it cannot tell a right guess of a Secret value
from a wrong one.

Field ownership comes from the live object's `metadata.managedFields` (FieldsV1): a field a Flux
controller owns will be put back by that controller on its next reconcile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flux_mcp.flux.guard import Manager, managing_object
from flux_mcp.flux.kinds import FLUX_KINDS
from flux_mcp.flux.redaction import redact_object

ChangeOp = Literal["added", "changed", "removed"]
DiffAction = Literal["create", "change", "unchanged"]

FLUX_FIELD_MANAGERS: frozenset[str] = frozenset(k.component for k in FLUX_KINDS)
"""Field managers of the Flux controllers (kustomize-controller, helm-controller, flux-operator, ...)."""

# Written by the API server on every write; a dry run changes them without the object changing.
_SERVER_METADATA = frozenset({
    "managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink",
})
# Lists of maps are matched item by item on the first of these keys that every item has, uniquely,
# as the API server's merge keys do (containers by name, ports by containerPort, conditions by type).
_ITEM_KEYS = ("name", "key", "type", "mountPath", "containerPort", "port", "devicePath", "ip", "topologyKey")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class ItemKey:
    """A list item picked by the value of one of its fields (`containers[name=app]`)."""

    field: str
    value: Any


PathPart = str | int | ItemKey


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: tuple[PathPart, ...]
    op: ChangeOp
    before: Any = None
    after: Any = None

    @property
    def where(self) -> str:
        return field_path(self.path)


def field_path(path: Sequence[PathPart]) -> str:
    """`.spec.template.spec.containers[name=app].image`; keys with dots or slashes are quoted."""
    out: list[str] = []
    for part in path:
        if isinstance(part, ItemKey):
            out.append(f"[{part.field}={part.value}]")
        elif isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out) or "."


def comparable(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an object an apply can change: no status, no server-written metadata."""
    out = {k: v for k, v in obj.items() if k != "status"}
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        out["metadata"] = {k: v for k, v in metadata.items() if k not in _SERVER_METADATA}
    return out


def diff_objects(before: Any, after: Any) -> list[FieldChange]:
    """Every field that differs between two objects (already `comparable` and redacted)."""
    return list(_diff(before, after, ()))


def _diff(before: Any, after: Any, path: tuple[PathPart, ...]) -> Iterator[FieldChange]:
    if before == after:
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key, value in after.items():
            if key not in before:
                yield FieldChange((*path, key), "added", after=value)
            else:
                yield from _diff(before[key], value, (*path, key))
        for key, value in before.items():
            if key not in after:
                yield FieldChange((*path, key), "removed", before=value)
        return
    if isinstance(before, list) and isinstance(after, list):
        item_key = _item_key(before, after)
        if item_key is not None:
            yield from _diff_keyed(before, after, item_key, path)
            return
        if len(before) == len(after) and all(isinstance(v, Mapping) for v in (*before, *after)):
            for index, (old, new) in enumerate(zip(before, after, strict=True)):
                yield from _diff(old, new, (*path, index))
            return
    yield FieldChange(path, "changed", before=before, after=after)


def _item_key(before: list[Any], after: list[Any]) -> str | None:
    items = [*before, *after]
    if not items or not all(isinstance(v, Mapping) for v in items):
        return None
    for key in _ITEM_KEYS:
        if not all(key in v and isinstance(v[key], str | int) for v in items):
            continue
        if all(len({v[key] for v in side}) == len(side) for side in (before, after)):
            return key
    return None


def _diff_keyed(before: list[Any], after: list[Any], key: str, path: tuple[PathPart, ...]) -> Iterator[FieldChange]:
    old = {item[key]: item for item in before}
    new = {item[key]: item for item in after}
    for value, item in new.items():
        part = ItemKey(key, value)
        if value not in old:
            yield FieldChange((*path, part), "added", after=item)
        else:
            yield from _diff(old[value], item, (*path, part))
    for value, item in old.items():
        if value not in new:
            yield FieldChange((*path, ItemKey(key, value)), "removed", before=item)


# --- field ownership (metadata.managedFields, FieldsV1) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldOwner:
    manager: str
    operation: str
    fields: Mapping[str, Any]
    """The FieldsV1 tree: `f:<key>` for map keys, `k:{json}` for keyed list items, `v:<json>` for set
    members, `i:<n>` for positions, `.` for the item itself; `{}` marks an owned leaf."""


def field_owners(live: Mapping[str, Any] | None) -> list[FieldOwner]:
    """The managers recorded in an object's managedFields (FieldsV1 entries only)."""
    metadata = (live or {}).get("metadata")
    entries = metadata.get("managedFields") if isinstance(metadata, Mapping) else None
    owners: list[FieldOwner] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("fieldsV1"), Mapping):
            continue
        owners.append(FieldOwner(str(entry.get("manager") or ""), str(entry.get("operation") or ""),
                                 entry["fieldsV1"]))
    return owners


def owns(fields: Mapping[str, Any], path: Sequence[PathPart], items: Sequence[Any] = ()) -> bool:
    """True when a FieldsV1 tree owns the field at `path`, a field above it, or a field inside it.

    `items` are the objects the path runs through (live and proposed): a keyed list item
    (`k:{"name":"app"}`) matches when every key/value of it equals the item's.
    """
    nodes: list[Mapping[str, Any]] = [fields]
    values: list[Any] = list(items)
    for part in path:
        next_nodes = [child for node in nodes for child in _children(node, part, values)]
        if not next_nodes:
            return False
        if any(not node for node in next_nodes):
            return True  # an owned leaf at or above the path: the whole value (e.g. an atomic list) is owned
        nodes = next_nodes
        values = [child for child in (_step(value, part) for value in values) if child is not _ABSENT]
    return bool(path)


_ABSENT = object()


def _step(value: Any, part: PathPart) -> Any:
    if isinstance(part, str):
        return value.get(part, _ABSENT) if isinstance(value, Mapping) else _ABSENT
    if isinstance(value, list):
        if isinstance(part, int):
            return value[part] if 0 <= part < len(value) else _ABSENT
        for item in value:
            if isinstance(item, Mapping) and item.get(part.field) == part.value:
                return item
    return _ABSENT


def _children(node: Mapping[str, Any], part: PathPart, values: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    if isinstance(part, str):
        child = node.get(f"f:{part}")
        if isinstance(child, Mapping):
            yield child
        return
    elements = [e for e in (_step(v, part) for v in values) if e is not _ABSENT]
    for key, child in node.items():
        if not isinstance(child, Mapping):
            continue
        prefix, encoded = key[:2], key[2:]
        matched = (
            (prefix == "i:" and isinstance(part, int) and encoded == str(part))
            or (prefix == "k:" and _matches_item(encoded, elements))
            or (prefix == "v:" and _matches_value(encoded, elements))
        )
        if matched:
            yield child


def _matches_item(encoded: str, elements: Sequence[Any]) -> bool:
    try:
        wanted = json.loads(encoded)
    except ValueError:
        return False
    if not isinstance(wanted, dict):
        return False
    return any(isinstance(e, Mapping) and all(e.get(k) == v for k, v in wanted.items()) for e in elements)


def _matches_value(encoded: str, elements: Sequence[Any]) -> bool:
    try:
        wanted = json.loads(encoded)
    except ValueError:
        return False
    return any(e == wanted for e in elements)


def owners_of(
    change: FieldChange, owners: Sequence[FieldOwner], live: Any, proposed: Any, *, ignore: str = "",
) -> list[str]:
    """Names of the managers (other than `ignore`) that own the changed field in the live object."""
    names: list[str] = []
    for owner in owners:
        if owner.manager == ignore or owner.manager in names:
            continue
        if owns(owner.fields, change.path, (live, proposed)):
            names.append(owner.manager)
    return names


def compact_value(value: Any, limit: int = 160) -> str:
    """One-line JSON of a value, cut to `limit` characters."""
    text = json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_line(change: FieldChange, value_limit: int = 160) -> str:
    """`~ .spec.replicas: 2 → 3`, `+ .metadata.labels.tier: "web"`, `- .spec.paused: true`."""
    if change.op == "added":
        return f"+ {change.where}: {compact_value(change.after, value_limit)}"
    if change.op == "removed":
        return f"- {change.where}: {compact_value(change.before, value_limit)}"
    return (f"~ {change.where}: {compact_value(change.before, value_limit)} → "
            f"{compact_value(change.after, value_limit)}")


# --- one object ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldDiff:
    change: FieldChange
    owners: tuple[str, ...]
    """Field managers other than the one applying that own the field in the live object."""

    @property
    def flux_owners(self) -> tuple[str, ...]:
        return tuple(o for o in self.owners if o in FLUX_FIELD_MANAGERS)


@dataclass(frozen=True, slots=True)
class ObjectDiff:
    action: DiffAction
    fields: tuple[FieldDiff, ...]
    managed_by: Manager | None
    """The Flux object that would revert a manual change (from the live labels or the manifest's)."""
    values_masked: bool
    """A Secret compared with its values masked on both sides: a change of a value alone is not seen."""

    @property
    def flux_owned(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.flux_owners)


def object_diff(
    live: Mapping[str, Any] | None, proposed: Mapping[str, Any], manifest: Mapping[str, Any], *,
    applier: str, mask_secrets: bool = True,
) -> ObjectDiff:
    """Compare the live object with what a server-side-apply dry run of `manifest` returned.

    `live` keeps its managedFields (they name the owner of each changed field); both sides are
    redacted before they are compared.
    """
    # A hands-off annotation (kustomize.toolkit.fluxcd.io/reconcile: disabled) means no manager.
    managed_by = managing_object(live, manifest, "apply")
    if live is None:
        return ObjectDiff("create", (), managed_by, False)
    masked = mask_secrets and proposed.get("kind") == "Secret"
    before = comparable(redact_object(dict(live), mask_secrets))
    after = comparable(redact_object(dict(proposed), mask_secrets))
    owners = field_owners(live)
    fields = tuple(
        FieldDiff(change, tuple(owners_of(change, owners, live, proposed, ignore=applier)))
        for change in diff_objects(before, after)
    )
    return ObjectDiff("change" if fields else "unchanged", fields, managed_by, masked)
