"""Shared by apply/patch/delete_kubernetes_resource: their arguments and the bound on what a payload expands to."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

OverwriteArg = Annotated[
    bool,
    Field(description="Act even on an object Flux manages (Flux will revert it); apply also forces conflicts."),
]
DryRunArg = Annotated[
    bool,
    Field(description="Validate on the server without persisting (dryRun=All)."),
]


MAX_EXPANDED_VALUES = 1_000_000
"""YAML aliases let a few hundred characters expand to billions of values ("billion laughs"):
like go-yaml's excessive-aliasing check, a payload may hold at most this many values once expanded."""


def check_expansion(value: Any, what: str, budget: int = MAX_EXPANDED_VALUES) -> int:
    """Count the values of a parsed YAML/JSON payload, aliases expanded, within `budget`.

    Returns the budget left (share it across the documents of one stream); raises a ToolError as
    soon as it runs out, so the cost of the check itself stays bounded.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise ToolError(
                f"{what} expands to more than {MAX_EXPANDED_VALUES:,} values (YAML anchors/aliases that refer to "
                "aliases?); write the values out or split the payload."
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return budget
