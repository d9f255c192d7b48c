"""ops.manifest_apply: a custom resource of a CRD from the same manifest waits for its kind, and only for that."""

from __future__ import annotations

import httpx2
import pytest

from flux_mcp.kube.discovery import ResourceKind
from flux_mcp.kube.errors import Forbidden, Invalid
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

    result = await apply_one(api.gateway(), item, dry_run=False, overwrite=False)

    assert result["metadata"]["resourceVersion"] == "7"
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
