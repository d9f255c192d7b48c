"""Argument values the schema cannot check: `grep` patterns."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.flux.pattern import PatternError, UserPattern, compile_pattern
from flux_mcp.flux.redaction import redact_text


def compile_grep(pattern: str | None) -> UserPattern | None:
    """A case-insensitive RE2 pattern from a `grep` argument; a ToolError when it is invalid."""
    if not pattern:
        return None
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise ToolError(f"invalid grep regular expression {redact_text(pattern)!r}: {exc}") from exc
