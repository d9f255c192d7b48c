"""A structural validator for the Mermaid flowchart subset fluxcd-mcp emits (used by unit and integration tests)."""

from __future__ import annotations

import re

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classDef", "click", "linkStyle", "direction"}
_STYLE = r"[a-z-]+:[^,;\s]+(?: [^,;\s]+)*"
_LINE_GRAMMAR = {
    "comment": re.compile(r"^\s*%%(?!\{).*$"),
    "classDef": re.compile(rf"^\s*classDef (?P<name>[a-z]+) {_STYLE}(?:,{_STYLE})*$"),
    "subgraph": re.compile(rf'^\s*subgraph (?P<id>{_ID})\["(?P<label>[^"\[\]]*)"\]$'),
    "end": re.compile(r"^\s*end$"),
    "node": re.compile(rf'^\s*(?P<id>{_ID})\["(?P<label>[^"]*)"\]:::(?P<cls>[a-z]+)$'),
    "edge": re.compile(rf"^\s*(?P<src>{_ID}) (?P<arrow>-->|-\.->)(?:\|(?P<label>[^|\"]+)\|)? (?P<dst>{_ID})$"),
    "linkStyle": re.compile(r"^\s*linkStyle (?P<indexes>\d+(?:,\d+)*) stroke:#[0-9a-f]{6},stroke-width:\d+px$"),
}


def validate_mermaid(text: str) -> dict[str, list[str]]:
    """Parse every line against the grammar; check ids, classes, subgraph balance and link indexes.

    Returns the parsed pieces (node ids, edges as `src arrow|label| dst`, linkStyle lines).
    """
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR", lines[0]
    nodes: list[str] = []
    classes: set[str] = set()
    used_classes: set[str] = set()
    edges: list[str] = []
    styles: list[str] = []
    depth = 0
    subgraphs: set[str] = set()
    for number, line in enumerate(lines[1:], 2):
        kind, match = next(
            ((k, m) for k, pattern in _LINE_GRAMMAR.items() if (m := pattern.match(line))), (None, None)
        )
        assert kind is not None and match is not None, f"line {number} does not parse: {line!r}"
        if kind == "classDef":
            classes.add(match["name"])
        elif kind == "subgraph":
            assert depth == 0, f"line {number}: nested subgraph"
            assert match["id"] not in nodes and match["id"] not in subgraphs
            subgraphs.add(match["id"])
            depth += 1
        elif kind == "end":
            depth -= 1
            assert depth >= 0, f"line {number}: end without subgraph"
        elif kind == "node":
            assert match["id"] not in nodes, f"line {number}: node {match['id']} defined twice"
            assert match["id"] not in _RESERVED and match["id"] not in subgraphs
            assert not re.search(r"[<>\"]", match["label"].replace("<br/>", "")), f"line {number}: unescaped label"
            nodes.append(match["id"])
            used_classes.add(match["cls"])
        elif kind == "edge":
            assert depth == 0, f"line {number}: edge inside a subgraph"
            for end in (match["src"], match["dst"]):
                assert end in nodes, f"line {number}: {end} used before it is defined"
            label = f"|{match['label']}|" if match["label"] else ""
            edges.append(f"{match['src']} {match['arrow']}{label} {match['dst']}")
        elif kind == "linkStyle":
            for index in match["indexes"].split(","):
                assert int(index) < len(edges), f"line {number}: linkStyle {index} beyond {len(edges)} edges"
            styles.append(line.strip())
    assert depth == 0, "unbalanced subgraph/end"
    assert used_classes <= classes, f"classes used but not defined: {used_classes - classes}"
    return {"nodes": nodes, "edges": edges, "styles": styles}


def styled_edges(parsed: dict[str, list[str]], colour: str) -> set[str]:
    indexes = [
        int(i) for style in parsed["styles"] if colour in style for i in style.split()[1].split(",")
    ]
    return {parsed["edges"][i] for i in indexes}


