"""The emulated cluster each measurement runs against, and a census of its Flux objects.

The census talks to the sandbox over its public HTTP API (discovery, then one list per Flux
kind), so it depends on nothing but the Kubernetes API shape and the kinds catalogue.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flux_mcp.flux.kinds import FLUX_KINDS
from flux_mcp.flux.status import evaluate_status
from flux_mcp.sandbox import Sandbox, SandboxOptions

ACCESS_ALLOWED = json.dumps(
    {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {},
     "spec": {}, "status": {"allowed": True}}
)


@dataclass(frozen=True)
class FluxObject:
    api_version: str
    kind: str
    namespace: str
    name: str
    state: str


@dataclass(frozen=True)
class Census:
    objects: list[FluxObject]

    def count(self, kind: str | None = None) -> int:
        return sum(1 for o in self.objects if kind is None or o.kind == kind)

    def not_ready(self) -> list[FluxObject]:
        return [o for o in self.objects if o.state != "ready"]


def _get_json(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # loopback only: the sandbox URL
            body: dict[str, Any] = json.load(response)
            return body
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def take_census(base_url: str) -> Census:
    objects: list[FluxObject] = []
    preferred: dict[str, str | None] = {}
    for kind in FLUX_KINDS:
        if kind.group not in preferred:
            group = _get_json(f"{base_url}/apis/{kind.group}")
            preferred[kind.group] = group["preferredVersion"]["groupVersion"] if group else None
        group_version = preferred[kind.group]
        if group_version is None:
            continue
        listing = _get_json(f"{base_url}/apis/{group_version}/{kind.plural}")
        for item in (listing or {}).get("items", []):
            meta = item.get("metadata", {})
            item.setdefault("apiVersion", group_version)
            item.setdefault("kind", kind.kind)
            objects.append(
                FluxObject(
                    api_version=group_version, kind=kind.kind, namespace=meta.get("namespace", ""),
                    name=meta.get("name", ""), state=evaluate_status(item).state,
                )
            )
    return Census(objects)


@contextmanager
def running_sandbox(scale: int, workdir: Path) -> Iterator[tuple[Sandbox, Path]]:
    """A started sandbox (operator present) and a kubeconfig file for it."""
    sandbox = Sandbox(SandboxOptions(scale=scale, operator=True))
    sandbox.start()
    # client-go (the Go server) posts its SelfSubjectAccessReview as protobuf, which the sandbox
    # cannot decode (400); the Go server then silently lists only the kubeconfig's namespace.
    # Answer the review as an RBAC-free API server would, so both servers list all namespaces.
    sandbox.inject_fault(method="POST", path=r"/selfsubjectaccessreviews$", status=201, body=ACCESS_ALLOWED)
    kubeconfig = workdir / f"kubeconfig-scale-{scale}.yaml"
    sandbox.write_kubeconfig(kubeconfig)
    try:
        yield sandbox, kubeconfig
    finally:
        sandbox.stop()
