"""The ToolHive registry entry (server.json, registry.json) is valid and cannot drift from the server."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from referencing import Registry, Resource

from tests.packaging.toolhive_generator import gen

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference"
SCHEMAS = REFERENCE / "schemas" / "toolhive"




def committed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "toolhive" / name).read_text())
    return data


def reference_schema(name: str) -> dict[str, Any]:
    if not SCHEMAS.is_dir():
        pytest.skip(f"reference schemas not present at {SCHEMAS}")
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return schema


def validation_errors(document: Any, schema: dict[str, Any], registry: Registry | None = None) -> list[str]:
    cls = validator_for(schema)
    validator = cls(schema, registry=registry or Registry(), format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def toolhive_extension(server_json: dict[str, Any]) -> dict[str, Any]:
    extension: dict[str, Any] = server_json["_meta"][gen.PUBLISHER_PROVIDED][gen.TOOLHIVE_PUBLISHER]
    return extension


# --- generated, not hand-edited ---------------------------------------------------------------


async def test_committed_files_are_exactly_what_the_generator_writes() -> None:
    files = await gen.generate()
    stale = [path.name for path, text in files.items() if not path.exists() or path.read_text() != text]
    assert not stale, f"{stale} out of date with the server: run `python toolhive/generate.py`"


async def test_generation_is_deterministic() -> None:
    assert await gen.generate() == await gen.generate()


async def test_tool_list_is_the_servers_tools_list() -> None:
    names, _ = await gen.list_tools()
    extension = toolhive_extension(committed("server.json"))[gen.image_ref()]
    assert extension["tools"] == names
    assert len(names) == len(set(names)) > 0


def test_environment_variables_cover_every_setting() -> None:
    from flux_mcp.settings import ENV_PREFIX, Settings

    names = [v["name"] for v in committed("server.json")["packages"][0]["environmentVariables"]]
    expected = ["KUBECONFIG" if f == "kubeconfig" else ENV_PREFIX + f.upper() for f in Settings.model_fields]
    assert names == expected


# --- shape ------------------------------------------------------------------------------------


def test_server_json_has_one_oci_stdio_package_keyed_by_the_image() -> None:
    server = committed("server.json")
    from flux_mcp import __version__

    assert server["version"] == __version__
    (package,) = server["packages"]
    assert package["registryType"] == "oci"
    assert package["identifier"] == gen.image_ref() == f"{gen.IMAGE_REPOSITORY}:{__version__}"
    assert package["transport"] == {"type": "stdio"}
    assert list(server["_meta"][gen.PUBLISHER_PROVIDED][gen.TOOLHIVE_PUBLISHER]) == [package["identifier"]]


def test_extension_declares_status_tags_permissions_and_args() -> None:
    extension = toolhive_extension(committed("server.json"))[gen.image_ref()]
    assert extension["status"] == "Active"
    assert extension["tier"] == "Community"
    assert {"flux", "kubernetes", "gitops"} <= set(extension["tags"])
    assert extension["permissions"] == {"network": {"outbound": {"allow_port": list(gen.API_SERVER_PORTS)}}}
    assert extension["args"] == ["serve"]


def test_registry_wraps_exactly_the_server_json() -> None:
    registry = committed("registry.json")
    assert registry["data"]["servers"] == [committed("server.json")]
    assert re.fullmatch(r"\d+\.\d+\.\d+", registry["version"])
    assert datetime.fromisoformat(registry["meta"]["last_updated"]).tzinfo is not None


# --- validation against ToolHive's schemas (../shared/reference) -------------------------------


def test_server_json_validates_against_the_upstream_server_schema() -> None:
    schema = reference_schema("server.schema.json")
    assert validation_errors(committed("server.json"), schema) == []


def test_toolhive_extension_validates_against_publisher_provided_schema() -> None:
    schema = reference_schema("publisher-provided.schema.json")
    publisher_provided = committed("server.json")["_meta"][gen.PUBLISHER_PROVIDED]
    assert validation_errors(publisher_provided, schema) == []


def test_registry_json_validates_against_the_upstream_registry_schema() -> None:
    server_schema = reference_schema("server.schema.json")
    registry_schema = reference_schema("upstream-registry.schema.json")
    local = Registry().with_resource(server_schema["$id"], Resource.from_contents(server_schema))
    assert validation_errors(committed("registry.json"), registry_schema, local) == []


def test_the_validators_do_reject_a_broken_entry() -> None:
    schema = reference_schema("publisher-provided.schema.json")
    broken = json.loads(json.dumps(committed("server.json")["_meta"][gen.PUBLISHER_PROVIDED]))
    entry = broken[gen.TOOLHIVE_PUBLISHER][gen.image_ref()]
    del entry["status"]
    entry["tags"] = ["Not A Tag"]
    assert len(validation_errors(broken, schema)) == 2
