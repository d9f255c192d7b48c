"""Discovery: which kinds this cluster serves, and how to address them.

Resolves what a user types (a kind, a plural, a short name, `kind.group`, any case) to the
group, version, plural and scope of a resource, from the API server's discovery documents.
Versions are never hard-coded: an `apiVersion` argument pins one, otherwise the cluster's
preferred version is used.

Two ways to read them. Aggregated discovery (apidiscovery.k8s.io/v2, GA in Kubernetes 1.30):
/api and /apis, asked for as APIGroupDiscoveryList, hold every group, version and resource, so
the whole snapshot is two requests sent together. A server that does not serve it answers /apis
with the plain APIGroupList, kept for the per-group path: /api/v1 and one APIResourceList per
group version, the first call of a session reading only the group it names.
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

FetchJson = Callable[[str, str | None], Awaitable[dict[str, Any]]]
"""GET a discovery path with this Accept header (None: plain JSON), as a JSON object."""

AGGREGATED_ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
"""Asks for aggregated discovery; a server without it answers the plain document instead."""

REFRESH_AFTER_SECONDS = 2.0
"""A cache miss refreshes discovery when it is older than this (a CRD may have been installed since):
with aggregated discovery a refresh is two requests, and a stream of misses makes one every 2 s at most."""


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


def is_aggregated(document: dict[str, Any]) -> bool:
    return document.get("kind") == "APIGroupDiscoveryList" and document.get("apiVersion") == "apidiscovery.k8s.io/v2"


@dataclass
class GroupDiscovery:
    """What one APIGroupDiscoveryList says: groups with their versions (preferred first), the kinds of
    each group version, and the group versions whose aggregated API server did not answer."""

    groups: list[ApiGroup]
    kinds: dict[tuple[str, str], list[ResourceKind]]
    stale: dict[str, str]


def parse_group_discovery(document: dict[str, Any]) -> GroupDiscovery:
    """An aggregated discovery document (/api or /apis as APIGroupDiscoveryList). Subresources are
    nested inside their resource there, so every entry is a kind."""
    found = GroupDiscovery([], {}, {})
    for item in document.get("items") or []:
        group = str((item.get("metadata") or {}).get("name") or "")
        versions: list[str] = []
        for entry in item.get("versions") or []:
            version = str(entry.get("version") or "")
            if not version:
                continue
            versions.append(version)
            if entry.get("freshness") == "Stale":
                # The aggregated API server behind it (metrics-server down is the classic) did not answer.
                found.stale[f"{group}/{version}"] = ("Stale in aggregated discovery: the API server could not "
                                                     "reach the server behind it")
                found.kinds[(group, version)] = []
                continue
            kinds = []
            for resource in entry.get("resources") or []:
                plural = str(resource.get("resource") or "")
                kind = (resource.get("responseKind") or {}).get("kind")
                if not plural or not kind:
                    continue
                kinds.append(ResourceKind(
                    group=group, version=version, kind=str(kind), plural=plural,
                    namespaced=resource.get("scope") == "Namespaced",
                    verbs=tuple(str(v) for v in resource.get("verbs") or ()),
                    short_names=tuple(str(n) for n in resource.get("shortNames") or ()),
                    categories=tuple(str(c) for c in resource.get("categories") or ()),
                ))
            found.kinds[(group, version)] = kinds
        if versions:
            found.groups.append(ApiGroup(group, versions[0], tuple(versions)))
    return found


def _index(kinds: list[ResourceKind]) -> dict[str, list[ResourceKind]]:
    index: dict[str, list[ResourceKind]] = {}
    for rk in kinds:
        for name in dict.fromkeys(rk.names):
            index.setdefault(name, []).append(rk)
    return index


class DiscoveryCache:
    """The discovery documents of one cluster, fetched on first use and cached."""

    def __init__(self, fetch: FetchJson, *, aggregated: bool = True) -> None:
        self._fetch = fetch
        self._aggregated = aggregated
        """Try aggregated discovery first; False reads the per-group documents only."""
        self._legacy = not aggregated
        """The server answered /apis without aggregated discovery: the per-group path from then on."""
        self._snapshot: _Snapshot | None = None
        self._pinned: dict[str, list[ResourceKind]] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def _document(self, path: str) -> dict[str, Any]:
        """One discovery document, fetched at most once per snapshot (the Flux-kind shortcut and the
        full load share them)."""
        if path not in self._documents:
            self._documents[path] = await self._fetch(path, None)
        return self._documents[path]

    async def _load(self) -> _Snapshot:
        if not self._legacy:
            aggregated = await self._load_aggregated()
            if aggregated is not None:
                return aggregated
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
        return self._assemble(groups, parse_resource_list(core), dict(zip(ordered, per_version, strict=True)),
                              unavailable)

    async def _load_aggregated(self) -> _Snapshot | None:
        """The whole snapshot from /api and /apis as APIGroupDiscoveryList, sent together; None when
        the server does not serve aggregated discovery (its plain /apis answer is kept for later)."""
        answers = await asyncio.gather(self._fetch("/api", AGGREGATED_ACCEPT), self._fetch("/apis", AGGREGATED_ACCEPT),
                                       return_exceptions=True)
        core, group_list = answers
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer  # the API failure of /api or /apis, as the per-group path would meet it too
        assert isinstance(core, dict) and isinstance(group_list, dict)
        if not is_aggregated(group_list):
            self._legacy = True
            self._documents["/apis"] = group_list
            return None
        if not is_aggregated(core):  # pragma: no cover - servers serve both documents or neither
            self._legacy = True
            return None
        core_found, found = parse_group_discovery(core), parse_group_discovery(group_list)
        core_kinds = core_found.kinds.get(("", "v1"), [])
        self._pinned["/v1"] = core_kinds
        groups = [ApiGroup("", "v1", ("v1",)), *(g for g in found.groups if g.name)]
        return self._assemble(groups, core_kinds, found.kinds, {**core_found.stale, **found.stale})

    def _assemble(self, groups: list[ApiGroup], core: list[ResourceKind],
                  per_version: dict[tuple[str, str], list[ResourceKind]], unavailable: dict[str, str]) -> _Snapshot:
        """One snapshot from the kinds of every group version, however they were read."""
        kinds = list(core)
        seen: set[tuple[str, str]] = set()
        for group in groups[1:]:
            for version in dict.fromkeys((group.preferred_version, *group.versions)):
                chunk = per_version.get((group.name, version), [])
                self._pinned[f"{group.name}/{version}"] = chunk
                for rk in chunk:
                    # Each kind at the first version that serves it, the preferred one when it does.
                    if (group.name, rk.kind) not in seen:
                        seen.add((group.name, rk.kind))
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
            self._pinned[key] = parse_resource_list(await self._fetch(path, None))
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

    async def _aggregated_first(self) -> None:
        """Before anything is cached, try the two-request aggregated snapshot once."""
        if self._snapshot is not None or self._legacy:
            return
        async with self._lock:
            if self._snapshot is None and not self._legacy:
                # None when not served: the per-group path from now on. A failure is raised, and the
                # next call tries again.
                self._snapshot = await self._load_aggregated()

    async def resolve(self, name: str, api_version: str | None = None) -> ResourceKind:
        """The resource a user means by `name` (kind, plural, short name, `kind.group`; any case)."""
        await self._aggregated_first()
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
        if api_version and api_version in snapshot.unavailable:
            return KindNotServed(
                f"{api_version} is registered but its server does not answer the API server "
                f"({snapshot.unavailable[api_version]}): its kinds cannot be read until it does; check the "
                f"APIService {api_version.rpartition('/')[2]}.{api_version.rpartition('/')[0]}."
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
        if snapshot.unavailable:
            # The kind may belong to an aggregated API that is registered but not answering.
            hint += (" Registered APIs that do not answer (their kinds are not known): "
                     + ", ".join(sorted(snapshot.unavailable)) + ".")
        return KindNotServed(
            f"unknown kind {name!r}: this cluster serves no resource with that kind, plural or short name.{hint}",
            unknown_kind=True,
        )
