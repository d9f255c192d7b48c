"""Outcome tallies shared by the reliability tests and printed at the end of the run."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Tally:
    tried: int = 0
    passed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    """How the passing cases passed (e.g. "ok after retry", "clear ToolError")."""
    failures: list[str] = field(default_factory=list)

    def add(self, ok: bool, note: str = "", outcome: str = "") -> None:
        self.tried += 1
        if ok:
            self.passed += 1
            if outcome:
                self.outcomes[outcome] += 1
        elif note:
            self.failures.append(note)


class Summary:
    """section -> row -> Tally, in insertion order."""

    def __init__(self) -> None:
        self.sections: dict[str, dict[str, Tally]] = defaultdict(dict)

    def tally(self, section: str, row: str) -> Tally:
        rows = self.sections[section]
        if row not in rows:
            rows[row] = Tally()
        return rows[row]

    def record(self, section: str, row: str, ok: bool, note: str = "", *, outcome: str = "") -> None:
        self.tally(section, row).add(ok, note, outcome)

    def render(self) -> list[str]:
        lines: list[str] = []
        for section, rows in self.sections.items():
            if not rows:
                continue
            labels = list(dict.fromkeys(label for t in rows.values() for label in t.outcomes))
            width = max(len(r) for r in [*rows, "TOTAL"]) + 2
            columns = ["tried", "passed", *labels]
            widths = [max(len(c) + 2, 8) for c in columns]

            def row_line(name: str, values: list[int], width: int = width, widths: list[int] = widths) -> str:
                return f"  {name:<{width}}" + "".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True))

            lines += ["", section, f"  {'case':<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths,
                                                                                                  strict=True))]
            total = [0] * len(columns)
            for name, t in rows.items():
                values = [t.tried, t.passed, *(t.outcomes[label] for label in labels)]
                total = [a + b for a, b in zip(total, values, strict=True)]
                lines.append(row_line(name, values))
            lines.append(row_line("TOTAL", total))
            failures = [f for t in rows.values() for f in t.failures]
            for failure in failures[:20]:
                lines.append(f"    ✗ {failure[:400]}")
            if len(failures) > 20:
                lines.append(f"    … and {len(failures) - 20} more failures")
        return lines


SUMMARY = Summary()
