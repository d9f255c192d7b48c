"""toolhive/tenant: the read-only tenant Role parses, is namespaced, reads every Flux kind of the
catalogue and nothing cluster-wide, never writes or reads Secrets, and its binding names it. The
realk8s tier serves a tenant identity bound to it on a real API server (test_tenants.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from flux_mcp.flux.kinds import FLUX_KINDS

TENANT_ROLE = Path(__file__).resolve().parents[2] / "toolhive" / "tenant" / "role-tenant-read.yaml"


def documents() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(TENANT_ROLE.read_text())}


def test_the_tenant_role_and_binding_parse_and_live_in_one_namespace() -> None:
    docs = documents()
    assert set(docs) == {"Role", "RoleBinding"}
    role, binding = docs["Role"], docs["RoleBinding"]
    assert role["apiVersion"] == binding["apiVersion"] == "rbac.authorization.k8s.io/v1"
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": role["metadata"]["name"]}
    assert binding["subjects"] and all(s["kind"] in ("User", "Group", "ServiceAccount") for s in binding["subjects"])


def test_the_tenant_role_reads_every_flux_kind_and_never_writes_or_reads_secrets() -> None:
    granted: dict[str, set[str]] = defaultdict(set)
    for rule in documents()["Role"]["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}
        assert set(rule["verbs"]) == {"get", "list"}
        assert "*" not in rule["apiGroups"] and "*" not in rule["resources"] and "secrets" not in rule["resources"]
        for group in rule["apiGroups"]:
            granted[group].update(rule["resources"])
    for kind in FLUX_KINDS:
        assert kind.plural in granted[kind.group], f"{kind.kind} not readable by the tenant Role"
