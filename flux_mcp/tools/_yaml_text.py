"""Compact, readable YAML of Kubernetes objects for a model's context (PyYAML stays out of the pure flux/ layer).

Objects are JSON-shaped trees (maps with string keys, lists, strings, numbers, booleans, null), so
block YAML for them is written here directly instead of through PyYAML's representer, which walks
every value through Python-level node objects and implicit-type regexes: on a 40 KB page of
Kustomizations that was most of the cost of an answer (libyaml's CSafeDumper only replaces the
emitter, not the representer). A string is written plain only when PyYAML's own resolver would read
it back as that same string; otherwise single-quoted, or double-quoted with escapes when it holds
line breaks or characters YAML does not print. `yaml.safe_load(to_yaml(x)) == x` for every
JSON-shaped `x` (the unit tests hold it to that, property-based).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import yaml

_INDENT = "  "
# Characters that may start a plain scalar without meaning something else to a YAML reader
# (indicators such as - ? : , [ ] { } # & * ! | > ' " % @ ` are left to quoting).
_PLAIN = re.compile(r"[A-Za-z0-9_./(~$^+=<][A-Za-z0-9 _./:@+=,()\[\]{}~$^;&*!%|<>?\-\"'#`]*")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
# What YAML 1.1 can print as is; everything else is escaped inside double quotes.
_PRINTABLE = re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


CACHED_STRING_CHARS = 256
"""Strings up to this long are judged once per process; longer ones (a dashboard in a ConfigMap, a
HelmRelease's values) rarely repeat and would pin their size in the cache."""


def _string(text: str) -> str:
    return _cached_string(text) if len(text) <= CACHED_STRING_CHARS else _judged(text)


@lru_cache(maxsize=1 << 15)
def _cached_string(text: str) -> str:
    # Keys and many values repeat across the objects of a page (apiVersion, Ready, namespaces).
    return _judged(text)


def _judged(text: str) -> str:
    if (
        _PLAIN.fullmatch(text)
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and not text.startswith(("---", "..."))
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG  # type: ignore[no-untyped-call]
    ):
        return text
    if _PRINTABLE.fullmatch(text) and "\t" not in text and not text.startswith(" ") and not text.endswith(" "):
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escape(ch) for ch in text) + '"'


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if _PRINTABLE.fullmatch(ch) and ch != "\t":
        return ch
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _float(value: float) -> str:
    # As PyYAML writes floats, so that they read back as floats (YAML 1.1 wants a dot before `e`).
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    return _string(str(value))


def _is_map(value: Any) -> bool:
    # Decoded objects are dicts: the exact-type test spares the Mapping ABC's slow isinstance check.
    return type(value) is dict or isinstance(value, Mapping)


def _lines(value: Any, indent: str) -> Iterator[str]:
    """Block lines of a non-empty map or list, each starting with `indent`."""
    if _is_map(value):
        for key, item in value.items():
            head = f"{indent}{_string(key if type(key) is str else str(key))}:"
            if isinstance(item, list | tuple):
                if item:
                    # Sequences inside a map are not indented further, as kubectl and PyYAML write them.
                    yield head
                    yield from _lines(item, indent)
                else:
                    yield f"{head} []"
            elif type(item) is str:
                yield f"{head} {_string(item)}"
            elif _is_map(item):
                if item:
                    yield head
                    yield from _lines(item, indent + _INDENT)
                else:
                    yield f"{head} {{}}"
            else:
                yield f"{head} {_scalar(item)}"
        return
    for item in value:
        if isinstance(item, list | tuple) or _is_map(item):
            if not item:
                yield f"{indent}- {_inline(item)}"
                continue
            nested = _lines(item, indent + _INDENT)
            first = next(nested)
            yield f"{indent}- {first[len(indent) + len(_INDENT):]}"
            yield from nested
        else:
            yield f"{indent}- {_scalar(item)}"


def _inline(value: Any) -> str:
    if _is_map(value):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _scalar(value)


def to_yaml(value: Any) -> str:
    """Block YAML in the order keys were given, long lines never wrapped, ending in a newline."""
    if (isinstance(value, list | tuple) or _is_map(value)) and value:
        return "\n".join(_lines(value, "")) + "\n"
    return _inline(value) + "\n"
