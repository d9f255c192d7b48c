"""Discovery: what a user types resolves to the resource the cluster serves."""

from __future__ import annotations

from collections import Counter

import httpx2
import pytest

from flux_mcp.kube.discovery import AGGREGATED_ACCEPT
from flux_mcp.kube.errors import KindNotServed, KubeError
from tests.unit.fake_api import FakeApi


@pytest.fixture(params=[False, True], ids=["per-group", "aggregated"])
def api(request: pytest.FixtureRequest) -> FakeApi:
    """The same cluster behind a server without aggregated discovery and behind one with it."""
    return FakeApi(aggregated=request.param)


@pytest.mark.parametrize("typed", ["Kustomization", "kustomization", "KUSTOMIZATIONS", "ks", "kustomizations"])
async def test_kind_plural_and_short_names_resolve_case_insensitively(api: FakeApi, typed: str) -> None:
    rk = await api.gateway().resolve(typed)

    assert (rk.group, rk.version, rk.kind, rk.plural, rk.namespaced) == (
        "kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations", True)
    assert rk.api_version == "kustomize.toolkit.fluxcd.io/v1"


async def test_flux_short_names_come_from_the_catalogue_when_the_crd_has_none(api: FakeApi) -> None:
    api.groups["source.toolkit.fluxcd.io"] = {"v1": [
        {"name": "gitrepositories", "kind": "GitRepository", "namespaced": True, "verbs": ["get"]}]}

    rk = await api.gateway().resolve("gitrepo")

    assert rk.kind == "GitRepository"


async def test_an_api_version_pins_a_non_preferred_version(api: FakeApi) -> None:
    rk = await api.gateway().resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2")

    assert rk.version == "v1beta2"


async def test_the_core_group_wins_for_kinds_served_twice(api: FakeApi) -> None:
    rk = await api.gateway().resolve("Event")

    assert rk.group == "" and rk.api_version == "v1"


async def test_kind_dot_group_selects_the_group(api: FakeApi) -> None:
    rk = await api.gateway().resolve("events.events.k8s.io")

    assert rk.group == "events.k8s.io"


async def test_a_flux_kind_without_its_crd_names_the_missing_component(api: FakeApi) -> None:
    with pytest.raises(KindNotServed) as raised:
        await api.gateway().resolve("ImagePolicy")

    assert str(raised.value).startswith(
        "ImagePolicy (image.toolkit.fluxcd.io) is not installed in this cluster: the Flux component "
        "image-reflector-controller")


async def test_operator_kinds_name_flux_operator(api: FakeApi) -> None:
    with pytest.raises(KindNotServed, match=r"FluxInstance .* not installed .* flux-operator"):
        await api.gateway().resolve("FluxInstance")


async def test_a_typo_lists_the_closest_kinds(api: FakeApi) -> None:
    with pytest.raises(KindNotServed) as raised:
        await api.gateway().resolve("Deploymnet")

    assert "unknown kind 'Deploymnet'" in str(raised.value)
    assert "Deployment (apps)" in str(raised.value)


async def test_an_unserved_version_lists_the_served_ones(api: FakeApi) -> None:
    with pytest.raises(KindNotServed, match="serves versions v1, v1beta2"):
        await api.gateway().resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v9")


async def test_discovery_is_fetched_once_and_cached(api: FakeApi) -> None:
    gw = api.gateway()

    await gw.resolve("ks")
    await gw.resolve("hr")
    await gw.resolve("Deployment")
    await gw.resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2")
    await gw.discovery()

    assert all(count == 1 for count in Counter(api.paths()).values()), api.paths()


async def test_aggregated_discovery_reads_the_whole_cluster_in_two_requests() -> None:
    api = FakeApi(aggregated=True)
    gw = api.gateway()

    await gw.resolve("ks")
    await gw.resolve("Event")
    await gw.resolve("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2")
    await gw.api_groups()

    assert sorted(api.paths()) == ["/api", "/apis"]
    assert {r.headers["Accept"] for r in api.requests} == {AGGREGATED_ACCEPT}


async def test_aggregated_and_per_group_discovery_give_the_same_snapshot() -> None:
    aggregated, per_group = FakeApi(aggregated=True).gateway(), FakeApi().gateway()

    assert await aggregated.discovery() == await per_group.discovery()
    assert await aggregated.api_groups() == await per_group.api_groups()
    assert await aggregated.unavailable_apis() == await per_group.unavailable_apis() == {}


async def test_the_first_flux_kind_is_resolved_from_its_own_group_alone() -> None:
    api = FakeApi()
    gw = api.gateway()

    rk = await gw.resolve("ks")
    # /api and /apis asked for aggregated discovery; the plain /apis answer is the one the group path reads.
    assert sorted(api.paths()) == ["/api", "/apis", "/apis/kustomize.toolkit.fluxcd.io/v1"]
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
    assert sorted(api.paths()) == ["/api", "/api/v1", "/apis"]


async def test_one_broken_aggregated_api_does_not_hide_the_others() -> None:
    api = FakeApi().on("GET", "/apis/metrics.k8s.io/v1beta1", httpx2.Response(503, text="metrics down"))
    api.groups["metrics.k8s.io"] = {"v1beta1": []}
    gw = api.gateway()

    rk = await gw.resolve("Deployment")
    unavailable = await gw.unavailable_apis()

    assert rk.group == "apps"
    assert "metrics.k8s.io/v1beta1" in unavailable and "503" in unavailable["metrics.k8s.io/v1beta1"]


async def test_a_stale_aggregated_api_is_unavailable_and_hides_nothing_else() -> None:
    api = FakeApi(aggregated=True, stale={"metrics.k8s.io/v1beta1"})
    api.groups["metrics.k8s.io"] = {"v1beta1": [
        {"name": "pods", "kind": "PodMetrics", "namespaced": True, "verbs": ["get", "list"]}]}
    gw = api.gateway()

    rk = await gw.resolve("Deployment")
    unavailable = await gw.unavailable_apis()

    assert rk.group == "apps"
    assert list(unavailable) == ["metrics.k8s.io/v1beta1"] and "Stale" in unavailable["metrics.k8s.io/v1beta1"]
    assert not [k for k in await gw.discovery() if k.group == "metrics.k8s.io"]


async def test_a_failed_discovery_request_is_reported_and_tried_again_on_the_next_call() -> None:
    busy = httpx2.Response(503, text="busy")
    api = FakeApi(aggregated=True).on("GET", "/apis", busy, busy, busy, busy, FakeApi()._discovery("/apis"))
    gw = api.gateway()

    with pytest.raises(KubeError, match="503"):
        await gw.resolve("Deployment")  # every try of /apis failed
    rk = await gw.resolve("Deployment")  # /apis answers again (here without aggregated discovery)

    assert rk.group == "apps"
    assert api.paths().count("/apis") == 5


async def test_subresources_are_not_kinds(api: FakeApi) -> None:
    kinds = await api.gateway().discovery()

    assert all("/" not in rk.plural for rk in kinds)
    assert [rk.plural for rk in kinds if rk.kind == "Pod"] == ["pods"]
