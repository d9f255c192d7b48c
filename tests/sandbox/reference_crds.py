"""The real Flux CRDs from ../shared/reference/crds/flux (read, never copied), for the sandbox tests.

Tests that use them skip when the folder is absent (a user's fresh clone).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from flux_mcp.sandbox.discovery import Catalog, ResourceType
from flux_mcp.sandbox.errors import StatusError
from flux_mcp.sandbox.validation import admit

CRD_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "crds" / "flux"

Schemas = dict[tuple[str, str], dict[str, Any]]
"""(apiVersion, kind) → openAPIV3Schema of that served version."""


@cache
def _load() -> Schemas:
    schemas: Schemas = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schemas[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return schemas


def reference_schemas() -> Schemas:
    if not CRD_DIR.is_dir():
        pytest.skip("../shared/reference/crds/flux is not available")
    return _load()


def rejections(objects: list[dict[str, Any]], catalog: Catalog | None = None,
               old: dict[tuple[str, str, str], dict[str, Any]] | None = None) -> list[str]:
    """Why a real API server (fieldValidation=Strict) would refuse each object: the real CRD schemas
    and CEL rules for Flux kinds, the built-in kinds' validation for the rest. Empty when all pass."""
    schemas = reference_schemas()
    catalog = catalog or Catalog(operator=True)
    problems: list[str] = []
    for obj in objects:
        rt: ResourceType | None = catalog.by_api_version(obj["apiVersion"], obj["kind"])
        assert rt is not None, f"the sandbox does not serve {obj['apiVersion']} {obj['kind']}"
        schema = schemas.get((obj["apiVersion"], obj["kind"])) if rt.crd else None
        if rt.crd:
            assert schema is not None, f"no real CRD for {obj['apiVersion']} {obj['kind']}"
        meta = obj["metadata"]
        try:
            admit(rt, obj, None, schema, "Strict")
        except StatusError as exc:
            problems.append(f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}: {exc.code} {exc.message}")
    return problems
