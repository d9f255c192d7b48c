"""Root-cause analysis rendering: compact text within the per-object budget."""

from __future__ import annotations

from flux_mcp.flux.rca.results import TEXT_LIMIT, Analysis


def render_analysis(analysis: Analysis, limit: int = TEXT_LIMIT) -> str:
    """Compact text within `limit` characters: evidence lines are dropped last-first to fit."""
    a = analysis
    head = [f"{a.target.display}: {a.state}" + (f" ({a.reason})" if a.reason and a.state != "ready" else "")]
    if a.root_cause is None:
        head.append(a.explanation or f"{a.target.display} is {a.state}")
    else:
        head.append(f"Root cause: {a.root_cause.key.display} — {a.root_cause.reason or a.rule}")
        head.append(f"Why: {a.explanation}")
    chain = []
    if len(a.chain) > 1:
        chain.append("Chain:")
        for index, hop in enumerate(a.chain):
            arrow = "  " if index == 0 else f"  → {hop.relation} "
            chain.append(arrow + hop.line())
    evidence = [f"  - [{item.type}] {item.subject}: {item.text}" if item.subject != (
        a.root_cause.key.display if a.root_cause else "") else f"  - [{item.type}] {item.text}"
        for item in a.evidence]
    actions = [f"  {i}. {action}" for i, action in enumerate(a.actions, 1)]
    notes = [f"  - {note}" for note in a.notes]

    def compose(ev: list[str], nt: list[str], act: list[str]) -> str:
        parts = list(head) + chain
        if ev:
            parts += ["Evidence:", *ev]
        if act:
            parts += ["Next:", *act]
        if nt:
            parts += ["Notes:", *nt]
        if not a.complete:
            parts.append("(analysis stopped at its fetch budget; analyze the last object of the chain)")
        return "\n".join(parts) + "\n"

    text = compose(evidence, notes, actions)
    while len(text) > limit and notes:
        notes.pop()
        text = compose(evidence, notes, actions)
    while len(text) > limit and len(evidence) > 1:
        evidence.pop()
        text = compose(evidence, notes, actions)
    while len(text) > limit and len(actions) > 1:
        actions.pop()
        text = compose(evidence, notes, actions)
    if len(text) > limit:
        text = text[: limit - 2].rstrip() + "…\n"
    return text
