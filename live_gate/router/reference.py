"""The reference live router, on real ccxt exchange clients.

What a live router must do (runbook §1.1, FORMATS.md §6.1-6.2), and the default PRE-7 judges:
routes from the configuration; bounded retries per exchange; cross-exchange failover only where
the route allows it; no new attempt once the route's latency budget is spent; per-exchange
concurrency limits; a circuit breaker; ``client_order_id`` required in live; an ambiguous outcome
reconciled by looking the order up among the exchange's open *and* closed orders (an order that
filled before the timeout is no longer open), never by placing it again elsewhere. It owns no
thread, so it has no ``close()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ccxt

from live_gate.fake_exchange.clock import GateClock
from live_gate.router.protocol import (
    Attempt,
    ExecutionContext,
    OrderRefused,
    OrderRequest,
    RouterConfig,
    RouterError,
    RouterResult,
)

# ccxt errors, most specific first
FATAL = (ccxt.AuthenticationError, ccxt.PermissionDenied, ccxt.AccountSuspended)
REJECTED = (ccxt.InsufficientFunds, ccxt.InvalidOrder, ccxt.BadRequest, ccxt.BadSymbol)
# the request may have been executed: reconcile before anything else (Binance: "the execution
# status is UNKNOWN" on 5xx and timeouts)
AMBIGUOUS = (ccxt.RequestTimeout, ccxt.ExchangeNotAvailable, ccxt.OperationFailed)
TRANSIENT = (ccxt.DDoSProtection, ccxt.RateLimitExceeded, ccxt.NetworkError)


def classify(error: BaseException) -> str:
    if isinstance(error, FATAL):
        return "auth"
    if isinstance(error, REJECTED):
        return "rejected"
    if isinstance(error, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
        return "transient"
    if isinstance(error, ccxt.RequestTimeout | ccxt.ExchangeNotAvailable):
        return "ambiguous"
    if isinstance(error, ccxt.NetworkError):
        return "transient"  # refused connection: the request never reached the exchange
    if isinstance(error, ccxt.OperationFailed):
        return "ambiguous"
    return "rejected"


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    open_seconds: float = 5.0
    failures: int = 0
    opened_at: float | None = None

    def allows(self, now: float) -> bool:
        if self.opened_at is None:
            return True
        if now - self.opened_at >= self.open_seconds:
            self.opened_at, self.failures = None, 0  # half-open: one more chance
            return True
        return False

    def record(self, ok: bool, now: float) -> None:
        if ok:
            self.failures = 0
            return
        self.failures += 1
        if self.failures >= self.failure_threshold:
            self.opened_at = now


def unified_symbol(client: Any, symbol: str) -> str:
    """The route's symbol (``BTCUSDT``) to the client's unified one (``BTC/USDT``): by exchange
    id, else by base and quote (Kraken's ids are ``XXBTZUSD``)."""
    markets = client.load_markets()
    by_id = getattr(client, "markets_by_id", None) or {}
    found = by_id.get(symbol)
    if found:
        return str(found[0]["symbol"] if isinstance(found, list) else found["symbol"])
    for market in markets.values():
        if f"{market.get('base')}{market.get('quote')}" == symbol.replace("/", ""):
            return str(market["symbol"])
    return symbol


@dataclass
class ReferenceRouter:
    config: RouterConfig
    clients: Mapping[str, Any]
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    backoff: Callable[[int], float] = lambda n: min(0.5, 0.05 * 2 ** (n - 1))
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    _semaphores: dict[str, threading.BoundedSemaphore] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _semaphore(self, exchange: str) -> threading.BoundedSemaphore:
        with self._lock:
            if exchange not in self._semaphores:
                limit = self.config.per_exchange_concurrency.get(exchange, 4)
                self._semaphores[exchange] = threading.BoundedSemaphore(max(1, limit))
            return self._semaphores[exchange]

    def execute(self, request: OrderRequest, context: ExecutionContext) -> RouterResult:
        if context.environment == "live" and not request.client_order_id:
            raise OrderRefused("an order without client_order_id is refused in a live context")
        route = self.config.route_for(request.symbol, context.risk_profile)
        if route is None:
            raise OrderRefused(f"no route serves {request.symbol} for {context.risk_profile}")
        plan = [e for e in route.exchanges if e not in self.config.disabled_exchanges]
        if not route.allow_cross_exchange_fallback:
            plan = plan[:1]
        attempts: list[Attempt] = []
        last: BaseException | None = None
        start = self.clock()
        for exchange in plan:
            client = self.clients.get(exchange)
            if client is None:
                attempts.append(Attempt(exchange, "adapter_missing"))
                continue
            breaker = self.breakers.setdefault(exchange, CircuitBreaker())
            for attempt in range(1, route.max_retries_per_exchange + 1):
                if not breaker.allows(self.clock()):
                    attempts.append(Attempt(exchange, "breaker_open"))
                    break
                if attempt > 1:
                    self.sleep(self.backoff(attempt - 1))
                if (self.clock() - start) * 1000 > route.latency_budget_ms:
                    attempts.append(Attempt(exchange, "latency_budget_exceeded"))
                    raise RouterError(
                        f"route {route.name}: the latency budget of {route.latency_budget_ms:g} ms "
                        f"is spent; no new attempt: {last}",
                        attempts,
                        cause=last,
                    )
                with self._semaphore(exchange):
                    outcome = self._place(client, exchange, request, attempts)
                if isinstance(outcome, RouterResult):
                    breaker.record(True, self.clock())
                    outcome.attempts = attempts
                    return outcome
                breaker.record(False, self.clock())
                kind, last = outcome
                if kind in ("auth", "rejected"):
                    raise RouterError(
                        f"{exchange} refused the order ({kind}): {last}", attempts, cause=last
                    )
                if kind == "unknown":
                    raise RouterError(
                        f"the outcome on {exchange} is unknown and could not be reconciled: {last}",
                        attempts,
                        ambiguous=True,
                        cause=last,
                    )
        raise RouterError(f"no exchange executed the order: {last}", attempts, cause=last)

    def _place(
        self, client: Any, exchange: str, request: OrderRequest, attempts: list[Attempt]
    ) -> RouterResult | tuple[str, BaseException]:
        params = {"clientOrderId": request.client_order_id} if request.client_order_id else {}
        try:
            symbol = unified_symbol(client, request.symbol)
        except Exception as error:  # the markets did not load: nothing was sent
            kind = classify(error)
            attempts.append(Attempt(exchange, kind, f"{type(error).__name__}: {error}"))
            return ("transient" if kind == "ambiguous" else kind), error
        try:
            order = client.create_order(
                symbol, request.order_type, request.side, request.quantity, request.price, params
            )
        except Exception as error:
            kind = classify(error)
            attempts.append(Attempt(exchange, kind, f"{type(error).__name__}: {error}"))
            if kind != "ambiguous":
                return kind, error
            return self._reconcile(client, exchange, symbol, request, attempts, error)
        attempts.append(Attempt(exchange, "filled"))
        return RouterResult(exchange, str(order.get("id")), str(order.get("status")))

    def _reconcile(
        self,
        client: Any,
        exchange: str,
        symbol: str,
        request: OrderRequest,
        attempts: list[Attempt],
        error: BaseException,
    ) -> RouterResult | tuple[str, BaseException]:
        if not request.client_order_id:
            return "unknown", error
        try:
            # every venue lists open and closed orders; an order filled before the timeout is
            # only among the closed ones
            orders = [*client.fetch_open_orders(symbol), *client.fetch_closed_orders(symbol)]
        except Exception as lookup:
            attempts.append(Attempt(exchange, "reconcile_failed", f"{type(lookup).__name__}"))
            return "unknown", lookup
        for order in orders:
            info = order.get("info") or {}
            if request.client_order_id in (
                order.get("clientOrderId"),
                info.get("clientOrderId"),
                info.get("cl_ord_id"),
            ):
                attempts.append(Attempt(exchange, "reconciled"))
                return RouterResult(exchange, str(order.get("id")), str(order.get("status")))
        attempts.append(Attempt(exchange, "not_found"))
        return "transient", error  # provably not executed: retry or fail over


def build_router(
    config: RouterConfig, clients: Mapping[str, Any], *, clock: GateClock | None = None
) -> ReferenceRouter:
    """The default ``router_factory`` of the gate policy: on the gate's clock when given one."""
    if clock is None:
        return ReferenceRouter(config, clients)
    return ReferenceRouter(config, clients, sleep=clock.sleep, clock=clock.monotonic)
