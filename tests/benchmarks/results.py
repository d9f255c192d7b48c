"""The benchmark's answer: rows with ours/theirs ratios, a printed table and a JSON document."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Row:
    section: str
    metric: str
    unit: str
    ours: float | None
    theirs: float | None = None
    theirs_label: str = ""
    budget: float | None = None
    """Ours must be at most this (same unit); None when the design sets no budget."""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.theirs is None or self.theirs == 0:
            return None
        return self.ours / self.theirs

    @property
    def verdict(self) -> str:
        if self.budget is None or self.ours is None:
            return ""
        return "ok" if self.ours <= self.budget else "OVER"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["verdict"] = self.verdict
        return data


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)
        # Sections run in the order that needs the fewest sandboxes; the table reads in issue order.
        self.rows.sort(key=lambda row: row.section)

    def write_json(self, path: Path) -> None:
        document = {
            "meta": self.meta,
            "rows": [row.as_json() for row in self.rows],
            "skipped": self.skipped,
            "details": self.details,
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")

    def table(self) -> str:
        headers = ("#", "metric", "unit", "ours", "theirs", "ours/theirs", "budget", "")
        lines = [headers]
        for row in self.rows:
            budget = "" if row.budget is None else f"≤ {_fmt(row.budget)}"
            theirs = _fmt(row.theirs)
            if row.theirs is not None and row.theirs_label:
                theirs = f"{theirs} ({row.theirs_label})"
            ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
            lines.append((row.section, row.metric, row.unit, _fmt(row.ours), theirs, ratio, budget, row.verdict))
        widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
        rendered = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
        rendered.insert(1, "-+-".join("-" * w for w in widths))
        notes = [f"  [{row.section}] {row.metric}: {row.note}" for row in self.rows if row.note]
        skipped = [f"  skipped: {reason}" for reason in self.skipped]
        return "\n".join(rendered + (["", "notes:", *notes] if notes else []) + skipped)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"
