"""The layering is checked, not only described: flux/ is pure, kube/ and ops/ know nothing of MCP or tools/.

Every import counts, including ones inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "flux_mcp"


def imports_of(folder: str) -> dict[str, set[str]]:
    """module path → the absolute names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                if node.module:
                    names.add(node.module)
        found[str(path.relative_to(PACKAGE.parent))] = names
    return found


# Pure computation, no I/O: RE2 is what makes redaction and grep linear-time by construction, and
# masking a Secret manifest embedded in a string needs a YAML parser (issue 11).
PURE_LIBRARIES = {"re2", "yaml"}


def test_flux_imports_only_itself_and_the_standard_library() -> None:
    offending = {
        module: sorted(n for n in names if not n.startswith("flux_mcp.flux")
                       and n.split(".")[0] not in sys.stdlib_module_names | {"__future__"} | PURE_LIBRARIES)
        for module, names in imports_of("flux").items()
    }

    assert {m: n for m, n in offending.items() if n} == {}


@pytest.mark.parametrize("layer", ["kube", "ops"])
def test_kube_and_ops_import_nothing_from_mcp_or_tools(layer: str) -> None:
    forbidden = ("mcp", "flux_mcp.tools", "flux_mcp.server", "flux_mcp.prompts", "flux_mcp.cli")
    offending = {
        module: sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))
        for module, names in imports_of(layer).items()
    }

    assert {m: n for m, n in offending.items() if n} == {}


def test_ops_does_not_reach_past_kube_into_http_libraries() -> None:
    offending = {
        module: sorted(n for n in names if n.split(".")[0] in {"lightkube", "httpx2", "msgspec"})
        for module, names in imports_of("ops").items()
    }

    assert {m: n for m, n in offending.items() if n} == {}
