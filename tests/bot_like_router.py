"""A router that behaves like the bot's, for the self-tests (``bot_core`` is not installed here).

Written from upstream ``bot_core/execution/live_router.py`` (``LiveExecutionRouter``) and
``bot_core/exchanges/ccxt_adapter.py`` (``CCXTSpotAdapter``), FORMATS.md §6.1-6.3; none of their
code is copied. What it keeps, because PRE-7 must judge it:

- an event loop on its own thread, worker tasks on a queue, a per-exchange ``asyncio.Semaphore``,
  placements run with ``asyncio.to_thread``; ``close()`` stops the loop and its executor;
- ``ValueError`` for a live order without ``client_order_id``, before any exchange;
- "routes" mode (plan from the matching route: retries per exchange, truncated to the first
  exchange unless ``allow_cross_exchange_fallback``, a latency budget checked before each attempt
  on ``time_source``) and "plan" mode (only the first exchange, one attempt, no budget);
- errors mapped as the ccxt adapter maps them (any ccxt ``NetworkError`` - timeouts, 5xx, 429
  included - is a network error; other ccxt ``ExchangeError`` an API error with status 500);
- on a network or throttling error, reconciliation by ``fetch_order_by_client_id``, which looks
  among **open orders only** and answers ``None`` when the lookup fails: an order that filled
  before the timeout, or whose lookup failed, counts as not found and is placed again;
- backoff ``uniform(0, min(0.5, 0.05 * 2**(n-1)))`` seconds with a real ``asyncio.sleep``.

The wiring is the README's corrected adapter: the route's symbol translated to each exchange's
unified symbol, ``client_order_id`` sent as ``clientOrderId``, no adapter for a disabled exchange,
``ValueError`` reported as ``OrderRefused``. ``plan_mode`` wires it as production does
(``build_live_execution_service``: plan mode from the route's exchanges, refusing a plan that
names a disabled exchange).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import ccxt

from live_gate.router.protocol import (
    ExecutionContext,
    OrderRefused,
    OrderRequest,
    RouterConfig,
    RouterError,
    RouterResult,
)
from live_gate.router.reference import unified_symbol

# --------------------------------------------------------------------------- the adapter's errors


@dataclass
class ExchangeAPIError(Exception):
    message: str
    status_code: int | None = None


class ExchangeAuthError(ExchangeAPIError):
    pass


class ExchangeThrottlingError(ExchangeAPIError):
    pass


@dataclass
class ExchangeNetworkError(Exception):
    message: str
    reason: BaseException | None = None


@dataclass
class OrderResult:
    order_id: str
    status: str
    filled_quantity: float


class CcxtSpotAdapter:
    """Like ``CCXTSpotAdapter`` with ``client_order_id_param="clientOrderId"``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except ccxt.NetworkError as error:
            raise ExchangeNetworkError("Błąd sieci CCXT", error) from error
        except (ccxt.AuthenticationError, ccxt.PermissionDenied) as error:
            raise ExchangeAuthError("Błąd autoryzacji CCXT", 401) from error
        except ccxt.ExchangeError as error:
            raise ExchangeAPIError("Błąd CCXT", 500) from error

    def place_order(self, request: OrderRequest) -> OrderResult:
        symbol = unified_symbol(self.client, request.symbol)
        params = {"clientOrderId": request.client_order_id} if request.client_order_id else {}
        try:
            order = self._call(
                "create_order",
                symbol,
                request.order_type,
                request.side,
                request.quantity,
                request.price,
                params,
            )
        except (ExchangeNetworkError, ExchangeAPIError) as error:
            ambiguous = isinstance(error, ExchangeNetworkError | ExchangeThrottlingError) or (
                isinstance(error, ExchangeAPIError) and (error.status_code or 0) >= 500
            )
            if request.client_order_id and ambiguous:
                found = self.fetch_order_by_client_id(request.client_order_id, symbol=symbol)
                if found is not None:
                    return found
            raise
        return self._result(order)

    def fetch_order_by_client_id(self, client_order_id: str, *, symbol: str) -> OrderResult | None:
        try:
            orders = self._call("fetch_open_orders", symbol)
        except (ExchangeAPIError, ExchangeNetworkError):
            return None  # a failed lookup counts as "not found"
        for entry in orders:
            info = entry.get("info") or {}
            ids = {entry.get("clientOrderId"), info.get("clientOrderId"), info.get("cl_ord_id")}
            if client_order_id in ids:
                return self._result(entry)
        return None

    @staticmethod
    def _result(order: Mapping[str, Any]) -> OrderResult:
        return OrderResult(
            str(order.get("id") or ""),
            str(order.get("status", "unknown")),
            float(order.get("filled") or order.get("amount") or 0.0),
        )


# --------------------------------------------------------------------------- the router


@dataclass
class _Plan:
    name: str
    exchanges: tuple[tuple[str, int], ...]
    latency_budget_ms: float | None


@dataclass
class _Queued:
    request: OrderRequest
    context: ExecutionContext
    future: asyncio.Future[OrderResult]
    plan: _Plan


class BotLikeRouter:
    def __init__(
        self,
        adapters: Mapping[str, CcxtSpotAdapter],
        config: RouterConfig,
        *,
        mode: str,
        time_source: Any,
        worker_concurrency: int = 4,
    ) -> None:
        self.adapters = dict(adapters)
        self.config = config
        self.mode = mode
        self.time = time_source
        self.worker_concurrency = worker_concurrency
        self.bindings: dict[str, str] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._queue: asyncio.Queue[_Queued] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="BotLikeRouterLoop", daemon=True)
        self._thread.start()
        self._ready.wait()
        self._closed = False

    # ------------------------------------------------------------------ loop

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._queue = asyncio.Queue()
        self._workers = [
            self._loop.create_task(self._worker()) for _ in range(self.worker_concurrency)
        ]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            for task in self._workers:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*self._workers, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)

    # ------------------------------------------------------------------ execution

    def execute(self, request: OrderRequest, context: ExecutionContext) -> OrderResult:
        if self._closed:
            raise RuntimeError("LiveExecutionRouter został zamknięty")
        future = asyncio.run_coroutine_threadsafe(self._submit(request, context), self._loop)
        return future.result()

    async def _submit(self, request: OrderRequest, context: ExecutionContext) -> OrderResult:
        if context.environment == "live" and not (request.client_order_id or "").strip():
            raise ValueError(
                "LiveExecutionRouter wymaga client_order_id dla zleceń w środowisku live."
            )
        assert self._queue is not None
        future: asyncio.Future[OrderResult] = self._loop.create_future()
        await self._queue.put(_Queued(request, context, future, self._plan(request, context)))
        return await future

    def _plan(self, request: OrderRequest, context: ExecutionContext) -> _Plan:
        route = self.config.routes[0]
        if self.mode == "plan":
            return _Plan(route.name, ((route.exchanges[0], 1),), None)
        for candidate in self.config.routes:
            if candidate.symbols and request.symbol not in candidate.symbols:
                continue
            if candidate.risk_profiles and context.risk_profile not in candidate.risk_profiles:
                continue
            route = candidate
            break
        exchanges = tuple((e, max(1, route.max_retries_per_exchange)) for e in route.exchanges)
        if not route.allow_cross_exchange_fallback:
            exchanges = exchanges[:1]
        return _Plan(route.name, exchanges, route.latency_budget_ms)

    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            order = await self._queue.get()
            try:
                result = await self._process(order)
            except Exception as error:
                if not order.future.done():
                    order.future.set_exception(error)
            else:
                if not order.future.done():
                    order.future.set_result(result)

    def _semaphore(self, exchange: str) -> asyncio.Semaphore:
        if exchange not in self._semaphores:
            limit = self.config.per_exchange_concurrency.get(exchange, self.worker_concurrency)
            self._semaphores[exchange] = asyncio.Semaphore(limit)
        return self._semaphores[exchange]

    async def _process(self, order: _Queued) -> OrderResult:
        plan, request = order.plan, order.request
        start = self.time()
        last: Exception | None = None
        for exchange, retries in plan.exchanges:
            adapter = self.adapters.get(exchange)
            if adapter is None:
                continue  # adapter_missing
            attempt = 1
            while attempt <= retries:
                budget = plan.latency_budget_ms
                if budget is not None and (self.time() - start) * 1000 > budget:
                    last = last or TimeoutError("Przekroczono budżet opóźnień trasy")
                    break
                try:
                    async with self._semaphore(exchange):
                        result = await asyncio.to_thread(adapter.place_order, request)
                    if result.status.upper() in {"REJECTED", "CANCELLED", "CANCELED", "ERROR"}:
                        raise ExchangeAPIError(f"{exchange} odrzucił zlecenie", 422)
                    if not result.order_id:
                        raise ExchangeAPIError(f"{exchange} nie zwrócił identyfikatora", 500)
                except (ExchangeAuthError, ExchangeAPIError) as error:
                    if isinstance(error, ExchangeThrottlingError):
                        last = error
                    else:
                        raise
                except ExchangeNetworkError as error:
                    last = error
                except Exception as error:  # "unknown": retried and falls back, no reconcile
                    last = error
                    if attempt < retries:
                        await asyncio.sleep(_backoff(attempt))
                        attempt += 1
                        continue
                    break
                else:
                    self.bindings[result.order_id] = exchange
                    return result
                reconciled = await self._reconcile(adapter, request)
                if reconciled is not None:
                    self.bindings[reconciled.order_id] = exchange
                    return reconciled
                if attempt < retries:
                    await asyncio.sleep(_backoff(attempt))
                    attempt += 1
                    continue
                break
        if last is not None:
            raise last
        raise RuntimeError("Nie udało się zrealizować zlecenia – brak dostępnych giełd")

    @staticmethod
    async def _reconcile(adapter: CcxtSpotAdapter, request: OrderRequest) -> OrderResult | None:
        try:
            symbol = unified_symbol(adapter.client, request.symbol)
            return await asyncio.to_thread(
                adapter.fetch_order_by_client_id, str(request.client_order_id), symbol=symbol
            )
        except Exception:
            return None  # reconcile_failed: carry on


def _backoff(attempt: int) -> float:
    return random.uniform(0.0, min(0.5, 0.05 * 2 ** max(0, attempt - 1)))


# --------------------------------------------------------------------------- wiring


@dataclass
class GateAdapter:
    """The README's corrected adapter around the bot-like router: the gate's protocol."""

    router: BotLikeRouter

    def execute(self, request: OrderRequest, context: ExecutionContext) -> RouterResult:
        try:
            result = self.router.execute(request, context)
        except ValueError as error:
            raise OrderRefused(str(error)) from error
        except Exception as error:
            raise RouterError(f"{type(error).__name__}: {error}", []) from error
        return RouterResult(
            self.router.bindings.get(result.order_id), result.order_id, result.status
        )

    def close(self) -> None:
        self.router.close()


def _adapters(config: RouterConfig, clients: Mapping[str, Any]) -> dict[str, CcxtSpotAdapter]:
    return {
        name: CcxtSpotAdapter(client)
        for name, client in clients.items()
        if name not in config.disabled_exchanges
    }


def routes_mode(config: RouterConfig, clients: Mapping[str, Any], *, clock: Any) -> GateAdapter:
    """The bot's router as the README wires it: routes mode for core.yaml's routes, plan mode for
    runtime.yaml's plan."""
    mode = "plan" if config.mode == "plan" else "routes"
    return GateAdapter(
        BotLikeRouter(_adapters(config, clients), config, mode=mode, time_source=clock.monotonic)
    )


def plan_mode(config: RouterConfig, clients: Mapping[str, Any], *, clock: Any) -> GateAdapter:
    """The bot's router as production wires it (``build_live_execution_service``): plan mode,
    whose default route is the route's exchanges; a plan naming a disabled exchange is refused."""
    plan = config.routes[0].exchanges
    blocked = [name for name in plan if name in config.disabled_exchanges]
    if blocked:
        raise RuntimeError(
            "Domyślna trasa live zawiera giełdę niedozwoloną (disabled/deprecated): "
            + ", ".join(blocked)
        )
    config = replace(config, mode="plan")
    return GateAdapter(
        BotLikeRouter(_adapters(config, clients), config, mode="plan", time_source=clock.monotonic)
    )
