"""The lightkube internals we rely on, in one place; tests/unit/test_lightkube_internals.py pins them.

lightkube's public surface has no per-page list (its `list()` follows every continue token), no
logs of a previous container with a byte limit, no raw GET of an aggregated API, and no way to
add request headers (impersonation) after the client is built. Each of those uses what lightkube
keeps behind its `AsyncClient`: its authenticated httpx2 client (`_client._client`), built from
the kubeconfig with its CA, client certificates and auth.
"""

from __future__ import annotations

import httpx2
from lightkube import AsyncClient


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
