"""Patch semantics: JSON merge (RFC 7386), JSON patch (RFC 6902), an approximation of strategic
merge, and server-side apply with field ownership (managedFields, conflicts, force)."""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]
Path = tuple[str, ...]


class PatchError(ValueError):
    """A patch the API server rejects (422 Invalid or 409 Conflict for apply)."""

    def __init__(self, message: str, conflicts: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.conflicts = conflicts or []
        """(manager, field path) pairs when an apply conflicts with another field manager."""


# --- RFC 7386 -----------------------------------------------------------------------------------

def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result: Obj = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- RFC 6902 -----------------------------------------------------------------------------------

def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise PatchError(f"invalid array index {token!r}")
    idx = int(token)
    if idx > len(container) or (idx == len(container) and not allow_end):
        raise PatchError(f"array index {idx} out of bounds")
    return idx


def _walk(doc: Any, tokens: list[str], depth: int) -> Any:
    """The value at the first `depth` tokens of the pointer `tokens` (all of them: the target)."""
    cur = doc
    for token in tokens[:depth]:
        if isinstance(cur, dict):
            if token not in cur:
                raise PatchError(f"path /{'/'.join(tokens)} does not exist: missing {token!r}")
            cur = cur[token]
        elif isinstance(cur, list):
            cur = cur[_index(cur, token, allow_end=False)]
        else:
            raise PatchError(f"path /{'/'.join(tokens)} does not exist")
    return cur


def _parent(doc: Any, tokens: list[str]) -> Any:
    return _walk(doc, tokens, len(tokens) - 1)


def _get(doc: Any, tokens: list[str]) -> Any:
    return _walk(doc, tokens, len(tokens))


def _add(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError(f"cannot add at /{'/'.join(tokens)}")
    return doc


def _remove(doc: Any, tokens: list[str]) -> Any:
    if not tokens:
        raise PatchError("cannot remove the document root")
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"unable to remove nonexistent key: {last}: missing value")
        del parent[last]
    elif isinstance(parent, list):
        del parent[_index(parent, last, allow_end=False)]
    else:
        raise PatchError(f"cannot remove /{'/'.join(tokens)}")
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be an array of operations")
    result = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid JSON patch operation: {op!r}")
        name = op["op"]
        tokens = _pointer(str(op["path"]))
        if name in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"missing value for {name} operation")
        if name == "add":
            result = _add(result, tokens, copy.deepcopy(op["value"]))
        elif name == "remove":
            result = _remove(result, tokens)
        elif name == "replace":
            _get(result, tokens)
            result = _remove(result, tokens) if tokens else result
            result = _add(result, tokens, copy.deepcopy(op["value"]))
        elif name in ("move", "copy"):
            if "from" not in op:
                raise PatchError(f"missing from for {name} operation")
            source = _pointer(str(op["from"]))
            value = copy.deepcopy(_get(result, source))
            if name == "move":
                result = _remove(result, source)
            result = _add(result, tokens, value)
        elif name == "test":
            if _get(result, tokens) != op["value"]:
                raise PatchError(f"testing value /{'/'.join(tokens)} failed")
        else:
            raise PatchError(f"unsupported JSON patch operation {name!r}")
    return result


# --- strategic merge (approximation) ----------------------------------------------------------------

_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
    "volumeMounts": "mountPath", "ports": "containerPort", "conditions": "type", "imagePullSecrets": "name",
}


def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    """Merge patch plus keyed merging of the well-known lists (containers by name, ...)
    and the `$patch: delete|replace` directives."""
    if isinstance(patch, list):
        key = _MERGE_KEYS.get(field)
        if key is None or not isinstance(target, list):
            return [item for item in copy.deepcopy(patch) if not (isinstance(item, dict) and "$patch" in item)]
        merged = [copy.deepcopy(i) for i in target]
        for item in patch:
            if not isinstance(item, dict):
                continue
            directive = item.get("$patch")
            idx = next((n for n, cur in enumerate(merged)
                        if isinstance(cur, dict) and cur.get(key) == item.get(key)), None)
            if directive == "delete":
                if idx is not None:
                    merged.pop(idx)
            elif idx is None:
                merged.append({k: v for k, v in item.items() if k != "$patch"})
            else:
                merged[idx] = strategic_merge(merged[idx], item)
        return merged
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result: Obj = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge(result.get(key), value, key)
    return result


# --- server-side apply ---------------------------------------------------------------------------

_IDENTITY: frozenset[Path] = frozenset({
    ("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"),
})


def leaf_paths(obj: Any, prefix: Path = ()) -> set[Path]:
    """The fields an object sets: map entries recursively, lists and scalars as leaves."""
    if isinstance(obj, dict) and obj:
        out: set[Path] = set()
        for key, value in obj.items():
            out |= leaf_paths(value, (*prefix, key))
        return out
    return {prefix} if prefix else set()


def value_at(obj: Any, path: Path) -> Any:
    cur = obj
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


_MISSING = object()


def _delete_path(obj: Obj, path: Path) -> None:
    parents: list[tuple[Obj, str]] = []
    cur: Any = obj
    for part in path[:-1]:
        if not isinstance(cur, dict) or part not in cur:
            return
        parents.append((cur, part))
        cur = cur[part]
    if isinstance(cur, dict):
        cur.pop(path[-1], None)
        # prune maps the removal emptied, as the API server does for applied fields
        for parent, key in reversed(parents):
            if parent[key] == {}:
                del parent[key]
            else:
                break


def encode_fields(paths: set[Path]) -> Obj:
    tree: Obj = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return tree


def decode_fields(tree: Any, prefix: Path = ()) -> set[Path]:
    if not isinstance(tree, dict) or not tree:
        return {prefix} if prefix else set()
    out: set[Path] = set()
    for key, sub in tree.items():
        if key.startswith("f:"):
            out |= decode_fields(sub, (*prefix, key[2:]))
    return out


def _owned(managed: list[Obj]) -> dict[tuple[str, str], set[Path]]:
    owned: dict[tuple[str, str], set[Path]] = {}
    for entry in managed:
        if not isinstance(entry, dict):
            continue
        key = (str(entry.get("manager", "")), str(entry.get("operation", "Update")))
        owned.setdefault(key, set()).update(decode_fields(entry.get("fieldsV1") or {}))
    return owned


def _overlaps(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _managed_entries(owned: dict[tuple[str, str], set[Path]], api_version: str, now: str,
                     times: dict[tuple[str, str], str]) -> list[Obj]:
    entries: list[Obj] = []
    for (manager, operation), paths in owned.items():
        if not paths:
            continue
        entries.append({
            "manager": manager,
            "operation": operation,
            "apiVersion": api_version,
            "time": times.get((manager, operation), now),
            "fieldsType": "FieldsV1",
            "fieldsV1": encode_fields(paths),
        })
    return entries


def server_side_apply(
    current: Obj | None, applied: Obj, manager: str, force: bool, now: str
) -> Obj:
    """The object after `manager` applies `applied` (a full intent, not a diff).

    Fields the manager applied before and no longer applies are removed unless another manager
    owns them; a field owned by another manager with a different value is a conflict unless
    `force` takes it over.
    """
    applied_paths = {p for p in leaf_paths(applied) if p not in _IDENTITY and p[:1] != ("status",)}
    applied_paths = {p for p in applied_paths if p[:2] not in (("metadata", "managedFields"),
                                                                 ("metadata", "resourceVersion"))}
    base: Obj = copy.deepcopy(current) if current is not None else {}
    managed: list[Obj] = list((base.get("metadata") or {}).get("managedFields") or [])
    owned = _owned(managed)
    times = {(str(e.get("manager")), str(e.get("operation"))): str(e.get("time", now))
             for e in managed if isinstance(e, dict)}
    mine_key = (manager, "Apply")
    previously_mine = owned.get(mine_key, set())

    conflicts: list[tuple[str, str]] = []
    for (other, operation), paths in owned.items():
        if (other, operation) == mine_key:
            continue
        for path in applied_paths:
            for owned_path in paths:
                if not _overlaps(path, owned_path):
                    continue
                if value_at(base, path) != value_at(applied, path):
                    conflicts.append((other, "." + ".".join(path)))
    if conflicts and not force:
        raise PatchError(
            f"Apply failed with {len(conflicts)} conflict{'s' if len(conflicts) > 1 else ''}: "
            + "; ".join(f'conflict with "{m}": {f}' for m, f in conflicts),
            conflicts,
        )
    for key, paths in owned.items():
        if key != mine_key:
            owned[key] = {p for p in paths if not any(_overlaps(p, a) for a in applied_paths)}

    result: Obj = _apply_merge(base, applied)
    others = set().union(*(paths for key, paths in owned.items() if key != mine_key)) if owned else set()
    for stale in previously_mine - applied_paths:
        if not any(_overlaps(stale, o) for o in others):
            _delete_path(result, stale)

    owned[mine_key] = applied_paths
    times[mine_key] = now
    result.setdefault("metadata", {})["managedFields"] = _managed_entries(
        owned, str(applied.get("apiVersion", "")), now, times
    )
    return result


def _apply_merge(target: Any, applied: Any) -> Any:
    if isinstance(applied, dict) and isinstance(target, dict):
        result = dict(target)
        for key, value in applied.items():
            result[key] = _apply_merge(target.get(key), value)
        return result
    return copy.deepcopy(applied)


def record_update(obj: Obj, before: Obj | None, manager: str | None, now: str) -> None:
    """Ownership after a non-apply write: changed fields leave their appliers and, when the
    writer named a field manager, become that manager's (operation Update)."""
    meta = obj.setdefault("metadata", {})
    managed = meta.get("managedFields")
    if not managed and not manager:
        return
    changed = {p for p in leaf_paths(obj) | leaf_paths(before or {})
               if p[:1] != ("metadata",) or p[:2] in (("metadata", "labels"), ("metadata", "annotations"))}
    changed = {p for p in changed if value_at(obj, p) != value_at(before or {}, p)}
    changed -= {p for p in changed if p[:1] == ("status",)}
    owned = _owned(list(managed or []))
    times = {(str(e.get("manager")), str(e.get("operation"))): str(e.get("time", now))
             for e in managed or [] if isinstance(e, dict)}
    for key, paths in owned.items():
        if key[0] != manager:
            owned[key] = {p for p in paths if not any(_overlaps(p, c) for c in changed)}
    if manager and changed:
        owned.setdefault((manager, "Update"), set()).update(changed)
        times[(manager, "Update")] = now
    meta["managedFields"] = _managed_entries(owned, str(obj.get("apiVersion", "")), now, times)
    if not meta["managedFields"]:
        del meta["managedFields"]
