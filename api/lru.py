"""A bounded in-process cache for rows that never change once written (patient ids, terminal
rows): memory stays flat however many cards pass through."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class LRU:
    """Least-recently-used mapping holding at most ``size`` entries."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        """The value, or None (and marks it recently used)."""
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        """Remember a value, forgetting the oldest beyond ``size``."""
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.size:
            self._data.popitem(last=False)

    def pop(self, key: Any) -> None:
        """Forget a key."""
        self._data.pop(key, None)
