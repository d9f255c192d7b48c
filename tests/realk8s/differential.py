"""Compare what our tools answer on the sandbox with what they answer on a real API server holding
the same objects: both answers normalised (UIDs, resourceVersions, times, ages, server addresses,
continue tokens), then diffed line by line."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from tests.realk8s.tools import Answer

_NORMALISERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uid>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"""(resourceVersion["']?\s*[:=]\s*)["']?\d+["']?"""), r"\1<rv>"),
    (re.compile(r"https?://127\.0\.0\.1:\d+"), "<server>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "<server>"),
    (re.compile(r"""(continue(?:_token)?["']?\s*[:=]\s*)["']?[A-Za-z0-9_=:.+/-]{8,}["']?"""), r"\1<token>"),
    # Ages and durations since a time the copy could not keep (creationTimestamp is the server's).
    (re.compile(r"\b\d+(?:\.\d+)?(?:ms|s|m|h|d)(?:\d+(?:ms|s|m|h))*(?= ago\b)"), "<age>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _NORMALISERS:
        text = pattern.sub(replacement, text)
    return text


def rendered(answer: Answer) -> str:
    structured = json.dumps(answer.structured, indent=1, sort_keys=True, default=str) if answer.structured else ""
    return normalise(f"is_error={answer.is_error}\n{answer.text}\n--- structured\n{structured}")


@dataclass(frozen=True)
class Difference:
    call: str
    diff: str

    def summary(self, lines: int = 40) -> str:
        body = self.diff.splitlines()
        more = f"\n  … {len(body) - lines} more diff lines" if len(body) > lines else ""
        return f"== {self.call}\n" + "\n".join(body[:lines]) + more


def compare(call: str, sandbox: Answer, real: Answer) -> Difference | None:
    left, right = rendered(sandbox), rendered(real)
    if left == right:
        return None
    diff = "\n".join(difflib.unified_diff(left.splitlines(), right.splitlines(), "sandbox", "real", n=1,
                                          lineterm=""))
    return Difference(call, diff)


def call_label(tool: str, arguments: dict[str, Any]) -> str:
    return f"{tool} {json.dumps(arguments, sort_keys=True)}"
