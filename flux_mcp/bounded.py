"""CPU-heavy steps of a tool call run off the event loop, with a deadline.

Rendering a list of huge objects, masking a 1 MB value or filtering thousands of log lines is
linear work, but on the event loop even linear work makes every other call wait. In a worker
thread the interpreter switches back to the loop every few milliseconds, so concurrent calls
(and the stdio transport) keep being served; the deadline turns a step that is still too big
into one clear error instead of a long wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

DEADLINE_SECONDS = 20.0


class WorkTooLarge(RuntimeError):
    """A bounded step did not finish within its deadline; the message is one line for a model."""


async def bounded(step: Callable[[], T], what: str, seconds: float = DEADLINE_SECONDS) -> T:
    """Run `step` in a worker thread; raise WorkTooLarge when it takes longer than `seconds`."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(step, abandon_on_cancel=True)
    except TimeoutError as exc:
        raise WorkTooLarge(
            f"{what} took longer than {seconds:g} s and was stopped; narrow the request "
            "(namespace, name, selector, limit, since, a simpler grep)."
        ) from exc
