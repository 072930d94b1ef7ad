"""DRF throttles that cost one cache increment per request, for WebSocket message rates.

DRF's ``AnonRateThrottle`` and ``UserRateThrottle`` keep every request's time within the
window in the cache and rewrite that list on each request, which grows with the rate.
These count requests in fixed windows instead (one ``incr`` per request), with the same ``scope``
names and ``DEFAULT_THROTTLE_RATES``. A client can reach up to twice the rate across a
window boundary; the wait they report is the time left in the current window.
"""

from __future__ import annotations

import time
from typing import Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class FixedWindowRateThrottle(SimpleRateThrottle):
    """Allows ``num_requests`` per ``duration`` seconds, counted in fixed windows."""

    num_requests: int
    duration: int

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        try:
            count = self.cache.incr(key)  # the window's counter, once the first request made it
        except ValueError:
            if self.cache.add(key, 1, timeout=self.duration + 1):
                count = 1
            else:  # another request made it in between
                try:
                    count = self.cache.incr(key)
                except ValueError:  # and it expired since
                    count = 1
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_end - self.now)

    timer = staticmethod(time.time)


class AnonMessageRateThrottle(FixedWindowRateThrottle, AnonRateThrottle):
    """DRF's ``anon`` rate, per client address, for anonymous requests."""


class UserMessageRateThrottle(FixedWindowRateThrottle, UserRateThrottle):
    """DRF's ``user`` rate, per user (per address for anonymous requests)."""
