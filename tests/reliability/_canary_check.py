"""The canary checker: does a text hold any canary secret, whole, base64-encoded, or as any fragment?

A fragment is any run of FRAGMENT characters of a secret: a cut that leaves half a token, a
table cell, a `message[:500]`, a grep that confirms a prefix all show up as one. Secrets are
random-looking and unique (see flux_mcp.sandbox.canaries), so a fragment never occurs by chance.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field

FRAGMENT = 8


@dataclass
class Finding:
    full: set[str] = field(default_factory=set)
    fragments: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.full or self.fragments)


class CanaryChecker:
    """Built once from {label: secret}; `scan(text)` names the canaries found whole and in part."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.whole: dict[str, set[str]] = {}
        self.grams: dict[str, set[str]] = {}
        for label, secret in secrets.items():
            if len(secret) < FRAGMENT:
                raise ValueError(f"canary {label!r} is shorter than a fragment")
            for form in (secret, base64.b64encode(secret.encode()).decode().rstrip("=")):
                self.whole.setdefault(form, set()).add(label)
            for i in range(len(secret) - FRAGMENT + 1):
                self.grams.setdefault(secret[i:i + FRAGMENT], set()).add(label)

    def scan(self, text: str) -> Finding:
        finding = Finding()
        for value, labels in self.whole.items():
            if value in text:
                finding.full |= labels
        grams = self.grams
        for i in range(len(text) - FRAGMENT + 1):
            labels = grams.get(text[i:i + FRAGMENT])
            if labels:
                finding.fragments |= labels
        finding.fragments -= finding.full
        return finding

    def scan_all(self, texts: Iterable[str]) -> Finding:
        total = Finding()
        for text in texts:
            found = self.scan(text)
            total.full |= found.full
            total.fragments |= found.fragments
        return total
