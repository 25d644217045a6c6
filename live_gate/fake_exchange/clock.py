"""The clock of a PRE-7 scenario: the one the fake exchanges spend time on, and the one a router
under test is given for its sleeps and its latency budget.

``monotonic()`` is the wall clock's monotonic time plus every second spent *virtually*: a virtual
clock's ``sleep`` and a fake exchange's slow answer move the clock forward at once instead of
waiting, so a scenario about a 375 ms timeout runs in microseconds and a router that measures its
latency budget on this clock sees exactly the 375 ms. Real time still passes too (a router's own
work, a real ``asyncio.sleep``), so nothing a router does is free on this clock.

A router whose factory does not take the clock runs on a *wall* clock: the same faults then really
take their time, so a router measuring with ``time.monotonic`` sees them as well.
"""

from __future__ import annotations

import threading
import time


class GateClock:
    def __init__(self, *, virtual: bool = True) -> None:
        self.virtual = virtual
        self._skew = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Seconds, monotonic: what a router uses for its latency budget."""
        return time.monotonic() + self._skew

    # the bot's router takes ``time_source`` (default ``time.perf_counter``): either name works
    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        """What a router calls instead of ``time.sleep`` (its backoff)."""
        self.spend(seconds)

    def spend(self, seconds: float) -> None:
        """Time passing inside a fake exchange (a slow answer, a timeout)."""
        if seconds <= 0:
            return
        if not self.virtual:
            time.sleep(seconds)
            return
        with self._lock:
            self._skew += seconds

    @property
    def virtual_seconds(self) -> float:
        """Seconds spent virtually so far (for the report)."""
        return self._skew

    def describe(self) -> str:
        if self.virtual:
            return "the gate's virtual clock (slow answers advance it without waiting)"
        return "the wall clock (the router takes no clock: slow answers really wait)"
