"""ops.manifest_apply: a custom resource of a CRD from the same manifest waits for its kind, and only for that."""

from __future__ import annotations

import httpx2
import pytest

from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import Forbidden, Invalid
from flux_mcp.ops.errors import OperationError
from flux_mcp.ops.manifest_apply import CRD_SETTLE_ATTEMPTS, Document, Planned, apply_one
from tests.unit.fake_api import FakeApi, status

WIDGETS = ResourceKind("example.com", "v1", "Widget", "widgets", namespaced=True)
WIDGET_PATH = "/apis/example.com/v1/namespaces/default/widgets/first"
NOT_SERVED_YET = status(404, "the server could not find the requested resource", "NotFound")


def widget_of_a_new_crd() -> Planned:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "first", "namespace": "default"}}
    return Planned(Document(1, 1, obj), WIDGETS, "default", live=None, crd_in_manifest=True)


def applied(obj: dict[str, object]) -> httpx2.Response:
    return httpx2.Response(201, json={**obj, "metadata": {"name": "first", "namespace": "default",
                                                          "resourceVersion": "7"}})


async def test_the_apply_is_retried_while_the_new_kind_is_not_served() -> None:
    item = widget_of_a_new_crd()
    api = FakeApi().on("PATCH", WIDGET_PATH, NOT_SERVED_YET, NOT_SERVED_YET, applied(item.doc.obj))

    result, taken = await apply_one(api.gateway(), item, dry_run=False, overwrite=False)

    assert result["metadata"]["resourceVersion"] == "7" and taken == []
    assert api.paths("PATCH") == [WIDGET_PATH] * 3


async def test_a_kind_that_never_gets_served_gives_up_after_the_settle_attempts() -> None:
    api = FakeApi().on("PATCH", WIDGET_PATH, NOT_SERVED_YET)

    with pytest.raises(Exception, match="not found"):
        await apply_one(api.gateway(), widget_of_a_new_crd(), dry_run=False, overwrite=False)

    assert len(api.paths("PATCH")) == CRD_SETTLE_ATTEMPTS


@pytest.mark.parametrize(("reply", "error"), [
    (status(403, 'widgets.example.com "first" is forbidden', "Forbidden"), Forbidden),
    (status(422, 'Widget "first" is invalid: spec.size: Invalid value', "Invalid"), Invalid),
])
async def test_a_refusal_is_raised_at_once_even_while_the_crd_settles(
    reply: httpx2.Response, error: type[Exception],
) -> None:
    api = FakeApi().on("PATCH", WIDGET_PATH, reply)

    with pytest.raises(error):
        await apply_one(api.gateway(), widget_of_a_new_crd(), dry_run=False, overwrite=False)

    assert api.paths("PATCH") == [WIDGET_PATH]


CONFIG_MAP = ResourceKind("", "v1", "ConfigMap", "configmaps", namespaced=True)
CONFIG_MAP_PATH = "/api/v1/namespaces/shop/configmaps/settings"


def settings_map() -> Planned:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
           "data": {"mode": "red", "size": "s"}}
    return Planned(Document(1, 1, obj), CONFIG_MAP, "shop", live=None, crd_in_manifest=False)


# The 409 a real kube-apiserver v1.37 answers to an apply that would take fields from other managers.
FIELD_CONFLICT = httpx2.Response(409, json={
    "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409,
    "message": 'Apply failed with 2 conflicts: conflict with "kustomize-controller" using v1: .data.mode\n'
               'conflict with "platform-team": .data.size',
    "details": {"name": "settings", "kind": "configmaps", "causes": [
        {"reason": "FieldManagerConflict", "message": 'conflict with "kustomize-controller" using v1',
         "field": ".data.mode"},
        {"reason": "FieldManagerConflict", "message": 'conflict with "platform-team"', "field": ".data.size"},
    ]},
})


async def test_a_conflict_names_each_field_and_manager_and_tells_flux_fields_apart() -> None:
    api = FakeApi().on("PATCH", CONFIG_MAP_PATH, FIELD_CONFLICT)

    with pytest.raises(OperationError) as refused:
        await apply_one(api.gateway(), settings_map(), dry_run=False, overwrite=False)

    lines = str(refused.value).splitlines()
    assert lines[1] == ("- .data.mode is owned by kustomize-controller: Flux owns this field: change it in Git, "
                        "or overwrite=true to take it (Flux reverts it on its next reconcile).")
    assert lines[2] == "- .data.size is owned by platform-team: pass overwrite=true to take it from platform-team " \
                       "(which may set it back)."
    assert len(api.paths("PATCH")) == 1  # not retried: a conflict never heals by itself


async def test_overwrite_forces_the_apply_only_after_a_conflict_and_says_which_fields_changed_hands() -> None:
    item = settings_map()
    api = FakeApi().on("PATCH", CONFIG_MAP_PATH, FIELD_CONFLICT, httpx2.Response(200, json=item.doc.obj))

    _, taken = await apply_one(api.gateway(), item, dry_run=False, overwrite=True)

    assert taken == [".data.mode (from kustomize-controller)", ".data.size (from platform-team)"]
    forced = [r.url.params.get("force") for r in api.requests if r.method == "PATCH"]
    assert forced == [None, "true"]
