"""What every fake venue shares: the HTTP request as the fake sees it, its answer, and the one
engine that applies an exchange's conditions (its faults) before the venue formats the answer.

The engine is transport-free: the ``responses`` transport (``transport.py``) feeds it, and a local
HTTP server could feed the same function for a router whose adapters use another HTTP stack.
"""

from __future__ import annotations

import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from live_gate.fake_exchange.book import Book, OrderEntry, Refusal, Request, Ticket
from live_gate.fake_exchange.clock import GateClock


@dataclass
class HttpRequest:
    method: str
    url: str
    path: str
    params: dict[str, str]  # query string and form body together
    headers: Mapping[str, str]
    read_timeout: float | None  # seconds, as the client set it


@dataclass
class Answer:
    status: int
    body: Any  # JSON-able, or str for a non-JSON body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Drop:
    """No HTTP answer: the connection is refused, reset, or the client times out."""

    kind: str  # refused | reset | timeout
    message: str


class Unanswerable(Exception):
    """A request the fake cannot answer: a limit of the gate, never the fault under test."""


class Venue(ABC):
    """The HTTP face of one exchange venue (Binance, Kraken...)."""

    ccxt_id: str
    host: str
    key_header: str
    public_operations = frozenset({"markets", "time"})

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def next_number(self) -> int:
        return next(self._numbers)

    @abstractmethod
    def operation(self, method: str, path: str) -> str | None:
        """The book operation ``method path`` asks for; None when the fake does not know it."""

    @abstractmethod
    def public(self, operation: str, books: list[Book], request: HttpRequest) -> Answer: ...

    @abstractmethod
    def ticket(self, book: Book, request: HttpRequest) -> Ticket | Answer: ...

    @abstractmethod
    def order_id(self, number: int) -> str: ...

    @abstractmethod
    def created(self, book: Book, order: Any, request: HttpRequest) -> Answer: ...

    @abstractmethod
    def refused(self, refusal: Refusal) -> Answer: ...

    @abstractmethod
    def rate_limited(self) -> Answer: ...

    @abstractmethod
    def unauthenticated(self) -> Answer: ...

    @abstractmethod
    def query(self, operation: str, book: Book, request: HttpRequest) -> Answer: ...

    def bad_gateway(self) -> Answer:
        return Answer(
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>",
            {"Content-Type": "text/html"},
        )


def client_order_id_of(venue: Venue, request: HttpRequest) -> str | None:
    for key in ("newClientOrderId", "origClientOrderId", "cl_ord_id", "clientOrderId"):
        if request.params.get(key):
            return request.params[key]
    return None


def serve(
    venue: Venue, book: Book, clock: GateClock, request: HttpRequest, operation: str
) -> Answer | Drop:
    """Answer one private request of ``book``'s exchange under its conditions."""
    now = clock.monotonic()
    conditions = book.conditions
    cid = client_order_id_of(venue, request)

    def log(outcome: str) -> None:
        book.record(Request(now, request.method, request.path, operation, outcome, cid))

    if not conditions.reachable:
        log("refused")
        return Drop("refused", f"connection to {venue.host} refused (fake exchange unreachable)")
    if conditions.rate_limited:
        log("rate limited")
        return venue.rate_limited()
    if not conditions.credentials_accepted:
        log("unauthenticated")
        return venue.unauthenticated()
    if operation != "place":
        if conditions.queries_fail:
            log("reset")
            return Drop("reset", f"connection to {venue.host} reset by peer (fake exchange)")
        log("answered")
        return venue.query(operation, book, request)
    with book.order_entry():
        if conditions.processing_seconds:
            time.sleep(conditions.processing_seconds)  # real: concurrent orders must overlap
        if conditions.order_entry is OrderEntry.BAD_GATEWAY:
            log("bad gateway")
            return venue.bad_gateway()
        ticket = venue.ticket(book, request)
        if isinstance(ticket, Answer):
            log("rejected: malformed")
            return ticket
        if conditions.order_entry is OrderEntry.TIMES_OUT:
            log("timed out, not booked")
            return _silence(venue, clock, conditions.silence_seconds, request)
        number = venue.next_number()
        placed = book.place(
            ticket, venue.order_id(number), now, int(time.time() * 1000), f"T{number}"
        )
        if isinstance(placed, Refusal):
            log(f"rejected: {placed.value}")
            return venue.refused(placed)
        if conditions.order_entry is OrderEntry.TIMES_OUT_AFTER_BOOKING:
            log(f"booked as {placed.order_id}, then timed out")
            return _silence(venue, clock, conditions.silence_seconds, request)
        log(f"booked as {placed.order_id}")
        return venue.created(book, placed, request)


def _silence(venue: Venue, clock: GateClock, seconds: float, request: HttpRequest) -> Drop:
    """The exchange says nothing; the client gives up at its read timeout (or earlier, when the
    exchange's silence is shorter than the client's patience - then the connection drops)."""
    waited = seconds if request.read_timeout is None else min(seconds, request.read_timeout)
    clock.spend(waited)
    return Drop("timeout", f"{venue.host} read timed out after {waited * 1000:.0f} ms (fake)")
