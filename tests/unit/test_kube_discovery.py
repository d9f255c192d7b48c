"""Discovery: what a user types resolves to the resource the cluster serves."""

from __future__ import annotations

import httpx2
import pytest

from flux_mcp.kube.errors import KindNotServed
from tests.unit.fake_api import FakeApi


@pytest.mark.parametrize("typed", ["Kustomization", "kustomization", "KUSTOMIZATIONS", "ks", "kustomizations"])
async def test_kind_plural_and_short_names_resolve_case_insensitively(typed: str) -> None:
    rk = await FakeApi().gateway().resolve(typed)

    assert (rk.group, rk.version, rk.kind, rk.plural, rk.namespaced) == (
        "kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations", True)
    assert rk.api_version == "kustomize.toolkit.fluxcd.io/v1"


async def test_flux_short_names_come_from_the_catalogue_when_the_crd_has_none() -> None:
    api = FakeApi()
    api.groups["source.toolkit.fluxcd.io"] = {"v1": [
        {"name": "gitrepositories", "kind": "GitRepository", "namespaced": True, "verbs": ["get"]}]}

    rk = await api.gateway().resolve("gitrepo")

    assert rk.kind == "GitRepository"


async def test_an_api_version_pins_a_non_preferred_version() -> None:
    rk = await FakeApi().gateway().resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2")

    assert rk.version == "v1beta2"


async def test_the_core_group_wins_for_kinds_served_twice() -> None:
    rk = await FakeApi().gateway().resolve("Event")

    assert rk.group == "" and rk.api_version == "v1"


async def test_kind_dot_group_selects_the_group() -> None:
    rk = await FakeApi().gateway().resolve("events.events.k8s.io")

    assert rk.group == "events.k8s.io"


async def test_a_flux_kind_without_its_crd_names_the_missing_component() -> None:
    with pytest.raises(KindNotServed) as raised:
        await FakeApi().gateway().resolve("ImagePolicy")

    assert str(raised.value).startswith(
        "ImagePolicy (image.toolkit.fluxcd.io) is not installed in this cluster: the Flux component "
        "image-reflector-controller")


async def test_operator_kinds_name_flux_operator() -> None:
    with pytest.raises(KindNotServed, match=r"FluxInstance .* not installed .* flux-operator"):
        await FakeApi().gateway().resolve("FluxInstance")


async def test_a_typo_lists_the_closest_kinds() -> None:
    with pytest.raises(KindNotServed) as raised:
        await FakeApi().gateway().resolve("Deploymnet")

    assert "unknown kind 'Deploymnet'" in str(raised.value)
    assert "Deployment (apps)" in str(raised.value)


async def test_an_unserved_version_lists_the_served_ones() -> None:
    with pytest.raises(KindNotServed, match="serves versions v1, v1beta2"):
        await FakeApi().gateway().resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v9")


async def test_discovery_is_fetched_once_and_cached() -> None:
    api = FakeApi()
    gw = api.gateway()

    await gw.resolve("ks")
    await gw.resolve("hr")
    await gw.discovery()

    assert api.paths().count("/apis") == 1
    assert api.paths().count("/apis/kustomize.toolkit.fluxcd.io/v1") == 1


async def test_the_first_flux_kind_is_resolved_from_its_own_group_alone() -> None:
    api = FakeApi()
    gw = api.gateway()

    rk = await gw.resolve("ks")
    assert api.paths() == ["/apis", "/apis/kustomize.toolkit.fluxcd.io/v1"]
    full = FakeApi().gateway()
    await full.discovery()
    assert rk == await full.resolve("ks")  # the same choice as from the whole snapshot

    await gw.discovery()  # the full snapshot reuses the documents already read
    assert api.paths().count("/apis") == 1
    assert api.paths().count("/apis/kustomize.toolkit.fluxcd.io/v1") == 1


async def test_a_core_kind_is_resolved_from_the_core_group_alone_and_still_wins() -> None:
    api = FakeApi()

    gw = api.gateway()

    assert (await gw.resolve("Event")).group == ""
    assert (await gw.resolve("events", "v1")).kind == "Event"
    assert api.paths() == ["/api/v1"]


async def test_one_broken_aggregated_api_does_not_hide_the_others() -> None:
    api = FakeApi().on("GET", "/apis/metrics.k8s.io/v1beta1", httpx2.Response(503, text="metrics down"))
    api.groups["metrics.k8s.io"] = {"v1beta1": []}
    gw = api.gateway()

    rk = await gw.resolve("Deployment")
    unavailable = await gw.unavailable_apis()

    assert rk.group == "apps"
    assert "metrics.k8s.io/v1beta1" in unavailable and "503" in unavailable["metrics.k8s.io/v1beta1"]


async def test_subresources_are_not_kinds() -> None:
    kinds = await FakeApi().gateway().discovery()

    assert all("/" not in rk.plural for rk in kinds)
    assert [rk.plural for rk in kinds if rk.kind == "Pod"] == ["pods"]
