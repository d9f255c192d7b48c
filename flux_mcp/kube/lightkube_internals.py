"""The lightkube internals we rely on, in one place; tests/unit/test_lightkube_internals.py pins them.

lightkube's public surface has no per-page list (its `list()` follows every continue token), no
logs of a previous container with a byte limit, no raw GET of an aggregated API, and no way to
add request headers (impersonation) after the client is built. Each of those uses what lightkube
keeps behind its `AsyncClient`: the generic client (`_client`) and its authenticated httpx2
client (`_client._client`), built from the kubeconfig with its CA, client certificates and auth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from lightkube import AsyncClient
from lightkube.core.generic_client import ALL_NS


@dataclass(frozen=True)
class RawPage:
    items: list[Any]
    """lightkube resource instances, one per object (generic resources are dict subclasses)."""
    continue_token: str | None
    resource_version: str | None


def http_client(client: AsyncClient) -> httpx2.AsyncClient:
    """The authenticated httpx2 client lightkube sends every request with."""
    http = client._client._client
    if not isinstance(http, httpx2.AsyncClient):  # pragma: no cover - only when lightkube changes shape
        raise TypeError(f"lightkube's AsyncClient no longer holds an httpx2.AsyncClient (found {type(http)!r})")
    return http


def add_headers(client: AsyncClient, headers: list[tuple[str, str]]) -> None:
    """Send these headers (repeatable, e.g. Impersonate-Group) with every later request of `client`."""
    http = http_client(client)
    http.headers = httpx2.Headers([*http.headers.multi_items(), *headers])


async def list_page(
    client: AsyncClient, resource: Any, namespace: str | None, namespaced: bool, params: dict[str, Any],
) -> RawPage:
    """One page of a list (`params` carries limit, continue and the selectors; None values are dropped).

    `namespace=None` lists a namespaced kind across all namespaces.
    """
    generic: Any = client._client
    request = generic.prepare_request(
        "list", res=resource, namespace=namespace if namespace else (ALL_NS if namespaced else None),
        params={k: v for k, v in params.items() if v is not None},
    )
    response = await generic.send(generic.build_adapter_request(request))
    more, resource_version, items = generic.handle_response("list", response, request)
    token = request.params.get("continue") if more else None
    return RawPage(list(items), token or None, resource_version)
