"""The `fields` JSONPath subset: what kubectl users type works, anything else is a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.tools._fieldpath import parse_field_path

KUSTOMIZATION: dict[str, Any] = {
    "metadata": {"name": "apps", "labels": {"app.kubernetes.io/name": "apps"}},
    "spec": {"dependsOn": [{"name": "infra-configs"}, {"name": "infra-controllers"}], "path": "./apps"},
    "status": {"conditions": [
        {"type": "Reconciling", "status": "False"},
        {"type": "Ready", "status": "False", "reason": "DependencyNotReady", "observedGeneration": 3},
    ]},
}


@pytest.mark.parametrize("expression, value", [
    (".spec.path", "./apps"),
    ("spec.path", "./apps"),
    ("{.spec.path}", "./apps"),
    ("$.spec.path", "./apps"),
    (".spec.dependsOn[0].name", "infra-configs"),
    (".spec.dependsOn[-1].name", "infra-controllers"),
    (".spec.dependsOn[*].name", ["infra-configs", "infra-controllers"]),
    ('.status.conditions[?(@.type=="Ready")].reason', "DependencyNotReady"),
    (".status.conditions[?(@.type=='Ready')].status", "False"),
    ('.status.conditions[?(@.type!="Ready")].type', "Reconciling"),
    (".status.conditions[?(@.observedGeneration==3)].type", "Ready"),
    (".metadata.labels['app.kubernetes.io/name']", "apps"),
    (".spec.missing", None),
    (".spec.dependsOn[7].name", None),
    ('.status.conditions[?(@.type=="Stalled")].reason', None),
])
def test_supported_expressions_select_values(expression: str, value: Any) -> None:
    assert parse_field_path(expression).select(KUSTOMIZATION) == value


@pytest.mark.parametrize("expression", ["..name", ".spec[", ".a[1:3]", "", ".spec.path | length",
                                        ".a[?(@.x > 1)]", "." + "a" * 400])
def test_unsupported_expressions_are_clear_errors(expression: str) -> None:
    with pytest.raises(ToolError) as raised:
        parse_field_path(expression)

    message = str(raised.value)
    assert "field expression" in message
