"""Write toolhive/server.json and toolhive/registry.json from the real server.

Run from the repository root after any change to the tools, their descriptions or the options:

    python toolhive/generate.py            # rewrite both files
    python toolhive/generate.py --check    # exit 1 when a committed file is stale

The tool list comes from the server's own `tools/list` (an in-process MCP client), the
environment variables from the `Settings` model, name/description/version from pyproject.toml
and `flux_mcp.__version__`. The output is deterministic: same code, same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

ROOT = Path(__file__).resolve().parents[1]
TOOLHIVE_DIR = ROOT / "toolhive"
SERVER_JSON = TOOLHIVE_DIR / "server.json"
REGISTRY_JSON = TOOLHIVE_DIR / "registry.json"

if str(ROOT) not in sys.path:  # `python toolhive/generate.py` puts toolhive/, not the root, on the path
    sys.path.insert(0, str(ROOT))

SERVER_NAME = "io.github.fluxcd-mcp/fluxcd-mcp"
REPOSITORY_URL = "https://github.com/fluxcd-mcp/fluxcd-mcp"
IMAGE_REPOSITORY = "ghcr.io/fluxcd-mcp/fluxcd-mcp"
SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
REGISTRY_SCHEMA_URL = (
    "https://raw.githubusercontent.com/stacklok/toolhive-core/main/registry/types/data/upstream-registry.schema.json"
)
REGISTRY_FORMAT_VERSION = "1.0.0"
PUBLISHER_PROVIDED = "io.modelcontextprotocol.registry/publisher-provided"
TOOLHIVE_PUBLISHER = "io.github.stacklok"
# Release date of this version: part of the registry metadata, changed with the version (not "now",
# so that regenerating is reproducible).
LAST_UPDATED = "2026-11-25T00:00:00Z"
# The Kubernetes API server answers on 443 (managed clusters, the in-cluster service) or 6443
# (kubeadm, k3s, kind). Nothing else is contacted.
API_SERVER_PORTS = (443, 6443)
TAGS = ("flux", "fluxcd", "gitops", "kubernetes", "helm", "kustomize", "troubleshooting", "root-cause")
KUBECONFIG_IN_CONTAINER = "/kube/config"


def image_ref() -> str:
    """The one image reference: repository + the package version (Containerfile, manifests, docs)."""
    from flux_mcp import __version__

    return f"{IMAGE_REPOSITORY}:{__version__}"


def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project: dict[str, Any] = tomllib.load(f)["project"]
    return project


async def list_tools() -> tuple[list[str], dict[str, str]]:
    """Tool names from tools/list of the full (read-write) server via an in-process client, plus its
    title and instructions."""
    from mcp import Client

    from flux_mcp.server import build_server
    from flux_mcp.settings import Settings

    server = build_server(Settings())  # read-write: every tool the image can offer
    names: list[str] = []
    async with Client(server) as client:
        info = client.session.server_info if hasattr(client.session, "server_info") else None
        cursor: str | None = None
        while True:
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            names.extend(tool.name for tool in page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
    meta = {
        "title": getattr(info, "title", None) or "Flux CD",
        "instructions": getattr(server, "instructions", None) or "",
    }
    return sorted(names), meta


def _environment_variables() -> list[dict[str, Any]]:
    """One entry per Settings field: KUBECONFIG for the kubeconfig, FLUX_MCP_<NAME> for the rest."""
    from pydantic_core import PydanticUndefined

    from flux_mcp.settings import ENV_PREFIX, Settings

    entries: list[dict[str, Any]] = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        description = field.description or ""
        entry: dict[str, Any] = {"name": ENV_PREFIX + name.upper()}
        if name == "kubeconfig":
            entry["name"] = "KUBECONFIG"
            description += (
                f" In the container: mount your kubeconfig read-only at {KUBECONFIG_IN_CONTAINER} and set "
                f"KUBECONFIG={KUBECONFIG_IN_CONTAINER}. Unset in a pod: the service account is used."
            )
        entry["description"] = description
        if annotation is bool:
            entry["format"] = "boolean"
        elif annotation in (int, float):
            entry["format"] = "number"
        elif name in ("kubeconfig", "audit_log"):
            entry["format"] = "filepath"
        if get_origin(annotation) is Literal:
            entry["choices"] = [str(choice) for choice in get_args(annotation)]
        default = field.default
        if default is not PydanticUndefined and default is not None and default != ():
            if isinstance(default, bool):
                entry["default"] = "true" if default else "false"
            elif isinstance(default, float) and default.is_integer():
                entry["default"] = str(int(default))
            else:
                entry["default"] = str(default)
        # No option carries a credential: the kubeconfig is a mounted file, never an env value.
        entry["isRequired"] = False
        entry["isSecret"] = False
        entries.append(entry)
    return entries


def build_server_json(tools: list[str], meta: dict[str, str]) -> dict[str, Any]:
    from flux_mcp import __version__

    project = _project()
    image = image_ref()
    extension: dict[str, Any] = {
        "status": "Active",
        "tier": "Community",
        "tags": list(TAGS),
        "tools": tools,
        "overview": f"# {meta['title']} (fluxcd-mcp)\n\n{meta['instructions']}".rstrip() + "\n",
        "permissions": {"network": {"outbound": {"allow_port": list(API_SERVER_PORTS)}}},
        "args": ["serve"],
        "docker_tags": [__version__],
        "metadata": {"last_updated": LAST_UPDATED},
        "custom_metadata": {
            "license": project["license"],
            "homepage": REPOSITORY_URL,
            "author": "fluxcd-mcp authors",
        },
    }
    return {
        "$schema": SERVER_SCHEMA_URL,
        "name": SERVER_NAME,
        "title": meta["title"],
        "description": project["description"],
        "repository": {"url": REPOSITORY_URL, "source": "github"},
        "version": __version__,
        "websiteUrl": f"{REPOSITORY_URL}/tree/main/toolhive",
        "packages": [
            {
                "registryType": "oci",
                "identifier": image,
                "transport": {"type": "stdio"},
                "environmentVariables": _environment_variables(),
            }
        ],
        "_meta": {PUBLISHER_PROVIDED: {TOOLHIVE_PUBLISHER: {image: extension}}},
    }


def build_registry_json(server_json: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": REGISTRY_SCHEMA_URL,
        "version": REGISTRY_FORMAT_VERSION,
        "meta": {"last_updated": LAST_UPDATED},
        "data": {"servers": [server_json]},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


async def generate() -> dict[Path, str]:
    """The exact text of every generated file, keyed by path."""
    tools, meta = await list_tools()
    server_json = build_server_json(tools, meta)
    return {SERVER_JSON: render(server_json), REGISTRY_JSON: render(build_registry_json(server_json))}


def main(argv: list[str] | None = None) -> int:
    import anyio

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file differs")
    args = parser.parse_args(argv)
    files = anyio.run(generate)
    stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run python toolhive/generate.py)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
