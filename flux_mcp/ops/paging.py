"""Pages that an answer's output budget cut, kept briefly for the call that resumes them.

`get_kubernetes_resources` shows as many objects of an API page as fit in the output budget and
hands out a token that resumes at the first object not shown. Without this cache the resuming
call fetches the same API page again (and its Warning events) only to skip what was shown: on a
listing of 2,000 Kustomizations as YAML that is three requests out of four. The API server's own
paging reads from the snapshot of the first page, so serving the rest of a page from memory keeps
the same consistency; an entry lives for `ttl` seconds and only the last few pages are kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

PAGE_TTL_SECONDS = 60.0
PAGES_KEPT = 4


class PageCache(Generic[V]):
    def __init__(self, ttl: float = PAGE_TTL_SECONDS, size: int = PAGES_KEPT) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if time.monotonic() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = (time.monotonic() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
