"""The router protocol: what the gate needs from any live execution router.

A factory builds a router from the route configuration and a set of exchange clients::

    def build_router(routes: RouterConfig, clients: Mapping[str, ccxt.Exchange],
                     *, clock: GateClock | None = None) -> Router

and the router executes one order in a context, reporting which exchange filled it and every
attempt made. ``clock`` is optional: a factory that takes it must use ``clock.monotonic()`` for its
latency budget and ``clock.sleep()`` for its backoff (faults that take time then cost none); one
that does not runs on the wall clock. A router that owns threads or an event loop has ``close()``,
which the gate calls once the scenario's orders are done. Adapting the bot's
``LiveExecutionRouter`` takes a few lines (README, "Plugging in the deployment's router").
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Route:
    """``execution.live_router.routes[*]`` (``RouteDefinition``, live_router.py:218-236)."""

    name: str
    exchanges: tuple[str, ...]
    symbols: tuple[str, ...] = ()
    risk_profiles: tuple[str, ...] = ()
    max_retries_per_exchange: int = 1
    latency_budget_ms: float = 250.0
    allow_cross_exchange_fallback: bool = False


CORE_SOURCE = "config/core.yaml execution.live_router"
RUNTIME_SOURCE = "config/runtime.yaml execution.live"


@dataclass(frozen=True)
class RouterConfig:
    routes: tuple[Route, ...]
    per_exchange_concurrency: Mapping[str, int] = field(default_factory=dict)
    disabled_exchanges: frozenset[str] = frozenset()
    # "routes": named routes (core.yaml execution.live_router, LiveExecutionRouter(routes=...));
    # "plan": the production plan of runtime.yaml execution.live (LiveExecutionRouter(
    # default_route=[...])), one route whose exchanges are the plan
    mode: str = "routes"
    source: str = CORE_SOURCE

    def route_for(self, symbol: str, risk_profile: str) -> Route | None:
        """Route selection as the bot's (live_router.py:1807-1830), without the metadata key."""
        for route in self.routes:
            if route.symbols and symbol not in route.symbols:
                continue
            if route.risk_profiles and risk_profile not in route.risk_profiles:
                continue
            return route
        return None


@dataclass(frozen=True)
class OrderRequest:
    symbol: str  # the route's symbol, e.g. BTCUSDT
    side: str
    quantity: float
    price: float | None = None
    order_type: str = "limit"
    client_order_id: str | None = None


@dataclass(frozen=True)
class ExecutionContext:
    environment: str  # "live" | "paper" | "testnet" | "demo"
    risk_profile: str
    portfolio_id: str = "gate"
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    exchange: str
    outcome: str  # filled | transient | ambiguous | reconciled | not_found | rejected | auth | ...
    error: str | None = None


@dataclass
class RouterResult:
    exchange: str | None
    order_id: str | None
    status: str
    attempts: list[Attempt] = field(default_factory=list)


class RouterError(Exception):
    """The order was not executed (or its fate is unknown); ``attempts`` says what was tried."""

    def __init__(
        self,
        message: str,
        attempts: list[Attempt],
        *,
        ambiguous: bool = False,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.ambiguous = ambiguous
        self.cause = cause


class OrderRefused(ValueError):
    """Refused before touching any exchange (e.g. no client_order_id in a live context)."""


class Router(Protocol):
    def execute(self, request: OrderRequest, context: ExecutionContext) -> RouterResult: ...


RouterFactory = Callable[..., Router]


def takes_clock(factory: Callable[..., Any]) -> bool:
    """Whether ``factory`` declares a ``clock`` parameter (``**kwargs`` is not a promise to use
    it: such a factory runs on the wall clock)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.name == "clock" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in parameters
    )


def load_factory(spec: str) -> Callable[..., Any]:
    """``"package.module:callable"``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"router factory {spec!r} is not 'module:callable'")
    module = importlib.import_module(module_name)
    factory = getattr(module, attribute)
    if not callable(factory):
        raise ValueError(f"router factory {spec!r} is not callable")
    return factory  # type: ignore[no-any-return]  # a plugin: checked by calling it


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),) if isinstance(value, str) and value else ()


def router_config(raw: Mapping[str, Any]) -> tuple[RouterConfig, list[str]]:
    """Read ``execution.live_router`` and ``exchange_lifecycle`` from the core config. A value
    that is not what ``RouteDefinition`` takes (a string for a number, ``"false"`` for a flag) is a
    problem, never coerced: ``bool("false")`` is true."""
    from live_gate.kit.values import describe_flag, describe_non_number, finite_number

    problems: list[str] = []
    section = _mapping(_mapping(raw.get("execution")).get("live_router"))
    routes = []
    items = section.get("routes")
    for index, item in enumerate(items if isinstance(items, list) else []):
        where = f"execution.live_router.routes[{index}]"
        if not isinstance(item, dict) or not item.get("name") or not item.get("exchanges"):
            problems.append(f"{where} has no name or exchanges")
            continue
        retries = item.get("max_retries_per_exchange", 1)
        budget = item.get("latency_budget_ms", 250.0)
        fallback = item.get("allow_cross_exchange_fallback", False)
        bad = []
        if finite_number(retries) is None or float(retries) != int(retries):
            bad.append(f"max_retries_per_exchange is {describe_non_number(retries)}")
        if finite_number(budget) is None or float(budget) <= 0:
            bad.append(f"latency_budget_ms is {describe_non_number(budget)}")
        if not isinstance(fallback, bool):
            bad.append(f"allow_cross_exchange_fallback is {describe_flag(fallback)}")
        if bad:
            problems.append(f"{where} ({item['name']}): " + "; ".join(bad))
            continue
        routes.append(
            Route(
                name=str(item["name"]),
                exchanges=_sequence(item["exchanges"]),
                symbols=_sequence(item.get("symbols")),
                risk_profiles=_sequence(item.get("risk_profiles")),
                max_retries_per_exchange=max(1, int(retries)),
                latency_budget_ms=float(budget),
                allow_cross_exchange_fallback=fallback,
            )
        )
    qos = _mapping(section.get("qos"))
    concurrency = {}
    for name, value in _mapping(qos.get("per_exchange_concurrency")).items():
        if finite_number(value) is None or float(value) != int(value) or int(value) < 1:
            problems.append(
                f"execution.live_router.qos.per_exchange_concurrency.{name} is "
                f"{describe_non_number(value)}, not a whole number of orders"
            )
            continue
        concurrency[str(name)] = int(value)
    lifecycle = _mapping(raw.get("exchange_lifecycle"))
    disabled = frozenset(
        str(name)
        for name, state in lifecycle.items()
        if isinstance(state, dict)
        and str(state.get("status", "active")).lower() in ("disabled", "deprecated")
    )
    return RouterConfig(tuple(routes), concurrency, disabled), problems
