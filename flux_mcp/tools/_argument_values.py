"""Argument values the schema cannot check: durations (`since`) and `grep` patterns."""

from __future__ import annotations

import re
from datetime import timedelta

from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.flux.pattern import PatternError, UserPattern, compile_pattern
from flux_mcp.flux.redaction import redact_text

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def compile_grep(pattern: str | None) -> UserPattern | None:
    """A case-insensitive RE2 pattern from a `grep` argument; a ToolError when it is invalid."""
    if not pattern:
        return None
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise ToolError(f"invalid grep regular expression {redact_text(pattern)!r}: {exc}") from exc


def parse_duration(text: str, argument: str = "since") -> timedelta:
    """`90s`, `10m`, `2h`, `1d`, `1h30m` → a timedelta; a ToolError naming `argument` for anything else."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ToolError(f"{argument}: empty duration; use forms like 30s, 10m, 2h, 1d or 1h30m")
    position, seconds = 0, 0.0
    for match in _DURATION.finditer(cleaned):
        if cleaned[position:match.start()].strip():
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise ToolError(f"{argument}: invalid duration {text!r}; use forms like 30s, 10m, 2h, 1d or 1h30m")
    return timedelta(seconds=seconds)
