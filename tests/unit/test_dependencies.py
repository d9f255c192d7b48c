"""Every third-party package the code imports is declared in pyproject.toml, and installed at or above
its declared lower bound."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Import name → distribution name, where they differ.
DISTRIBUTION = {"yaml": "pyyaml", "pydantic_core": "pydantic-core", "re2": "google-re2",
                "cel": "common-expression-language"}


def imported_packages(*folders: str) -> set[str]:
    names: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "flux_mcp"}


def declared() -> dict[str, str]:
    """distribution → lower bound, from [project] dependencies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in project["dependencies"]:
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        assert match, f"{requirement!r} has no lower bound"
        bounds[match.group(1).lower()] = match.group(2)
    return bounds


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def test_every_imported_package_is_declared() -> None:
    wanted = {DISTRIBUTION.get(name, name).lower() for name in imported_packages("flux_mcp", "toolhive")}

    assert sorted(wanted - set(declared())) == []


def test_the_installed_versions_meet_the_declared_lower_bounds() -> None:
    for distribution, bound in declared().items():
        installed = metadata.version(distribution)
        assert version_tuple(installed) >= version_tuple(bound), f"{distribution} {installed} < {bound}"
