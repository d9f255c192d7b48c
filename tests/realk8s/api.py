"""A small JSON client of the real API server for the harness and the tests' own checks (our tools
are always called through the MCP server, never through this)."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        return str(self.body.get("message") or self.body)


class ApiClient:
    def __init__(self, server: str, ca_cert: Path | None, token: str) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self._context = ssl.create_default_context(cafile=str(ca_cert)) if ca_cert else None
        # Loopback only: never through a proxy from the environment.
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if self._context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self._context))
        self._opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, path: str, body: Any = None, content_type: str = "application/json",
                query: dict[str, str] | None = None, timeout: float = 30, accept: str = "application/json") -> Response:
        url = self.server + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", accept)
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                return Response(resp.status, _decode(resp.read()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, _decode(exc.read()))

    def get(self, path: str, **query: str) -> Response:
        return self.request("GET", path, query=query or None)

    def must(self, method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, body, **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {response.message}")
        return response.body

    def create(self, collection: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self.must("POST", collection, obj, query={"fieldValidation": "Strict"})

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 60, interval: float = 0.25) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)


def _decode(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        return {"message": raw.decode(errors="replace")[:500]}
    return decoded if isinstance(decoded, dict) else {"items": decoded}


def collection_path(api_version: str, plural: str, namespace: str | None) -> str:
    prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    return f"{prefix}/namespaces/{namespace}/{plural}" if namespace else f"{prefix}/{plural}"


def delete_namespaces(api: ApiClient, *names: str, timeout: float = 60) -> None:
    """Delete namespaces a test module created and wait until they are gone (kube-controller-manager's
    namespace controller empties them), so tests sharing the control plane do not see their objects."""
    for name in names:
        api.request("DELETE", f"/api/v1/namespaces/{name}")
    api.wait_for(f"namespaces {', '.join(names)} to be gone",
                 lambda: all(api.get(f"/api/v1/namespaces/{name}").status == 404 for name in names), timeout=timeout)
