"""Object storage with the kube-apiserver's bookkeeping rules.

- resourceVersion: one cluster-wide counter, bumped on every change (never on a no-op write);
- generation: bumped when anything but metadata and status changes (status too for kinds
  without a status subresource);
- the status subresource owns `status`: writes to the main resource keep the stored status and
  writes to `/status` change nothing else;
- delete with finalizers sets deletionTimestamp; the object goes when the last finalizer does;
- lists are sorted by (namespace, name) once per membership change and paged with `limit` and
  an opaque `continue` token, which expires (410) when the store is compacted past it.
"""

from __future__ import annotations

import base64
import bisect
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from flux_mcp.sandbox import errors
from flux_mcp.sandbox.discovery import Catalog, ResourceType
from flux_mcp.sandbox.openapi import Schema, apply_defaults
from flux_mcp.sandbox.patching import record_update
from flux_mcp.sandbox.selectors import Predicate

Obj = dict[str, Any]
Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped objects."""
ChangeType = Literal["ADDED", "MODIFIED", "DELETED"]
Origin = Literal["api", "controller", "fleet"]
Admission = Callable[[Obj, Obj | None], Obj]
"""Validates an object about to be stored (the old one on updates); returns it as stored, or raises."""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class _Entry:
    obj: Obj
    raw: bytes | None = None

    def bytes(self) -> bytes:
        if self.raw is None:
            self.raw = _dumps(self.obj)
        return self.raw

    def copy(self) -> Obj:
        result: Obj = json.loads(self.bytes())
        return result


@dataclass(frozen=True)
class Change:
    type: ChangeType
    rt: ResourceType
    obj: Obj
    old: Obj | None
    origin: Origin


@dataclass
class ListPage:
    raw_items: list[bytes]
    resource_version: str
    continue_token: str = ""
    remaining: int | None = None

    @property
    def items(self) -> list[Obj]:
        return [json.loads(r) for r in self.raw_items]


@dataclass
class _Table:
    entries: dict[Key, _Entry] = field(default_factory=dict)
    sorted_keys: list[Key] | None = None


def _clone(obj: Obj) -> Obj:
    result: Obj = json.loads(_dumps(obj))
    return result


def _content(obj: Obj, include_status: bool) -> Obj:
    return {k: v for k, v in obj.items() if k != "metadata" and (include_status or k != "status")}


class ObjectStore:
    """Thread-safe: the server loop writes, tests read (and may write) from their own thread."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.RLock()
        self._tables: dict[str, _Table] = {}
        self._rv = 0
        self.compacted_rv = 0
        self._listeners: list[Callable[[Change], None]] = []

    # --- plumbing ---------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Change], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def resource_version(self) -> int:
        return self._rv

    def compact(self) -> None:
        """Forget history up to now: continue tokens issued so far become 410 Gone."""
        with self._lock:
            self._rv += 1
            self.compacted_rv = self._rv

    def _table(self, rt: ResourceType) -> _Table:
        table = self._tables.get(rt.key)
        if table is None:
            table = self._tables[rt.key] = _Table()
        return table

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    def rtype(self, obj: Obj) -> ResourceType:
        rt = self.catalog.by_api_version(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        if rt is None:
            raise errors.bad_request(f"no kind {obj.get('kind')!r} is registered for version "
                                     f"{obj.get('apiVersion')!r}")
        return rt

    @staticmethod
    def key_of(rt: ResourceType, obj: Obj) -> Key:
        meta = obj.get("metadata") or {}
        return (str(meta.get("namespace", "")) if rt.namespaced else "", str(meta.get("name", "")))

    # --- reads --------------------------------------------------------------------------------

    @staticmethod
    def _key(rt: ResourceType, namespace: str | None, name: str) -> Key:
        return (namespace or "" if rt.namespaced else "", name)

    def _entry(self, rt: ResourceType, namespace: str | None, name: str) -> _Entry:
        """The stored entry (call with the lock held); 404 NotFound when there is none."""
        entry = self._table(rt).entries.get(self._key(rt, namespace, name))
        if entry is None:
            raise errors.not_found(rt, name)
        return entry

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        with self._lock:
            return self._entry(rt, namespace, name).copy()

    def get_raw(self, rt: ResourceType, namespace: str | None, name: str) -> bytes:
        with self._lock:
            return self._entry(rt, namespace, name).bytes()

    def find(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        with self._lock:
            entry = self._table(rt).entries.get(self._key(rt, namespace, name))
            return entry.copy() if entry is not None else None

    def find_kind(self, api_version_or_group: str, kind: str, namespace: str | None, name: str) -> Obj | None:
        """Look an object up by kind and group (or apiVersion), for cross-object references."""
        group = api_version_or_group.rsplit("/", 1)[0] if "/" in api_version_or_group else api_version_or_group
        rt = self.catalog.by_kind(group, kind)
        return self.find(rt, namespace, name) if rt is not None else None

    def namespace_exists(self, namespace: str) -> bool:
        rt = self.catalog.by_kind("", "Namespace")
        assert rt is not None
        with self._lock:
            return ("", namespace) in self._table(rt).entries

    def iter_objects(self, rt: ResourceType, namespace: str | None = None) -> list[Obj]:
        """Live objects (not copies) for in-process readers that do not mutate them."""
        with self._lock:
            return [e.obj for k, e in self._table(rt).entries.items() if namespace is None or k[0] == namespace]

    def count(self) -> int:
        with self._lock:
            return sum(len(t.entries) for t in self._tables.values())

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        predicates: Iterable[Predicate | None] = (),
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> ListPage:
        checks = [p for p in predicates if p is not None]
        with self._lock:
            table = self._table(rt)
            if table.sorted_keys is None:
                table.sorted_keys = sorted(table.entries)
            keys = table.sorted_keys
            start, stop = 0, len(keys)
            if namespace and rt.namespaced:
                start = bisect.bisect_left(keys, (namespace, ""))
                stop = bisect.bisect_left(keys, (namespace + "\x00", ""))
            if continue_token:
                after = self._decode_continue(continue_token, rt)
                start = max(start, bisect.bisect_right(keys, after))
            items: list[bytes] = []
            token = ""
            remaining: int | None = None
            last_key: Key = ("", "")
            for i in range(start, stop):
                entry = table.entries[keys[i]]
                if checks and not all(check(entry.obj) for check in checks):
                    continue
                if limit and len(items) >= limit:
                    token = self._encode_continue(rt, last_key)
                    if not checks:
                        remaining = stop - i
                    break
                items.append(entry.bytes())
                last_key = keys[i]
            return ListPage(items, str(self._rv), token, remaining)

    def _encode_continue(self, rt: ResourceType, after: Key) -> str:
        payload = {"v": "meta.k8s.io/v1", "rv": self._rv, "type": rt.key, "start": list(after)}
        return base64.urlsafe_b64encode(_dumps(payload)).decode().rstrip("=")

    def _decode_continue(self, token: str, rt: ResourceType) -> Key:
        try:
            padded = token + "=" * (-len(token) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded))
            rv = int(payload["rv"])
            after = (str(payload["start"][0]), str(payload["start"][1]))
            if payload.get("type") != rt.key:
                raise ValueError("token of another resource")
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise errors.expired_continue() from exc
        if rv < self.compacted_rv:
            raise errors.expired_continue()
        return after

    # --- writes -------------------------------------------------------------------------------

    def _stamp_new(self, rt: ResourceType, obj: Obj, created: str | None = None) -> None:
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", created or now_iso())
        if rt.has_generation:
            meta["generation"] = int(meta.get("generation") or 1)
        else:
            meta.pop("generation", None)
        meta["resourceVersion"] = self._next_rv()
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind

    def load(self, objects: Iterable[Obj], defaults: dict[str, Schema] | None = None) -> int:
        """Bulk-insert fleet objects (no validation, no change notifications).

        `defaults` (resource type key → `openapi.defaults_only` schema) fills in the defaults of the
        CRD schemas, which a real API server shows on every object it reads."""
        count = 0
        with self._lock:
            for obj in objects:
                rt = self.rtype(obj)
                reduced = defaults.get(rt.key) if defaults else None
                if reduced is not None:
                    apply_defaults(reduced, obj)
                self._stamp_new(rt, obj)
                table = self._table(rt)
                table.entries[self.key_of(rt, obj)] = _Entry(obj)
                table.sorted_keys = None
                count += 1
        return count

    def create(
        self, rt: ResourceType, obj: Obj, namespace: str | None = None, dry_run: bool = False,
        manager: str | None = None, origin: Origin = "api", admit: Admission | None = None,
    ) -> Obj:
        """Create `obj`; `admit` (validation, unknown-field pruning) sees it as it would be stored."""
        obj = _clone(obj)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            ns = namespace or meta.get("namespace") or ""
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            if not ns:
                raise errors.bad_request("an empty namespace may not be set during creation")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{secrets.token_hex(3)[:5]}"
            else:
                raise errors.invalid(rt, "", "metadata.name: Required value: name or generateName is required",
                                     "metadata.name")
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"):
            meta.pop(server_field, None)
        if origin == "api" and rt.crd and rt.has_status_subresource:
            obj.pop("status", None)  # a create cannot set the status of a custom resource with /status
        with self._lock:
            key = self.key_of(rt, obj)
            if rt.namespaced and not self.namespace_exists(key[0]):
                raise errors.namespace_not_found(key[0])
            table = self._table(rt)
            if key in table.entries:
                raise errors.already_exists(rt, key[1])
            if admit is not None:
                obj = admit(obj, None)
                meta = obj["metadata"]
            if manager:
                record_update(obj, None, manager, now_iso())
            if dry_run:
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", now_iso())
                if rt.has_generation:
                    meta["generation"] = 1
                obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
                return obj
            self._stamp_new(rt, obj)
            entry = _Entry(obj)
            table.entries[key] = entry
            table.sorted_keys = None
            result = entry.copy()
        self._emit(Change("ADDED", rt, result, None, origin))
        return result

    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        mutate: Callable[[Obj], Obj],
        subresource: str | None = None,
        dry_run: bool = False,
        manager: str | None = None,
        origin: Origin = "api",
        check_rv: bool = True,
        track_fields: bool = True,
        admit: Admission | None = None,
    ) -> Obj:
        """Read-modify-write under the lock. `mutate` gets a copy and returns the desired object.

        `track_fields=False` leaves managedFields to `mutate` (server-side apply does its own)."""
        with self._lock:
            key = self._key(rt, namespace, name)
            table = self._table(rt)
            entry = self._entry(rt, namespace, name)
            old = entry.obj
            desired = mutate(entry.copy())
            if not isinstance(desired, dict):
                raise errors.bad_request("the patched object is not a JSON object")
            new = self._merge_rules(rt, old, desired, subresource, check_rv)
            if admit is not None:
                new = admit(new, old)
            if subresource is None and origin == "api" and track_fields:
                record_update(new, old, manager, now_iso())
            if new == old:
                return entry.copy()
            new_meta = new["metadata"]
            if rt.has_generation and (
                _content(new, not rt.has_status_subresource) != _content(old, not rt.has_status_subresource)
            ):
                new_meta["generation"] = int(old["metadata"].get("generation") or 1) + 1
            if dry_run:
                return _clone(new)
            new_meta["resourceVersion"] = self._next_rv()
            if new_meta.get("deletionTimestamp") and not new_meta.get("finalizers"):
                del table.entries[key]
                table.sorted_keys = None
                gone = _clone(new)
                change = Change("DELETED", rt, gone, old, origin)
            else:
                table.entries[key] = _Entry(new)
                gone = table.entries[key].copy()
                change = Change("MODIFIED", rt, gone, old, origin)
        self._emit(change)
        return gone

    def _merge_rules(
        self, rt: ResourceType, old: Obj, desired: Obj, subresource: str | None, check_rv: bool
    ) -> Obj:
        old_meta = old["metadata"]
        desired_meta = desired.get("metadata")
        if not isinstance(desired_meta, dict):
            desired_meta = {}
        if check_rv and desired_meta.get("resourceVersion") not in (None, "", old_meta["resourceVersion"]):
            raise errors.conflict(rt, old_meta["name"], "the object has been modified; please apply your "
                                  "changes to the latest version and try again")
        if desired_meta.get("name") not in (None, old_meta["name"]):
            raise errors.bad_request(f"the name of the object ({desired_meta.get('name')}) does not match "
                                     f"the name on the URL ({old_meta['name']})")
        if rt.namespaced and desired_meta.get("namespace") not in (None, "", old_meta.get("namespace")):
            # kube-apiserver fills an empty namespace from the URL but refuses a different one.
            raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                     "sent on the request")
        if subresource == "status":
            new = _clone(old)
            if "status" in desired:
                new["status"] = desired["status"]
            else:
                new.pop("status", None)
            return new
        new = dict(desired)
        meta = dict(desired_meta)
        for immutable in ("uid", "creationTimestamp", "name", "namespace", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "resourceVersion"):
            if immutable in old_meta:
                meta[immutable] = old_meta[immutable]
            else:
                meta.pop(immutable, None)
        new["metadata"] = meta
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        if rt.has_status_subresource:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        return new

    def replace(
        self, rt: ResourceType, namespace: str | None, name: str, obj: Obj,
        subresource: str | None = None, dry_run: bool = False, manager: str | None = None,
        admit: Admission | None = None,
    ) -> Obj:
        return self.update(rt, namespace, name, lambda _current: obj, subresource, dry_run, manager, admit=admit)

    def delete(
        self, rt: ResourceType, namespace: str | None, name: str, dry_run: bool = False,
        origin: Origin = "api",
    ) -> Obj:
        with self._lock:
            key = self._key(rt, namespace, name)
            table = self._table(rt)
            entry = self._entry(rt, namespace, name)
            current = entry.copy()
            if dry_run:
                return current
            meta = current["metadata"]
            if meta.get("finalizers"):
                if meta.get("deletionTimestamp"):
                    return current
                meta["deletionTimestamp"] = now_iso()
                meta["deletionGracePeriodSeconds"] = 0
                meta["resourceVersion"] = self._next_rv()
                table.entries[key] = _Entry(current)
                change = Change("MODIFIED", rt, table.entries[key].copy(), entry.obj, origin)
            else:
                del table.entries[key]
                table.sorted_keys = None
                meta["resourceVersion"] = self._next_rv()
                change = Change("DELETED", rt, current, entry.obj, origin)
        self._emit(change)
        return change.obj
