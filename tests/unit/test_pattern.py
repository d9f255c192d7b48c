"""User patterns (grep) on RE2: Go semantics, case-insensitive by default, no backtracking."""

from __future__ import annotations

import pytest

from flux_mcp.flux.pattern import MAX_PATTERN, PatternError, compile_pattern


def test_patterns_are_case_insensitive_unless_they_say_otherwise() -> None:
    assert compile_pattern("error|fail").search("Reconciliation FAILED")
    assert not compile_pattern("(?-i:FAIL)").search("failed")


def test_a_catastrophic_pattern_answers_at_once_on_a_long_line() -> None:
    # RE2 runs ([a-z]+ ?)+QQ as an automaton: one pass, whatever the line.
    assert not compile_pattern("([a-z]+ ?)+QQ").search("a" * 100_000 + "!")


@pytest.mark.parametrize("pattern", ["(?=token)", "(?<=a)b", "(a)\\1"])
def test_backtracking_features_are_refused_with_the_reason(pattern: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert "\n" not in str(caught.value)


def test_an_overlong_pattern_is_refused() -> None:
    with pytest.raises(PatternError, match="at most"):
        compile_pattern("a" * (MAX_PATTERN + 1))
