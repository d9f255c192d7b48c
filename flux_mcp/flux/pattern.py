"""User-supplied regular expressions (`grep`), on a linear-time engine.

RE2 is what the official Go server and Flux itself use (Go's `regexp` has RE2 semantics), and
its automata never backtrack: `([a-z]+ ?)+QQ`, which keeps Python's `re` busy for minutes on
one event message, costs RE2 a single scan. Features that need backtracking (lookaround,
backreferences) are refused with one line saying so, as Go refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re2

MAX_PATTERN = 500
_MAX_PROGRAM_MEMORY = 8 << 20
"""RE2 gives up (an error, not a stall) on patterns whose automaton would exceed this."""


class PatternError(ValueError):
    """A pattern RE2 cannot run; the message is one line for a model."""


@dataclass(frozen=True)
class UserPattern:
    source: str
    _compiled: Any

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


def compile_pattern(source: str, ignore_case: bool = True) -> UserPattern:
    """Compile a user pattern with RE2 semantics (case-insensitive unless it says `(?-i:...)`)."""
    if len(source) > MAX_PATTERN:
        raise PatternError(f"the pattern is {len(source)} characters long; at most {MAX_PATTERN} are accepted")
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.max_mem = _MAX_PROGRAM_MEMORY
    try:
        compiled = re2.compile(source, options=options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "invalid perl operator" in reason or ("invalid escape sequence: \\" in reason and any(
            c in source for c in ("\\1", "\\2", "\\3", "\\k")
        )):
            reason += " (lookaround and backreferences need backtracking; RE2/Go syntax has neither)"
        raise PatternError(reason) from exc
    return UserPattern(source, compiled)
