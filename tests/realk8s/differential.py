"""Compare what our tools answer on the sandbox with what they answer on a real API server holding
the same objects: both answers normalised (UIDs, resourceVersions, times, ages, server addresses,
continue tokens), then diffed line by line."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from tests.realk8s.tools import Answer

_NORMALISERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uid>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"""(resource_?[vV]ersion["']?\s*[:= ]\s*)["']?\d+["']?(?: → \d+)?"""), r"\1<rv>"),
    (re.compile(r"https?://127\.0\.0\.1:\d+"), "<server>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "<server>"),
    (re.compile(r"""(continue(?:_token)?["']?\s*[:=]\s*)["']?[A-Za-z0-9_=:.+/-]{8,}["']?"""), r"\1<token>"),
    # Ages (table AGE columns, "5m ago"): the copy cannot keep creationTimestamp, the server sets
    # it. Every duration is replaced on both sides alike, so equal messages stay equal.
    (re.compile(r"\b\d+(?:\.\d+)?(?:ms|s|m|h|d|y)(?:\d+(?:ms|s|m|h|d))*\b"), "<age>"),
    # Time spent by the call.
    (re.compile(r'("\w*(?:duration|elapsed|seconds)\w*": )\d+(?:\.\d+)?'), r"\1<n>"),
    # Table columns are padded to their widest value, which the ages above change.
    (re.compile(r"(?<=\S)[ \t]{2,}"), " "),
]


def normalise(text: str) -> str:
    for pattern, replacement in _NORMALISERS:
        text = pattern.sub(replacement, text)
    return text


_BARE_MASKED_KEY = re.compile(r"^(\s*(?:- )?)\*\*\*\*:", re.M)


def _key_order_free(text: str) -> str:
    """YAML text re-dumped with sorted keys: a real server returns custom resources with their keys
    sorted (Go encodes maps that way) and built-ins in struct order, the sandbox as stored; the order
    carries no meaning. Comment lines (our headers) are kept; text that is not YAML documents of
    mappings or lists is kept as it is."""
    comments = [line for line in text.splitlines() if line.startswith("#")]
    # Our redaction can leave a bare `****:` mapping key (a YAML alias, so unparseable): quote it.
    quoted = _BARE_MASKED_KEY.sub(r"\1'****':", text)
    try:
        documents = [doc for doc in yaml.safe_load_all(quoted) if doc is not None]
    except yaml.YAMLError:
        return text
    if not documents or not all(isinstance(doc, dict | list) for doc in documents):
        return text
    return "\n".join([*comments, yaml.safe_dump_all(documents, sort_keys=True, width=1000)])


def rendered(answer: Answer) -> str:
    structured = json.dumps(answer.structured, indent=1, sort_keys=True, default=str) if answer.structured else ""
    return normalise(f"is_error={answer.is_error}\n{_key_order_free(answer.text)}\n--- structured\n{structured}")


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


@dataclass(frozen=True)
class Known:
    """A difference we know: `pattern` matches the call label; a sandbox bug must still reproduce
    (fixing it makes the test ask for the entry to go), an allowed one is by design."""

    pattern: str
    sandbox_bug: bool
    reason: str

    def matches(self, call: str) -> bool:
        return re.search(self.pattern, call) is not None


def missing_from(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where `actual` lacks or contradicts what `expected` holds: every field of a mapping must be
    there with an equal value; lists must match item by item. Fields only `actual` has are ignored
    (a real server fills defaults the sandbox does not: a known difference of its own)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: only on the sandbox ({json.dumps(value)[:80]})")
            else:
                found += missing_from(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items on the sandbox, {len(actual)} on the real server"]
        return [line for i, (left, right) in enumerate(zip(expected, actual, strict=True))
                for line in missing_from(left, right, f"{path}[{i}]")]
    if expected != actual:
        return [f"{path}: sandbox {json.dumps(expected)[:80]}, real {json.dumps(actual)[:80]}"]
    return []
