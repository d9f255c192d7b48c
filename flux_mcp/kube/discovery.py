"""Discovery: which kinds this cluster serves, and how to address them.

Resolves what a user types (a kind, a plural, a short name, `kind.group`, any case) to the
group, version, plural and scope of a resource, from the API server's discovery documents
(/api/v1 and the preferred version of every group under /apis). Versions are never hard-coded:
an `apiVersion` argument pins one, otherwise the cluster's preferred version is used.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from flux_mcp.flux.kinds import find_flux_kind
from flux_mcp.kube.errors import KindNotServed, KubeError

log = logging.getLogger("flux_mcp.kube")

FetchJson = Callable[[str], Awaitable[dict[str, Any]]]

REFRESH_AFTER_SECONDS = 30.0
"""A cache miss refreshes discovery when it is older than this (a CRD may have been installed)."""


@dataclass(frozen=True)
class ResourceKind:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`plural.group`, as kubectl and API error messages name a resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def names(self) -> tuple[str, ...]:
        return (self.kind.lower(), self.plural.lower(), *(s.lower() for s in self.short_names))


@dataclass(frozen=True)
class ApiGroup:
    name: str
    """"" for the core group."""
    preferred_version: str
    versions: tuple[str, ...]


@dataclass
class _Snapshot:
    groups: list[ApiGroup]
    kinds: list[ResourceKind]
    """Every kind at its preferred version (or the first version serving it), core group first."""
    by_name: dict[str, list[ResourceKind]]
    unavailable: dict[str, str] = field(default_factory=dict)
    """group/version → why its discovery document could not be read (e.g. a broken metrics-server)."""
    loaded_at: float = 0.0


def parse_resource_list(document: dict[str, Any]) -> list[ResourceKind]:
    """The kinds of one APIResourceList (subresources such as pods/log are skipped)."""
    group_version = str(document.get("groupVersion", ""))
    group, _, version = group_version.rpartition("/")
    kinds = []
    for entry in document.get("resources") or []:
        name = str(entry.get("name", ""))
        if not name or "/" in name or not entry.get("kind"):
            continue
        kinds.append(
            ResourceKind(
                group=group, version=version, kind=str(entry["kind"]), plural=name,
                namespaced=bool(entry.get("namespaced")),
                verbs=tuple(str(v) for v in entry.get("verbs") or ()),
                short_names=tuple(str(s) for s in entry.get("shortNames") or ()),
                categories=tuple(str(c) for c in entry.get("categories") or ()),
            )
        )
    return kinds


def parse_group_list(document: dict[str, Any]) -> list[ApiGroup]:
    groups = []
    for entry in document.get("groups") or []:
        versions = tuple(str(v.get("version")) for v in entry.get("versions") or () if v.get("version"))
        preferred = (entry.get("preferredVersion") or {}).get("version") or (versions[0] if versions else "")
        if entry.get("name") and preferred:
            groups.append(ApiGroup(str(entry["name"]), str(preferred), versions))
    return groups


def _index(kinds: list[ResourceKind]) -> dict[str, list[ResourceKind]]:
    index: dict[str, list[ResourceKind]] = {}
    for rk in kinds:
        for name in dict.fromkeys(rk.names):
            index.setdefault(name, []).append(rk)
    return index


class DiscoveryCache:
    """The discovery documents of one cluster, fetched on first use and cached."""

    def __init__(self, fetch: FetchJson) -> None:
        self._fetch = fetch
        self._snapshot: _Snapshot | None = None
        self._pinned: dict[str, list[ResourceKind]] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def _document(self, path: str) -> dict[str, Any]:
        """One discovery document, fetched at most once per snapshot (the Flux-kind shortcut and the
        full load share them)."""
        if path not in self._documents:
            self._documents[path] = await self._fetch(path)
        return self._documents[path]

    async def _load(self) -> _Snapshot:
        core, group_list = await asyncio.gather(self._document("/api/v1"), self._document("/apis"))
        groups = [ApiGroup("", "v1", ("v1",)), *parse_group_list(group_list)]
        unavailable: dict[str, str] = {}

        async def version_kinds(group: str, version: str) -> list[ResourceKind]:
            path = f"/apis/{group}/{version}"
            try:
                return parse_resource_list(await self._document(path))
            except KubeError as exc:
                # One broken aggregated API (metrics-server down is the classic) must not hide the rest.
                said = f"HTTP {exc.status}: {exc.server_message or 'no message'}" if exc.status else str(exc)
                unavailable[f"{group}/{version}"] = said
                log.warning("discovery of %s failed: %s", path, exc)
                return []

        # Every served version is read: a kind may exist only in a non-preferred version (Flux's
        # Alert and Provider live in notification.toolkit.fluxcd.io/v1beta3 while v1 is preferred).
        ordered = [(g.name, v) for g in groups[1:] for v in (g.preferred_version, *g.versions)]
        ordered = list(dict.fromkeys(ordered))
        per_version = await asyncio.gather(*(version_kinds(g, v) for g, v in ordered))
        kinds = parse_resource_list(core)
        seen: set[tuple[str, str]] = set()
        for (group, version), chunk in zip(ordered, per_version, strict=True):
            self._pinned[f"{group}/{version}"] = chunk
            for rk in chunk:
                # Each kind at the first version that serves it, the preferred one when it does.
                if (group, rk.kind) not in seen:
                    seen.add((group, rk.kind))
                    kinds.append(rk)
        return _Snapshot(groups, kinds, _index(kinds), unavailable, time.monotonic())

    async def snapshot(self, refresh: bool = False) -> _Snapshot:
        async with self._lock:
            if self._snapshot is None or refresh:
                self._pinned.clear()
                if refresh:
                    self._documents.clear()
                self._snapshot = await self._load()
            return self._snapshot

    async def kinds(self) -> list[ResourceKind]:
        return list((await self.snapshot()).kinds)

    async def groups(self) -> list[ApiGroup]:
        return list((await self.snapshot()).groups)

    async def unavailable(self) -> dict[str, str]:
        return dict((await self.snapshot()).unavailable)

    async def _version_kinds(self, group: str, version: str) -> list[ResourceKind]:
        key = f"{group}/{version}"
        if key not in self._pinned:
            path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
            self._pinned[key] = parse_resource_list(await self._fetch(path))
        return self._pinned[key]

    async def _flux_kind(self, name: str) -> ResourceKind | None:
        """A Flux kind from its own group's documents alone, before the full snapshot exists.

        The catalogue knows the group of every Flux kind, so the first call of a session (usually
        about a Kustomization or a HelmRelease) reads the group list and that group's versions, not
        every group the cluster serves. The choice is the full snapshot's: the preferred version
        when it serves the kind, else the first that does. Anything unusual (the group or kind not
        served, a version that fails) is left to the full path, which explains it.
        """
        wanted, _, group = name.strip().lower().partition(".")
        flux_kind = find_flux_kind(wanted)
        if flux_kind is None or (group and group != flux_kind.group):
            return None
        served = next((g for g in parse_group_list(await self._document("/apis")) if g.name == flux_kind.group), None)
        if served is None:
            return None
        for version in dict.fromkeys((served.preferred_version, *served.versions)):
            try:
                chunk = parse_resource_list(await self._document(f"/apis/{served.name}/{version}"))
            except KubeError:
                return None
            found = next((rk for rk in chunk if rk.kind == flux_kind.kind), None)
            if found is not None:
                return found
        return None

    async def _core_kind(self, name: str) -> ResourceKind | None:
        """A core (v1) kind from /api/v1 alone, before the full snapshot exists: the core group wins
        over any other group serving the same name (Event over events.k8s.io's), as in the snapshot."""
        wanted = name.strip().lower()
        if "." in wanted:
            return None
        try:
            core = parse_resource_list(await self._document("/api/v1"))
        except KubeError:
            return None
        return next((rk for rk in core if wanted in rk.names), None)

    async def resolve(self, name: str, api_version: str | None = None) -> ResourceKind:
        """The resource a user means by `name` (kind, plural, short name, `kind.group`; any case)."""
        if self._snapshot is None and api_version in (None, "v1"):
            shortcut = (await self._flux_kind(name) if api_version is None else None) or await self._core_kind(name)
            if shortcut is not None:
                return shortcut
        found = await self._find(await self.snapshot(), name, api_version)
        if found is None:
            snapshot = await self.snapshot()
            if time.monotonic() - snapshot.loaded_at > REFRESH_AFTER_SECONDS:
                found = await self._find(await self.snapshot(refresh=True), name, api_version)
        if found is None:
            raise self._unknown(await self.snapshot(), name, api_version)
        return found

    async def _find(self, snapshot: _Snapshot, name: str, api_version: str | None) -> ResourceKind | None:
        wanted = name.strip().lower()
        group: str | None = None
        version: str | None = None
        if api_version:
            group, _, version = api_version.strip().rpartition("/")
        elif "." in wanted:
            wanted, _, group = wanted.partition(".")
        flux_kind = find_flux_kind(wanted)
        candidates = list(snapshot.by_name.get(wanted, ()))
        if flux_kind is not None:
            # Flux short names come from the catalogue too, in case a CRD does not declare them.
            candidates += [
                rk for rk in snapshot.kinds
                if rk.group == flux_kind.group and rk.kind == flux_kind.kind and rk not in candidates
            ]
            # `Kustomization` means Flux's even if another group happens to serve the same kind.
            candidates.sort(key=lambda rk: rk.group != flux_kind.group)
        if group is not None:
            candidates = [rk for rk in candidates if rk.group == group]
        if not candidates and group is not None and version is not None and api_version:
            # A pinned group the snapshot lists only at another version.
            known = {g.name: g for g in snapshot.groups}
            if group in known and version in known[group].versions:
                pinned = await self._version_kinds(group, version)
                return next((rk for rk in pinned if wanted in rk.names), None)
            return None
        if not candidates:
            return None
        chosen = candidates[0]
        if version and version != chosen.version:
            served = next((g.versions for g in snapshot.groups if g.name == chosen.group), ())
            if version not in served:
                return None
            pinned = await self._version_kinds(chosen.group, version)
            return next((rk for rk in pinned if rk.kind == chosen.kind), None)
        return chosen

    def _unknown(self, snapshot: _Snapshot, name: str, api_version: str | None) -> KindNotServed:
        bare = name.strip().split(".", 1)[0]
        flux_kind = find_flux_kind(bare)
        if flux_kind is not None and not any(
            rk.group == flux_kind.group and rk.kind == flux_kind.kind for rk in snapshot.kinds
        ):
            return KindNotServed(
                f"{flux_kind.kind} ({flux_kind.group}) is not installed in this cluster: the Flux component "
                f"{flux_kind.component} / its CRD {flux_kind.plural}.{flux_kind.group} is missing.",
                flux_component=flux_kind.component,
            )
        if api_version:
            group, _, version = api_version.rpartition("/")
            served = next((g for g in snapshot.groups if g.name == group), None)
            if served is None:
                return KindNotServed(
                    f"API group {group or 'core'} is not served by this cluster (apiVersion {api_version})."
                )
            if version not in served.versions:
                return KindNotServed(
                    f"{api_version} is not served: group {group or 'core'} serves versions "
                    f"{', '.join(served.versions)} (preferred {served.preferred_version})."
                )
            return KindNotServed(f"kind {name} is not served in {api_version}.")
        names = {rk.kind: rk for rk in snapshot.kinds}
        lowered = {kind.lower(): kind for kind in names}
        close = difflib.get_close_matches(bare.lower(), list(lowered), n=5, cutoff=0.6)
        hint = ""
        if close:
            hint = " Closest known kinds: " + ", ".join(
                f"{lowered[c]} ({names[lowered[c]].group or 'core'})" for c in close
            ) + "."
        return KindNotServed(
            f"unknown kind {name!r}: this cluster serves no resource with that kind, plural or short name.{hint}",
            unknown_kind=True,
        )
