"""Client configurations, the permission profile and the docs agree with the server and the image."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for

from flux_mcp.settings import ENV_PREFIX, Settings
from tests.packaging.toolhive_generator import gen

REPO = Path(__file__).resolve().parents[2]
TOOLHIVE = REPO / "toolhive"
SCHEMAS = REPO / ".." / "shared" / "reference" / "schemas" / "toolhive"




def read_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TOOLHIVE / name).read_text())
    return data


def known_env_vars() -> set[str]:
    return {"KUBECONFIG"} | {ENV_PREFIX + name.upper() for name in Settings.model_fields}


def test_claude_desktop_spawns_the_console_script_with_a_kubeconfig() -> None:
    (server,) = read_json("claude_desktop_config.json")["mcpServers"].values()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert server["command"] in scripts
    assert "KUBECONFIG" in server["env"] and set(server["env"]) <= known_env_vars()
    assert Path(server["env"]["KUBECONFIG"]).is_absolute()  # Claude Desktop expands neither ~ nor $HOME


def test_thv_proxy_config_bridges_the_workload_readme_starts() -> None:
    (server,) = read_json("claude_desktop_config.thv-proxy.json")["mcpServers"].values()
    assert server["command"] == "thv"
    verb, mode, workload = server["args"]
    assert (verb, mode) == ("proxy", "stdio")
    assert f"--name {workload}" in (TOOLHIVE / "README.md").read_text()


def test_permission_profile_allows_only_the_api_server_ports() -> None:
    profile = read_json("permission-profile.json")
    outbound = profile["network"]["outbound"]
    assert outbound["allow_port"] == list(gen.API_SERVER_PORTS)
    assert outbound["insecure_allow_all"] is False
    assert profile["write"] == [] and profile["privileged"] is False
    extension = read_json("server.json")["_meta"][gen.PUBLISHER_PROVIDED][gen.TOOLHIVE_PUBLISHER][gen.image_ref()]
    assert extension["permissions"]["network"]["outbound"]["allow_port"] == outbound["allow_port"]


def test_permission_profile_fits_toolhives_permissions_schema() -> None:
    if not SCHEMAS.is_dir():
        pytest.skip(f"reference schemas not present at {SCHEMAS}")
    schema = json.loads((SCHEMAS / "publisher-provided.schema.json").read_text())
    permissions = {"$ref": "#/$defs/permissions", "$defs": schema["$defs"]}
    cls = validator_for(schema)
    errors = [e.message for e in cls(permissions).iter_errors(read_json("permission-profile.json"))]
    assert errors == []


def test_every_image_reference_in_the_packaging_is_the_one_constant() -> None:
    pattern = re.compile(re.escape(gen.IMAGE_REPOSITORY) + r"(:[\w.-]+)?")
    files = [REPO / "Containerfile", *sorted(p for p in TOOLHIVE.rglob("*") if p.suffix in (".md", ".yaml", ".json"))]
    seen = 0
    for path in files:
        for match in pattern.finditer(path.read_text()):
            seen += 1
            assert match.group(0) == gen.image_ref(), f"{path.relative_to(REPO)}: {match.group(0)}"
    assert seen >= 4


def test_readme_documents_each_way_to_run() -> None:
    readme = (TOOLHIVE / "README.md").read_text()
    for needle in (
        "thv run",
        "--read-only",
        "127.0.0.1",
        "exec",
        "/mcp",
        "tools/list",
        "LiteLLM",
        "kubectl apply -k",
        "permission-profile.json",
    ):
        assert needle in readme, needle
