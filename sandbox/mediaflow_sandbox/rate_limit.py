"""A rate limit over a rolling window, per key, as Make counts API calls per organization."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque


class RollingWindowLimit:
    def __init__(self, calls: int, window_seconds: float) -> None:
        self._calls = calls
        self._window_seconds = window_seconds
        self._admitted: defaultdict[str, deque[float]] = defaultdict(deque)

    def admit(self, key: str) -> int | None:
        """None if a call for `key` fits in the window now (it is counted); otherwise the
        whole seconds until it would."""
        now = time.monotonic()
        admitted = self._admitted[key]
        while admitted and admitted[0] <= now - self._window_seconds:
            admitted.popleft()
        if len(admitted) >= self._calls:
            return max(math.ceil(admitted[0] + self._window_seconds - now), 1)
        admitted.append(now)
        return None
