"""The state of one fake exchange: its markets, balances, orders and trades, the conditions it is in
(the faults of a scenario are properties of the exchange, never a script of expected calls), and a
record of every request it received.

Venue modules (``binance``, ``kraken``) only translate HTTP to and from these operations, so every
venue keeps the same book semantics: an order is booked once per accepted placement, a buy spends
quote currency and a sell spends base currency, a lookup answers from the book.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

# quote currencies a route symbol (``BTCUSDT``) may end with, longest first
QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "EUR", "USD", "GBP", "PLN", "BTC", "ETH")
FEE_RATE = 0.001  # taker fee charged in the quote currency
PRICE_BAND = 0.10  # an order priced further than this from the last price is invalid


@dataclass(frozen=True)
class Instrument:
    """A spot market as the route names it (``BTCUSDT``)."""

    symbol: str
    base: str
    quote: str

    @property
    def unified(self) -> str:
        return f"{self.base}/{self.quote}"


def instrument(symbol: str) -> Instrument | None:
    """``BTCUSDT`` (or ``BTC/USDT``, ``BTC-USDT``) as base and quote; None when no known quote
    currency ends it."""
    text = symbol.upper().replace("/", "").replace("-", "").replace("_", "")
    for quote in QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return Instrument(text, text[: -len(quote)], quote)
    return None


class OrderEntry(StrEnum):
    """How the exchange's order entry answers a placement."""

    ANSWERS = "answers"
    BAD_GATEWAY = "bad_gateway"  # HTTP 502 before the matching engine: nothing booked
    TIMES_OUT = "times_out"  # silent until the client's read timeout: nothing booked
    TIMES_OUT_AFTER_BOOKING = "times_out_after_booking"  # booked (and filled), then silent


@dataclass
class Conditions:
    """What the exchange is like during a scenario. Defaults: a healthy exchange."""

    reachable: bool = True  # False: every connection refused
    credentials_accepted: bool = True  # False: every private request refused as unauthenticated
    rate_limited: bool = False  # every private request refused as over the rate limit
    order_entry: OrderEntry = OrderEntry.ANSWERS
    # how long a timing-out order entry stays silent before the client gives up (bounded by the
    # client's own read timeout), on the scenario's clock
    silence_seconds: float = 0.0
    # real time each order entry takes, so that concurrent orders overlap at the exchange
    processing_seconds: float = 0.0
    queries_fail: bool = False  # lookups and listings: the connection is reset
    fills_immediately: bool = True  # False: a limit order rests, open, until cancelled


@dataclass
class Ticket:
    """An order as the exchange received it."""

    instrument: Instrument
    side: str  # buy | sell
    order_type: str  # limit | market
    amount: float
    price: float | None
    client_order_id: str | None


class Refusal(StrEnum):
    INSUFFICIENT_FUNDS = "insufficient funds"
    INVALID_PRICE = "price outside the exchange's band around its last price"
    DUPLICATE = "a client order id already used by an open order"


@dataclass
class Order:
    exchange: str
    number: int  # 1, 2, ... in the order of booking on this exchange
    order_id: str
    ticket: Ticket
    status: str  # open | closed | canceled
    filled: float
    average: float | None
    fee: float
    placed_at: float  # on the scenario's clock
    wall_ms: int  # epoch milliseconds, for the venue's payloads
    trade_ids: list[str] = field(default_factory=list)

    @property
    def cost(self) -> float:
        return self.filled * (self.average or 0.0)


@dataclass
class Trade:
    trade_id: str
    order: Order
    price: float
    amount: float
    fee: float
    wall_ms: int


@dataclass
class Request:
    """One request that reached the exchange (or was refused at its door)."""

    at: float  # on the scenario's clock
    method: str
    path: str
    operation: str  # markets | place | lookup | open_orders | closed_orders | all_orders |
    # trades | cancel | balance | time
    outcome: str  # answered | refused | timed out | reset | rejected: <why> | ...
    client_order_id: str | None = None


class Book:
    """One exchange of the route: what it holds and what it was asked."""

    def __init__(
        self,
        name: str,
        venue: str,
        instruments: list[Instrument],
        *,
        last_price: float,
        balances: dict[str, float] | None = None,
    ) -> None:
        self.name = name
        self.venue = venue
        self.instruments = {i.symbol: i for i in instruments}
        self.conditions = Conditions()
        self.last_price = {i.symbol: last_price for i in instruments}
        self.balances: dict[str, float] = dict(balances or {})
        for item in instruments:
            self.balances.setdefault(item.quote, 100_000.0)
            self.balances.setdefault(item.base, 10.0)
        self.held: dict[str, float] = {}
        self.orders: list[Order] = []
        self.trades: list[Trade] = []
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ records

    def record(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)

    @contextmanager
    def order_entry(self) -> Iterator[None]:
        """An order placement being processed (counted for the concurrency limit)."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def placement_requests(self) -> list[Request]:
        return [r for r in self.requests if r.operation == "place"]

    # ------------------------------------------------------------------ trading

    def place(
        self, ticket: Ticket, order_id: str, at: float, wall_ms: int, trade_id: str
    ) -> Order | Refusal:
        """Book ``ticket`` as the exchange would: refuse it, or book it (filled at once unless
        the exchange lets limit orders rest)."""
        with self.lock:
            symbol = ticket.instrument.symbol
            last = self.last_price.get(symbol, 0.0)
            price = ticket.price if ticket.order_type == "limit" and ticket.price else last
            if ticket.order_type == "limit" and last > 0 and abs(price - last) / last > PRICE_BAND:
                return Refusal.INVALID_PRICE
            if ticket.client_order_id and any(
                o.ticket.client_order_id == ticket.client_order_id and o.status == "open"
                for o in self.orders
            ):
                return Refusal.DUPLICATE
            base, quote = ticket.instrument.base, ticket.instrument.quote
            needed_quote = ticket.amount * price * (1 + FEE_RATE)
            if ticket.side == "buy" and self._free(quote) < needed_quote:
                return Refusal.INSUFFICIENT_FUNDS
            if ticket.side == "sell" and self._free(base) < ticket.amount:
                return Refusal.INSUFFICIENT_FUNDS
            order = Order(
                exchange=self.name,
                number=len(self.orders) + 1,
                order_id=order_id,
                ticket=ticket,
                status="open",
                filled=0.0,
                average=None,
                fee=0.0,
                placed_at=at,
                wall_ms=wall_ms,
            )
            self.orders.append(order)
            if self.conditions.fills_immediately or ticket.order_type == "market":
                self._fill(order, price, trade_id, wall_ms)
            else:
                held = ticket.amount * price * (1 + FEE_RATE) if ticket.side == "buy" else 0.0
                asset = quote if ticket.side == "buy" else base
                self.held[asset] = self.held.get(asset, 0.0) + (
                    held if ticket.side == "buy" else ticket.amount
                )
            return order

    def _free(self, asset: str) -> float:
        return self.balances.get(asset, 0.0) - self.held.get(asset, 0.0)

    def _fill(self, order: Order, price: float, trade_id: str, wall_ms: int) -> None:
        ticket = order.ticket
        base, quote = ticket.instrument.base, ticket.instrument.quote
        cost = ticket.amount * price
        fee = cost * FEE_RATE
        if ticket.side == "buy":
            self.balances[quote] = self.balances.get(quote, 0.0) - cost - fee
            self.balances[base] = self.balances.get(base, 0.0) + ticket.amount
        else:
            self.balances[base] = self.balances.get(base, 0.0) - ticket.amount
            self.balances[quote] = self.balances.get(quote, 0.0) + cost - fee
        order.status, order.filled, order.average, order.fee = "closed", ticket.amount, price, fee
        order.trade_ids.append(trade_id)
        self.trades.append(Trade(trade_id, order, price, ticket.amount, fee, wall_ms))

    def cancel(self, order: Order) -> bool:
        """Cancel an open order; False when it is no longer open."""
        with self.lock:
            if order.status != "open":
                return False
            ticket = order.ticket
            price = ticket.price or 0.0
            if ticket.side == "buy":
                asset, amount = ticket.instrument.quote, ticket.amount * price * (1 + FEE_RATE)
            else:
                asset, amount = ticket.instrument.base, ticket.amount
            self.held[asset] = max(0.0, self.held.get(asset, 0.0) - amount)
            order.status = "canceled"
            return True

    # ------------------------------------------------------------------ queries

    def find(
        self, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order | None:
        """The latest order with this id or client order id."""
        with self.lock:
            for order in reversed(self.orders):
                if order_id is not None and order.order_id == order_id:
                    return order
                if client_order_id is not None and order.ticket.client_order_id == client_order_id:
                    return order
            return None

    def listed(self, symbol: str | None, statuses: tuple[str, ...]) -> list[Order]:
        with self.lock:
            return [
                o
                for o in self.orders
                if o.status in statuses and (symbol is None or o.ticket.instrument.symbol == symbol)
            ]

    def held_of(self, asset: str) -> float:
        return self.held.get(asset, 0.0)
