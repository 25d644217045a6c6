"""The clock of a PRE-7 scenario: the one the fake exchanges spend time on, and the one a router
under test is given for its sleeps and its latency budget.

A *virtual* clock's ``monotonic()`` moves only when time is spent on it: a router's ``sleep`` and
a fake exchange's slow answer move it forward at once instead of waiting, so a scenario about a
375 ms timeout runs in microseconds and a router that measures its latency budget on this clock
sees exactly the 375 ms. The host's own speed does not count: a verdict must not depend on how
loaded the machine judging it is (a correct router measured 250 ms of a busy CI machine's wall
time as its budget spent and never failed over). Time is an input here, as everywhere in the
gate; a router that never sleeps and never calls the exchanges would see no time pass, and the
bench's own wall-clock guard ends it.

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
        self._origin = time.monotonic()
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Seconds, monotonic: what a router uses for its latency budget."""
        if self.virtual:
            return self._origin + self._skew
        return time.monotonic()

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
