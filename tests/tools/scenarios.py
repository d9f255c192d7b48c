"""Named builders and constants the tool tests share: objects, paths and the fleet's API groups."""

from __future__ import annotations

from typing import Any

from flux_mcp.sandbox import Sandbox

OUTPUT_LIMIT = 40_000
KS_GROUP = "kustomize.toolkit.fluxcd.io"


def live(sandbox: Sandbox, group: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
    return sandbox.store.find_kind(group, kind, namespace, name)


def annotations_of(obj: dict[str, Any] | None) -> dict[str, str]:
    assert obj is not None
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def is_dry_run(record: Any) -> bool:
    return record.query.get("dryRun") == "All"


def config_map(name: str, namespace: str = "default", labels: dict[str, str] | None = None,
               data: dict[str, str] | None = None, finalizers: list[str] | None = None) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}", f"  namespace: {namespace}"]
    if labels:
        lines += ["  labels:", *(f"    {k}: {v}" for k, v in labels.items())]
    if finalizers:
        lines += ["  finalizers:", *(f"  - {f}" for f in finalizers)]
    lines += ["data:", *(f"  {k}: {v!r}" for k, v in (data or {"greeting": "hello"}).items())]
    return "\n".join(lines) + "\n"
