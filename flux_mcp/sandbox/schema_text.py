"""A compact text form of OpenAPI v3 schemas, and its parser.

One field per line, children indented by two spaces:

    name TYPE [MODIFIERS...] [| description]

TYPE is `str`, `bool`, `int`, `num`, `obj`, `arr`, `map` (string to string), `ios` (integer or
string), `any` (any JSON object, kept as it is). The children of an `arr` describe its items: an
object's fields, or a single `[]` line for items of another type. A `{}` child line gives the
values of an object keyed by arbitrary names.

MODIFIERS: `!` required; `=a,b,c` enum; `~NAME` a pattern from PATTERNS (`~/regex/` for a literal
one); `len:MIN-MAX`, `items:MIN-MAX` (either bound may be empty); `min:N`, `max:N`; `fmt:F`;
`def:JSON` default; `open` keeps unknown fields (a part this text does not document in full);
`atomic`, `set`, `mapkey:K` list and map types; `@BLOCK` inserts a shared block's lines as
children. A child line `? RULE :: MESSAGE` is an `x-kubernetes-validations` rule of its parent.
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]

DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
PATTERNS: dict[str, str] = {
    "duration": DURATION,
    "reason": r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    "ctype": (r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"),
    "git-url": r"^(http|https|ssh)://.*$",
    "helm-url": r"^(http|https|oci)://.*$",
    "oci-url": r"^oci://.*$",
    "dns-sub": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "dns-label": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
}

_TYPES = {"str": "string", "bool": "boolean", "int": "integer", "num": "number", "obj": "object",
          "arr": "array", "map": "object"}


class SchemaTextError(ValueError):
    """A line of schema text that does not parse (a bug in the text, caught by the tests)."""


def _modifiers(node: Schema, tokens: list[str], line: str) -> list[str]:
    blocks: list[str] = []
    for token in tokens:
        if token == "!":
            node["_required"] = True
        elif token.startswith("="):
            node["enum"] = [_enum_value(v, node.get("type")) for v in token[1:].split(",")]
        elif token.startswith("~/") and token.endswith("/"):
            node["pattern"] = token[2:-1]
        elif token.startswith("~"):
            node["pattern"] = PATTERNS[token[1:]]
        elif token.startswith(("len:", "items:")):
            low, _, high = token.split(":", 1)[1].partition("-")
            key = "Length" if token.startswith("len:") else "Items"
            if low:
                node[f"min{key}"] = int(low)
            if high:
                node[f"max{key}"] = int(high)
        elif token.startswith("min:"):
            node["minimum"] = int(token[4:])
        elif token.startswith("max:"):
            node["maximum"] = int(token[4:])
        elif token.startswith("fmt:"):
            node["format"] = token[4:]
        elif token.startswith("def:"):
            node["default"] = json.loads(token[4:])
        elif token == "open":
            node["x-kubernetes-preserve-unknown-fields"] = True
        elif token in ("atomic", "set"):
            node["x-kubernetes-list-type" if node.get("type") == "array" else "x-kubernetes-map-type"] = token
        elif token.startswith("mapkey:"):
            node["x-kubernetes-list-type"] = "map"
            node["x-kubernetes-list-map-keys"] = token[7:].split(",")
        elif token.startswith("@"):
            blocks.append(token[1:])
        else:
            raise SchemaTextError(f"unknown modifier {token!r} in {line!r}")
    return blocks


def _enum_value(value: str, typ: str | None) -> Any:
    return int(value) if typ == "integer" else value


def _node(typ: str, line: str) -> Schema:
    if typ == "ios":
        return {"x-kubernetes-int-or-string": True}
    if typ == "any":
        return {"x-kubernetes-preserve-unknown-fields": True}
    if typ not in _TYPES:
        raise SchemaTextError(f"unknown type {typ!r} in {line!r}")
    node: Schema = {"type": _TYPES[typ]}
    if typ == "map":
        node["additionalProperties"] = {"type": "string"}
    return node


def _expand(lines: list[str], blocks: dict[str, str]) -> list[tuple[int, str]]:
    """(depth, text) per line, shared blocks inlined under the line that names them."""
    out: list[tuple[int, str]] = []
    for raw in lines:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        depth = (len(raw) - len(raw.lstrip(" "))) // 2
        text = raw.strip()
        if text.startswith("@"):  # a block's lines as siblings of this line
            out += [(depth + d, sub) for d, sub in _expand(blocks[text[1:]].splitlines(), blocks)]
            continue
        out.append((depth, text))
        head = text.split(" | ", 1)[0]
        if head.startswith("?"):
            continue
        for token in head.split()[2:]:
            if token.startswith("@"):
                for sub_depth, sub in _expand(blocks[token[1:]].splitlines(), blocks):
                    out.append((depth + 1 + sub_depth, sub))
    return out


def parse(text: str, blocks: dict[str, str], description: str = "") -> Schema:
    """The object schema described by `text` (its lines are the object's fields)."""
    root: Schema = {"type": "object"}
    if description:
        root["description"] = description
    stack: list[tuple[int, Schema]] = [(-1, root)]
    for depth, line in _expand(text.splitlines(), blocks):
        while stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        if line.startswith("?"):
            rule, _, message = line[1:].partition(" :: ")
            parent.setdefault("x-kubernetes-validations", []).append(
                {"rule": rule.strip(), "message": message.strip()} if message else {"rule": rule.strip()})
            continue
        head, _, desc = line.partition(" | ")
        tokens = head.split()
        if len(tokens) < 2:
            raise SchemaTextError(f"a field line needs a name and a type: {line!r}")
        name, typ = tokens[0], tokens[1]
        node = _node(typ, line)
        _modifiers(node, tokens[2:], line)
        if desc:
            node["description"] = desc.strip()
        _attach(parent, name, node, line)
        stack.append((depth, node))
    return _finish(root)


def _attach(parent: Schema, name: str, node: Schema, line: str) -> None:
    if parent.get("type") == "array" and name != "[]":
        items = parent.setdefault("items", {"type": "object"})
        items.setdefault("properties", {})[name] = node
    elif name == "[]":
        parent["items"] = node
    elif name == "{}":
        parent["additionalProperties"] = node
    else:
        parent.setdefault("properties", {})[name] = node


def _finish(node: Schema) -> Schema:
    """Turn `_required` marks into `required` lists, depth first."""
    props = node.get("properties") or {}
    required = [name for name, child in props.items() if child.pop("_required", False)]
    if required:
        node["required"] = sorted(required)
    for child in props.values():
        _finish(child)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _finish(node[key])
    return node
