"""The single output budget: every response fits in it, cut at an item boundary.

A model's context is the scarce resource. When a response would exceed the budget we keep
whole items (objects, lines, groups), stop, and say exactly which argument narrows the next
call, instead of cutting a YAML document in half.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_OUTPUT_LIMIT = 40_000
_MARKER_RESERVE = 400


@dataclass(frozen=True)
class Fitted:
    text: str
    shown: int
    total: int

    @property
    def truncated(self) -> bool:
        return self.shown < self.total


def truncation_marker(shown: int, total: int, limit: int, hint: str) -> str:
    unit = f"{shown} of {total} items" if total else "the text"
    narrow = f" To see the rest: {hint}." if hint else ""
    return f"… output truncated after {unit} (output limit {limit} characters).{narrow}"


def fit_items(
    items: Iterable[str], limit: int, hint: str = "", header: str = "", separator: str = "\n",
    *, total: int | None = None,
) -> Fitted:
    """Join rendered items under `header` until the next one would overflow `limit`.

    `items` may be a lazy iterable (with `total` given): items after the cut are never rendered,
    which is most of the work when a large list is cut early.
    """
    if total is None:
        items = items if isinstance(items, Sequence) else list(items)
        total = len(items)
    budget = max(limit - _MARKER_RESERVE, limit // 2)
    parts: list[str] = [header] if header else []
    used = len(header)
    shown = 0
    for item in items:
        cost = len(item) + len(separator)
        if used + cost > budget and shown > 0:
            break
        if used + cost > budget:
            # A single item larger than the whole budget is clipped rather than dropped.
            item = clip_text(item, budget - used, "").text
            cost = len(item)
        parts.append(item)
        used += cost
        shown += 1
    text = separator.join(parts)
    if shown < total:
        text = f"{text}{separator}{truncation_marker(shown, total, limit, hint)}"
    return Fitted(text, shown, total)


def clip_line(text: str, limit: int) -> str:
    """Cut a one-line text to at most `limit` characters, ending in `…` when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_text(text: str, limit: int, hint: str = "") -> Fitted:
    """Cut a long text at the last line break before `limit` and say so."""
    if len(text) <= limit:
        return Fitted(text, 1, 1)
    budget = max(limit - _MARKER_RESERVE, limit // 2, 0)
    cut = text.rfind("\n", 0, budget)
    head = text[: cut if cut > 0 else budget]
    return Fitted(f"{head}\n{truncation_marker(0, 0, limit, hint)}", 0, 1)
