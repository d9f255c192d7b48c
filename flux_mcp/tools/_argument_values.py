"""Argument values the schema cannot check: `grep` patterns."""

from __future__ import annotations

import re

from mcp.server.mcpserver.exceptions import ToolError


def compile_grep(pattern: str | None) -> re.Pattern[str] | None:
    """A case-insensitive regular expression from a `grep` argument; a ToolError when it is invalid."""
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ToolError(f"invalid grep regular expression {pattern!r}: {exc}") from exc
