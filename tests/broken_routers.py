"""Deliberately broken routers: each must make PRE-7 NO-GO (plugged in by router_factory)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from live_gate.fake_exchange.clock import GateClock
from live_gate.router.protocol import (
    Attempt,
    OrderRequest,
    RouterConfig,
    RouterResult,
)
from live_gate.router.reference import ReferenceRouter, classify, unified_symbol


@dataclass
class DoubleExecutes(ReferenceRouter):
    """After a timeout it never looks the order up: it places it again, elsewhere."""

    def _reconcile(
        self,
        client: Any,
        exchange: str,
        symbol: str,
        request: OrderRequest,
        attempts: list[Attempt],
        error: BaseException,
    ) -> Any:
        return "transient", error


@dataclass
class FailsOverOnAuth(ReferenceRouter):
    """Treats every error as transient, an authentication error included."""

    def _place(
        self, client: Any, exchange: str, request: OrderRequest, attempts: list[Attempt]
    ) -> Any:
        outcome = super()._place(client, exchange, request, attempts)
        if isinstance(outcome, tuple) and outcome[0] in ("auth", "rejected"):
            return "transient", outcome[1]
        return outcome


@dataclass
class IgnoresRetryLimit(ReferenceRouter):
    """Retries five times per exchange whatever the route says."""

    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        routes = tuple(
            type(r)(**{**r.__dict__, "max_retries_per_exchange": 5}) for r in self.config.routes
        )
        self.config = type(self.config)(
            routes, self.config.per_exchange_concurrency, self.config.disabled_exchanges
        )
        return super().execute(request, context)


@dataclass
class NoConcurrencyLimit(ReferenceRouter):
    def _semaphore(self, exchange: str) -> Any:
        import threading

        return threading.BoundedSemaphore(100)


@dataclass
class AcceptsMissingClientId(ReferenceRouter):
    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        if not request.client_order_id:
            request = OrderRequest(
                request.symbol,
                request.side,
                request.quantity,
                request.price,
                request.order_type,
                "",
            )
            context = type(context)("paper", context.risk_profile)
        return super().execute(request, context)


@dataclass
class AlwaysFallsBack(ReferenceRouter):
    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        routes = tuple(
            type(r)(**{**r.__dict__, "allow_cross_exchange_fallback": True})
            for r in self.config.routes
        )
        self.config = type(self.config)(
            routes, self.config.per_exchange_concurrency, frozenset()
        )  # and forgets the lifecycle
        return super().execute(request, context)


@dataclass
class ChecksBalanceFirst(ReferenceRouter):
    """Checks the balance before placing: sound, and the fake exchanges answer it from their
    books (once an 'unmatched request' of the old mocks)."""

    def _place(
        self, client: Any, exchange: str, request: OrderRequest, attempts: list[Attempt]
    ) -> Any:
        try:
            client.fetch_balance()
        except Exception as error:
            attempts.append(Attempt(exchange, classify(error), str(error)))
            return classify(error), error
        return super()._place(client, exchange, request, attempts)


@dataclass
class AsksForTheTicker(ReferenceRouter):
    """Reads the ticker before placing: an endpoint the fake exchanges do not answer, so every
    scenario is an error of the gate (never a failure of this router, never a pass)."""

    def _place(
        self, client: Any, exchange: str, request: OrderRequest, attempts: list[Attempt]
    ) -> Any:
        try:
            client.fetch_ticker(unified_symbol(client, request.symbol))
        except Exception as error:
            attempts.append(Attempt(exchange, classify(error), str(error)))
            return classify(error), error
        return super()._place(client, exchange, request, attempts)


@dataclass
class IgnoresLatencyBudget(ReferenceRouter):
    """Keeps trying however long the attempts take."""

    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        routes = tuple(
            type(r)(**{**r.__dict__, "latency_budget_ms": 1e9}) for r in self.config.routes
        )
        self.config = type(self.config)(
            routes, self.config.per_exchange_concurrency, self.config.disabled_exchanges
        )
        return super().execute(request, context)


@dataclass
class LeavesAThreadRunning(ReferenceRouter):
    """Starts a heartbeat thread and never stops it (it has no close())."""

    def __post_init__(self) -> None:
        threading.Thread(target=time.sleep, args=(2.0,), name="heartbeat", daemon=True).start()


@dataclass
class ClosesButLeavesAThreadRunning(LeavesAThreadRunning):
    def close(self) -> None:
        pass  # forgets the heartbeat


@dataclass
class NeverFallsBack(ReferenceRouter):
    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        routes = tuple(
            type(r)(**{**r.__dict__, "allow_cross_exchange_fallback": False})
            for r in self.config.routes
        )
        self.config = type(self.config)(
            routes, self.config.per_exchange_concurrency, self.config.disabled_exchanges
        )
        return super().execute(request, context)


@dataclass
class PretendsSuccess(ReferenceRouter):
    """Reports every failure, rejection and unknown outcome as a fill."""

    def execute(self, request: OrderRequest, context: Any) -> RouterResult:
        try:
            return super().execute(request, context)
        except Exception:
            return RouterResult(self.config.routes[0].exchanges[0], "0", "closed")


@dataclass
class DistrustsLookup(ReferenceRouter):
    """Finds the order by its client id, then reports a failure anyway."""

    def _reconcile(
        self,
        client: Any,
        exchange: str,
        symbol: str,
        request: OrderRequest,
        attempts: list[Attempt],
        error: BaseException,
    ) -> Any:
        outcome = super()._reconcile(client, exchange, symbol, request, attempts, error)
        return ("unknown", error) if isinstance(outcome, RouterResult) else outcome


@dataclass
class RejectsWhenBusy(ReferenceRouter):
    """Fails an order instead of queueing it when the exchange is at its limit."""

    def _semaphore(self, exchange: str) -> Any:
        semaphore = super()._semaphore(exchange)

        class NonBlocking:
            def __enter__(self) -> None:
                if not semaphore.acquire(blocking=False):
                    raise RuntimeError(f"{exchange} busy")

            def __exit__(self, *exc: object) -> None:
                semaphore.release()

        return NonBlocking()


def _factory(kind: type[ReferenceRouter]) -> Any:
    def build(
        config: RouterConfig, clients: Mapping[str, Any], *, clock: GateClock
    ) -> ReferenceRouter:
        return kind(config, clients, sleep=clock.sleep, clock=clock.monotonic)

    return build


double_executes = _factory(DoubleExecutes)
fails_over_on_auth = _factory(FailsOverOnAuth)
ignores_retry_limit = _factory(IgnoresRetryLimit)
no_concurrency_limit = _factory(NoConcurrencyLimit)
accepts_missing_client_id = _factory(AcceptsMissingClientId)
always_falls_back = _factory(AlwaysFallsBack)
checks_balance_first = _factory(ChecksBalanceFirst)
asks_for_the_ticker = _factory(AsksForTheTicker)
ignores_latency_budget = _factory(IgnoresLatencyBudget)
leaves_a_thread_running = _factory(LeavesAThreadRunning)
closes_but_leaves_a_thread_running = _factory(ClosesButLeavesAThreadRunning)


def on_the_wall_clock(config: RouterConfig, clients: Mapping[str, Any]) -> ReferenceRouter:
    """The reference router built by a factory that takes no clock: the gate runs it on the wall
    clock, and slow faults really take their time."""
    return ReferenceRouter(config, clients)


never_falls_back = _factory(NeverFallsBack)
pretends_success = _factory(PretendsSuccess)
distrusts_lookup = _factory(DistrustsLookup)
rejects_when_busy = _factory(RejectsWhenBusy)
