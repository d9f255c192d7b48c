"""The one way a tool answers: redacted text within the output budget, plus structured content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from flux_mcp.flux.budget import clip_text
from flux_mcp.flux.redaction import redact_text, redact_value

if TYPE_CHECKING:
    from flux_mcp.runtime import Runtime


def respond(rt: Runtime, text: str, model: BaseModel | None = None, *, hint: str = "") -> CallToolResult:
    """Redact `text`, cut it to the output budget (saying how to narrow it with `hint`), attach `model`."""
    mask = rt.settings.mask_secrets
    if mask:
        text = redact_text(text)
    text = clip_text(text, rt.settings.output_limit, hint).text
    structured = None
    if model is not None:
        structured = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        if mask:
            structured = redact_value(structured)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)
