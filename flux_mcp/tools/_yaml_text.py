"""Compact, readable YAML of Kubernetes objects for a model's context (PyYAML stays out of the pure flux/ layer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

try:  # the C dumper is several times faster on large lists
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


def _plain(value: Any) -> Any:
    # lightkube's generic resources are dict subclasses; the safe dumper only knows plain types.
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_yaml(value: Any) -> str:
    """YAML without sorting keys or wrapping long lines (messages stay on one line)."""
    return yaml.dump(
        _plain(value), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
        width=10_000, allow_unicode=True,
    )
