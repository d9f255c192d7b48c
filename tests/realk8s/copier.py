"""Copy every object one API server serves into another, as a backup/restore tool would, and record
every rejection. No fix-ups: an object is sent as served, minus the metadata the server owns
(uid, resourceVersion, creationTimestamp, generation, managedFields), with the UIDs it points to
(ownerReferences, an Event's involvedObject) remapped to the copies. Owners are created before
their dependents; status goes through the /status subresource where the target has one, with
`fieldValidation=Strict` (kubectl's default) on every write."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.realk8s.api import ApiClient, Response, collection_path

SERVER_OWNED_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")
STRICT = {"fieldValidation": "Strict"}


@dataclass(frozen=True)
class Resource:
    api_version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: frozenset[str]
    subresources: frozenset[str]


@dataclass(frozen=True)
class Served:
    resource: Resource
    obj: dict[str, Any]

    @property
    def uid(self) -> str:
        return str(self.obj["metadata"].get("uid", ""))

    @property
    def path(self) -> str:
        meta = self.obj["metadata"]
        namespace = meta.get("namespace") if self.resource.namespaced else None
        return f"{collection_path(self.resource.api_version, self.resource.plural, namespace)}/{meta['name']}"

    @property
    def ref(self) -> str:
        meta = self.obj["metadata"]
        where = f"{meta['namespace']}/" if meta.get("namespace") else ""
        return f"{self.resource.kind} {where}{meta['name']}"


@dataclass
class Rejection:
    ref: str
    step: str
    status: int
    message: str
    source: Served

    def line(self) -> str:
        return f"{self.ref} ({self.step}): HTTP {self.status} {self.message}"


@dataclass
class CopyReport:
    created: list[str] = field(default_factory=list)
    status_written: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    uid_map: dict[str, str] = field(default_factory=dict)


def discover(api: ApiClient) -> list[Resource]:
    """Every resource of every served version, each group's preferred version first (so an object
    served at several versions is read, and written, at the preferred one)."""
    versions = ["v1"]
    for group in api.get("/apis").body["groups"]:
        preferred = group["preferredVersion"]["groupVersion"]
        versions += [preferred] + [v["groupVersion"] for v in group["versions"] if v["groupVersion"] != preferred]
    resources = []
    for api_version in versions:
        body = api.get("/api/v1" if api_version == "v1" else f"/apis/{api_version}").body
        entries = body.get("resources", [])
        subs: dict[str, set[str]] = {}
        for entry in entries:
            if "/" in entry["name"]:
                parent, sub = entry["name"].split("/", 1)
                subs.setdefault(parent, set()).add(sub)
        for entry in entries:
            if "/" not in entry["name"]:
                resources.append(Resource(api_version, entry["name"], entry["kind"], bool(entry["namespaced"]),
                                          frozenset(entry.get("verbs", [])), frozenset(subs.get(entry["name"], ()))))
    return resources


def served_objects(api: ApiClient, resources: Iterable[Resource]) -> list[Served]:
    """Every stored object the server serves, once (an object served at two versions has one uid)."""
    seen: set[str] = set()
    objects = []
    for resource in resources:
        if not {"list", "create"} <= resource.verbs:
            continue  # reviews, metrics: computed, not stored
        listed = api.get(collection_path(resource.api_version, resource.plural, None))
        if not listed.ok:
            raise RuntimeError(f"listing {resource.plural}.{resource.api_version}: HTTP {listed.status}")
        for item in listed.body.get("items", []):
            item.setdefault("apiVersion", resource.api_version)
            item.setdefault("kind", resource.kind)
            served = Served(resource, item)
            if served.uid and served.uid in seen:
                continue
            seen.add(served.uid)
            objects.append(served)
    return objects


def owners_first(objects: list[Served]) -> list[Served]:
    """Namespaces first, then every object after the objects its ownerReferences name."""
    by_uid = {o.uid: o for o in objects if o.uid}
    ordered: list[Served] = []
    placed: set[int] = set()

    def place(item: Served, trail: frozenset[int]) -> None:
        if id(item) in placed or id(item) in trail:
            return
        for ref in item.obj["metadata"].get("ownerReferences") or []:
            owner = by_uid.get(ref.get("uid", ""))
            if owner is not None:
                place(owner, trail | {id(item)})
        placed.add(id(item))
        ordered.append(item)

    for item in sorted(objects, key=lambda o: (o.resource.kind != "Namespace", o.resource.namespaced)):
        place(item, frozenset())
    return ordered


def _remapped(obj: dict[str, Any], uid_map: dict[str, str]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    meta = out["metadata"]
    for key in SERVER_OWNED_METADATA:
        meta.pop(key, None)
    for ref in meta.get("ownerReferences") or []:
        if ref.get("uid") in uid_map:
            ref["uid"] = uid_map[ref["uid"]]
    for pointer in ("involvedObject", "regarding", "related"):
        target = out.get(pointer)
        if isinstance(target, dict) and target.get("uid") in uid_map:
            target["uid"] = uid_map[target["uid"]]
    return out


def _write_status(target: ApiClient, path: str, live: dict[str, Any], status: dict[str, Any]) -> Response:
    """PUT the status onto the live object; on a conflict (another writer, such as the garbage
    collector, touched it since) read it again and retry, as every client of /status does."""
    for _attempt in range(5):
        written = target.request("PUT", f"{path}/status", {**live, "status": status}, query=STRICT)
        if written.status != 409:
            return written
        live = target.get(path).body
    return written


def copy_objects(objects: list[Served], target: ApiClient) -> CopyReport:
    report = CopyReport()
    target_resources = {(r.api_version, r.kind): r for r in discover(target)}
    for item in owners_first(objects):
        resource = target_resources.get((item.obj["apiVersion"], item.obj["kind"]))
        if resource is None:
            served = f"{item.obj['apiVersion']} {item.obj['kind']}"
            report.rejections.append(Rejection(item.ref, "create", 404, f"the real server serves no {served}",
                                               item))
            continue
        namespace = item.obj["metadata"].get("namespace") if resource.namespaced else None
        collection = collection_path(resource.api_version, resource.plural, namespace)
        body = _remapped(item.obj, report.uid_map)
        status = body.get("status") if "status" in resource.subresources else None
        if status is not None:
            body.pop("status")
        created = target.request("POST", collection, body, query=STRICT)
        if created.status == 409 and created.body.get("reason") == "AlreadyExists":
            # Objects the real server makes itself (namespace default, kube-system, ...).
            existing = target.get(f"{collection}/{item.obj['metadata']['name']}").body
            report.uid_map[item.uid] = existing["metadata"]["uid"]
            report.already_present.append(item.ref)
            continue
        if not created.ok:
            report.rejections.append(Rejection(item.ref, "create", created.status, created.message, item))
            continue
        report.uid_map[item.uid] = created.body["metadata"]["uid"]
        report.created.append(item.ref)
        if status:
            written = _write_status(target, f"{collection}/{created.body['metadata']['name']}", created.body, status)
            if written.ok:
                report.status_written.append(item.ref)
            else:
                report.rejections.append(Rejection(item.ref, "status", written.status, written.message, item))
    return report


def align_source(source: ApiClient, target: ApiClient, report: CopyReport) -> list[str]:
    """Delete from the source what the target refused to hold, so both serve the same world (the
    differential test compares answers about objects both hold; the rejections are the validity
    test's business). An object the target holds under the same name (a CRD loaded from the real
    definitions) stays."""
    removed = []
    for rejection in report.rejections:
        if rejection.step != "create" or target.get(rejection.source.path).ok:
            continue
        if source.request("DELETE", rejection.source.path).ok:
            removed.append(rejection.ref)
    return removed
