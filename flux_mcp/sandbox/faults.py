"""Fault injection: per method + path regex, answer with an error, a delay, a reset or a
malformed body instead of (or before) the real response."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int | None = 503
    retry_after: float | None = None
    delay: float = 0.0
    reset: bool = False
    body: str | None = None
    content_type: str | None = "application/json"
    times: int | None = None
    """How many more requests the fault hits; None for ever."""

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and self.path.search(path) is not None


class FaultSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)
